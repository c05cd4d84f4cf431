/**
 * Overload benchmark: what a pool of max 10 does when more requests arrive than it can serve.
 *
 * Open loop: arrival times are fixed in advance (Poisson, seeded; ARRIVALS=uniform for evenly spaced) and never wait
 * for earlier requests, and every latency is measured from the request's intended start, so a backed-up pool cannot
 * hide its queueing (no coordinated omission). Each request holds its client for ~20 ms (`select pg_sleep(0.02)`).
 * Capacity = max / service time, the service time measured first (one client, sequential holds, so it does not depend
 * on how busy the machine is at that moment); loads are 0.5×, 1×, 2×, 3× of it.
 *
 * Arms:
 *   raw            await pool.connect()                                   (what most code does)
 *   raw+timeout    pool.connect() with connectionTimeoutMillis = 2000      (pg's own deadline)
 *   threshold      acquireWithBackpressure(pool, { threshold: 0.85 })      (the default: refuse at 85 % claimed)
 *   bounded-queue  acquireWithBackpressure(pool, { maxWaiting: 10 })       (refuse only past 10 queued)
 *
 * Goodput counts successes that finished within DEADLINE_MS (default 1000: a typical upstream timeout) per second of
 * schedule. Time-to-reject is measured from the call (the helper's decision); "lag p99" is how late the open-loop
 * scheduler fired, which on a busy machine adds to every success latency (those are measured from the intended start).
 *
 *   npx tsx bench/pool-overload.ts                      (starts a throwaway PostgreSQL; DATABASE_URL overrides)
 *   DURATION_MS=3000 LOADS=2,3 ARMS=raw,threshold npx tsx bench/pool-overload.ts
 */
import pg from 'pg';
import { Registry } from 'prom-client';
import { acquireWithBackpressure, isPoolBackpressureError } from '../runtime/src/index.js';
import { resolveDatabase } from '../test/setup/postgres.js';
import { seededRandom as random } from './support/random.js';

const MAX = 10;
const HOLD_MS = Number(process.env.HOLD_MS ?? 20);
const DURATION_MS = Number(process.env.DURATION_MS ?? 3000);
const DEADLINE_MS = Number(process.env.DEADLINE_MS ?? 1000);
const MAX_WAITING = Number(process.env.MAX_WAITING ?? 10);
const RAW_TIMEOUT_MS = 2000;
const LOADS = (process.env.LOADS ?? '0.5,1,2,3').split(',').map(Number);
const ARRIVALS = process.env.ARRIVALS === 'uniform' ? 'uniform' : 'poisson';
const SEED = Number(process.env.SEED ?? 42);
const HOLD_SQL = `select pg_sleep(${HOLD_MS / 1000})`;

type Outcome = { kind: 'ok' | 'rejected' | 'error'; ms: number; fromCallMs: number; lagMs: number };
type Arm = {
  name: string;
  poolConfig: pg.PoolConfig;
  request: (pool: pg.Pool, registry: Registry) => Promise<void>;
};

async function holdOn(client: pg.PoolClient): Promise<void> {
  let failure: Error | undefined;
  try {
    await client.query(HOLD_SQL);
  } catch (error) {
    failure = error as Error;
    throw error;
  } finally {
    client.release(failure);
  }
}

const ALL_ARMS: Arm[] = [
  { name: 'raw', poolConfig: {}, request: async (pool) => holdOn(await pool.connect()) },
  { name: 'raw+timeout', poolConfig: { connectionTimeoutMillis: RAW_TIMEOUT_MS }, request: async (pool) => holdOn(await pool.connect()) },
  {
    name: 'threshold',
    poolConfig: {},
    request: async (pool, registry) => holdOn(await acquireWithBackpressure(pool, { threshold: 0.85, registry })),
  },
  {
    name: 'bounded-queue',
    poolConfig: {},
    request: async (pool, registry) => holdOn(await acquireWithBackpressure(pool, { maxWaiting: MAX_WAITING, registry })),
  },
];
const ARMS = ALL_ARMS.filter((arm) => !process.env.ARMS || process.env.ARMS.split(',').includes(arm.name));

/** Intended start times (ms from the run's start) for `rate` requests per second over DURATION_MS. */
function schedule(rate: number, seed: number): number[] {
  const next = random(seed);
  const times: number[] = [];
  for (let t = 0; ; ) {
    t += ARRIVALS === 'uniform' ? 1000 / rate : (-Math.log(1 - next()) * 1000) / rate;
    if (t >= DURATION_MS) return times;
    times.push(t);
  }
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function warmPool(config: pg.PoolConfig): Promise<pg.Pool> {
  const pool = new pg.Pool({ max: MAX, ...config });
  pool.on('error', () => undefined);
  const clients = await Promise.all(Array.from({ length: MAX }, () => pool.connect()));
  clients.forEach((client) => client.release());
  return pool;
}

/** Capacity = MAX / service time of one hold, measured sequentially on a warm client. */
async function measureCapacity(url: string): Promise<{ capacity: number; serviceMs: number }> {
  const pool = await warmPool({ connectionString: url });
  const samples: number[] = [];
  for (let i = 0; i < 40; i++) {
    const started = performance.now();
    await holdOn(await pool.connect());
    samples.push(performance.now() - started);
  }
  await pool.end();
  const serviceMs = percentile(samples.sort((a, b) => a - b), 50);
  return { capacity: (MAX * 1000) / serviceMs, serviceMs };
}

async function runArm(url: string, arm: Arm, rate: number, seed: number) {
  const pool = await warmPool({ connectionString: url, ...arm.poolConfig });
  const registry = new Registry();
  const starts = schedule(rate, seed);
  const outcomes: Outcome[] = new Array(starts.length);
  const pending: Promise<void>[] = [];
  const t0 = performance.now() + 5;

  const launch = (index: number): void => {
    const intended = t0 + starts[index]!;
    const called = performance.now();
    const finish = (kind: Outcome['kind']): void => {
      const now = performance.now();
      outcomes[index] = { kind, ms: now - intended, fromCallMs: now - called, lagMs: called - intended };
    };
    pending.push(
      arm.request(pool, registry).then(
        () => finish('ok'),
        (error: unknown) => finish(isPoolBackpressureError(error) || /timeout exceeded/.test(String(error)) ? 'rejected' : 'error'),
      ),
    );
  };
  await new Promise<void>((resolve) => {
    let next = 0;
    const tick = (): void => {
      const now = performance.now();
      while (next < starts.length && t0 + starts[next]! <= now) launch(next++);
      if (next < starts.length) setTimeout(tick, Math.max(0, Math.min(1, t0 + starts[next]! - now)));
      else resolve();
    };
    setTimeout(tick, 5);
  });
  await Promise.all(pending);
  const wallMs = performance.now() - t0;
  await new Promise((resolve) => setTimeout(resolve, 20)); // let releases land
  const leaked = pool.totalCount - pool.idleCount;
  const waiting = pool.waitingCount;
  await pool.end();

  const ok = outcomes.filter((o) => o.kind === 'ok').map((o) => o.ms).sort((a, b) => a - b);
  const rejected = outcomes.filter((o) => o.kind === 'rejected').map((o) => o.fromCallMs).sort((a, b) => a - b);
  const lags = outcomes.map((o) => o.lagMs).sort((a, b) => a - b);
  const errors = outcomes.filter((o) => o.kind === 'error').length;
  const good = ok.filter((ms) => ms <= DEADLINE_MS).length;
  return {
    offered: starts.length,
    goodput: good / (DURATION_MS / 1000),
    okP50: percentile(ok, 50),
    okP99: percentile(ok, 99),
    rejectedShare: rejected.length / starts.length,
    rejectP99: percentile(rejected, 99),
    errors,
    leaked,
    waiting,
    drainMs: wallMs - DURATION_MS,
    lagP99: percentile(lags, 99),
  };
}

const fmt = (value: number, digits = 1): string => (Number.isNaN(value) ? '-' : value.toFixed(digits));

async function main(): Promise<void> {
  const database = await resolveDatabase();
  try {
    const { capacity, serviceMs } = await measureCapacity(database.url);
    console.log(
      `pool max ${MAX}, hold ${HOLD_MS} ms (${HOLD_SQL}: ${serviceMs.toFixed(1)} ms per request) → capacity ${capacity.toFixed(0)} req/s; ` +
        `${ARRIVALS} arrivals, ${DURATION_MS} ms per run, goodput deadline ${DEADLINE_MS} ms, bounded queue ${MAX_WAITING}`,
    );
    console.log(
      ['load', 'arm', 'offered', 'goodput/s', 'of cap', 'ok p50 ms', 'ok p99 ms', 'rejected', 'rej p99 ms', 'errors', 'leaked', 'drain ms', 'lag p99']
        .map((h, i) => (i < 2 ? h.padEnd(i === 0 ? 5 : 14) : h.padStart(10)))
        .join(' '),
    );
    for (const load of LOADS) {
      for (const arm of ARMS) {
        const r = await runArm(database.url, arm, load * capacity, SEED + Math.round(load * 100));
        console.log(
          [
            `${load}×`.padEnd(5),
            arm.name.padEnd(14),
            String(r.offered).padStart(10),
            fmt(r.goodput, 0).padStart(10),
            `${fmt((100 * r.goodput) / capacity, 0)} %`.padStart(10),
            fmt(r.okP50).padStart(10),
            fmt(r.okP99).padStart(10),
            `${fmt(100 * r.rejectedShare, 2)} %`.padStart(10),
            fmt(r.rejectP99, 2).padStart(10),
            String(r.errors).padStart(10),
            `${r.leaked}/${r.waiting}`.padStart(10),
            fmt(r.drainMs, 0).padStart(10),
            fmt(r.lagP99).padStart(10),
          ].join(' '),
        );
      }
    }
    console.log('leaked = checked-out/waiting clients left after the drain; rejected = typed refusal (or pg timeout for raw+timeout)');
  } finally {
    await database.stop();
  }
}

await main();
