/**
 * The plan's acceptance check, reproduced: a small HTTP service (fixtures/acceptance-service/service.ts, one pg pool
 * of 10) as written ("before") and as `quickwins pool-backpressure` rewrites it ("after": the runtime's admission),
 * driven open-loop at 1× and 2× its capacity, with a database slowdown in the middle (another session holds an
 * ACCESS EXCLUSIVE lock on the table every request reads, as a migration would). Per run: p99 of the successful
 * requests, error rate (HTTP 503 or no answer within the client's 1 s deadline), the pool's queue, and whether the
 * slowdown cascades: more requests failing after it ended than before it began, or a queue it left behind.
 * A table on stdout and an SVG chart.
 *
 *   npx tsx bench/acceptance.ts [chart.svg]        (starts a throwaway PostgreSQL; DATABASE_URL overrides)
 *
 * `npm run demo` runs it after the codemods' diffs (src/cli/demo.ts).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';
import { loadCodemods } from '../src/registry/index.js';
import { acceptanceChart, type ChartRun } from './support/acceptance-chart.js';
import { fireOnSchedule, percentile, schedule } from './support/open-loop.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const SERVICE = join(ROOT, 'fixtures', 'acceptance-service', 'service.ts');
const RUNTIME = pathToFileURL(join(ROOT, 'runtime', 'src', 'index.ts')).href;
const TABLE = 'quickwins_acceptance_orders';
const POOL_MAX = 10;
/** The client's deadline: a request not answered by then counts as an error (a typical upstream timeout). */
const DEADLINE_MS = 1000;
/** Normal load, the lock held, normal load again. */
const PHASES = { lockFromMs: 2000, lockToMs: 3500, durationMs: 6500 };
/** The slowdown's effect is judged from this long after it ended. */
const SETTLE_MS = 500;
const BIN_MS = 250;
const LOADS = [1, 2];

type Kind = 'ok' | 'refused' | 'timeout';
interface Outcome {
  readonly startMs: number;
  readonly kind: Kind;
  readonly ms: number;
}

export interface AcceptanceRun {
  readonly arm: 'before' | 'after';
  readonly load: number;
  readonly offered: number;
  readonly okP99: number;
  readonly errorRate: number;
  readonly errorRateBefore: number;
  readonly errorRateAfter: number;
  /** Requests that arrived after the slowdown ended and got no answer within the deadline. */
  readonly timeoutsAfter: number;
  readonly maxQueue: number;
  readonly queueAtEnd: number;
  readonly cascades: boolean;
  readonly outcomes: readonly Outcome[];
  readonly queue: readonly { atMs: number; waiting: number }[];
}

export interface AcceptanceOptions {
  readonly databaseUrl: string;
  /** A folder whose node_modules resolves `pg` (the service modules are written there). */
  readonly workDir: string;
  readonly chartPath: string;
  readonly log: (line: string) => void;
}

interface Service {
  readonly server: Server;
  readonly pool: pg.Pool;
}

/** The service before and after the codemod: the fixture, and the codemod's output of it. */
function serviceSources(log: (line: string) => void): Promise<{ before: string; after: string }> {
  return loadCodemods({}).then((codemods) => {
    const codemod = codemods.get('pool-backpressure');
    if (!codemod) throw new Error('pool-backpressure is not registered');
    const before = readFileSync(SERVICE, 'utf8');
    const outcome = codemod.configure({}).transformText(SERVICE, before);
    if (outcome.status !== 'changed')
      throw new Error(`pool-backpressure did not rewrite ${SERVICE} (${outcome.status})`);
    const beforeLines = new Set(before.split('\n'));
    for (const line of outcome.output.split('\n')) if (!beforeLines.has(line)) log(`  + ${line.trim()}`);
    // Run from this checkout's runtime sources (no build needed); the rewrite itself imports the published name.
    return { before, after: outcome.output.replace(`from '@quickwins/runtime'`, `from ${JSON.stringify(RUNTIME)}`) };
  });
}

async function startService(path: string, url: string): Promise<Service & { port: number }> {
  const module = (await import(pathToFileURL(path).href)) as { createOrderService: (url: string) => Service };
  const service = module.createOrderService(url);
  await new Promise<void>((resolve) => service.server.listen(0, '127.0.0.1', resolve));
  return { ...service, port: (service.server.address() as AddressInfo).port };
}

async function stopService(service: Service): Promise<void> {
  service.server.closeAllConnections();
  await new Promise((resolve) => service.server.close(resolve));
  // A raw pool may still hold requests nobody waits for: its clients end once their queries return.
  void service.pool.end().catch(() => undefined);
}

/** One GET with the client's deadline, timed from `intended` (performance.now()). */
function get(agent: Agent, port: number, intended: number): Promise<{ kind: Kind; ms: number }> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (kind: Kind): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ kind, ms: performance.now() - intended });
    };
    const request = httpRequest({ host: '127.0.0.1', port, path: '/orders', agent }, (response) => {
      response.resume();
      response.on('end', () => finish(response.statusCode === 200 ? 'ok' : 'refused'));
      response.on('error', () => finish('timeout'));
    });
    const timer = setTimeout(
      () => {
        finish('timeout');
        request.destroy();
      },
      Math.max(0, intended + DEADLINE_MS - performance.now()),
    );
    request.on('error', () => finish('timeout'));
    request.end();
  });
}

/** Requests per second the service serves: pool size over the time of one request, measured one at a time. */
async function capacityOf(port: number): Promise<{ serviceMs: number; capacity: number }> {
  const agent = new Agent({ keepAlive: true });
  const times: number[] = [];
  for (let i = 0; i < 30; i++) {
    const result = await get(agent, port, performance.now());
    if (result.kind === 'ok') times.push(result.ms);
  }
  agent.destroy();
  const serviceMs = percentile(
    times.sort((a, b) => a - b),
    50,
  );
  return { serviceMs, capacity: (POOL_MAX * 1000) / serviceMs };
}

async function runOnce(
  arm: AcceptanceRun['arm'],
  service: Service & { port: number },
  url: string,
  ratePerSecond: number,
  load: number,
  seed: number,
): Promise<AcceptanceRun> {
  const starts = schedule(PHASES.durationMs, () => ratePerSecond, seed);
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  const locker = new pg.Client({ connectionString: url });
  await locker.connect();
  const outcomes: Outcome[] = new Array(starts.length);
  const pending: Promise<void>[] = [];
  const queue: { atMs: number; waiting: number }[] = [];
  const t0 = performance.now() + 20;
  const sampler = setInterval(
    () => queue.push({ atMs: performance.now() - t0, waiting: service.pool.waitingCount }),
    50,
  );
  const lock = setTimeout(
    () => void locker.query(`begin; lock table ${TABLE} in access exclusive mode`),
    t0 + PHASES.lockFromMs - performance.now(),
  );
  const unlock = setTimeout(() => void locker.query('commit'), t0 + PHASES.lockToMs - performance.now());
  await fireOnSchedule(starts, t0, (index) => {
    const intended = t0 + starts[index]!;
    pending.push(
      get(agent, service.port, intended).then(
        (result) => void (outcomes[index] = { startMs: starts[index]!, ...result }),
      ),
    );
  });
  await Promise.all(pending);
  clearInterval(sampler);
  clearTimeout(lock);
  clearTimeout(unlock);
  await locker.query('commit').catch(() => undefined);
  await locker.end();
  agent.destroy();
  return summarise(arm, load, outcomes, queue);
}

function summarise(
  arm: AcceptanceRun['arm'],
  load: number,
  outcomes: readonly Outcome[],
  queue: AcceptanceRun['queue'],
): AcceptanceRun {
  const failed = (list: readonly Outcome[]): number =>
    list.length === 0 ? 0 : list.filter((o) => o.kind !== 'ok').length / list.length;
  const beforeSlowdown = outcomes.filter((o) => o.startMs >= 500 && o.startMs < PHASES.lockFromMs);
  const afterSlowdown = outcomes.filter((o) => o.startMs >= PHASES.lockToMs + SETTLE_MS);
  const atEnd = queue.filter((sample) => sample.atMs <= PHASES.durationMs).at(-1)?.waiting ?? 0;
  const errorRateBefore = failed(beforeSlowdown);
  const errorRateAfter = failed(afterSlowdown);
  const timeoutsAfter =
    afterSlowdown.length === 0 ? 0 : afterSlowdown.filter((o) => o.kind === 'timeout').length / afterSlowdown.length;
  return {
    arm,
    load,
    offered: outcomes.length,
    okP99: percentile(
      outcomes
        .filter((o) => o.kind === 'ok')
        .map((o) => o.ms)
        .sort((a, b) => a - b),
      99,
    ),
    errorRate: failed(outcomes),
    errorRateBefore,
    errorRateAfter,
    timeoutsAfter,
    maxQueue: Math.max(0, ...queue.map((sample) => sample.waiting)),
    queueAtEnd: atEnd,
    // The slowdown outlived itself: requests still timing out after it ended, or a queue it left behind (a refusal
    // at the door is load shed, answered at once: not a cascade).
    cascades: timeoutsAfter > 0.01 || atEnd > POOL_MAX,
    outcomes,
    queue,
  };
}

const pct = (share: number): string => `${(100 * share).toFixed(1)} %`;
const ms = (value: number): string => (Number.isNaN(value) ? '-' : `${value.toFixed(0)} ms`);

function table(runs: readonly AcceptanceRun[]): string[] {
  const header = [
    'load',
    'service',
    'requests',
    'p99 (ok)',
    'errors',
    'errors before',
    'errors after',
    'timeouts after',
    'max queue',
    'queue at end',
    'cascades',
  ];
  const rows = runs.map((run) => [
    `${run.load}×`,
    run.arm === 'before' ? 'before (pool.connect)' : 'after (admission)',
    String(run.offered),
    ms(run.okP99),
    pct(run.errorRate),
    pct(run.errorRateBefore),
    pct(run.errorRateAfter),
    pct(run.timeoutsAfter),
    String(run.maxQueue),
    String(run.queueAtEnd),
    run.cascades ? 'yes' : 'no',
  ]);
  const widths = header.map((cell, column) => Math.max(cell.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, column) => (column < 2 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
      .join('  ');
  return [line(header), ...rows.map(line)];
}

/** The plan's targets, read on the 1× runs after the codemod. */
function verdicts(runs: readonly AcceptanceRun[]): string[] {
  const after = runs.find((run) => run.arm === 'after' && run.load === 1);
  const before = runs.find((run) => run.arm === 'before' && run.load === 1);
  if (!after || !before) return [];
  const cascadesAfter = runs.filter((run) => run.arm === 'after' && run.cascades).length;
  return [
    `p99 at 1×: ${ms(before.okP99)} before → ${ms(after.okP99)} after (plan: 400-500 ms → 200-300 ms)`,
    `errors at 1× outside the slowdown (after it ended): ${pct(before.errorRateAfter)} before → ${pct(after.errorRateAfter)} after (plan: < 0.2 %)`,
    `runs where the slowdown cascaded: ${runs.filter((run) => run.arm === 'before' && run.cascades).length} of ${LOADS.length} before → ${cascadesAfter} of ${LOADS.length} after (plan: zero)`,
  ];
}

export async function runAcceptance(options: AcceptanceOptions): Promise<readonly AcceptanceRun[]> {
  const { databaseUrl: url, log } = options;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`drop table if exists ${TABLE}; create table ${TABLE} as select generate_series(1, 100) as id`);
  const runs: AcceptanceRun[] = [];
  try {
    const folder = join(options.workDir, 'acceptance-service');
    mkdirSync(folder, { recursive: true });
    log('the service, rewritten by pool-backpressure:');
    const sources = await serviceSources(log);
    writeFileSync(join(folder, 'before.ts'), sources.before);
    writeFileSync(join(folder, 'after.ts'), sources.after);
    let capacity: { serviceMs: number; capacity: number } | undefined;
    for (const arm of ['before', 'after'] as const) {
      const service = await startService(join(folder, `${arm}.ts`), url);
      try {
        capacity ??= await capacityOf(service.port);
        if (arm === 'before') {
          log(
            `pool max ${POOL_MAX}, one request ${capacity.serviceMs.toFixed(0)} ms → capacity ${capacity.capacity.toFixed(0)} req/s; ` +
              `open-loop (Poisson) for ${PHASES.durationMs / 1000} s, the table locked from ${PHASES.lockFromMs / 1000} s to ${PHASES.lockToMs / 1000} s, client deadline ${DEADLINE_MS} ms`,
          );
        }
        for (const load of LOADS)
          runs.push(await runOnce(arm, service, url, load * capacity.capacity, load, 42 + load));
      } finally {
        await stopService(service);
      }
    }
  } finally {
    await admin.query(`drop table if exists ${TABLE}`).catch(() => undefined);
    await admin.end();
  }
  const ordered = LOADS.flatMap((load) => runs.filter((run) => run.load === load));
  for (const line of [...table(ordered), '', ...verdicts(ordered)]) log(line);
  writeFileSync(
    options.chartPath,
    acceptanceChart(ordered as readonly ChartRun[], { ...PHASES, binMs: BIN_MS, deadlineMs: DEADLINE_MS }),
  );
  log(`chart: ${options.chartPath}`);
  return ordered;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { resolveDatabase } = await import('../test/setup/postgres.js');
  const database = await resolveDatabase();
  try {
    await runAcceptance({
      databaseUrl: database.url,
      workDir: join(ROOT, 'bench', '.acceptance'),
      chartPath: process.argv[2] ?? 'acceptance.svg',
      log: (line) => console.log(line),
    });
  } finally {
    await database.stop();
  }
}
