/**
 * What a type-aware `pool-backpressure` run costs over one without types, on a monorepo where types change nothing:
 * wall time, CPU time and peak memory (maximum resident set size, GNU time) of
 * `quickwins pool-backpressure --dry --json` against the same with `--no-types`. Target: typed ≤ 3× the time and ≤ 2×
 * the memory of untyped.
 *
 * The input is generated under bench/.corpus/monorepo/ (gitignored): PACKAGES workspace packages, each with its own
 * tsconfig.json and FILES modules. Every module calls `.query(` / `.connect(` on something that is not a pg pool
 * (a repository class, a `net` socket, a cache client, a pg `Client`); one module in eight holds a module-level pg
 * pool the bindings prove, so both runs rewrite the same sites; one in ten calls `.query(` on an array element,
 * which only the checker can place (it is not a pool), so a typed run builds a program for every package. The packages import each other, `node:*`, and `pg`
 * (this repository's own @types/pg and @types/node resolve from there), so a program costs what it costs in a real
 * install.
 *
 *   npm run build && npx tsx bench/pool-typed-cost.ts                 (12 packages × 150 files, 3 runs each)
 *   PACKAGES=20 FILES=200 RUNS=5 npx tsx bench/pool-typed-cost.ts
 *   BIN=<another build>/dist/cli/bin.js npx tsx bench/pool-typed-cost.ts   (the same input, another build)
 *   LAYOUT=paths npx tsx bench/pool-typed-cost.ts   (no npm workspace: the packages reach each other only through
 *                                                    the `paths` of a root tsconfig.base.json each package extends)
 *
 * The runs must agree: the bench fails when the two reports rewrite different sites.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { median } from './support/timed-command.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const MONOREPO = join(ROOT, 'bench', '.corpus', 'monorepo');
const PACKAGES = Number(process.env.PACKAGES ?? 12);
const FILES = Number(process.env.FILES ?? 150);
const RUNS = Number(process.env.RUNS ?? 3);
// BIN=<another build>/dist/cli/bin.js measures another build on the same input (before/after).
const BIN = process.env.BIN ?? join(ROOT, 'dist', 'cli', 'bin.js');
const GNU_TIME = '/usr/bin/time';
const LAYOUT = process.env.LAYOUT ?? 'workspace';
if (LAYOUT !== 'workspace' && LAYOUT !== 'paths') throw new Error(`LAYOUT must be workspace or paths, got ${LAYOUT}`);

function moduleText(pkg: number, index: number): string {
  const dependency =
    pkg > 0 ? `import { Repository${index % 5} } from '@bench/p${pkg - 1}/src/m${index % 5}.js';\n` : '';
  const own = index % 5 === index ? '' : `import { Repository${index % 5} as Local } from './m${index % 5}.js';\n`;
  const pool =
    index % 8 === 0
      ? `import { Pool } from 'pg';\nconst pool = new Pool({ max: ${(index % 10) + 1} });\n` +
        `export async function count${index}(): Promise<number> {\n  const { rows } = await pool.query<{ n: string }>('select count(*) as n from t${index}');\n  return Number(rows[0]?.n ?? 0);\n}\n`
      : '';
  return `import { createConnection, type Socket } from 'node:net';
import { Client } from 'pg';
${dependency}${own}${pool}
export interface Row${index} { readonly id: number; readonly name: string; readonly at: Date }

export class Repository${index} {
  private readonly rows = new Map<number, Row${index}>();
  query(text: string, values: readonly unknown[] = []): Row${index}[] {
    return [...this.rows.values()].filter((row) => text.includes(String(row.id)) || values.includes(row.id));
  }
  connect(): this {
    return this;
  }
}

export class Cache${index} {
  constructor(private readonly socket: Socket = createConnection({ port: ${6000 + index} })) {}
  connect(): void {
    this.socket.connect({ port: ${6000 + index} });
  }
}

export async function work${index}(repository: Repository${index}, client: Client, cache: Cache${index}): Promise<number> {
  cache.connect();
  await client.connect();
  const { rows } = await client.query<{ id: number }>('select id from t${index} where id = $1', [${index}]);
  const found = repository.connect().query('select ${index}', rows.map((row) => row.id));
  ${index % 10 === 1 ? `const repositories = [repository];\n  repositories[0]!.query('select 3');\n  ` : ''}${own ? `const local = new Local();\n  local.query('select 1');\n  ` : ''}${dependency ? `new Repository${index % 5}().query('select 2');\n  ` : ''}return found.length;
}
`;
}

function generate(): void {
  rmSync(MONOREPO, { recursive: true, force: true });
  mkdirSync(MONOREPO, { recursive: true });
  const workspaces = LAYOUT === 'workspace' ? { workspaces: ['packages/*'] } : {};
  writeFileSync(
    join(MONOREPO, 'package.json'),
    `${JSON.stringify({ name: 'bench-monorepo', private: true, ...workspaces }, null, 2)}\n`,
  );
  const baseOptions = {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: ['node'],
  };
  if (LAYOUT === 'paths') {
    const paths = Object.fromEntries(
      Array.from({ length: PACKAGES }, (_, pkg) => [`@bench/p${pkg}/*`, [`packages/p${pkg}/*`]]),
    );
    writeFileSync(
      join(MONOREPO, 'tsconfig.base.json'),
      `${JSON.stringify({ compilerOptions: { ...baseOptions, paths } }, null, 2)}\n`,
    );
  }
  for (let pkg = 0; pkg < PACKAGES; pkg++) {
    const dir = join(MONOREPO, 'packages', `p${pkg}`);
    mkdirSync(join(dir, 'src'), { recursive: true });
    const dependencies = { pg: '^8.11.0', ...(pkg > 0 ? { [`@bench/p${pkg - 1}`]: '*' } : {}) };
    writeFileSync(
      join(dir, 'package.json'),
      `${JSON.stringify({ name: `@bench/p${pkg}`, private: true, type: 'module', dependencies }, null, 2)}\n`,
    );
    const paths = pkg > 0 ? { [`@bench/p${pkg - 1}/*`]: [`../p${pkg - 1}/*`] } : {};
    const config =
      LAYOUT === 'paths'
        ? { extends: '../../tsconfig.base.json', include: ['src'] }
        : { compilerOptions: { ...baseOptions, paths }, include: ['src'] };
    writeFileSync(join(dir, 'tsconfig.json'), `${JSON.stringify(config, null, 2)}\n`);
    for (let index = 0; index < FILES; index++) writeFileSync(join(dir, 'src', `m${index}.ts`), moduleText(pkg, index));
  }
}

interface Measured {
  readonly ms: number;
  readonly maxRssMb: number;
  /** User + system CPU seconds: less swayed than wall time by other work on a shared machine. */
  readonly cpuS: number;
  readonly rewritten: readonly string[];
  readonly programs: number;
  readonly typedFiles: number;
  readonly programMs: number;
}

function measure(flags: readonly string[]): Measured {
  const rssFile = join(tmpdir(), `quickwins-typed-cost-${process.pid}`);
  const start = performance.now();
  const result = spawnSync(
    GNU_TIME,
    [
      '-f',
      '%M %U %S',
      '-o',
      rssFile,
      process.execPath,
      BIN,
      'pool-backpressure',
      '--dry',
      '--json',
      '--no-format',
      '--allow-dirty',
      ...flags,
      '.',
    ],
    {
      cwd: MONOREPO,
      encoding: 'utf8',
      maxBuffer: 512 * 1024 * 1024,
    },
  );
  const ms = performance.now() - start;
  const [maxRssKb, userS, systemS] = (readFileSync(rssFile, 'utf8').trim().split('\n').at(-1) ?? '')
    .split(' ')
    .map(Number) as [number, number, number];
  let report: {
    files: { path: string; rewritten: { line: number }[] }[];
    programsBuilt: number;
    typedFiles: number;
    timings: { programMs: number };
  };
  try {
    report = JSON.parse(result.stdout) as typeof report;
  } catch {
    throw new Error(
      `the CLI printed no JSON report (exit ${result.status}): ${result.stderr.trim().split('\n').slice(-3).join(' | ')}`,
    );
  }
  const rewritten = report.files.flatMap((file) => file.rewritten.map((site) => `${file.path}:${site.line}`)).sort();
  return {
    ms,
    maxRssMb: maxRssKb / 1024,
    cpuS: userS + systemS,
    rewritten,
    programs: report.programsBuilt,
    typedFiles: report.typedFiles,
    programMs: report.timings.programMs,
  };
}

function main(): void {
  if (!existsSync(BIN)) throw new Error(`${BIN} does not exist: run \`npm run build\` first`);
  if (!existsSync(GNU_TIME)) throw new Error(`${GNU_TIME} (GNU time) is needed for peak memory`);
  generate();
  measure([]); // warm-up: file system cache
  const typed: Measured[] = [];
  const untyped: Measured[] = [];
  for (let run = 0; run < RUNS; run++) {
    untyped.push(measure(['--no-types']));
    typed.push(measure([]));
  }
  const same = typed.every((run) => run.rewritten.join('\n') === (untyped[0] as Measured).rewritten.join('\n'));
  const time = { typed: median(typed.map((run) => run.ms)), untyped: median(untyped.map((run) => run.ms)) };
  const memory = {
    typed: median(typed.map((run) => run.maxRssMb)),
    untyped: median(untyped.map((run) => run.maxRssMb)),
  };
  const cpu = { typed: median(typed.map((run) => run.cpuS)), untyped: median(untyped.map((run) => run.cpuS)) };
  const lines = [
    `monorepo (${LAYOUT}): ${PACKAGES} packages × ${FILES} files (${PACKAGES * FILES} files), ${(untyped[0] as Measured).rewritten.length} sites rewritten by both runs: ${same ? 'the same sites' : 'DIFFERENT sites'}`,
    `untyped (--no-types): ${(time.untyped / 1000).toFixed(2)} s (CPU ${cpu.untyped.toFixed(2)} s), peak RSS ${memory.untyped.toFixed(0)} MB`,
    `typed:                ${(time.typed / 1000).toFixed(2)} s (CPU ${cpu.typed.toFixed(2)} s), peak RSS ${memory.typed.toFixed(0)} MB, ${(typed[0] as Measured).typedFiles} files parsed with types, ${(typed[0] as Measured).programs} programs built in ${((typed[0] as Measured).programMs / 1000).toFixed(2)} s`,
    `typed / untyped: time ${(time.typed / time.untyped).toFixed(2)}× (target ≤ 3×), memory ${(memory.typed / memory.untyped).toFixed(2)}× (target ≤ 2×), CPU ${(cpu.typed / cpu.untyped).toFixed(2)}×   [median of ${RUNS}]`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  if (!same) process.exitCode = 1;
}

main();
