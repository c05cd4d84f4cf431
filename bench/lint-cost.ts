/**
 * What the quickwins rules cost inside a real `eslint` run, measured by ESLint itself (`TIMING=all` per rule,
 * `--stats` for each file's whole lint time: parse + rules + fixes).
 *
 * - `quickwins/no-blanket-disable` vs `@eslint-community/eslint-comments/no-unlimited-disable` on the same files.
 *   Target: ours costs no more.
 * - `quickwins/no-raw-pool-connect` (no type information) as a share of the total lint time with a typical config
 *   (`@eslint/js` recommended + both comment rules). Target: < 3 %.
 *
 * The corpus is generated (seeded, so every run lints the same text) into a temp folder: service files
 * with functions, classes and comments; some with pg pools, named and blanket directives and decoys. `--dir` lints
 * an existing folder of .js files instead, e.g. real code. Uses the built plugin: `npm run build` first.
 *
 *   npx tsx bench/lint-cost.ts                     (600 generated files, 3 runs, median)
 *   npx tsx bench/lint-cost.ts --files 2000 --runs 5
 *   npx tsx bench/lint-cost.ts --dir node_modules/eslint/lib
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { seededRandom as random } from './support/random.js';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
// A private temp folder (other benchmarks may clear bench/.corpus while this one runs); removed at the end.
const corpusDir = mkdtempSync(join(tmpdir(), 'quickwins-lint-cost-'));

const { values: args } = parseArgs({
  options: {
    files: { type: 'string', default: '600' },
    runs: { type: 'string', default: '3' },
    dir: { type: 'string' },
    seed: { type: 'string', default: '42' },
  },
});

const RULES = {
  ours: 'quickwins/no-blanket-disable',
  theirs: '@eslint-community/eslint-comments/no-unlimited-disable',
  pool: 'quickwins/no-raw-pool-connect',
} as const;

// ---------------------------------------------------------------------------------------------
// Corpus
// ---------------------------------------------------------------------------------------------

function generateFile(index: number, next: () => number): string {
  const chance = (p: number): boolean => next() < p;
  const lines: string[] = [];
  if (chance(0.05)) lines.push('/* eslint-disable */');
  lines.push(`// Service ${index}: generated for the lint-cost benchmark.`);
  lines.push("import { readFile } from 'node:fs/promises';");
  const usesPool = chance(0.2);
  if (usesPool) lines.push("import pg from 'pg';", '', 'const pool = new pg.Pool({ max: 10 });');
  if (chance(0.1))
    lines.push("import net from 'node:net';", 'const socket = net.connect({ port: 6379 }); // a decoy: not a pool');
  lines.push('');
  const functions = 6 + Math.floor(next() * 8);
  for (let f = 0; f < functions; f++) {
    const name = `helper${index}_${f}`;
    lines.push(
      '/**',
      ` * ${name}: merges records and counts the ones that changed.`,
      ' * @param {object[]} records',
      ' */',
    );
    if (chance(0.15)) lines.push('// eslint-disable-next-line no-unused-vars -- kept for the public API');
    lines.push(`export function ${name}(records, options = {}) {`);
    lines.push('  const seen = new Map();', '  let changed = 0;');
    lines.push('  for (const record of records) {');
    lines.push('    const key = `${record.type}:${record.id}`;');
    lines.push('    if (seen.has(key) && seen.get(key).version >= record.version) continue;');
    lines.push(chance(0.05) ? '    seen.set(key, record); // eslint-disable-line' : '    seen.set(key, record);');
    lines.push('    changed += record.dirty ? 1 : 0;', '  }');
    lines.push("  const label = options.label ?? 'records';");
    lines.push('  const text = `merged ${seen.size} ${label}, ${changed} changed`;');
    lines.push('  return { merged: [...seen.values()].sort((a, b) => a.id - b.id), changed, text };', '}', '');
  }
  lines.push(
    `export class Repository${index} {`,
    '  constructor(db) {',
    '    this.db = db;',
    '    this.cache = new Map();',
    '  }',
    '',
  );
  lines.push(
    '  async load(path) {',
    "    const raw = await readFile(path, 'utf8');",
    '    return JSON.parse(raw);',
    '  }',
    '',
  );
  lines.push('  async byId(id) {', '    if (this.cache.has(id)) return this.cache.get(id);');
  lines.push(
    "    const { rows } = await this.db.query('select * from items where id = $1', [id]); // a decoy: db is not known to be a pool",
  );
  lines.push('    this.cache.set(id, rows[0]);', '    return rows[0];', '  }', '}', '');
  if (usesPool) {
    lines.push('export async function countUsers() {');
    lines.push("  const { rows } = await pool.query('select count(*) from users');");
    lines.push('  return Number(rows[0].count);', '}', '');
    lines.push(
      'export async function transfer(from, to, amount) {',
      '  const client = await pool.connect();',
      '  try {',
    );
    lines.push("    await client.query('begin');");
    lines.push("    await client.query('update accounts set balance = balance - $1 where id = $2', [amount, from]);");
    lines.push("    await client.query('update accounts set balance = balance + $1 where id = $2', [amount, to]);");
    lines.push("    await client.query('commit');", '  } finally {', '    client.release();', '  }', '}', '');
  }
  lines.push(
    `const message = "/* eslint-disable */ is text in a string here, not a directive";`,
    'export default message;',
    '',
  );
  return lines.join('\n');
}

function writeCorpus(files: number, seed: number): string {
  rmSync(corpusDir, { recursive: true, force: true });
  mkdirSync(join(corpusDir, 'src'), { recursive: true });
  const next = random(seed);
  for (let index = 0; index < files; index++)
    writeFileSync(join(corpusDir, 'src', `service-${index}.js`), generateFile(index, next));
  return join(corpusDir, 'src');
}

// ---------------------------------------------------------------------------------------------
// Measuring
// ---------------------------------------------------------------------------------------------

function writeConfig(): string {
  const configPath = join(corpusDir, 'eslint.config.js');
  // A private copy of the built plugin: a rebuild of dist/ during the runs (npm test elsewhere) cannot pull it away.
  // Its bare imports resolve through a link to the repository's node_modules.
  cpSync(join(repoRoot, 'dist/eslint-plugin/index.js'), join(corpusDir, 'quickwins-eslint-plugin.js'));
  if (!existsSync(join(corpusDir, 'node_modules')))
    symlinkSync(join(repoRoot, 'node_modules'), join(corpusDir, 'node_modules'), 'dir');
  writeFileSync(
    configPath,
    [
      "import js from '@eslint/js';",
      "import comments from '@eslint-community/eslint-plugin-eslint-comments';",
      "import quickwins from './quickwins-eslint-plugin.js';",
      '',
      'export default [',
      '  js.configs.recommended,',
      "  { languageOptions: { globals: { console: 'readonly' } }, linterOptions: { reportUnusedDisableDirectives: 'off' } },",
      "  { plugins: { '@eslint-community/eslint-comments': comments }, rules: { '@eslint-community/eslint-comments/no-unlimited-disable': 'error' } },",
      '  quickwins.configs.recommended,',
      '];',
      '',
    ].join('\n'),
  );
  return configPath;
}

interface Measurement {
  /** ms per rule, from ESLint's TIMING table. */
  readonly ruleTimes: Map<string, number>;
  /** Σ over files of ESLint's per-file total (parse + rules + fix), ms. */
  readonly lintTotal: number;
  readonly wall: number;
  readonly problems: Map<string, number>;
}

function measure(configPath: string, target: string): Measurement {
  const statsFile = join(corpusDir, 'stats.json');
  const started = performance.now();
  const result = spawnSync(
    process.execPath,
    [
      join(repoRoot, 'node_modules/eslint/bin/eslint.js'),
      '--config',
      configPath,
      '--stats',
      '--format',
      'json',
      '--output-file',
      statsFile,
      target,
    ],
    { cwd: corpusDir, encoding: 'utf8', env: { ...process.env, TIMING: 'all' }, maxBuffer: 64 * 1024 * 1024 },
  );
  const wall = performance.now() - started;
  if (result.status === 2 || !existsSync(statsFile))
    throw new Error(`eslint failed (${result.status}):\n${result.stderr}`);
  const ruleTimes = new Map<string, number>();
  for (const line of result.stdout.split('\n')) {
    const cells = line.split('|').map((cell) => cell.trim());
    const time = Number(cells[1]);
    if (cells.length === 3 && cells[0] && Number.isFinite(time)) ruleTimes.set(cells[0], time);
  }
  type FileStats = { messages: { ruleId: string | null }[]; stats?: { times: { passes: { total: number }[] } } };
  const files = JSON.parse(readFileSync(statsFile, 'utf8')) as FileStats[];
  let lintTotal = 0;
  const problems = new Map<string, number>();
  for (const file of files) {
    for (const pass of file.stats?.times.passes ?? []) lintTotal += pass.total;
    for (const message of file.messages)
      problems.set(message.ruleId ?? '(eslint)', (problems.get(message.ruleId ?? '(eslint)') ?? 0) + 1);
  }
  return { ruleTimes, lintTotal, wall, problems };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function main(): void {
  if (!existsSync(join(repoRoot, 'dist/eslint-plugin/index.js'))) throw new Error('build first: npm run build');
  let target: string;
  let description: string;
  if (args.dir) {
    target = join(corpusDir, 'src');
    rmSync(target, { recursive: true, force: true });
    mkdirSync(dirname(target), { recursive: true });
    cpSync(join(repoRoot, args.dir), target, {
      recursive: true,
      filter: (source) => !source.includes('node_modules') || source === join(repoRoot, args.dir!),
    });
    description = `${args.dir} (copied)`;
  } else {
    const files = Number(args.files);
    target = writeCorpus(files, Number(args.seed));
    description = `${files} generated files`;
  }
  const configPath = writeConfig();
  const runs = Number(args.runs);
  measure(configPath, target); // warm-up: file cache, JIT
  const measurements = Array.from({ length: runs }, () => measure(configPath, target));
  const time = (rule: string): number => median(measurements.map((m) => m.ruleTimes.get(rule) ?? Number.NaN));
  const lintTotal = median(measurements.map((m) => m.lintTotal));
  const wall = median(measurements.map((m) => m.wall));

  const ours = time(RULES.ours);
  const theirs = time(RULES.theirs);
  const pool = time(RULES.pool);
  const problems = measurements[0]!.problems;
  const format = (ms: number): string => `${ms.toFixed(1)} ms`;
  console.log(`\nlint-cost: ${description}, median of ${runs} runs (after one warm-up), ESLint TIMING=all + --stats`);
  console.log(
    `  total lint time (Σ per-file parse + rules + fix): ${format(lintTotal)}; wall clock per eslint run: ${format(wall)}`,
  );
  console.log('');
  console.log('| rule | time | share of total lint time | problems |');
  console.log('| --- | ---: | ---: | ---: |');
  for (const rule of [RULES.ours, RULES.theirs, RULES.pool]) {
    console.log(
      `| \`${rule}\` | ${format(time(rule))} | ${((time(rule) / lintTotal) * 100).toFixed(2)} % | ${problems.get(rule) ?? 0} |`,
    );
  }
  console.log('');
  const blanketOk = ours <= theirs;
  const poolShare = (pool / lintTotal) * 100;
  console.log(
    `no-blanket-disable / no-unlimited-disable = ${(ours / theirs).toFixed(2)}  (target ≤ 1): ${blanketOk ? 'met' : 'MISSED'}`,
  );
  console.log(
    `no-raw-pool-connect share = ${poolShare.toFixed(2)} %  (target < 3 %): ${poolShare < 3 ? 'met' : 'MISSED'}`,
  );
}

try {
  main();
} finally {
  rmSync(corpusDir, { recursive: true, force: true });
}
