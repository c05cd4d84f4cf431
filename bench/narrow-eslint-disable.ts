/**
 * What `quickwins narrow-eslint-disable` costs against what a user runs anyway: one plain `eslint` over the same
 * files. Target: at most 1.5× its wall time.
 *
 * The corpus is generated (seeded, so every run lints the same text) into a temp git repository: service files
 * with functions and comments, linted with `@eslint/js` recommended plus a few rules; a share of them carry blanket
 * directives of every form (file-level and regions with a bare `eslint-enable`, `-line`, `-next-line`, with and
 * without reasons), some hiding problems and some hiding nothing. `--dir` measures an existing project instead (its
 * own ESLint and config; `--paths` to pick folders), e.g. a checkout of a public repository.
 *
 *   npm run build && npx tsx bench/narrow-eslint-disable.ts                  (500 files, 3 runs, median)
 *   npx tsx bench/narrow-eslint-disable.ts --share 1                         (the worst case: a directive in every file)
 *   npx tsx bench/narrow-eslint-disable.ts --files 1000 --share 0.5 --runs 5
 *   npx tsx bench/narrow-eslint-disable.ts --dir ../some-project --paths lib,test
 *
 * Three commands, alternating in each run: plain `eslint --format json <paths>` as a user runs it (one thread: no
 * `--concurrency`), the codemod on one thread (`--dry --json --workers 0`), and on worker threads besides the main one
 * (`--workers <n>`, default cores − 1, what its default gives on an idle machine; a loaded one gets fewer). The codemod lints every file with a blanket directive twice even in a dry
 * run (the rewrite is checked in memory). The generated corpus has ESLint and `@eslint/js` in its node_modules and
 * nothing else, as its package.json says; `--prettier` adds prettier, formats the corpus with it first (a prettier
 * user's files are prettier-clean) and so also measures the runner formatting each changed file.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { seededRandom } from './support/random.js';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const bin = join(repoRoot, 'dist', 'cli', 'bin.js');

const { values: args } = parseArgs({
  options: {
    files: { type: 'string', default: '500' },
    share: { type: 'string', default: '0.4' },
    runs: { type: 'string', default: '3' },
    seed: { type: 'string', default: '13' },
    dir: { type: 'string' },
    paths: { type: 'string', default: '.' },
    keep: { type: 'boolean', default: false },
    prettier: { type: 'boolean', default: false },
    workers: { type: 'string', default: String(availableParallelism() - 1) },
  },
});

const CONFIG = `import js from '@eslint/js';

export default [
  js.configs.recommended,
  {
    languageOptions: { ecmaVersion: 'latest', sourceType: 'module', globals: { console: 'readonly', process: 'readonly' } },
    rules: { eqeqeq: 'error', 'no-var': 'error', 'prefer-const': 'error', 'no-console': 'warn', curly: 'error' },
  },
];
`;

/** One service file; with `blanket`, 1 to 4 blanket directives of mixed forms. Returns the text and the directive count. */
function generateFile(index: number, blanket: boolean, next: () => number): { text: string; directives: number } {
  const chance = (p: number): boolean => next() < p;
  const lines: string[] = [];
  let directives = 0;
  if (blanket && chance(0.3)) {
    lines.push(chance(0.5) ? '/* eslint-disable */' : '/* eslint-disable -- generated once, edited since */');
    directives++;
  }
  lines.push(
    `// Service ${index}: generated for the narrow-eslint-disable benchmark.`,
    "import { readFile } from 'node:fs/promises';",
    '',
  );
  const functions = 5 + Math.floor(next() * 8);
  for (let f = 0; f < functions; f++) {
    const region = blanket && directives < 4 && chance(0.15);
    if (region) {
      lines.push('/* eslint-disable */');
      directives++;
    }
    lines.push(`/** Loads part ${f} of service ${index}. */`, `export async function load${index}_${f}(path, limit) {`);
    const statements = 3 + Math.floor(next() * 6);
    for (let s = 0; s < statements; s++) {
      const line = blanket && directives < 4 && chance(0.12) ? (chance(0.5) ? 'line' : 'next') : undefined;
      if (line === 'next') {
        lines.push(chance(0.5) ? '  // eslint-disable-next-line' : '  // eslint-disable-next-line -- checked by hand');
        directives++;
      }
      const statement = pickStatement(next, s);
      lines.push(line === 'line' ? `${statement} // eslint-disable-line` : statement);
      if (line === 'line') directives++;
    }
    lines.push('  return limit;', '}', '');
    if (region && chance(0.7)) lines.push('/* eslint-enable */', '');
  }
  return { text: `${lines.join('\n')}\n`, directives };
}

/** Statements, some of which a rule reports (eqeqeq, no-var, prefer-const, no-console, curly, no-unused-vars, no-empty). */
function pickStatement(next: () => number, index: number): string {
  const choices = [
    `  const text${index} = await readFile(path, 'utf8');`,
    `  if (limit == ${index}) limit = ${index + 1};`,
    `  var count${index} = limit + ${index};`,
    `  let fixed${index} = ${index}; limit += fixed${index};`,
    `  console.log('step ${index}', limit);`,
    `  if (limit > ${index}) limit -= 1`,
    `  const unused${index} = limit * 2;`,
    `  try { limit += 1; } catch (error) {}`,
    `  limit = Math.min(limit, ${index + 10});`,
  ];
  return choices[Math.floor(next() * choices.length)] as string;
}

function generateCorpus(): { dir: string; directives: number; files: number } {
  const dir = mkdtempSync(join(tmpdir(), 'quickwins-narrow-bench-'));
  const next = seededRandom(Number(args.seed));
  const count = Number(args.files);
  const share = Number(args.share);
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'package.json'), '{ "name": "narrow-bench", "private": true, "type": "module" }\n');
  writeFileSync(join(dir, 'eslint.config.js'), CONFIG);
  writeFileSync(join(dir, '.gitignore'), 'node_modules\n');
  // Only what the corpus declares: a link to all of quickwins' node_modules would also bring its prettier, which the
  // runner then uses to format every changed file (a cost of its own, measured with --prettier).
  const packages = ['eslint', '@eslint/js', ...(args.prettier ? ['prettier'] : [])];
  for (const name of packages) {
    mkdirSync(dirname(join(dir, 'node_modules', name)), { recursive: true });
    symlinkSync(join(repoRoot, 'node_modules', name), join(dir, 'node_modules', name), 'dir');
  }
  let directives = 0;
  for (let index = 0; index < count; index++) {
    const file = generateFile(index, next() < share, next);
    directives += file.directives;
    writeFileSync(join(dir, 'src', `service-${index}.js`), file.text);
  }
  if (args.prettier) {
    const prettierBin = join(repoRoot, 'node_modules', 'prettier', 'bin', 'prettier.cjs');
    const formatted = spawnSync(process.execPath, [prettierBin, '--write', '--log-level', 'warn', 'src'], {
      cwd: dir,
      encoding: 'utf8',
    });
    if (formatted.status !== 0) throw new Error(`prettier --write failed: ${formatted.stderr}`);
  }
  spawnSync('git', ['init', '-q'], { cwd: dir });
  spawnSync('git', ['add', '-A'], { cwd: dir });
  spawnSync('git', ['-c', 'user.name=bench', '-c', 'user.email=bench@example.invalid', 'commit', '-qm', 'corpus'], {
    cwd: dir,
  });
  return { dir, directives, files: count };
}

/** GNU time, when installed: the child's CPU seconds (user + system), which a loaded machine distorts less than wall time. */
const GNU_TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

function timed(
  command: string,
  commandArgs: readonly string[],
  cwd: string,
): { ms: number; cpuMs?: number; stdout: string; status: number | null } {
  const cpuFile = join(tmpdir(), `quickwins-narrow-bench-cpu-${process.pid}`);
  const [program, programArgs] = GNU_TIME
    ? [GNU_TIME, ['-f', '%U %S', '-o', cpuFile, command, ...commandArgs]]
    : [command, [...commandArgs]];
  const start = performance.now();
  const result = spawnSync(program, programArgs, { cwd, encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
  const ms = performance.now() - start;
  const cpuMs = GNU_TIME
    ? (readFileSync(cpuFile, 'utf8').trim().split('\n').at(-1) ?? '')
        .split(/\s+/)
        .reduce((total, seconds) => total + Number(seconds) * 1000, 0)
    : undefined;
  rmSync(cpuFile, { force: true });
  return { ms, cpuMs, stdout: result.stdout, status: result.status };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

const generated = args.dir === undefined ? generateCorpus() : undefined;
const projectDir = generated?.dir ?? resolve(args.dir as string);
const paths = args.paths.split(',');
// The project's own ESLint, as `npx eslint` runs it (its bin is not among the package's exports).
const eslintBin = join(
  dirname(createRequire(join(projectDir, 'package.json')).resolve('eslint/package.json')),
  'bin',
  'eslint.js',
);
console.log(
  `load average at start: ${loadavg()
    .map((load) => load.toFixed(2))
    .join(' ')}`,
);
if (generated)
  console.log(`corpus: ${generated.files} files, ${generated.directives} blanket directives, in ${generated.dir}`);

interface Arm {
  readonly name: string;
  readonly args: readonly string[];
  readonly ms: number[];
  readonly cpuMs: number[];
  workers?: number;
}
const arms: Arm[] = [
  { name: 'eslint', args: [eslintBin, '--format', 'json', ...paths], ms: [], cpuMs: [] },
  {
    name: 'narrow-eslint-disable --dry --workers 0',
    args: [bin, 'narrow-eslint-disable', '--dry', '--json', '--workers', '0', ...paths],
    ms: [],
    cpuMs: [],
  },
  {
    name: `narrow-eslint-disable --dry --workers ${args.workers}`,
    args: [bin, 'narrow-eslint-disable', '--dry', '--json', '--workers', args.workers, ...paths],
    ms: [],
    cpuMs: [],
  },
];
const [eslintArm] = arms as [Arm];
let report: { workers: number; totals: { rewrittenSites: number; changed: number; leftSites: number } } | undefined;
const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
for (let run = 0; run < Number(args.runs); run++) {
  // Alternating, so that a change in the machine's load hits every arm alike.
  const line: string[] = [];
  for (const arm of arms) {
    const result = timed(process.execPath, arm.args, projectDir);
    if (arm === eslintArm ? result.status === 2 : result.status !== 0)
      throw new Error(`${arm.name} exited ${result.status} in ${projectDir}`);
    arm.ms.push(result.ms);
    if (result.cpuMs !== undefined) arm.cpuMs.push(result.cpuMs);
    if (arm !== eslintArm) {
      report = JSON.parse(result.stdout) as typeof report;
      arm.workers = report?.workers;
    }
    const workers = arm.workers === undefined ? '' : `, ${arm.workers} worker(s)`;
    line.push(
      `${arm.name} ${seconds(result.ms)}${result.cpuMs === undefined ? '' : ` (CPU ${seconds(result.cpuMs)}${workers})`}`,
    );
  }
  console.log(`run ${run + 1} (load ${loadavg()[0]?.toFixed(2)}): ${line.join('; ')}`);
}
for (const arm of arms) {
  const wall = median(arm.ms);
  const cpu = arm.cpuMs.length > 0 ? median(arm.cpuMs) : undefined;
  const ratio =
    arm === eslintArm
      ? ''
      : `: ${(wall / median(eslintArm.ms)).toFixed(2)}× wall${cpu === undefined ? '' : `, ${(cpu / median(eslintArm.cpuMs)).toFixed(2)}× CPU`}`;
  const workers = arm.workers === undefined ? '' : ` on ${arm.workers} worker(s) + the main thread`;
  console.log(
    `median ${arm.name}${workers}: ${seconds(wall)} wall${cpu === undefined ? '' : `, ${seconds(cpu)} CPU`}${ratio}`,
  );
}
console.log(
  `target ≤ 1.5× wall; ${report?.totals.rewrittenSites} directives rewritten or removed in ${report?.totals.changed} files, ${report?.totals.leftSites} left`,
);
console.log(
  `load average at end: ${loadavg()
    .map((load) => load.toFixed(2))
    .join(' ')}`,
);
if (generated && generated.directives < 200)
  console.log('warning: fewer than 200 blanket directives in the corpus; raise --files or --share');
if (generated && !args.keep) rmSync(generated.dir, { recursive: true, force: true });
