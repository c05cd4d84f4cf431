/**
 * prom-client metrics of the document caches, labelled by cache name, in the application's registry (prom-client's
 * global one unless the caller passes a registry). The GraphQL runtime's only prom-client user; without prom-client
 * installed the caches still count, and nothing is exported.
 *
 *   graphql_document_cache_requests_total   counter  lookups by result: hit, miss, bypass (source over the size bound)
 *   graphql_document_cache_evictions_total  counter  entries pushed out by the bound, by kind: document, error
 *   graphql_document_cache_entries          gauge    entries held now, by kind
 *
 * As in the pg helper, the hot path only bumps plain numbers: a labelled `Counter.inc` costs about as much as a whole
 * cache hit, so counts are handed to prom-client when it scrapes (the metrics' `collect` hooks). Registering twice never
 * throws: when the registry already holds a metric of that name (the application's own, or one registered before
 * `register.clear()` was not called), ours is left out rather than fighting it.
 */
import { promClient, warnPromClientMissing, type PromClient } from '../metrics/optional-prom-client.js';
import type { Counter, Gauge, Registry } from 'prom-client';

export const GRAPHQL_METRIC_NAMES = {
  requests: 'graphql_document_cache_requests_total',
  evictions: 'graphql_document_cache_evictions_total',
  entries: 'graphql_document_cache_entries',
} as const;

export type LookupResult = 'hit' | 'miss' | 'bypass';
export type EntryKind = 'document' | 'error';

/** What one cache counts; read by the metrics at scrape time. */
export class CacheCounts {
  hit = 0;
  miss = 0;
  bypass = 0;
  documentEvictions = 0;
  errorEvictions = 0;
  constructor(readonly entries: () => { document: number; error: number }) {}
}

interface RegistryMetrics {
  readonly caches: Map<string, WeakRef<CacheCounts>>;
  /** What each cache had when last handed to a counter, so counters only ever get the difference. */
  readonly reported: WeakMap<CacheCounts, Record<string, number>>;
}

const STORE_KEY = Symbol.for('quickwins.runtime.graphql.metrics.v1');
const store: WeakMap<Registry, RegistryMetrics> = ((
  globalThis as Record<symbol, WeakMap<Registry, RegistryMetrics> | undefined>
)[STORE_KEY] ??= new WeakMap());

function taken(registry: Registry, name: string): boolean {
  return registry.getSingleMetric(name) !== undefined;
}

function delta(metrics: RegistryMetrics, counts: CacheCounts, key: string, now: number): number {
  let reported = metrics.reported.get(counts);
  if (reported === undefined) {
    reported = {};
    metrics.reported.set(counts, reported);
  }
  const before = reported[key] ?? 0;
  reported[key] = now;
  return now - before;
}

function live(metrics: RegistryMetrics): [string, CacheCounts][] {
  const found: [string, CacheCounts][] = [];
  for (const [name, ref] of metrics.caches) {
    const counts = ref.deref();
    if (counts === undefined) metrics.caches.delete(name);
    else found.push([name, counts]);
  }
  return found;
}

function createMetrics(client: PromClient, registry: Registry): RegistryMetrics {
  const metrics: RegistryMetrics = { caches: new Map(), reported: new WeakMap() };
  const collectRequests = (counter: Counter<'cache' | 'result'>): void => {
    for (const [cache, counts] of live(metrics)) {
      for (const result of ['hit', 'miss', 'bypass'] as const) {
        const added = delta(metrics, counts, result, counts[result]);
        if (added > 0) counter.inc({ cache, result }, added);
      }
    }
  };
  const collectEvictions = (counter: Counter<'cache' | 'kind'>): void => {
    for (const [cache, counts] of live(metrics)) {
      const documents = delta(metrics, counts, 'evict-document', counts.documentEvictions);
      const errors = delta(metrics, counts, 'evict-error', counts.errorEvictions);
      if (documents > 0) counter.inc({ cache, kind: 'document' }, documents);
      if (errors > 0) counter.inc({ cache, kind: 'error' }, errors);
    }
  };
  const collectEntries = (gauge: Gauge<'cache' | 'kind'>): void => {
    for (const [cache, counts] of live(metrics)) {
      const entries = counts.entries();
      gauge.set({ cache, kind: 'document' }, entries.document);
      gauge.set({ cache, kind: 'error' }, entries.error);
    }
  };
  if (!taken(registry, GRAPHQL_METRIC_NAMES.requests)) {
    new client.Counter({
      name: GRAPHQL_METRIC_NAMES.requests,
      help: 'GraphQL document cache lookups by result (hit, miss, bypass: source longer than the cache admits)',
      labelNames: ['cache', 'result'],
      registers: [registry],
      collect(this: Counter<'cache' | 'result'>) {
        collectRequests(this);
      },
    });
  }
  if (!taken(registry, GRAPHQL_METRIC_NAMES.evictions)) {
    new client.Counter({
      name: GRAPHQL_METRIC_NAMES.evictions,
      help: 'GraphQL document cache entries evicted by its bound, by kind (document, error)',
      labelNames: ['cache', 'kind'],
      registers: [registry],
      collect(this: Counter<'cache' | 'kind'>) {
        collectEvictions(this);
      },
    });
  }
  if (!taken(registry, GRAPHQL_METRIC_NAMES.entries)) {
    new client.Gauge({
      name: GRAPHQL_METRIC_NAMES.entries,
      help: 'GraphQL document cache entries held, by kind (document, error)',
      labelNames: ['cache', 'kind'],
      registers: [registry],
      collect(this: Gauge<'cache' | 'kind'>) {
        collectEntries(this);
      },
    });
  }
  return metrics;
}

function stillRegistered(registry: Registry): boolean {
  return registry.getSingleMetric(GRAPHQL_METRIC_NAMES.requests) !== undefined;
}

/** Makes `counts` visible under `name` in `registry` (the global one by default). A later cache of the same name replaces it. */
export function registerCacheMetrics(registry: Registry | undefined, name: string, counts: CacheCounts): void {
  if (promClient === undefined) {
    warnPromClientMissing();
    return;
  }
  const target = registry ?? promClient.register;
  let metrics = store.get(target);
  if (metrics === undefined || !stillRegistered(target)) {
    metrics = createMetrics(promClient, target);
    store.set(target, metrics);
  }
  metrics.caches.set(name, new WeakRef(counts));
}
