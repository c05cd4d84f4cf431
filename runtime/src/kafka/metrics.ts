/**
 * prom-client metrics of the de-duplicating consumers, labelled by consumer group and store kind, in the
 * application's registry (prom-client's global one unless a registry is passed). The kafka area's only prom-client
 * user; without prom-client installed it records nothing.
 *
 *   kafka_dedupe_claims_total              counter    records whose key was claimed and whose handler committed
 *   kafka_dedupe_duplicates_skipped_total  counter    records skipped because their key was already claimed
 *   kafka_dedupe_fallback_keys_total       counter    records keyed by topic/partition/offset (no id of their own)
 *   kafka_dedupe_chunks_retried_total      counter    dedupeBatch chunks that failed and ran again record-at-a-time
 *   kafka_dedupe_store_seconds             histogram  time in the store per record (claim + handler + commit), per
 *                                                     chunk in dedupeBatch
 *
 * A metric of the same name already registered is reused; one of another type is left out, and a sample a foreign
 * metric rejects is dropped, never thrown into the consumer. A Kafka record costs a store round trip (~ms), so
 * observing directly (~0.35 µs) needs none of the pg area's buffering.
 */
import { promClient, warnPromClientMissing, type PromClient } from '../metrics/optional-prom-client.js';
import type { Counter, Histogram, Registry } from 'prom-client';

export const METRIC_NAMES = {
  claims: 'kafka_dedupe_claims_total',
  duplicates: 'kafka_dedupe_duplicates_skipped_total',
  fallbackKeys: 'kafka_dedupe_fallback_keys_total',
  chunksRetried: 'kafka_dedupe_chunks_retried_total',
  storeSeconds: 'kafka_dedupe_store_seconds',
} as const;

const STORE_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

type Labels = 'group' | 'store';

export interface DedupeMetrics {
  /** `count` records at once (a batch); default 1. */
  claimed(count?: number): void;
  skipped(count?: number): void;
  fellBack(): void;
  /** A dedupeBatch chunk failed and is run again record-at-a-time. */
  chunkRetried(): void;
  storeTime(seconds: number): void;
}

export const NO_METRICS: DedupeMetrics = Object.freeze({
  claimed: () => undefined,
  skipped: () => undefined,
  fellBack: () => undefined,
  chunkRetried: () => undefined,
  storeTime: () => undefined,
});

export interface MetricsOption {
  /** Where to register; prom-client's global registry by default. `false` records nothing. */
  readonly metrics?: false | { readonly registry?: Registry };
}

function found<T>(registry: Registry, name: string, type: string): T | 'other' | undefined {
  const metric = registry.getSingleMetric(name) as unknown as { type?: unknown } | undefined;
  if (metric === undefined) return undefined;
  return metric.type === type ? (metric as T) : 'other';
}

function counter(client: PromClient, registry: Registry, name: string, help: string): Counter<Labels> | undefined {
  const existing = found<Counter<Labels>>(registry, name, 'counter');
  if (existing === 'other') return undefined;
  return existing ?? new client.Counter({ name, help, labelNames: ['group', 'store'], registers: [registry] });
}

function histogram(client: PromClient, registry: Registry, name: string, help: string): Histogram<Labels> | undefined {
  const existing = found<Histogram<Labels>>(registry, name, 'histogram');
  if (existing === 'other') return undefined;
  return (
    existing ??
    new client.Histogram({ name, help, labelNames: ['group', 'store'], buckets: STORE_BUCKETS, registers: [registry] })
  );
}

/** A foreign metric of the same name with other labels must not break consumption. */
function safely(update: () => void): void {
  try {
    update();
  } catch {
    // sample dropped
  }
}

export function dedupeMetrics(option: MetricsOption['metrics'], group: string, store: string): DedupeMetrics {
  if (option === false) return NO_METRICS;
  if (promClient === undefined) {
    warnPromClientMissing();
    return NO_METRICS;
  }
  const registry = option?.registry ?? promClient.register;
  const labels = { group, store };
  const claims = counter(
    promClient,
    registry,
    METRIC_NAMES.claims,
    'Kafka records whose de-duplication key was claimed and whose handler committed',
  );
  const duplicates = counter(
    promClient,
    registry,
    METRIC_NAMES.duplicates,
    'Kafka records skipped because their de-duplication key was already claimed',
  );
  const fallbacks = counter(
    promClient,
    registry,
    METRIC_NAMES.fallbackKeys,
    'Kafka records de-duplicated by topic/partition/offset for want of a message id',
  );
  const retried = counter(
    promClient,
    registry,
    METRIC_NAMES.chunksRetried,
    'dedupeBatch chunks that failed and were run again record-at-a-time',
  );
  const seconds = histogram(
    promClient,
    registry,
    METRIC_NAMES.storeSeconds,
    'seconds spent in the de-duplication store per Kafka record',
  );
  return {
    claimed: (count = 1) => safely(() => claims?.inc(labels, count)),
    skipped: (count = 1) => safely(() => duplicates?.inc(labels, count)),
    fellBack: () => safely(() => fallbacks?.inc(labels)),
    chunkRetried: () => safely(() => retried?.inc(labels)),
    storeTime: (value) => safely(() => seconds?.observe(labels, value)),
  };
}
