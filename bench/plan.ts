/**
 * `quickwins plan` against the slowest single codemod's `--dry` on the same repository: plan reads, walks and
 * parses each file once for all six codemods, so it should cost little more than the slowest one alone.
 * Target: plan ≤ 1.5× the slowest codemod. Also checks that plan's `sites.ready` equals each codemod's own
 * `totals.rewrittenSites` (and `sites.left` its `leftSites`) on the repository.
 *
 *   npm run build && REPO=<a git work tree> npx tsx bench/plan.ts          (3 timed runs of each, median)
 *   REPO=<dir> RUNS=5 npx tsx bench/plan.ts
 *
 * Each arm is timed as a whole process (`node dist/cli/bin.js ...`, stdout to a buffer), one after the other,
 * arms interleaved run by run so a change in the machine's load hits every arm alike.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const BIN = join(ROOT, 'dist', 'cli', 'bin.js');
const REPO = process.env.REPO;
const RUNS = Number(process.env.RUNS ?? 3);
const CODEMODS = [
  'pool-backpressure',
  'narrow-eslint-disable',
  'auth-logging',
  'graphql-cache',
  'kafka-dedupe',
  'grpc-rotation',
];

if (!REPO || !existsSync(REPO))
  throw new Error('set REPO to a git work tree to plan (e.g. a checkout of a large TypeScript service)');
if (!existsSync(BIN)) throw new Error(`${BIN} is missing: npm run build first`);

interface Timed {
  readonly ms: number;
  readonly stdout: string;
  readonly status: number | null;
}

function time(args: readonly string[]): Timed {
  const start = performance.now();
  const run = spawnSync(process.execPath, [BIN, ...args], {
    cwd: REPO,
    encoding: 'utf8',
    maxBuffer: 1024 ** 3,
    env: { ...process.env, DATABASE_URL: '' },
  });
  return { ms: performance.now() - start, stdout: run.stdout, status: run.status };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

const arms = [
  { name: 'plan', args: ['plan', '--json'] },
  ...CODEMODS.map((id) => ({ name: id, args: [id, '--dry', '--json'] })),
];
const timings = new Map<string, number[]>(arms.map((arm) => [arm.name, []]));
const outputs = new Map<string, string>();
const statuses = new Map<string, number | null>();
console.log(
  `bench/plan.ts: ${REPO}, ${RUNS} runs per arm, ${availableParallelism()} cores, load ${loadavg()[0]?.toFixed(2)}`,
);
for (let run = 0; run < RUNS; run++) {
  for (const arm of arms) {
    const timed = time(arm.args);
    timings.get(arm.name)?.push(timed.ms);
    outputs.set(arm.name, timed.stdout);
    statuses.set(arm.name, timed.status);
    if (timed.status !== 0 && timed.status !== 1) console.log(`  ${arm.name} exited ${timed.status}`);
  }
}

const plan = JSON.parse(outputs.get('plan') ?? '{}') as {
  quickWins: { id: string; sites: { ready: number; left: number } }[];
  run: { files: number; parsedFiles: number; typedFiles: number };
};
console.log(`\n${'arm'.padEnd(24)} ${'median s'.padStart(9)}  sites ready/left (plan's / its own)`);
let slowest = { name: '', ms: 0 };
for (const arm of arms) {
  const ms = median(timings.get(arm.name) ?? []);
  let sites = '';
  if (arm.name !== 'plan') {
    const own = JSON.parse(outputs.get(arm.name) || '{"totals":{}}') as {
      totals: { rewrittenSites?: number; leftSites?: number };
    };
    const entry = plan.quickWins.find((item) => item.id === arm.name);
    const same = entry?.sites.ready === own.totals.rewrittenSites && entry?.sites.left === own.totals.leftSites;
    sites =
      own.totals.rewrittenSites === undefined
        ? `${entry?.sites.ready}/${entry?.sites.left}; the codemod cannot run here (exit ${statuses.get(arm.name)}): not the slowest`
        : `${entry?.sites.ready}/${entry?.sites.left} vs ${own.totals.rewrittenSites}/${own.totals.leftSites} ${same ? 'same' : 'DIFFERENT'}`;
    if (own.totals.rewrittenSites !== undefined && ms > slowest.ms) slowest = { name: arm.name, ms };
  }
  console.log(`${arm.name.padEnd(24)} ${(ms / 1000).toFixed(2).padStart(9)}  ${sites}`);
}
const planMs = median(timings.get('plan') ?? []);
const total = CODEMODS.reduce((sum, id) => sum + median(timings.get(id) ?? []), 0);
console.log(
  `\nplan: ${plan.run.files} files, ${plan.run.parsedFiles} parsed once, ${plan.run.typedFiles} again with types.` +
    `\nplan / slowest codemod (${slowest.name}): ${(planMs / slowest.ms).toFixed(2)}× (target ≤ 1.5×); plan / the six runs one after another: ${(planMs / total).toFixed(2)}×`,
);
