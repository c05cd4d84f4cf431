/**
 * The slices of kafkajs' payloads the wrappers read, written structurally so this module never imports kafkajs: a
 * kafkajs `EachBatchPayload` / `EachMessagePayload` is assignable to these, so the functions the wrappers return are
 * valid `eachBatch` / `eachMessage` handlers, and tests can feed synthetic batches.
 */

/** A record as kafkajs hands it out (`KafkaMessage`): offsets are decimal strings. */
export interface KafkaMessageLike {
  readonly offset: string;
  readonly key?: Buffer | string | null;
  readonly value?: Buffer | string | null;
  readonly headers?: Readonly<Record<string, Buffer | string | readonly (Buffer | string)[] | undefined>>;
}

/** kafkajs' `Batch`, whole, so handlers moved out of a batch loop keep reading `batch.highWatermark` and the rest. */
export interface BatchLike<Message extends KafkaMessageLike = KafkaMessageLike> {
  readonly topic: string;
  readonly partition: number;
  readonly highWatermark: string;
  readonly messages: readonly Message[];
  isEmpty(): boolean;
  firstOffset(): string | null;
  lastOffset(): string;
  offsetLag(): string;
  offsetLagLow(): string;
}

export interface EachBatchPayloadLike<Message extends KafkaMessageLike = KafkaMessageLike> {
  readonly batch: BatchLike<Message>;
  resolveOffset(offset: string): void;
  heartbeat(): Promise<void>;
  commitOffsetsIfNecessary(): Promise<void>;
  isRunning(): boolean;
  isStale(): boolean;
  pause(): () => void;
}

export interface EachMessagePayloadLike<Message extends KafkaMessageLike = KafkaMessageLike> {
  readonly topic: string;
  readonly partition: number;
  readonly message: Message;
  heartbeat(): Promise<void>;
  pause(): () => void;
}

/** Where one record came from. */
export interface RecordRef<Message extends KafkaMessageLike = KafkaMessageLike> {
  readonly topic: string;
  readonly partition: number;
  readonly message: Message;
}

/** What a de-duplicated handler receives for each record whose key was claimed. */
export interface DedupedRecord<Tx, Message extends KafkaMessageLike = KafkaMessageLike> extends RecordRef<Message> {
  /** The de-duplication key the record was claimed under. */
  readonly key: string;
  /**
   * The store's transaction: for `pgDedupeStore` the pg client whose transaction holds the claim. Write the side
   * effect through it and claim and effect commit together (or not at all). `undefined` for the other stores.
   */
  readonly tx: Tx;
  /** kafkajs' heartbeat, for handlers that run long. */
  heartbeat(): Promise<void>;
  /** kafkajs' pause for this topic-partition; returns resume. */
  pause(): () => void;
}

/** In dedupeEachBatch, a record also carries the batch it came in. */
export interface DedupedBatchRecord<Tx, Message extends KafkaMessageLike = KafkaMessageLike> extends DedupedRecord<
  Tx,
  Message
> {
  readonly batch: BatchLike<Message>;
}

export type DedupedHandler<Tx, Message extends KafkaMessageLike = KafkaMessageLike> = (
  record: DedupedRecord<Tx, Message>,
) => Promise<void>;
export type DedupedBatchHandler<Tx, Message extends KafkaMessageLike = KafkaMessageLike> = (
  record: DedupedBatchRecord<Tx, Message>,
) => Promise<void>;

/** A record's de-duplication key; `undefined` falls back to topic/partition/offset. */
export type KeyOf<Message extends KafkaMessageLike = KafkaMessageLike> = (
  record: RecordRef<Message>,
) => string | undefined;

export type ClaimOutcome = 'applied' | 'duplicate';

/** A record of a batch as dedupeBatch hands it to the handler: where it came from and the key it was claimed under. */
export interface ClaimedRecord<Message extends KafkaMessageLike = KafkaMessageLike> extends RecordRef<Message> {
  readonly key: string;
}

/** What a dedupeBatch handler receives: the claimed records of one transaction, in offset order, and that transaction. */
export interface DedupedBatch<Tx, Message extends KafkaMessageLike = KafkaMessageLike> {
  /** The records whose keys this transaction claimed (one record when the batch fell back to record-at-a-time). */
  readonly records: readonly ClaimedRecord<Message>[];
  /** The store's transaction (the pg client for `pgDedupeStore`): write every side effect through it. */
  readonly tx: Tx;
  readonly batch: BatchLike<Message>;
  heartbeat(): Promise<void>;
  pause(): () => void;
}

export type DedupedBatchesHandler<Tx, Message extends KafkaMessageLike = KafkaMessageLike> = (
  batch: DedupedBatch<Tx, Message>,
) => Promise<void>;

/**
 * Runs a record's side effect at most once per (group, key) as far as the store can promise (see each store).
 * `effect` runs only when the key was claimed; if it throws, the claim is given back and the error rethrown.
 */
export interface DedupeStore<Tx = undefined> {
  /** Label for metrics: `pg`, `redis`, `memory`. */
  readonly kind: string;
  runOnce(group: string, key: string, effect: (tx: Tx) => Promise<void>): Promise<ClaimOutcome>;
  /**
   * Claims the distinct `keys` at once and runs `effect` with the claimed ones in one transaction; returns them.
   * Nothing claimed: `effect` does not run. `effect` throws: every claim is given back and the error rethrown.
   * Optional: dedupeBatch runs the keys through `runOnce` together for a store without it.
   */
  runBatch?(
    group: string,
    keys: readonly string[],
    effect: (claimed: ReadonlySet<string>, tx: Tx) => Promise<void>,
  ): Promise<ReadonlySet<string>>;
}

/**
 * A store that remembers, per (group, topic, partition), the offset below which every record was applied, and moves
 * it in the transaction that carries the effect. dedupeBatch drives it (`pgOffsetStore`): a redelivered record at or
 * below the mark is skipped, at one small write per chunk however many records the chunk holds.
 */
export interface OffsetStore<Tx> {
  /** Label for metrics: `pg-offsets`. */
  readonly kind: string;
  /** Tells dedupeBatch to pass records by position instead of claiming keys through `runOnce`. */
  readonly tracks: 'offsets';
  /**
   * In one transaction: takes the partition's mark (waiting for a member holding it), runs `effect` with the records
   * at or past it (and, with a key check, whose key is new), moves the mark past the last record, commits; returns
   * the records applied. None left: `effect` does not run. `effect` throws: nothing moves and the error is rethrown.
   */
  runRange<Record extends ClaimedRecord>(
    group: string,
    topic: string,
    partition: number,
    records: readonly Record[],
    effect: (applied: readonly Record[], tx: Tx) => Promise<void>,
  ): Promise<readonly Record[]>;
}
