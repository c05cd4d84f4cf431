/**
 * The adaptive default on a real PostgreSQL: what `acquireWithBackpressure(pool)` and `queryWithBackpressure` do with
 * no options, what the policy measures from real checkouts, and its metrics.
 */
import type pg from 'pg';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import {
  acquireWithBackpressure,
  POOL_METRIC_NAMES,
  PoolExhaustedError,
  queryWithBackpressure,
} from '../../../runtime/src/index.js';
import { adaptiveStateOf, BURST_HOLDS } from '../../../runtime/src/pg/adaptive.js';
import { checkedOut, createTestPool, endPoolsAfterEach, settle, sleep } from '../../support/pg.js';

async function hold(pool: pg.Pool, count: number): Promise<pg.PoolClient[]> {
  return Promise.all(Array.from({ length: count }, () => pool.connect()));
}

async function sample(registry: Registry, metric: string, labels: Record<string, string>): Promise<number | undefined> {
  const found = (await registry.getMetricsAsJSON()).find((m) => m.name === metric);
  const values = (found?.values ?? []) as Array<{ labels: Record<string, string | number>; value: number }>;
  return values.find((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val))?.value;
}

const quiet = { metrics: false } as const;

describe('adaptive admission (the default) on a real PostgreSQL', () => {
  endPoolsAfterEach();

  it('with no options, queues a request briefly when every client is busy instead of refusing it', async () => {
    const pool = createTestPool({ max: 2 });
    const held = await hold(pool, 2);
    const waiting = acquireWithBackpressure(pool, quiet);
    await sleep(20);
    expect(pool.waitingCount).toBe(1);
    held[0]!.release();
    const client = await waiting;
    client.release();
    held[1]!.release();
    await settle(pool);
    expect(checkedOut(pool)).toBe(0);
  });

  it('queryWithBackpressure with no options waits for a busy pool too', async () => {
    const pool = createTestPool({ max: 1 });
    const [holder] = await hold(pool, 1);
    const query = queryWithBackpressure<{ one: number }>(pool, 'select 1 as one');
    await sleep(20);
    holder!.release();
    expect((await query).rows[0]?.one).toBe(1);
    await settle(pool);
    expect(checkedOut(pool)).toBe(0);
  });

  it('refuses past its queue limit at once, without entering the pool queue', async () => {
    const pool = createTestPool({ max: 2 });
    const held = await hold(pool, 2);
    // no hold measured yet: a queue as long as the pool (2 waiters)
    const queued = [acquireWithBackpressure(pool, quiet), acquireWithBackpressure(pool, quiet)];
    const refused = acquireWithBackpressure(pool, quiet);
    await expect(refused).rejects.toBeInstanceOf(PoolExhaustedError);
    await expect(refused).rejects.toThrow(/adaptive limit 4 claimed/);
    expect(pool.waitingCount).toBe(2);
    held.forEach((client) => client.release());
    for (const client of await Promise.all(queued)) client.release();
    await settle(pool);
    expect(checkedOut(pool)).toBe(0);
    expect(pool.waitingCount).toBe(0);
  });

  it('measures hold times from real checkouts, through client.release and through the callback release', async () => {
    const pool = createTestPool({ max: 2 });
    const client = await acquireWithBackpressure(pool, quiet); // the first checkout is always sampled
    await client.query('select pg_sleep(0.03)');
    client.release();
    const state = adaptiveStateOf(pool)!;
    expect(state.holdMs).toBeGreaterThanOrEqual(30);

    // a checkout that waited is always sampled; here with the callback form and its release
    const held = await hold(pool, 2);
    const before = state.holdMs!;
    const released = new Promise<void>((resolve, reject) => {
      acquireWithBackpressure(pool, quiet, (err, lent, release) => {
        if (err !== undefined || lent === undefined) return reject(err ?? new Error('no client'));
        setTimeout(() => {
          release();
          resolve();
        }, 5);
      });
    });
    await sleep(10);
    held.forEach((c) => c.release());
    await released;
    expect(state.holdMs).not.toBe(before);
    expect(state.queueDelayMs).toBeGreaterThan(0);
    await settle(pool);
    expect(checkedOut(pool)).toBe(0);
  });

  it('a bare threshold and maxWaiting keep their fixed rules and leave the adaptive state alone', async () => {
    const pool = createTestPool({ max: 10 });
    const held = await hold(pool, 9);
    await expect(acquireWithBackpressure(pool, 0.85)).rejects.toThrow(/threshold 85 %/);
    held.push(...(await hold(pool, 1)));
    await expect(acquireWithBackpressure(pool, { maxWaiting: 0, metrics: false })).rejects.toThrow(
      /bounded queue of 0/,
    );
    expect(adaptiveStateOf(pool)).toBeUndefined();
    held.forEach((client) => client.release());
  });

  it('reports refusals by reason and its state (limit, hold, queue delay, overload) as prom-client metrics', async () => {
    const registry = new Registry();
    const pool = createTestPool({ max: 1 });
    const first = await acquireWithBackpressure(pool, { registry, name: 'orders' });
    await first.query('select pg_sleep(0.01)');
    first.release();
    const [holder] = await hold(pool, 1);
    // BURST_HOLDS holds of waiting × 1 client: that many waiters, then a refusal
    const queued = Array.from({ length: BURST_HOLDS }, () =>
      acquireWithBackpressure(pool, { registry, name: 'orders' }).then((client) => client.release()),
    );
    const refused = acquireWithBackpressure(pool, { registry, name: 'orders' });
    await expect(refused).rejects.toThrow(PoolExhaustedError);
    holder!.release();
    await Promise.all(queued);
    await settle(pool);

    expect(await sample(registry, POOL_METRIC_NAMES.refusals, { pool: 'orders', reason: 'queue_delay' })).toBe(1);
    expect(await sample(registry, POOL_METRIC_NAMES.exhausted, { pool: 'orders' })).toBe(1);
    expect(await sample(registry, POOL_METRIC_NAMES.limit, { pool: 'orders' })).toBe(1 + BURST_HOLDS);
    expect(await sample(registry, POOL_METRIC_NAMES.hold, { pool: 'orders' })).toBeGreaterThan(0);
    expect(await sample(registry, POOL_METRIC_NAMES.queueDelay, { pool: 'orders' })).toBeGreaterThan(0);
    expect(await sample(registry, POOL_METRIC_NAMES.overloaded, { pool: 'orders' })).toBe(0);
  });
});
