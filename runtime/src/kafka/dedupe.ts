/**
 * `dedupeEachBatch` / `dedupeEachMessage`: kafkajs handlers that run a per-record handler through a de-duplication
 * store, so a record delivered again (refused commit, rebalance, retry after a throw) does not apply its side effect
 * again.
 *
 * Per record, in this order (the batch protocol kafkajs' own eachMessage loop follows):
 *   1. stop when the consumer is stopping (`isRunning()` false) or the batch is stale (`isStale()`: a seek or a
 *      rebalance moved the partition); the records left are redelivered, and the store skips what was applied;
 *   2. a key already claimed (by the store, or earlier in this batch when `coalesce`) is skipped, but its offset is
 *      still resolved, else the partition never moves past it;
 *   3. run the handler through the store (claim + effect);
 *   4. `resolveOffset`, `heartbeat`, `commitOffsetsIfNecessary`.
 * A handler that throws propagates: kafkajs commits what was resolved and redelivers the rest.
 *
 * Run eachBatch with `eachBatchAutoResolve: false`: with it on, kafkajs resolves the whole batch when the handler
 * returns, including records left unprocessed by an early stop.
 */
import { headerKey, resolveKey } from './keys.js';
import { dedupeMetrics, type DedupeMetrics, type MetricsOption } from './metrics.js';
import type {
  DedupedBatchHandler,
  DedupedHandler,
  DedupeStore,
  EachBatchPayloadLike,
  EachMessagePayloadLike,
  KafkaMessageLike,
  KeyOf,
  RecordRef,
} from './types.js';

export interface DedupeOptions<Tx, Message extends KafkaMessageLike = KafkaMessageLike> extends MetricsOption {
  readonly store: DedupeStore<Tx>;
  /** The consumer group (keys are claimed per group, so two groups each apply a record once). */
  readonly group: string;
  /** The record's key; default: the `message-id` header, else topic/partition/offset. */
  readonly keyOf?: KeyOf<Message>;
}

export interface DedupeBatchOptions<Tx, Message extends KafkaMessageLike = KafkaMessageLike> extends DedupeOptions<Tx, Message> {
  /** Skip a key seen earlier in the same batch without asking the store again. Default true. */
  readonly coalesce?: boolean;
}

interface Prepared<Tx, Message extends KafkaMessageLike> {
  readonly store: DedupeStore<Tx>;
  readonly group: string;
  readonly keyOf: KeyOf<Message>;
  readonly metrics: DedupeMetrics;
}

function prepare<Tx, Message extends KafkaMessageLike>(name: string, options: DedupeOptions<Tx, Message>): Prepared<Tx, Message> {
  if (options === null || typeof options !== 'object') throw new TypeError(`${name}: options { store, group } are required`);
  if (typeof options.store?.runOnce !== 'function') throw new TypeError(`${name}: option store must be a de-duplication store (pgDedupeStore, redisDedupeStore, memoryDedupeStore)`);
  if (typeof options.group !== 'string' || options.group === '') throw new TypeError(`${name}: option group must be the consumer group id`);
  if (options.keyOf !== undefined && typeof options.keyOf !== 'function') throw new TypeError(`${name}: option keyOf must be a function`);
  return {
    store: options.store,
    group: options.group,
    keyOf: options.keyOf ?? (headerKey() as KeyOf<Message>),
    metrics: dedupeMetrics(options.metrics, options.group, options.store.kind),
  };
}

/** Runs one record through the store; true when its handler ran and committed. */
async function runRecord<Tx, Message extends KafkaMessageLike>(
  prepared: Prepared<Tx, Message>,
  key: string,
  effect: (tx: Tx) => Promise<void>,
): Promise<boolean> {
  const started = performance.now();
  try {
    const outcome = await prepared.store.runOnce(prepared.group, key, effect);
    if (outcome === 'applied') prepared.metrics.claimed();
    else prepared.metrics.skipped();
    return outcome === 'applied';
  } finally {
    prepared.metrics.storeTime((performance.now() - started) / 1000);
  }
}

function keyFor<Message extends KafkaMessageLike>(prepared: Prepared<unknown, Message>, record: RecordRef<Message>): string {
  const { key, fallback } = resolveKey(prepared.keyOf, record);
  if (fallback) prepared.metrics.fellBack();
  return key;
}

export function dedupeEachBatch<Tx, Message extends KafkaMessageLike = KafkaMessageLike>(
  handler: DedupedBatchHandler<Tx, Message>,
  options: DedupeBatchOptions<Tx, Message>,
): (payload: EachBatchPayloadLike<Message>) => Promise<void> {
  if (typeof handler !== 'function') throw new TypeError('dedupeEachBatch: handler must be a function (record) => Promise<void>');
  const prepared = prepare('dedupeEachBatch', options);
  const coalesce = options.coalesce ?? true;
  return async (payload) => {
    const { batch } = payload;
    const seen = coalesce ? new Set<string>() : undefined;
    for (const message of batch.messages) {
      if (!payload.isRunning() || payload.isStale()) break;
      const record: RecordRef<Message> = { topic: batch.topic, partition: batch.partition, message };
      const key = keyFor(prepared, record);
      if (seen?.has(key)) prepared.metrics.skipped();
      else {
        await runRecord(prepared, key, (tx) =>
          handler({ ...record, key, tx, batch, heartbeat: () => payload.heartbeat(), pause: () => payload.pause() }),
        );
        seen?.add(key);
      }
      payload.resolveOffset(message.offset);
      await payload.heartbeat();
      await payload.commitOffsetsIfNecessary();
    }
  };
}

/** kafkajs' eachMessage loop already stops, resolves, heartbeats and commits around each record; this adds the store. */
export function dedupeEachMessage<Tx, Message extends KafkaMessageLike = KafkaMessageLike>(
  handler: DedupedHandler<Tx, Message>,
  options: DedupeOptions<Tx, Message>,
): (payload: EachMessagePayloadLike<Message>) => Promise<void> {
  if (typeof handler !== 'function') throw new TypeError('dedupeEachMessage: handler must be a function (record) => Promise<void>');
  const prepared = prepare('dedupeEachMessage', options);
  return async (payload) => {
    const record: RecordRef<Message> = { topic: payload.topic, partition: payload.partition, message: payload.message };
    const key = keyFor(prepared, record);
    await runRecord(prepared, key, (tx) => handler({ ...record, key, tx, heartbeat: () => payload.heartbeat(), pause: () => payload.pause() }));
  };
}
