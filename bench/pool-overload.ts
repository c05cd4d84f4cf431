/**
 * Overload benchmark: what a pool of max 10 does when more requests arrive than it can serve, every admission arm side
 * by side in one run.
 *
 * Open loop: arrival times are fixed in advance (Poisson, seeded) and never wait for earlier requests, and every latency
 * is measured from the request's intended start, so a backed-up pool cannot hide its queueing (no coordinated omission).
 * Each request holds its client for one `select pg_sleep(…)`. Capacity = max / service time, the service time measured
 * first (one client, sequential holds, so it does not depend on how busy the machine is at that moment).
 *
 * Arms:
 *   raw            await pool.connect()                                   (what most code does)
 *   raw+timeout    pool.connect() with connectionTimeoutMillis = 2000      (pg's own deadline)
 *   threshold      acquireWithBackpressure(pool, 0.85)                     (the plan's rule: refuse at 85 % claimed)
 *   bounded-queue  acquireWithBackpressure(pool, { maxWaiting: 10 })       (refuse only past 10 queued)
 *   adaptive       acquireWithBackpressure(pool)                           (the default)
 *
 * Scenarios: Poisson loads 0.5×, 0.8×, 1×, 1.5×, 2×, 3× of capacity with 20 ms holds; a hold-time mix (90 % 2 ms,
 * 10 % 200 ms) at 0.8× and 2×; a slowdown (every hold 5× longer for 10 s in the middle of a 1× run); bursts (10× the
 * base rate for 200 ms every 2 s, 0.7× capacity on average). Every arm runs REPEATS times (different seeds); the table
 * shows the mean and, as "±", half the spread between repeats: the run-to-run noise.
 *
 * Goodput counts successes that finished within DEADLINE_MS (default 1000: a typical upstream timeout) per second of
 * schedule (a backlog served after the schedule ends does not count). Time-to-reject is measured from the call. "late"
 * shows successes after DEADLINE_MS + acquisitions that timed out after waiting. "lag p99" is how late the open-loop scheduler fired (a busy machine).
 *
 *   npx tsx bench/pool-overload.ts                 (~11 min on a busy 2-core machine: raw arms drain for seconds at
 *                                                   2-3×; starts a throwaway PostgreSQL; DATABASE_URL overrides)
 *   npx tsx bench/pool-overload.ts --quick         (2 s runs, 3 s slowdown, 4 s of bursts)
 *   SCENARIOS=load,slowdown LOADS=1,2 ARMS=adaptive,bounded-queue REPEATS=3 npx tsx bench/pool-overload.ts
 */
import { loadavg } from 'node:os';
import pg from 'pg';
import { Registry } from 'prom-client';
import { acquireWithBackpressure, isPoolBackpressureError, POOL_METRIC_NAMES } from '../runtime/src/index.js';
import { resolveDatabase } from '../test/setup/postgres.js';
import { fireOnSchedule, percentile, schedule } from './support/open-loop.js';
import { seededRandom as random } from './support/random.js';

const QUICK = process.argv.includes('--quick');
const MAX = 10;
const HOLD_MS = 20;
const DURATION_MS = Number(process.env.DURATION_MS ?? (QUICK ? 2000 : 3000));
const SLOWDOWN_MS = Number(process.env.SLOWDOWN_MS ?? (QUICK ? 3000 : 10_000));
const SLOWDOWN_FACTOR = 5;
const DEADLINE_MS = Number(process.env.DEADLINE_MS ?? 1000);
const REPEATS = Number(process.env.REPEATS ?? 2);
const LOADS = (process.env.LOADS ?? '0.5,0.8,1,1.5,2,3').split(',').map(Number);
const MIX_LOADS = (process.env.MIX_LOADS ?? '0.8,2').split(',').map(Number);
const SCENARIOS = (process.env.SCENARIOS ?? 'load,mix,slowdown,burst').split(',');
const SEED = Number(process.env.SEED ?? 42);
const RAW_TIMEOUT_MS = 2000;
const BIN_MS = 200;

const sleepSql = (ms: number): string => `select pg_sleep(${ms / 1000})`;

type Kind = 'ok' | 'refused' | 'timeout' | 'error';
type Outcome = { kind: Kind; ms: number; fromCallMs: number; lagMs: number; endMs: number };
type Request = (pool: pg.Pool, registry: Registry, sql: () => string) => Promise<void>;
type Arm = { name: string; poolConfig: pg.PoolConfig; request: Request };

/** One workload: intended start times and the hold of each request (decided when its query starts). */
interface Scenario {
  row: string;
  durationMs: number;
  /** Capacity in requests per second (for "of cap"). */
  capacity: number;
  /** Mean hold in ms (the yardstick for p99 / hold). */
  holdMs: number;
  starts: number[];
  /** The hold of request `index` whose query starts `atMs` after the run's start. */
  holdFor: (index: number, atMs: number) => number;
  slowdown?: { fromMs: number; toMs: number };
}

async function holdOn(client: pg.PoolClient, sql: string): Promise<void> {
  let failure: Error | undefined;
  try {
    await client.query(sql);
  } catch (error) {
    failure = error as Error;
    throw error;
  } finally {
    client.release(failure);
  }
}

const ALL_ARMS: Arm[] = [
  { name: 'raw', poolConfig: {}, request: async (pool, _registry, sql) => holdOn(await pool.connect(), sql()) },
  {
    name: 'raw+timeout',
    poolConfig: { connectionTimeoutMillis: RAW_TIMEOUT_MS },
    request: async (pool, _registry, sql) => holdOn(await pool.connect(), sql()),
  },
  {
    name: 'threshold',
    poolConfig: {},
    request: async (pool, registry, sql) =>
      holdOn(await acquireWithBackpressure(pool, { threshold: 0.85, registry }), sql()),
  },
  {
    name: 'bounded-queue',
    poolConfig: {},
    request: async (pool, registry, sql) =>
      holdOn(await acquireWithBackpressure(pool, { maxWaiting: MAX, registry }), sql()),
  },
  {
    name: 'adaptive',
    poolConfig: {},
    request: async (pool, registry, sql) => holdOn(await acquireWithBackpressure(pool, { registry }), sql()),
  },
];
const ARMS = ALL_ARMS.filter((arm) => !process.env.ARMS || process.env.ARMS.split(',').includes(arm.name));

async function warmPool(config: pg.PoolConfig): Promise<pg.Pool> {
  const pool = new pg.Pool({ max: MAX, ...config });
  pool.on('error', () => undefined);
  const clients = await Promise.all(Array.from({ length: MAX }, () => pool.connect()));
  clients.forEach((client) => client.release());
  return pool;
}

/** The median time of one hold of `ms`, measured sequentially on a warm client. */
async function serviceTime(url: string, ms: number, samples: number): Promise<number> {
  const pool = await warmPool({ connectionString: url });
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const started = performance.now();
    await holdOn(await pool.connect(), sleepSql(ms));
    times.push(performance.now() - started);
  }
  await pool.end();
  return percentile(
    times.sort((a, b) => a - b),
    50,
  );
}

interface RunResult {
  offered: number;
  goodputShare: number;
  okP50: number;
  okP99: number;
  refusedShare: number;
  late: number;
  timedOut: number;
  refuseP99: number;
  errors: number;
  leaked: string;
  lagP99: number;
  /** Slowdown only: ms from the end of the slowdown until goodput is back (NaN: never within the run). */
  recoveryMs: number;
  reasons: Record<string, number>;
}

async function runArm(url: string, arm: Arm, scenario: Scenario): Promise<RunResult> {
  const pool = await warmPool({ connectionString: url, ...arm.poolConfig });
  const registry = new Registry();
  const { starts } = scenario;
  const outcomes: Outcome[] = new Array(starts.length);
  const pending: Promise<void>[] = [];
  const t0 = performance.now() + 5;

  const launch = (index: number): void => {
    const intended = t0 + starts[index]!;
    const called = performance.now();
    const sql = (): string => sleepSql(scenario.holdFor(index, performance.now() - t0));
    const finish = (kind: Kind): void => {
      const now = performance.now();
      outcomes[index] = {
        kind,
        ms: now - intended,
        fromCallMs: now - called,
        lagMs: called - intended,
        endMs: now - t0,
      };
    };
    const classify = (error: unknown): Kind => {
      if ((error as { code?: unknown }).code === 'POOL_EXHAUSTED') return 'refused';
      return isPoolBackpressureError(error) || /timeout exceeded/.test(String(error)) ? 'timeout' : 'error';
    };
    pending.push(
      arm.request(pool, registry, sql).then(
        () => finish('ok'),
        (error: unknown) => finish(classify(error)),
      ),
    );
  };
  await fireOnSchedule(starts, t0, launch);
  await Promise.all(pending);
  await new Promise((resolve) => setTimeout(resolve, 20)); // let releases land
  const leaked = `${pool.totalCount - pool.idleCount}/${pool.waitingCount}`;
  await pool.end();
  const reasons = await refusalReasons(registry);

  const ok = outcomes.filter((o) => o.kind === 'ok');
  const okMs = ok.map((o) => o.ms).sort((a, b) => a - b);
  const refused = outcomes
    .filter((o) => o.kind === 'refused')
    .map((o) => o.fromCallMs)
    .sort((a, b) => a - b);
  // served within the deadline and within the schedule: a backlog drained after the run is no throughput of the run
  const good = ok.filter((o) => o.ms <= DEADLINE_MS && o.endMs <= scenario.durationMs);
  return {
    offered: starts.length,
    goodputShare: good.length / (scenario.durationMs / 1000) / scenario.capacity,
    okP50: percentile(okMs, 50),
    okP99: percentile(okMs, 99),
    refusedShare: refused.length / starts.length,
    late: ok.filter((o) => o.ms > DEADLINE_MS).length,
    timedOut: outcomes.filter((o) => o.kind === 'timeout').length,
    refuseP99: percentile(refused, 99),
    errors: outcomes.filter((o) => o.kind === 'error').length,
    leaked,
    lagP99: percentile(
      outcomes.map((o) => o.lagMs).sort((a, b) => a - b),
      99,
    ),
    recoveryMs: scenario.slowdown
      ? recovery(
          good.map((o) => o.endMs),
          scenario.slowdown,
          scenario.durationMs,
        )
      : Number.NaN,
    reasons,
  };
}

/** Refusals by reason from the run's registry (db_pool_admission_refusals_total). */
async function refusalReasons(registry: Registry): Promise<Record<string, number>> {
  const metric = registry.getSingleMetric(POOL_METRIC_NAMES.refusals);
  const reasons: Record<string, number> = {};
  if (metric === undefined) return reasons;
  for (const { labels, value } of (await metric.get()).values) reasons[String(labels.reason)] = value;
  return reasons;
}

/**
 * Goodput in BIN_MS bins by completion time; the baseline is the mean before the slowdown (after a 1 s warm-up).
 * Recovered = the first bin after the slowdown from which two bins in a row reach 85 % of the baseline.
 */
function recovery(goodEnds: number[], slowdown: { fromMs: number; toMs: number }, durationMs: number): number {
  const bins = new Array<number>(Math.ceil(durationMs / BIN_MS) + 1).fill(0);
  for (const end of goodEnds) if (end < durationMs) bins[Math.floor(end / BIN_MS)]!++;
  const before = bins.slice(Math.ceil(1000 / BIN_MS), Math.floor(slowdown.fromMs / BIN_MS));
  const baseline = before.reduce((a, b) => a + b, 0) / Math.max(1, before.length);
  const first = Math.ceil(slowdown.toMs / BIN_MS);
  for (let bin = first; bin + 1 < Math.floor(durationMs / BIN_MS); bin++) {
    if (bins[bin]! >= 0.85 * baseline && bins[bin + 1]! >= 0.85 * baseline) return (bin + 1) * BIN_MS - slowdown.toMs;
  }
  return Number.NaN;
}

const fmt = (value: number, digits = 1): string => (Number.isNaN(value) ? '-' : value.toFixed(digits));
const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;
const noise = (values: number[]): number => (Math.max(...values) - Math.min(...values)) / 2;
const maxOf = (values: number[]): number => {
  const known = values.filter((v) => !Number.isNaN(v));
  return known.length === 0 ? Number.NaN : Math.max(...known);
};
const meanOf = (runs: RunResult[], pick: (r: RunResult) => number): number =>
  mean(runs.map(pick).filter((v) => !Number.isNaN(v)));

const HEADER = [
  'row',
  'arm',
  'offered',
  'goodput',
  '±',
  'ok p50',
  'ok p99',
  'p99/hold',
  'refused',
  '±',
  'late',
  'rej p99',
  'errors',
  'leaked',
  'recov ms',
  'lag p99',
];
const WIDTHS = [16, 14, 8, 8, 6, 8, 8, 8, 8, 6, 6, 8, 6, 8, 8, 8];
const line = (cells: string[]): string =>
  cells.map((cell, i) => (i < 2 ? cell.padEnd(WIDTHS[i]!) : cell.padStart(WIDTHS[i]!))).join(' ');

function printRow(scenario: Scenario, arm: Arm, runs: RunResult[]): void {
  const goodputs = runs.map((r) => 100 * r.goodputShare);
  const refusals = runs.map((r) => 100 * r.refusedShare);
  const p99 = meanOf(runs, (r) => r.okP99);
  console.log(
    line([
      scenario.row,
      arm.name,
      String(runs[0]!.offered),
      `${fmt(mean(goodputs), 0)} %`,
      fmt(noise(goodputs), 1),
      fmt(meanOf(runs, (r) => r.okP50)),
      fmt(p99),
      fmt(p99 / scenario.holdMs, 2),
      `${fmt(mean(refusals), 2)} %`,
      fmt(noise(refusals), 2),
      `${Math.max(...runs.map((r) => r.late))}+${Math.max(...runs.map((r) => r.timedOut))}`,
      fmt(maxOf(runs.map((r) => r.refuseP99)), 2),
      String(Math.max(...runs.map((r) => r.errors))),
      runs.map((r) => r.leaked).join(','),
      scenario.slowdown ? runs.map((r) => fmt(r.recoveryMs, 0)).join(',') : '',
      fmt(Math.max(...runs.map((r) => r.lagP99))),
      runs
        .map((r) =>
          Object.entries(r.reasons)
            .map(([reason, n]) => `${reason} ${n}`)
            .join(' '),
        )
        .join(' | '),
    ]),
  );
}

/** Adaptive against the best other arm of the row: goodput gap and the row's noise. */
function verdict(results: Map<string, RunResult[]>): string {
  const adaptive = results.get('adaptive');
  if (adaptive === undefined || results.size < 2) return '';
  const goodput = (runs: RunResult[]): number => mean(runs.map((r) => 100 * r.goodputShare));
  let best = { name: '', value: -Infinity };
  for (const [name, runs] of results)
    if (name !== 'adaptive' && goodput(runs) > best.value) best = { name, value: goodput(runs) };
  const rowNoise = Math.max(...[...results.values()].map((runs) => noise(runs.map((r) => 100 * r.goodputShare))));
  const gap = goodput(adaptive) - best.value;
  return `  adaptive goodput ${gap >= 0 ? '+' : ''}${fmt(gap, 1)} pts vs best other (${best.name}); noise ±${fmt(rowNoise, 1)} → ${gap >= -Math.max(rowNoise, 1) ? 'ok' : 'WORSE'}`;
}

async function main(): Promise<void> {
  const database = await resolveDatabase();
  try {
    const service = await serviceTime(database.url, HOLD_MS, 40);
    const short = await serviceTime(database.url, 2, 40);
    const long = await serviceTime(database.url, 200, 6);
    const capacity = (MAX * 1000) / service;
    const mixMean = 0.9 * short + 0.1 * long;
    const mixCapacity = (MAX * 1000) / mixMean;
    const load = loadavg()
      .map((v) => v.toFixed(1))
      .join(' ');
    console.log(
      `pool max ${MAX}; ${sleepSql(HOLD_MS)} = ${service.toFixed(1)} ms per request → capacity ${capacity.toFixed(0)} req/s; ` +
        `mix 90 % ${short.toFixed(1)} ms / 10 % ${long.toFixed(1)} ms (mean ${mixMean.toFixed(1)} ms → ${mixCapacity.toFixed(0)} req/s)`,
    );
    console.log(
      `Poisson arrivals, ${DURATION_MS} ms per run, ${REPEATS} repeats per arm, goodput deadline ${DEADLINE_MS} ms; ` +
        `load average at start ${load}${QUICK ? ' (--quick)' : ''}`,
    );
    console.log(line(HEADER));

    const scenarios: Scenario[] = [];
    const fixedHold = (): number => HOLD_MS;
    if (SCENARIOS.includes('load')) {
      for (const factor of LOADS) {
        scenarios.push({
          row: `${factor}×`,
          durationMs: DURATION_MS,
          capacity,
          holdMs: service,
          starts: [],
          holdFor: fixedHold,
        });
      }
    }
    if (SCENARIOS.includes('mix')) {
      for (const factor of MIX_LOADS) {
        scenarios.push({
          row: `mix ${factor}×`,
          durationMs: DURATION_MS,
          capacity: mixCapacity,
          holdMs: mixMean,
          starts: [],
          holdFor: fixedHold,
        });
      }
    }
    if (SCENARIOS.includes('slowdown')) {
      const edge = QUICK ? 2000 : 3000;
      const slowdown = { fromMs: edge, toMs: edge + SLOWDOWN_MS };
      const holdFor = (_index: number, atMs: number): number =>
        atMs >= slowdown.fromMs && atMs < slowdown.toMs ? HOLD_MS * SLOWDOWN_FACTOR : HOLD_MS;
      scenarios.push({
        row: `slow ${SLOWDOWN_FACTOR}× 1×`,
        durationMs: slowdown.toMs + edge,
        capacity,
        holdMs: service,
        starts: [],
        holdFor,
        slowdown,
      });
    }
    if (SCENARIOS.includes('burst')) {
      scenarios.push({
        row: 'burst 0.7×',
        durationMs: QUICK ? 4000 : 6000,
        capacity,
        holdMs: service,
        starts: [],
        holdFor: fixedHold,
      });
    }

    for (const [s, scenario] of scenarios.entries()) {
      const results = new Map<string, RunResult[]>();
      for (const arm of ARMS) results.set(arm.name, []);
      for (let repeat = 0; repeat < REPEATS; repeat++) {
        const seed = SEED + 1000 * repeat + 17 * s;
        const { starts, holdFor } = workload(scenario, seed, capacity, mixCapacity);
        // arms alternate within a repeat, so a busy stretch of the machine does not hit one arm only
        for (const arm of ARMS)
          results.get(arm.name)!.push(await runArm(database.url, arm, { ...scenario, starts, holdFor }));
      }
      for (const arm of ARMS) printRow(scenario, arm, results.get(arm.name)!);
      console.log(verdict(results));
    }
    console.log(
      `load average at end ${loadavg()
        .map((v) => v.toFixed(1))
        .join(' ')}`,
    );
    console.log(
      'goodput = successes within the deadline per second, of capacity; ± = half the spread between repeats; refused = typed ' +
        'refusal at the door; late = successes after the deadline + acquisitions that timed out (most of any repeat); leaked = checked-out/waiting ' +
        'clients after the drain, per repeat; recov ms = slowdown end → goodput back to 85 % of before, per repeat',
    );
  } finally {
    await database.stop();
  }
}

/** The arrival schedule and holds of one repeat of a scenario. */
function workload(
  scenario: Scenario,
  seed: number,
  capacity: number,
  mixCapacity: number,
): Pick<Scenario, 'starts' | 'holdFor'> {
  const { row, durationMs } = scenario;
  if (row.startsWith('mix')) {
    const factor = Number(row.slice(4, -1));
    const starts = schedule(durationMs, () => factor * mixCapacity, seed);
    const pick = random(seed + 1);
    const holds = starts.map(() => (pick() < 0.9 ? 2 : 200));
    return { starts, holdFor: (index) => holds[index]! };
  }
  if (row.startsWith('burst')) {
    // 10× the base rate for 200 ms of every 2 s; mean 0.7× capacity: base × (1.8 + 10 × 0.2) / 2 = 0.7 × capacity
    const base = (0.7 * capacity * 2) / 3.8;
    const rate = (t: number): number => (t % 2000 >= 1000 && t % 2000 < 1200 ? 10 * base : base);
    return { starts: schedule(durationMs, rate, seed, 10 * base), holdFor: scenario.holdFor };
  }
  const factor = row.startsWith('slow') ? 1 : Number(row.slice(0, -1));
  return { starts: schedule(durationMs, () => factor * capacity, seed), holdFor: scenario.holdFor };
}

await main();
