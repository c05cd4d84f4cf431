/**
 * prom-client metrics, labelled by pool name, in the application's registry (prom-client's global one unless the
 * caller passes a registry). The pg area's only prom-client user; without prom-client installed it records nothing.
 *
 *   db_pool_exhausted_total              counter    requests refused by admission
 *   db_pool_acquire_timeouts_total       counter    admitted requests that got no client within acquireTimeoutMs
 *   db_pool_acquire_wait_seconds         histogram  time from admission to a client, for requests that got one
 *   db_pool_utilization                  gauge      (checked-out + waiting) / max at scrape time, clamped to 0..1
 *   db_pool_admission_refusals_total     counter    refusals by `reason` (threshold, queue_full, queue_delay,
 *                                                   overload, deadline)
 *   db_pool_admission_limit              gauge      adaptive: claims admitted right now (max + allowed waiters)
 *   db_pool_admission_queue_delay_seconds gauge     adaptive: mean queueing delay of requests that waited (EWMA)
 *   db_pool_admission_hold_seconds       gauge      adaptive: mean hold time its targets derive from (EWMA)
 *   db_pool_admission_overloaded         gauge      adaptive: 1 while demand exceeds capacity
 *
 * Registering twice never throws: a metric already in the registry under the same name is reused (another copy of
 * quickwins, or the application's own definition). If that metric has another type, that one metric is left out, and
 * a sample that a foreign metric rejects (other labels) is dropped instead of breaking acquisition.
 *
 * Hot path: `Histogram.observe` costs ~0.35 µs (label validation and hashing), a quarter of a whole warm-pool
 * acquire + release. So waits are counted into a plain per-pool bucket array and merged into the histogram when it is
 * scraped (its `collect` hook); utilization is read from the tracked pools at scrape time too.
 */
import { promClient, warnPromClientMissing, type PromClient } from '../metrics/optional-prom-client.js';
import type { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { adaptiveStateOf, type AdaptiveAdmission } from './adaptive.js';
import type { RefusalReason } from './admission.js';
import { poolUtilization, type PoolLike } from './utilization.js';

export const METRIC_NAMES = {
  exhausted: 'db_pool_exhausted_total',
  timeouts: 'db_pool_acquire_timeouts_total',
  wait: 'db_pool_acquire_wait_seconds',
  utilization: 'db_pool_utilization',
  refusals: 'db_pool_admission_refusals_total',
  limit: 'db_pool_admission_limit',
  queueDelay: 'db_pool_admission_queue_delay_seconds',
  hold: 'db_pool_admission_hold_seconds',
  overloaded: 'db_pool_admission_overloaded',
} as const;

/** Buckets around typical pool waits: sub-ms for a free client up to the 2 s default deadline and beyond. */
export const WAIT_BUCKETS: readonly number[] = Object.freeze([
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5,
]);

/** The per-pool recorder acquisition calls. Every method is a no-op for a metric that could not be set up. */
export interface PoolMetrics {
  exhausted(reason: RefusalReason): void;
  timedOut(): void;
  waited(seconds: number): void;
  /** Remembers the pool so the utilization gauge can read it at scrape time. */
  track(pool: PoolLike<unknown>): void;
}

/** Waits not yet merged into the histogram: counts per bucket (last slot: above the largest bound), sum, count. */
export class PendingWaits {
  readonly buckets = new Float64Array(WAIT_BUCKETS.length + 1);
  readonly bucketSums = new Float64Array(WAIT_BUCKETS.length + 1);
  sum = 0;
  count = 0;

  add(seconds: number): void {
    let index = 0;
    // most acquisitions on a healthy pool: a client within the first tick, recorded as 0
    if (seconds === 0) {
      this.buckets[0]!++;
      this.count++;
      return;
    }
    while (index < WAIT_BUCKETS.length && seconds > WAIT_BUCKETS[index]!) index++;
    this.buckets[index]!++;
    this.bucketSums[index]! += seconds;
    this.sum += seconds;
    this.count++;
  }

  clear(): void {
    this.buckets.fill(0);
    this.bucketSums.fill(0);
    this.sum = 0;
    this.count = 0;
  }
}

interface RegistryMetrics {
  readonly exhausted: Counter<'pool'> | undefined;
  readonly refusals: Counter<'pool' | 'reason'> | undefined;
  readonly timeouts: Counter<'pool'> | undefined;
  readonly wait: Histogram<'pool'> | undefined;
  /** True when the histogram is ours (merges the pending waits at scrape time); false: observe directly. */
  readonly waitIsBuffered: boolean;
  readonly utilization: Gauge<'pool'> | undefined;
  /** True when the gauge is ours (reads the tracked pools at scrape time); false: set it on every acquisition. */
  readonly gaugeCollects: boolean;
  /** Pools the utilization gauge reports, by name; weak so a dropped pool is not kept alive. */
  readonly pools: Map<string, WeakRef<PoolLike<unknown>>>;
  readonly pendingWaits: Map<string, PendingWaits>;
  readonly byName: Map<string, PoolMetrics>;
}

/** Marks a pool with the recorder that last tracked it (non-enumerable, so it never shows in logs of the pool). */
const TRACKED_BY = Symbol.for('quickwins.runtime.pg.trackedBy');

// Shared through globalThis so an app that loads quickwins as ESM and as CommonJS keeps one set of metrics.
const STORE_KEY = Symbol.for('quickwins.runtime.pg.metrics.v1');
type Store = WeakMap<Registry, RegistryMetrics>;
const store: Store = ((globalThis as Record<symbol, Store | undefined>)[STORE_KEY] ??= new WeakMap());

function existing<T>(registry: Registry, name: string, type: string): T | 'other' | undefined {
  const metric = registry.getSingleMetric(name) as unknown as { type?: unknown } | undefined;
  if (metric === undefined) return undefined;
  return metric.type === type ? (metric as T) : 'other';
}

function counter<Label extends string = 'pool'>(
  client: PromClient,
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly Label[] = ['pool'] as Label[],
): Counter<Label> | undefined {
  const found = existing<Counter<Label>>(registry, name, 'counter');
  if (found === 'other') return undefined;
  return found ?? new client.Counter({ name, help, labelNames, registers: [registry] });
}

type AdaptiveReading = (state: AdaptiveAdmission) => number | undefined;

/** A gauge of the adaptive state of every tracked pool, read at scrape time (nothing on the hot path). */
function adaptiveGauge(
  client: PromClient,
  registry: Registry,
  name: string,
  help: string,
  pools: Map<string, WeakRef<PoolLike<unknown>>>,
  read: AdaptiveReading,
): void {
  if (existing(registry, name, 'gauge') !== undefined) return;
  new client.Gauge({
    name,
    help,
    labelNames: ['pool'],
    registers: [registry],
    collect(this: Gauge<'pool'>) {
      for (const [pool, ref] of pools) {
        const state = adaptiveStateOf(ref.deref() ?? {});
        const value = state === undefined ? undefined : read(state);
        if (value !== undefined) this.set({ pool }, value);
      }
    },
  });
}

/** The slice of prom-client's Histogram state that merging needs (stable since prom-client 11). */
interface HistogramEntry {
  labels: Record<string, unknown>;
  bucketValues: Record<string, number>;
  sum: number;
  count: number;
}

/** Adds pending waits to the histogram: one entry update when its state looks as expected, else exact re-observation. */
export function mergeWaits(histogram: Histogram<'pool'>, pool: string, pending: PendingWaits): void {
  const hashMap = (histogram as unknown as { hashMap?: Record<string, HistogramEntry> }).hashMap;
  const find = (): HistogramEntry | undefined =>
    hashMap &&
    Object.values((histogram as unknown as { hashMap: Record<string, HistogramEntry> }).hashMap).find(
      (entry) => entry.labels.pool === pool,
    );
  let entry = find();
  if (entry === undefined && hashMap !== undefined) {
    histogram.zero({ pool });
    entry = find();
  }
  const mergeable = entry !== undefined && WAIT_BUCKETS.every((bound) => typeof entry.bucketValues[bound] === 'number');
  if (entry !== undefined && mergeable) {
    WAIT_BUCKETS.forEach((bound, index) => {
      entry.bucketValues[bound]! += pending.buckets[index]!;
    });
    entry.sum += pending.sum;
    entry.count += pending.count;
  } else {
    // Unknown internals: fall back to observe(), feeding each bucket its own mean. The mean of a bucket's waits lies
    // in that bucket, so bucket counts, count and sum all come out exact.
    for (let index = 0; index <= WAIT_BUCKETS.length; index++) {
      const times = pending.buckets[index]!;
      for (let i = 0; i < times; i++) histogram.observe({ pool }, pending.bucketSums[index]! / times);
    }
  }
  pending.clear();
}

function createMetrics(client: PromClient, registry: Registry): RegistryMetrics {
  const pools = new Map<string, WeakRef<PoolLike<unknown>>>();
  const pendingWaits = new Map<string, PendingWaits>();
  const foundWait = existing<Histogram<'pool'>>(registry, METRIC_NAMES.wait, 'histogram');
  const foundGauge = existing<Gauge<'pool'>>(registry, METRIC_NAMES.utilization, 'gauge');
  const wait =
    foundWait === 'other'
      ? undefined
      : (foundWait ??
        new client.Histogram({
          name: METRIC_NAMES.wait,
          help: 'seconds from admission until a pg pool client was handed out',
          labelNames: ['pool'],
          buckets: [...WAIT_BUCKETS],
          registers: [registry],
          collect(this: Histogram<'pool'>) {
            for (const [pool, pending] of pendingWaits) if (pending.count > 0) mergeWaits(this, pool, pending);
          },
        }));
  const utilization =
    foundGauge === 'other'
      ? undefined
      : (foundGauge ??
        new client.Gauge({
          name: METRIC_NAMES.utilization,
          help: 'pg pool utilization: (checked-out clients + waiting requests) / max, 0 to 1',
          labelNames: ['pool'],
          registers: [registry],
          collect(this: Gauge<'pool'>) {
            for (const [name, ref] of pools) {
              const pool = ref.deref();
              if (pool === undefined) pools.delete(name);
              else this.set({ pool: name }, Math.min(1, Math.max(0, poolUtilization(pool))));
            }
          },
        }));
  adaptiveGauge(
    client,
    registry,
    METRIC_NAMES.limit,
    'pg pool adaptive admission: claims (checked out + waiting) admitted now',
    pools,
    (s) => (s.limit > 0 ? s.limit : undefined),
  );
  adaptiveGauge(
    client,
    registry,
    METRIC_NAMES.queueDelay,
    'pg pool adaptive admission: mean queueing delay of requests that waited',
    pools,
    (s) => s.queueDelayMs / 1000,
  );
  adaptiveGauge(
    client,
    registry,
    METRIC_NAMES.hold,
    'pg pool adaptive admission: mean hold time (checkout to release)',
    pools,
    (s) => (s.holdMs === undefined ? undefined : s.holdMs / 1000),
  );
  adaptiveGauge(
    client,
    registry,
    METRIC_NAMES.overloaded,
    'pg pool adaptive admission: 1 while demand exceeds capacity',
    pools,
    (s) => (s.overloaded ? 1 : 0),
  );
  return {
    exhausted: counter(
      client,
      registry,
      METRIC_NAMES.exhausted,
      'pg pool requests refused because the pool was exhausted',
    ),
    refusals: counter(client, registry, METRIC_NAMES.refusals, 'pg pool requests refused by admission, by reason', [
      'pool',
      'reason',
    ]),
    timeouts: counter(
      client,
      registry,
      METRIC_NAMES.timeouts,
      'pg pool acquisitions that timed out waiting for a client',
    ),
    wait,
    waitIsBuffered: foundWait === undefined,
    utilization,
    gaugeCollects: foundGauge === undefined,
    pools,
    pendingWaits,
    byName: new Map(),
  };
}

/** Runs a metric update; a metric defined elsewhere with other labels must not break acquisition. */
function safely(update: () => void): void {
  try {
    update();
  } catch {
    // a foreign metric of the same name with incompatible labels: skip the sample
  }
}

function createPoolMetrics(metrics: RegistryMetrics, name: string): PoolMetrics {
  const labels = { pool: name };
  let pending: PendingWaits | undefined;
  if (metrics.waitIsBuffered) {
    pending = metrics.pendingWaits.get(name) ?? new PendingWaits();
    metrics.pendingWaits.set(name, pending);
  }
  const recorder: PoolMetrics = {
    exhausted: (reason) => {
      safely(() => metrics.exhausted?.inc(labels));
      safely(() => metrics.refusals?.inc({ pool: name, reason }));
    },
    timedOut: () => safely(() => metrics.timeouts?.inc(labels)),
    waited: pending
      ? (seconds) => pending.add(seconds)
      : (seconds) => safely(() => metrics.wait?.observe(labels, seconds)),
    track: (pool) => {
      if (!metrics.gaugeCollects) {
        // A gauge defined elsewhere has no collect of ours: set it on every acquisition instead.
        safely(() => metrics.utilization?.set(labels, Math.min(1, poolUtilization(pool))));
        return;
      }
      // Runs on every acquisition: one property read on the pool says it is already tracked by this recorder.
      // (A WeakRef or WeakSet lookup here measured at ~3 % of a whole warm-pool acquire + release.)
      if ((pool as unknown as Record<symbol, unknown>)[TRACKED_BY] === recorder) return;
      metrics.pools.set(name, new WeakRef(pool));
      safely(() =>
        Object.defineProperty(pool, TRACKED_BY, {
          value: recorder,
          configurable: true,
          enumerable: false,
          writable: true,
        }),
      );
    },
  };
  return recorder;
}

/** True while our metrics are still registered (the application may `register.clear()`, e.g. between tests). */
function stillRegistered(registry: Registry, metrics: RegistryMetrics): boolean {
  return metrics.exhausted === undefined || registry.getSingleMetric(METRIC_NAMES.exhausted) === metrics.exhausted;
}

// The last lookup, so a service with one pool skips the map lookups on every acquisition.
let last: { registry: Registry; name: string; metrics: RegistryMetrics; recorder: PoolMetrics } | undefined;

/** The recorder for one pool name in one registry (created once, then cached). */
export function poolMetrics(registry: Registry | undefined, name: string): PoolMetrics {
  if (promClient === undefined) {
    warnPromClientMissing();
    return NO_METRICS;
  }
  const target = registry ?? promClient.register;
  if (last !== undefined && last.registry === target && last.name === name && stillRegistered(target, last.metrics)) {
    return last.recorder;
  }
  let metrics = store.get(target);
  if (metrics === undefined || !stillRegistered(target, metrics)) {
    metrics = createMetrics(promClient, target);
    store.set(target, metrics);
  }
  let recorder = metrics.byName.get(name);
  if (recorder === undefined) {
    recorder = createPoolMetrics(metrics, name);
    metrics.byName.set(name, recorder);
  }
  last = { registry: target, name, metrics, recorder };
  return recorder;
}

export const NO_METRICS: PoolMetrics = Object.freeze({
  exhausted: () => undefined,
  timedOut: () => undefined,
  waited: () => undefined,
  track: () => undefined,
});
