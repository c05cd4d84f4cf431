/**
 * A randomized storm against one real pool: holds, raw checkouts, refusals, timeouts, aborts (before and while waiting),
 * failing queries and backends that kill themselves, all overlapping. Whatever the interleaving, once the storm is over
 * the pool must have no client checked out and nobody waiting, and never more clients than its max.
 */
import fc from 'fast-check';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  acquireWithBackpressure,
  isPoolBackpressureError,
  queryWithBackpressure,
  type BackpressureOptions,
} from '../../../runtime/src/index.js';
import { checkedOut, createTestPool, endPool, settle, sleep } from '../../support/pg.js';

const MAX = 4;

type Step =
  | { kind: 'hold'; holdMs: number }
  | { kind: 'rawHold'; holdMs: number }
  | { kind: 'query'; sleepMs: number }
  | { kind: 'failingQuery' }
  | { kind: 'selfTerminate' }
  | { kind: 'tightDeadline'; timeoutMs: number; holdMs: number }
  | { kind: 'abortWhileWaiting'; afterMs: number }
  | { kind: 'abortedBefore' };

type Op = { startMs: number; admission: Pick<BackpressureOptions, 'threshold' | 'maxWaiting'>; step: Step };

// {} is the default: adaptive admission
const admission: fc.Arbitrary<Pick<BackpressureOptions, 'threshold' | 'maxWaiting'>> = fc.oneof(
  fc.constant({}),
  fc.record({ threshold: fc.constantFrom(0.5, 0.75, 0.85, 1) }),
  fc.record({ maxWaiting: fc.integer({ min: 0, max: 6 }) }),
);
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('hold' as const), holdMs: fc.integer({ min: 0, max: 25 }) }),
  fc.record({ kind: fc.constant('rawHold' as const), holdMs: fc.integer({ min: 0, max: 25 }) }),
  fc.record({ kind: fc.constant('query' as const), sleepMs: fc.integer({ min: 0, max: 20 }) }),
  fc.record({ kind: fc.constant('failingQuery' as const) }),
  fc.record({ kind: fc.constant('selfTerminate' as const) }),
  fc.record({
    kind: fc.constant('tightDeadline' as const),
    timeoutMs: fc.integer({ min: 1, max: 15 }),
    holdMs: fc.integer({ min: 0, max: 10 }),
  }),
  fc.record({ kind: fc.constant('abortWhileWaiting' as const), afterMs: fc.integer({ min: 0, max: 15 }) }),
  fc.record({ kind: fc.constant('abortedBefore' as const) }),
);
const op: fc.Arbitrary<Op> = fc.record({ startMs: fc.integer({ min: 0, max: 30 }), admission, step });

/** Errors a caller may legitimately see in the storm; anything else fails the property. */
function isExpected(error: unknown): boolean {
  if (isPoolBackpressureError(error)) return true;
  if ((error as Error | undefined)?.name === 'AbortError') return true;
  const message = String((error as Error | undefined)?.message ?? error);
  return /no_such_table|does not exist|terminat|Connection terminated/i.test(message);
}

async function run(pool: pg.Pool, { startMs, admission: mode, step: s }: Op): Promise<void> {
  await sleep(startMs);
  const options: BackpressureOptions = { ...mode, metrics: false };
  switch (s.kind) {
    case 'hold': {
      const client = await acquireWithBackpressure(pool, options);
      await sleep(s.holdMs);
      client.release();
      return;
    }
    case 'rawHold': {
      const client = await pool.connect();
      await sleep(s.holdMs);
      client.release();
      return;
    }
    case 'query':
      await queryWithBackpressure(pool, 'select pg_sleep($1::float / 1000)', [s.sleepMs], options);
      return;
    case 'failingQuery':
      await queryWithBackpressure(pool, 'select * from no_such_table', undefined, options);
      return;
    case 'selfTerminate':
      await queryWithBackpressure(pool, 'select pg_terminate_backend(pg_backend_pid())', undefined, options);
      return;
    case 'tightDeadline': {
      const client = await acquireWithBackpressure(pool, { ...options, acquireTimeoutMs: s.timeoutMs });
      await sleep(s.holdMs);
      client.release();
      return;
    }
    case 'abortWhileWaiting': {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), s.afterMs);
      const client = await acquireWithBackpressure(pool, { ...options, signal: controller.signal });
      client.release();
      return;
    }
    case 'abortedBefore': {
      const client = await acquireWithBackpressure(pool, { ...options, signal: AbortSignal.abort() });
      client.release();
      return;
    }
  }
}

describe('randomized storm on a real pool', () => {
  let pool: pg.Pool;
  beforeAll(() => {
    pool = createTestPool({ max: MAX });
  });
  afterAll(async () => {
    await endPool(pool);
  });

  it('ends every run with nothing checked out and nobody waiting', async () => {
    let maxSeen = 0;
    const watch = setInterval(() => (maxSeen = Math.max(maxSeen, pool.totalCount)), 1);
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 24 }), async (ops) => {
          const outcomes = await Promise.allSettled(ops.map((o) => run(pool, o)));
          for (const outcome of outcomes) {
            if (outcome.status === 'rejected' && !isExpected(outcome.reason)) throw outcome.reason;
          }
          await settle(pool);
          expect(checkedOut(pool)).toBe(0);
          expect(pool.totalCount - pool.idleCount).toBe(0);
          expect(pool.waitingCount).toBe(0);
        }),
        { numRuns: 60, interruptAfterTimeLimit: 20_000 },
      );
    } finally {
      clearInterval(watch);
    }
    expect(maxSeen).toBeLessThanOrEqual(MAX);
    // the pool still works after the storm
    const { rows } = await queryWithBackpressure<{ ok: number }>(pool, 'select 1 as ok', undefined, { metrics: false });
    expect(rows[0]?.ok).toBe(1);
  });
});
