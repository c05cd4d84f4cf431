import type pg from 'pg';
import promClient, { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireWithBackpressure, POOL_METRIC_NAMES } from '../../../runtime/src/index.js';
import { mergeWaits, PendingWaits, WAIT_BUCKETS } from '../../../runtime/src/pg/metrics.js';
import { createTestPool, endPoolsAfterEach, sleep } from '../../support/pg.js';

/** One sample's value from the registry's JSON, by metric name, labels and (for histograms) the series name. */
async function sample(
  registry: Registry,
  metric: string,
  labels: Record<string, string | number>,
  series = metric,
): Promise<number | undefined> {
  const all = await registry.getMetricsAsJSON();
  const found = all.find((m) => m.name === metric);
  const values = (found?.values ?? []) as Array<{
    labels: Record<string, string | number>;
    value: number;
    metricName?: string;
  }>;
  return values.find(
    (v) => (v.metricName ?? metric) === series && Object.entries(labels).every(([k, val]) => v.labels[k] === val),
  )?.value;
}

async function hold(pool: pg.Pool, count: number): Promise<pg.PoolClient[]> {
  return Promise.all(Array.from({ length: count }, () => pool.connect()));
}

describe('prom-client metrics', () => {
  endPoolsAfterEach();
  afterEach(() => {
    promClient.register.removeSingleMetric(POOL_METRIC_NAMES.exhausted);
    promClient.register.removeSingleMetric(POOL_METRIC_NAMES.timeouts);
    promClient.register.removeSingleMetric(POOL_METRIC_NAMES.wait);
    promClient.register.removeSingleMetric(POOL_METRIC_NAMES.utilization);
  });

  it('counts refusals and timeouts per pool name, in the registry passed in', async () => {
    const registry = new Registry();
    const pool = createTestPool({ max: 2 });
    const held = await hold(pool, 2);
    await expect(acquireWithBackpressure(pool, { registry, name: 'orders', maxWaiting: 0 })).rejects.toThrow();
    await expect(acquireWithBackpressure(pool, { registry, name: 'orders', maxWaiting: 0 })).rejects.toThrow();
    await expect(
      acquireWithBackpressure(pool, { registry, name: 'orders', maxWaiting: 1, acquireTimeoutMs: 20 }),
    ).rejects.toThrow();
    expect(await sample(registry, POOL_METRIC_NAMES.exhausted, { pool: 'orders' })).toBe(2);
    expect(await sample(registry, POOL_METRIC_NAMES.timeouts, { pool: 'orders' })).toBe(1);
    held.forEach((client) => client.release());
  });

  it('records acquire waits in seconds: fast checkouts near 0, a queued one at its real wait', async () => {
    const registry = new Registry();
    const pool = createTestPool({ max: 1 });
    (await pool.connect()).release(); // warm: a brand-new connection would count its connect time as wait
    for (let i = 0; i < 3; i++) (await acquireWithBackpressure(pool, { registry, name: 'w' })).release();
    const [holder] = await hold(pool, 1);
    const queued = acquireWithBackpressure(pool, { registry, name: 'w', maxWaiting: 1 });
    await sleep(40);
    holder!.release();
    (await queued).release();

    const name = POOL_METRIC_NAMES.wait;
    expect(await sample(registry, name, { pool: 'w' }, `${name}_count`)).toBe(4);
    const sum = (await sample(registry, name, { pool: 'w' }, `${name}_sum`))!;
    expect(sum).toBeGreaterThan(0.03);
    expect(sum).toBeLessThan(1);
    expect(await sample(registry, name, { pool: 'w', le: 0.005 }, `${name}_bucket`)).toBe(3);
    expect(await sample(registry, name, { pool: 'w', le: '+Inf' }, `${name}_bucket`)).toBe(4);
    // a second scrape does not count the same waits again
    expect(await sample(registry, name, { pool: 'w' }, `${name}_count`)).toBe(4);
  });

  it('reports utilization at scrape time, clamped to 0..1', async () => {
    const registry = new Registry();
    const pool = createTestPool({ max: 4 });
    (await acquireWithBackpressure(pool, { registry, name: 'u' })).release();
    expect(await sample(registry, POOL_METRIC_NAMES.utilization, { pool: 'u' })).toBe(0);
    const held = await hold(pool, 3);
    expect(await sample(registry, POOL_METRIC_NAMES.utilization, { pool: 'u' })).toBeCloseTo(0.75);
    held.push(...(await hold(pool, 1)));
    const queued = pool.connect();
    expect(await sample(registry, POOL_METRIC_NAMES.utilization, { pool: 'u' })).toBe(1); // 125 % clamped
    held.forEach((client) => client.release());
    (await queued).release();
  });

  it("uses prom-client's default registry when none is passed", async () => {
    const pool = createTestPool({ max: 1 });
    const [holder] = await hold(pool, 1);
    await expect(acquireWithBackpressure(pool, { name: 'global', maxWaiting: 0 })).rejects.toThrow();
    expect(await sample(promClient.register, POOL_METRIC_NAMES.exhausted, { pool: 'global' })).toBe(1);
    holder!.release();
  });

  it('registers nothing with metrics: false', async () => {
    const registry = new Registry();
    const pool = createTestPool({ max: 1 });
    (await acquireWithBackpressure(pool, { registry, metrics: false })).release();
    expect(await registry.getMetricsAsJSON()).toEqual([]);
  });

  it('never throws on a second registration: reuses metrics already in the registry', async () => {
    const registry = new Registry();
    const mine = new Counter({
      name: POOL_METRIC_NAMES.exhausted,
      help: 'app-defined',
      labelNames: ['pool'],
      registers: [registry],
    });
    const pool = createTestPool({ max: 1 });
    const [holder] = await hold(pool, 1);
    await expect(acquireWithBackpressure(pool, { registry, name: 'a', maxWaiting: 0 })).rejects.toThrow(/exhausted/);
    expect(await mine.get()).toMatchObject({ values: [{ labels: { pool: 'a' }, value: 1 }] });
    holder!.release();
  });

  it('keeps acquiring when same-named metrics have another type or other labels', async () => {
    const registry = new Registry();
    new Gauge({ name: POOL_METRIC_NAMES.exhausted, help: 'wrong type', registers: [registry] });
    new Counter({ name: POOL_METRIC_NAMES.timeouts, help: 'other labels', labelNames: ['db'], registers: [registry] });
    new Histogram({ name: POOL_METRIC_NAMES.wait, help: 'other labels', labelNames: ['db'], registers: [registry] });
    new Gauge({ name: POOL_METRIC_NAMES.utilization, help: 'no labels', registers: [registry] });
    const pool = createTestPool({ max: 1 });
    (await acquireWithBackpressure(pool, { registry })).release();
    const [holder] = await hold(pool, 1);
    await expect(acquireWithBackpressure(pool, { registry, maxWaiting: 0 })).rejects.toThrow(/exhausted/);
    await expect(acquireWithBackpressure(pool, { registry, maxWaiting: 1, acquireTimeoutMs: 10 })).rejects.toThrow(
      /no client within/,
    );
    holder!.release();
    await expect(registry.metrics()).resolves.toContain('other labels');
  });

  it('registers again after the application cleared the registry', async () => {
    const registry = new Registry();
    const pool = createTestPool({ max: 1 });
    (await acquireWithBackpressure(pool, { registry, name: 'c' })).release();
    registry.clear();
    const [holder] = await hold(pool, 1);
    await expect(acquireWithBackpressure(pool, { registry, name: 'c', maxWaiting: 0 })).rejects.toThrow();
    expect(await sample(registry, POOL_METRIC_NAMES.exhausted, { pool: 'c' })).toBe(1);
    holder!.release();
  });

  it('merges buffered waits exactly, also through the observe() fallback', async () => {
    const waits = [0, 0.0004, 0.003, 0.003, 0.2, 7];
    const expectFor = async (histogram: Histogram<'pool'>) => {
      const { values } = await histogram.get();
      const bucket = (le: number | string) =>
        values.find((v) => v.metricName?.endsWith('_bucket') && (v.labels as Record<string, unknown>).le === le)?.value;
      expect(bucket(0.0005)).toBe(2);
      expect(bucket(0.005)).toBe(4);
      expect(bucket(0.25)).toBe(5);
      expect(bucket('+Inf')).toBe(6);
      expect(values.find((v) => v.metricName?.endsWith('_sum'))?.value).toBeCloseTo(7.2064, 6);
    };
    const viaInternals = new Histogram({
      name: 'a',
      help: 'a',
      labelNames: ['pool'],
      buckets: [...WAIT_BUCKETS],
      registers: [],
    });
    const pending = new PendingWaits();
    waits.forEach((w) => pending.add(w));
    mergeWaits(viaInternals, 'p', pending);
    expect(pending.count).toBe(0);
    await expectFor(viaInternals);

    const opaque = new Histogram({
      name: 'b',
      help: 'b',
      labelNames: ['pool'],
      buckets: [...WAIT_BUCKETS],
      registers: [],
    });
    const realObserve = opaque.observe.bind(opaque);
    // hide prom-client's internal state: the merge must fall back to observe()
    const facade = { observe: realObserve, zero: () => undefined } as unknown as Histogram<'pool'>;
    waits.forEach((w) => pending.add(w));
    mergeWaits(facade, 'p', pending);
    await expectFor(opaque);
  });
});
