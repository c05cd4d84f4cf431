/**
 * A process-local store: catches a handler retried after a throw, a batch redelivered to the same process, and the
 * same key twice in one batch. It forgets on restart and knows nothing of other group members, so it cannot catch
 * redelivery to another member after a rebalance, or a crash. Bounded: the oldest keys go first past `maxKeys`.
 */
import type { ClaimOutcome, DedupeStore } from './types.js';

export interface MemoryDedupeStoreOptions {
  /** Keys remembered (applied ones); the oldest are forgotten beyond this. Default 100 000. */
  readonly maxKeys?: number;
}

export interface MemoryDedupeStore extends DedupeStore<undefined> {
  /** Keys remembered now, for tests and dashboards. */
  readonly size: number;
}

export function memoryDedupeStore(options: MemoryDedupeStoreOptions = {}): MemoryDedupeStore {
  const maxKeys = options.maxKeys ?? 100_000;
  if (!(Number.isInteger(maxKeys) && maxKeys > 0))
    throw new RangeError(`memoryDedupeStore: option maxKeys must be a positive integer, got ${String(maxKeys)}`);
  const applied = new Set<string>();
  // Keys in the order they were applied, as a ring once full: `oldest` is the next slot to evict and overwrite.
  // (Deleting the first key of a Set instead makes V8 step over every deleted slot before it: slower as it runs.)
  const order: string[] = [];
  let oldest = 0;
  // A key whose effect is running: a second claim waits for it, then looks again.
  const running = new Map<string, Promise<unknown>>();

  const remember = (id: string): void => {
    if (applied.has(id)) return;
    applied.add(id);
    if (order.length < maxKeys) return void order.push(id);
    applied.delete(order[oldest]!);
    order[oldest] = id;
    oldest = (oldest + 1) % maxKeys;
  };

  const runOnce = async (
    group: string,
    key: string,
    effect: (tx: undefined) => Promise<void>,
  ): Promise<ClaimOutcome> => {
    const id = `${group}\u0000${key}`;
    for (let inFlight = running.get(id); inFlight !== undefined; inFlight = running.get(id))
      await inFlight.catch(() => undefined);
    if (applied.has(id)) return 'duplicate';
    const attempt = effect(undefined);
    running.set(id, attempt);
    try {
      await attempt;
    } finally {
      running.delete(id);
    }
    remember(id);
    return 'applied';
  };

  return {
    kind: 'memory',
    runOnce,
    get size() {
      return applied.size;
    },
  };
}
