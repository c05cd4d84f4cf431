/**
 * Speed of the codemod runner on a generated corpus of TypeScript files (bench/.corpus/, gitignored):
 *
 *   1. `quickwins pool-backpressure --dry --no-types` against jscodeshift running the same transform
 *      (`codemods/pool-backpressure.cjs`) with `--dry --parser=tsx`, both over the whole corpus.
 *      Target: quickwins ≥ 3× faster wall time. jscodeshift is timed as shipped (its default --babel)
 *      and with --no-babel.
 *      Also against a conventional jscodeshift transform of the same rewrite (bench/jscodeshift-conventional.cjs:
 *      recast parse, find by receiver name, reprint), which is what jscodeshift alone costs a team without quickwins.
 *   2. Type-aware `quickwins pool-backpressure --dry` against `tsc --noEmit -p` on the same project.
 *      Target: ≤ 2× tsc.
 *   3. quickwins on the main thread only (`--workers 0`) against one forced worker thread (`--workers 1`).
 *
 * quickwins runs with `--no-format` in every arm but one: the corpus sits inside this repository, whose prettier the
 * runner would otherwise use to re-format each changed file that was prettier-clean (src/cli/format.ts), and
 * jscodeshift formats nothing. The one arm with formatting on says what a project with prettier pays on top.
 *
 * Every arm reads the whole corpus and prints nothing (stdout to /dev/null); one untimed warm-up round first.
 *
 *   npm run build && npx tsx bench/codemod-speed.ts              (2,000 files, 3 timed runs each)
 *   FILES=5000 RUNS=5 npx tsx bench/codemod-speed.ts
 *
 * Uses hyperfine when it is on PATH, plain repeated timing (median of RUNS) otherwise.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const CORPUS = join(ROOT, 'bench', '.corpus', 'app');
const FILES = Number(process.env.FILES ?? 2000);
const RUNS = Number(process.env.RUNS ?? 3);
const BIN = join(ROOT, 'dist', 'cli', 'bin.js');
const TRANSFORM = join(ROOT, 'codemods', 'pool-backpressure.cjs');
const JSCODESHIFT = join(ROOT, 'node_modules', '.bin', 'jscodeshift');
const TSC = join(ROOT, 'node_modules', '.bin', 'tsc');

// ---------------------------------------------------------------------------------------------
// The corpus: a service with one pool and many modules. About a quarter use the pool (every form
// the codemod rewrites), a few are decoys (a home-grown Pool, a pg Client), the rest are ordinary
// code, some of which mention `.query`/`.connect` on other objects and so pass the text pre-filter.

function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function repositoryModule(index: number, next: () => number): string {
  const entity = `Entity${index}`;
  const table = `table_${index}`;
  const variants = [
    `export async function load${index}(id: number): Promise<${entity} | undefined> {
  const client = await pool.connect();
  try {
    const { rows } = await client.query<${entity}>('select * from ${table} where id = $1', [id]);
    return rows[0];
  } finally {
    client.release();
  }
}`,
    `export async function list${index}(): Promise<${entity}[]> {
  const { rows } = await pool.query<${entity}>('select * from ${table} order by id limit 100');
  return rows;
}`,
    `export function count${index}(): Promise<number> {
  return pool.connect().then(async (client) => {
    try {
      const result = await client.query<{ n: string }>('select count(*) as n from ${table}');
      return Number(result.rows[0]?.n ?? 0);
    } finally {
      client.release();
    }
  });
}`,
    `export class ${entity}Store {
  constructor(private readonly pool: Pool) {}

  async remove(id: number): Promise<void> {
    await this.pool.query('delete from ${table} where id = $1', [id]);
  }
}`,
  ];
  const chosen = variants.filter(() => next() < 0.6);
  if (chosen.length === 0) chosen.push(variants[index % variants.length] as string);
  return `import type { Pool } from 'pg';
import { pool } from '../db.js';

export interface ${entity} {
  id: number;
  name: string;
  createdAt: Date;
}

${chosen.join('\n\n')}

export function describe${index}(row: ${entity}): string {
  // Formatting helper kept next to the queries that return the rows.
  return \`\${row.id}: \${row.name} (\${row.createdAt.toISOString()})\`;
}
`;
}

function decoyModule(index: number): string {
  return `import { Client } from 'pg';

class Pool {
  private open = 0;
  connect(): Promise<number> {
    this.open++;
    return Promise.resolve(this.open);
  }
  query(text: string): string {
    return text.trim();
  }
}

const workers = new Pool();

export async function decoy${index}(): Promise<string> {
  const client = new Client();
  await client.connect();
  await client.query('select ${index}');
  await workers.connect();
  return workers.query('noop ${index}');
}
`;
}

function plainModule(index: number, next: () => number): string {
  const mentionsQuery = next() < 0.3;
  const helpers = Array.from(
    { length: 3 + Math.floor(next() * 5) },
    (_, n) => `export function helper${index}_${n}(values: readonly number[]): number {
  let total = 0;
  for (const value of values) {
    if (value % ${n + 2} === 0) total += value * ${n + 1};
    else total -= value;
  }
  return total;
}`,
  ).join('\n\n');
  const urlPart = mentionsQuery
    ? `\nexport function search${index}(url: URL): string | null {
  // URLSearchParams, not a database: the pre-filter lets it through, the codemod leaves it.
  const params = new URLSearchParams(url.search);
  return params.get('query') ?? url.searchParams.get('q') ?? document.query(url.href);
}

declare const document: { query(href: string): string | null };
`
    : '';
  return `export const MODULE_${index} = ${index};

export interface Options${index} {
  readonly retries: number;
  readonly label: string;
}

${helpers}
${urlPart}`;
}

function generateCorpus(): void {
  rmSync(CORPUS, { recursive: true, force: true });
  mkdirSync(join(CORPUS, 'src', 'repositories'), { recursive: true });
  mkdirSync(join(CORPUS, 'src', 'decoys'), { recursive: true });
  mkdirSync(join(CORPUS, 'src', 'lib'), { recursive: true });
  writeFileSync(
    join(CORPUS, 'tsconfig.json'),
    JSON.stringify(
      {
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: ['node'],
        },
        include: ['src'],
      },
      null,
      2,
    ),
  );
  writeFileSync(
    join(CORPUS, 'src', 'db.ts'),
    "import pg from 'pg';\n\nexport const pool = new pg.Pool({ max: 20 });\n",
  );
  const next = random(42);
  for (let index = 0; index < FILES - 1; index++) {
    const roll = next();
    if (roll < 0.25)
      writeFileSync(join(CORPUS, 'src', 'repositories', `repository-${index}.ts`), repositoryModule(index, next));
    else if (roll < 0.3) writeFileSync(join(CORPUS, 'src', 'decoys', `decoy-${index}.ts`), decoyModule(index));
    else writeFileSync(join(CORPUS, 'src', 'lib', `module-${index}.ts`), plainModule(index, next));
  }
}

// ---------------------------------------------------------------------------------------------
// Timing.

interface Timing {
  readonly name: string;
  readonly command: string;
  readonly medianMs: number;
  readonly minMs: number;
  readonly runs: number[];
}

interface Arm {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
}

const hasHyperfine = spawnSync('hyperfine', ['--version']).status === 0;

/**
 * Times every arm RUNS times after one warm-up round. Without hyperfine the arms are interleaved round by
 * round (A B C, A B C, ...), so load from other processes on a shared machine falls on all arms alike.
 */
function timeArms(arms: readonly Arm[]): Timing[] {
  const display = (arm: Arm) => [arm.command, ...arm.args].map((part) => part.replace(ROOT, '')).join(' ');
  if (hasHyperfine) {
    return arms.map((arm) => {
      const exportPath = join(ROOT, 'bench', '.corpus', 'hyperfine.json');
      const shellCommand = [arm.command, ...arm.args].map((part) => `'${part}'`).join(' ');
      execFileSync(
        'hyperfine',
        ['--warmup', '1', '--runs', String(RUNS), '-i', '--export-json', exportPath, shellCommand],
        { stdio: 'ignore' },
      );
      const { results } = JSON.parse(readFileSync(exportPath, 'utf8')) as { results: { times: number[] }[] };
      return summarize(
        arm.name,
        display(arm),
        (results[0]?.times ?? []).map((secondsTaken) => secondsTaken * 1000),
      );
    });
  }
  const runs = arms.map(() => [] as number[]);
  for (let round = -1; round < RUNS; round++) {
    arms.forEach((arm, index) => {
      const elapsed = runOnce(arm.command, arm.args);
      if (round >= 0) runs[index]?.push(elapsed);
    });
  }
  return arms.map((arm, index) => summarize(arm.name, display(arm), runs[index] ?? []));
}

function runOnce(command: string, args: readonly string[]): number {
  const start = performance.now();
  const result = spawnSync(command, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 30 });
  const elapsed = performance.now() - start;
  if (result.status !== 0)
    throw new Error(`${command} ${args.join(' ')} exited ${result.status}: ${String(result.stderr).slice(-2000)}`);
  return elapsed;
}

function summarize(name: string, command: string, runs: number[]): Timing {
  const sorted = [...runs].sort((a, b) => a - b);
  const medianMs = sorted[Math.floor(sorted.length / 2)] ?? NaN;
  return { name, command, medianMs, minMs: sorted[0] ?? NaN, runs };
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

// ---------------------------------------------------------------------------------------------

if (!existsSync(BIN) || !existsSync(TRANSFORM))
  throw new Error('run `npm run build` first (dist/cli/bin.js, codemods/pool-backpressure.cjs)');
generateCorpus();

// What the runner sees on this corpus: files, how many pass the pre-filter, sites.
const probe = JSON.parse(
  execFileSync(process.execPath, [BIN, 'pool-backpressure', '--dry', '--json', '--no-types', CORPUS], {
    maxBuffer: 1 << 30,
  }).toString(),
) as {
  totals: {
    files: number;
    changed: number;
    unchanged: number;
    skipped: number;
    failed: number;
    rewrittenSites: number;
  };
};
console.log(
  `corpus: ${probe.totals.files} files in ${CORPUS.replace(ROOT, '')}; ${probe.totals.files - probe.totals.skipped} pass the pre-filter,`,
);
console.log(
  `        ${probe.totals.changed} would change (${probe.totals.rewrittenSites} sites), ${probe.totals.failed} failed; ${availableParallelism()} cores; ${hasHyperfine ? 'hyperfine' : `median of ${RUNS} runs`}\n`,
);

console.log(
  `load average at the start: ${loadavg()
    .map((load) => load.toFixed(1))
    .join(' ')}`,
);

const jscodeshiftArgs = ['--dry', '--parser=tsx', '--extensions=ts', '--silent', '-t', TRANSFORM, CORPUS];
const CONVENTIONAL = join(ROOT, 'bench', 'jscodeshift-conventional.cjs');
const conventionalArgs = ['--dry', '--parser=tsx', '--extensions=ts', '--silent', '-t', CONVENTIONAL, CORPUS];
const untyped = [BIN, 'pool-backpressure', '--dry', '--no-types', '--no-format'];
const [
  quickwins,
  quickwinsMain,
  quickwinsWorker,
  formatting,
  jscodeshift,
  jscodeshiftNoBabel,
  conventional,
  typed,
  tsc,
] = timeArms([
  { name: 'quickwins --dry --no-types', command: process.execPath, args: [...untyped, CORPUS] },
  { name: 'quickwins, main thread only', command: process.execPath, args: [...untyped, '--workers', '0', CORPUS] },
  { name: 'quickwins, one worker forced', command: process.execPath, args: [...untyped, '--workers', '1', CORPUS] },
  {
    name: "quickwins, formatting with the project's prettier",
    command: process.execPath,
    args: [BIN, 'pool-backpressure', '--dry', '--no-types', CORPUS],
  },
  { name: 'jscodeshift --dry --parser=tsx', command: JSCODESHIFT, args: jscodeshiftArgs },
  { name: 'jscodeshift --no-babel', command: JSCODESHIFT, args: ['--no-babel', ...jscodeshiftArgs] },
  { name: 'jscodeshift, conventional transform', command: JSCODESHIFT, args: conventionalArgs },
  {
    name: 'quickwins --dry (type-aware)',
    command: process.execPath,
    args: [BIN, 'pool-backpressure', '--dry', '--no-format', CORPUS],
  },
  { name: 'tsc --noEmit -p', command: TSC, args: ['--noEmit', '-p', CORPUS] },
]) as [Timing, Timing, Timing, Timing, Timing, Timing, Timing, Timing, Timing];

console.log('| run | median | min |');
console.log('| --- | ---: | ---: |');
for (const timing of [
  quickwins,
  quickwinsMain,
  quickwinsWorker,
  formatting,
  jscodeshift,
  jscodeshiftNoBabel,
  conventional,
  typed,
  tsc,
]) {
  console.log(`| \`${timing.command}\` | ${seconds(timing.medianMs)} | ${seconds(timing.minMs)} |`);
}
const ratio = (a: Timing, b: Timing) => (a.medianMs / b.medianMs).toFixed(2);
console.log(`\njscodeshift / quickwins:             ${ratio(jscodeshift, quickwins)}× (target ≥ 3×)`);
console.log(`jscodeshift --no-babel / quickwins:  ${ratio(jscodeshiftNoBabel, quickwins)}×`);
console.log(
  `jscodeshift conventional / quickwins: ${ratio(conventional, quickwins)}× (recast transform, see bench/jscodeshift-conventional.cjs)`,
);
console.log(`quickwins type-aware / tsc --noEmit: ${ratio(typed, tsc)}× (target ≤ 2×)`);
console.log(`quickwins --workers 0 / --workers 1: ${ratio(quickwinsMain, quickwinsWorker)}×`);
console.log(
  `formatting the ${probe.totals.changed} changed files with prettier: +${seconds(formatting.medianMs - quickwins.medianMs)}`,
);
console.log(
  `load average at the end: ${loadavg()
    .map((load) => load.toFixed(1))
    .join(' ')}`,
);
writeFileSync(
  join(ROOT, 'bench', '.corpus', 'codemod-speed.json'),
  JSON.stringify(
    {
      files: probe.totals,
      timings: [
        quickwins,
        quickwinsMain,
        quickwinsWorker,
        formatting,
        jscodeshift,
        jscodeshiftNoBabel,
        conventional,
        typed,
        tsc,
      ],
      loadavg: loadavg(),
    },
    null,
    2,
  ),
);
