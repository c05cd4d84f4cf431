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
 * `dedupeBatch` does the same per batch (cut into chunks of `maxRecordsPerTransaction`): claim the chunk's keys at
 * once, run the handler once for the claimed records in the same transaction, commit once, then resolve the chunk's
 * offsets, heartbeat, commit-if-necessary. A chunk whose transaction fails is run again record-at-a-time, so the
 * records before a poison record are applied and committed and only the poison record and those after it come back.
 * With an offset store (`pgOffsetStore`) the chunk's transaction moves one mark per partition instead of claiming a
 * key per record: records below the mark are skipped, and a key repeated in the batch is not coalesced.
 *
 * Run eachBatch with `eachBatchAutoResolve: false`: with it on, kafkajs resolves the whole batch when the handler
 * returns, including records left unprocessed by an early stop.
 */
import { firstOfEachKey, headerKey, resolveKey } from './keys.js';
import { dedupeMetrics, type DedupeMetrics, type MetricsOption } from './metrics.js';
import type {
  ClaimedRecord,
  DedupedBatchesHandler,
  DedupedBatchHandler,
  DedupedHandler,
  DedupeStore,
  EachBatchPayloadLike,
  EachMessagePayloadLike,
  KafkaMessageLike,
  KeyOf,
  OffsetStore,
  RecordRef,
} from './types.js';

export interface DedupeOptions<Tx, Message extends KafkaMessageLike = KafkaMessageLike> extends MetricsOption {
  readonly store: DedupeStore<Tx>;
  /** The consumer group (keys are claimed per group, so two groups each apply a record once). */
  readonly group: string;
  /** The record's key; default: the `message-id` header, else topic/partition/offset. */
  readonly keyOf?: KeyOf<Message>;
}

export interface DedupeBatchOptions<Tx, Message extends KafkaMessageLike = KafkaMessageLike> extends DedupeOptions<
  Tx,
  Message
> {
  /** Skip a key seen earlier in the same batch without asking the store again. Default true. */
  readonly coalesce?: boolean;
}

export interface DedupeWholeBatchOptions<Tx, Message extends KafkaMessageLike = KafkaMessageLike> extends Omit<
  DedupeOptions<Tx, Message>,
  'store'
> {
  /** A key store (claims per record), or an offset store (`pgOffsetStore`: one mark per partition, moved per chunk). */
  readonly store: DedupeStore<Tx> | OffsetStore<Tx>;
  /** Records claimed and applied in one transaction; a larger batch is cut into chunks of this many. Default 1000. */
  readonly maxRecordsPerTransaction?: number;
}

/** What every wrapper needs besides its store. */
interface Common<Message extends KafkaMessageLike> {
  readonly group: string;
  readonly keyOf: KeyOf<Message>;
  readonly metrics: DedupeMetrics;
}

interface Prepared<Tx, Message extends KafkaMessageLike> extends Common<Message> {
  readonly store: DedupeStore<Tx>;
}

type CommonOptions<Message extends KafkaMessageLike> = Omit<DedupeOptions<unknown, Message>, 'store'> & {
  readonly store?: { readonly kind?: string };
};

function prepareCommon<Message extends KafkaMessageLike>(
  name: string,
  options: CommonOptions<Message>,
): Common<Message> {
  if (typeof options.group !== 'string' || options.group === '')
    throw new TypeError(`${name}: option group must be the consumer group id`);
  if (options.keyOf !== undefined && typeof options.keyOf !== 'function')
    throw new TypeError(`${name}: option keyOf must be a function`);
  return {
    group: options.group,
    keyOf: options.keyOf ?? (headerKey() as KeyOf<Message>),
    metrics: dedupeMetrics(options.metrics, options.group, String(options.store?.kind)),
  };
}

function prepare<Tx, Message extends KafkaMessageLike>(
  name: string,
  options: DedupeOptions<Tx, Message>,
): Prepared<Tx, Message> {
  if (options === null || typeof options !== 'object')
    throw new TypeError(`${name}: options { store, group } are required`);
  if (isOffsetStore(options.store))
    throw new TypeError(`${name}: option store: an offset store (pgOffsetStore) works with dedupeBatch only`);
  if (typeof options.store?.runOnce !== 'function')
    throw new TypeError(
      `${name}: option store must be a de-duplication store (pgDedupeStore, redisDedupeStore, memoryDedupeStore)`,
    );
  return { ...prepareCommon(name, options), store: options.store };
}

function isOffsetStore(store: unknown): store is OffsetStore<unknown> {
  return typeof store === 'object' && store !== null && (store as { tracks?: unknown }).tracks === 'offsets';
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

function keyFor<Message extends KafkaMessageLike>(prepared: Common<Message>, record: RecordRef<Message>): string {
  const { key, fallback } = resolveKey(prepared.keyOf, record);
  if (fallback) prepared.metrics.fellBack();
  return key;
}

export function dedupeEachBatch<Tx, Message extends KafkaMessageLike = KafkaMessageLike>(
  handler: DedupedBatchHandler<Tx, Message>,
  options: DedupeBatchOptions<Tx, Message>,
): (payload: EachBatchPayloadLike<Message>) => Promise<void> {
  if (typeof handler !== 'function')
    throw new TypeError('dedupeEachBatch: handler must be a function (record) => Promise<void>');
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
  if (typeof handler !== 'function')
    throw new TypeError('dedupeEachMessage: handler must be a function (record) => Promise<void>');
  const prepared = prepare('dedupeEachMessage', options);
  return async (payload) => {
    const record: RecordRef<Message> = { topic: payload.topic, partition: payload.partition, message: payload.message };
    const key = keyFor(prepared, record);
    await runRecord(prepared, key, (tx) =>
      handler({ ...record, key, tx, heartbeat: () => payload.heartbeat(), pause: () => payload.pause() }),
    );
  };
}

/**
 * The batch mode: one claim statement, one handler call and one commit per chunk of the batch, instead of one of each
 * per record. The handler gets the claimed records (`records`, offset order; with a key store a key repeated in the
 * batch appears once, at its first offset) and the transaction (`tx`) to write them through; after a failure it is
 * called again with one record at a time, so it must apply exactly the records it is given.
 */
export function dedupeBatch<Tx, Message extends KafkaMessageLike = KafkaMessageLike>(
  handler: DedupedBatchesHandler<Tx, Message>,
  options: DedupeWholeBatchOptions<Tx, Message>,
): (payload: EachBatchPayloadLike<Message>) => Promise<void> {
  if (typeof handler !== 'function')
    throw new TypeError('dedupeBatch: handler must be a function ({ records, tx }) => Promise<void>');
  if (options === null || typeof options !== 'object')
    throw new TypeError('dedupeBatch: options { store, group } are required');
  const store = options.store;
  const applier = isOffsetStore(store)
    ? offsetApplier(prepareCommon('dedupeBatch', options), store as OffsetStore<Tx>)
    : keyApplier(prepare('dedupeBatch', { ...options, store: store as DedupeStore<Tx> }));
  const chunkSize = options.maxRecordsPerTransaction ?? 1000;
  if (!(Number.isInteger(chunkSize) && chunkSize > 0)) {
    throw new RangeError(
      `dedupeBatch: option maxRecordsPerTransaction must be a positive integer, got ${String(chunkSize)}`,
    );
  }
  return async (payload) => {
    const { batch } = payload;
    const apply = (records: readonly ClaimedRecord<Message>[], tx: Tx): Promise<void> =>
      handler({ records, tx, batch, heartbeat: () => payload.heartbeat(), pause: () => payload.pause() });
    for (let start = 0; start < batch.messages.length; start += chunkSize) {
      if (!payload.isRunning() || payload.isStale()) return;
      const chunk = batch.messages.slice(start, start + chunkSize).map((message): ClaimedRecord<Message> => {
        // One object per record, its key filled in after: at a thousand records a chunk, allocations show.
        const record = { topic: batch.topic, partition: batch.partition, message, key: '' };
        record.key = keyFor(applier.common, record);
        return record;
      });
      try {
        await applier.chunk(chunk, apply);
      } catch {
        // Which record failed is unknown: run them one by one; the first that fails again propagates.
        applier.common.metrics.chunkRetried();
        const stopped = await runOneByOne(applier, chunk, apply, payload);
        if (stopped) return;
        continue;
      }
      for (const record of chunk) payload.resolveOffset(record.message.offset);
      await payload.heartbeat();
      await payload.commitOffsetsIfNecessary();
    }
  };
}

type Apply<Tx, Message extends KafkaMessageLike> = (
  records: readonly ClaimedRecord<Message>[],
  tx: Tx,
) => Promise<void>;

/** How dedupeBatch applies a chunk in one transaction, and one record after the chunk failed. */
interface Applier<Tx, Message extends KafkaMessageLike> {
  readonly common: Common<Message>;
  chunk(records: readonly ClaimedRecord<Message>[], apply: Apply<Tx, Message>): Promise<void>;
  one(record: ClaimedRecord<Message>, apply: Apply<Tx, Message>): Promise<void>;
  /** A key seen earlier in the chunk is skipped without asking the store (key stores; an offset store sees each record). */
  readonly coalesce: boolean;
}

function keyApplier<Tx, Message extends KafkaMessageLike>(prepared: Prepared<Tx, Message>): Applier<Tx, Message> {
  return {
    common: prepared,
    chunk: (records, apply) => runChunk(prepared, records, apply),
    one: async (record, apply) => void (await runRecord(prepared, record.key, (tx) => apply([record], tx))),
    coalesce: true,
  };
}

function offsetApplier<Tx, Message extends KafkaMessageLike>(
  common: Common<Message>,
  store: OffsetStore<Tx>,
): Applier<Tx, Message> {
  if (typeof store.runRange !== 'function')
    throw new TypeError('dedupeBatch: option store: an offset store needs runRange (pgOffsetStore)');
  const run = async (records: readonly ClaimedRecord<Message>[], apply: Apply<Tx, Message>): Promise<void> => {
    const started = performance.now();
    let applied: readonly ClaimedRecord<Message>[];
    try {
      const first = records[0]!;
      applied = await store.runRange(common.group, first.topic, first.partition, records, apply);
    } finally {
      common.metrics.storeTime((performance.now() - started) / 1000);
    }
    if (applied.length > 0) common.metrics.claimed(applied.length);
    if (records.length > applied.length) common.metrics.skipped(records.length - applied.length);
  };
  return { common, chunk: run, one: (record, apply) => run([record], apply), coalesce: false };
}

/** Claims the chunk's keys and applies the claimed records in one store transaction. */
async function runChunk<Tx, Message extends KafkaMessageLike>(
  prepared: Prepared<Tx, Message>,
  chunk: readonly ClaimedRecord<Message>[],
  apply: (records: readonly ClaimedRecord<Message>[], tx: Tx) => Promise<void>,
): Promise<void> {
  const candidates = firstOfEachKey(chunk);
  const started = performance.now();
  let claimed: ReadonlySet<string>;
  try {
    claimed = await runBatchIn(
      prepared.store,
      prepared.group,
      candidates.map((record) => record.key),
      (keys, tx) =>
        apply(
          candidates.filter((record) => keys.has(record.key)),
          tx,
        ),
    );
  } finally {
    prepared.metrics.storeTime((performance.now() - started) / 1000);
  }
  if (claimed.size > 0) prepared.metrics.claimed(claimed.size);
  if (chunk.length > claimed.size) prepared.metrics.skipped(chunk.length - claimed.size);
}

/**
 * The per-record protocol over one chunk, after its transaction failed. True when it stopped early (stopping
 * consumer, stale batch); a record that fails again propagates, after the offsets before it were resolved.
 */
async function runOneByOne<Tx, Message extends KafkaMessageLike>(
  applier: Applier<Tx, Message>,
  chunk: readonly ClaimedRecord<Message>[],
  apply: Apply<Tx, Message>,
  payload: EachBatchPayloadLike<Message>,
): Promise<boolean> {
  const seen = new Set<string>();
  for (const record of chunk) {
    if (!payload.isRunning() || payload.isStale()) return true;
    if (applier.coalesce && seen.has(record.key)) applier.common.metrics.skipped();
    else {
      await applier.one(record, apply);
      seen.add(record.key);
    }
    payload.resolveOffset(record.message.offset);
    await payload.heartbeat();
    await payload.commitOffsetsIfNecessary();
  }
  return false;
}

/** The store's own batch claim, else every key through `runOnce` at once, the effect running while all are held. */
function runBatchIn<Tx>(
  store: DedupeStore<Tx>,
  group: string,
  keys: readonly string[],
  effect: (claimed: ReadonlySet<string>, tx: Tx) => Promise<void>,
): Promise<ReadonlySet<string>> {
  if (store.runBatch !== undefined) return store.runBatch(group, keys, effect);
  return runBatchThroughRunOnce(store, group, keys, effect);
}

/**
 * For a store without `runBatch` (memory, redis): each key's `runOnce` effect waits for the one batch effect, so the
 * keys commit (or are given back) together. Such stores have no shared transaction: `tx` is the first claim's.
 */
async function runBatchThroughRunOnce<Tx>(
  store: DedupeStore<Tx>,
  group: string,
  keys: readonly string[],
  effect: (claimed: ReadonlySet<string>, tx: Tx) => Promise<void>,
): Promise<ReadonlySet<string>> {
  const claimed = new Set<string>();
  let firstTx: { tx: Tx } | undefined;
  let finish!: (failure?: unknown) => void;
  const batchDone = new Promise<void>(
    (resolve, reject) => (finish = (failure) => (failure === undefined ? resolve() : reject(failure))),
  );
  batchDone.catch(() => undefined);
  const decisions: Promise<void>[] = [];
  // A claim refused before its effect ran (a busy key, a store error) fails the whole batch.
  let refused: { error: unknown } | undefined;
  const outcomes = [...new Set(keys)].map((key) => {
    let decided!: () => void;
    decisions.push(new Promise<void>((resolve) => (decided = resolve)));
    const outcome = store.runOnce(group, key, async (tx) => {
      claimed.add(key);
      firstTx ??= { tx };
      decided();
      await batchDone;
    });
    outcome.then(decided, (error: unknown) => {
      refused ??= { error };
      decided();
    });
    return outcome;
  });
  await Promise.all(decisions);
  try {
    if (refused !== undefined) throw refused.error;
    if (firstTx !== undefined) await effect(claimed, firstTx.tx);
  } catch (error) {
    finish(error);
    await Promise.allSettled(outcomes);
    throw error;
  }
  finish();
  await Promise.all(outcomes);
  return claimed;
}
