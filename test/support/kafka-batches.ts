/**
 * A model of one kafkajs consumer-group partition for the fast layer: a log, a committed offset, and deliveries that
 * follow kafkajs 2.2.4's runner (src/consumer/runner.js): eachBatch gets the records from the member's position;
 * `resolveOffset` moves the position; `commitOffsetsIfNecessary` commits it; a throw from eachBatch commits what
 * was resolved (autoCommitOffsets) unless the commit is refused or the process died, and the group then redelivers
 * from the committed offset. Faults are injected per delivery; every call the wrapper makes is recorded.
 */
import type { BatchLike, EachBatchPayloadLike, KafkaMessageLike } from '../../runtime/src/kafka/index.js';

export interface Message extends KafkaMessageLike {
  readonly offset: string;
  readonly headers: Record<string, string>;
  readonly value: string;
}

/** `ids[i]` becomes record i's `message-id` header (repeat an id for a producer duplicate). */
export function makeLog(ids: readonly string[]): Message[] {
  return ids.map((id, index) => ({ offset: String(index), headers: { 'message-id': id }, value: `payload-${id}` }));
}

export type Fault =
  | { readonly kind: 'none' }
  /** The handler throws on the record at this index of the batch (before any effect). */
  | { readonly kind: 'throw'; readonly at: number }
  /** The broker refuses the commit after this record ("The group is rebalancing"), and the auto-commit on error too. */
  | { readonly kind: 'refuse-commit'; readonly at: number }
  /** A rebalance moves the partition after this many records: isStale() turns true. */
  | { readonly kind: 'stale'; readonly at: number }
  /** The consumer is stopping after this many records: isRunning() turns false. */
  | { readonly kind: 'stop'; readonly at: number }
  /** The process dies right after this record's handler (side effect done), before its offset is committed. */
  | { readonly kind: 'crash'; readonly at: number };

export class RefusedCommitError extends Error {
  override readonly name = 'KafkaJSProtocolError';
  readonly type = 'REBALANCE_IN_PROGRESS';
  constructor() {
    super('The group is rebalancing, so a rejoin is needed');
  }
}

export class CrashError extends Error {
  override readonly name = 'SimulatedCrash';
}

export class HandlerFault extends Error {
  override readonly name = 'HandlerFault';
}

export interface Calls {
  resolved: string[];
  heartbeats: number;
  commits: number;
  commitsRefused: number;
}

export class PartitionModel {
  committed = 0;
  position = 0;
  deliveries = 0;
  readonly calls: Calls = { resolved: [], heartbeats: 0, commits: 0, commitsRefused: 0 };

  constructor(
    readonly log: readonly Message[],
    /** kafkajs' autoCommitThreshold: commitOffsetsIfNecessary commits once this many records are resolved. */
    readonly commitThreshold = 5,
    readonly topic = 'feed',
    readonly partition = 0,
  ) {}

  get done(): boolean {
    return this.committed === this.log.length;
  }

  /**
   * One delivery of the records from the member's position to `eachBatch`, with one fault. Returns the error that
   * ended it, if any. After an error the group rebalances: the next delivery starts from the committed offset.
   */
  async deliver(
    eachBatch: (payload: EachBatchPayloadLike<Message>) => Promise<void>,
    fault: Fault = { kind: 'none' },
  ): Promise<unknown> {
    this.deliveries++;
    const start = this.position;
    const messages = this.log.slice(start);
    if (messages.length === 0) return undefined;
    let processed = 0;
    let stale = false;
    let running = true;
    let refuse = false;
    const at = 'at' in fault ? fault.at : -1;
    const payload: EachBatchPayloadLike<Message> = {
      batch: batchOf(this.topic, this.partition, messages, this.log.length),
      resolveOffset: (offset) => {
        this.calls.resolved.push(offset);
        this.position = Number(offset) + 1;
        processed++;
        if (fault.kind === 'stale' && processed >= at) stale = true;
        if (fault.kind === 'stop' && processed >= at) running = false;
        if (fault.kind === 'refuse-commit' && processed > at) refuse = true;
      },
      heartbeat: async () => {
        this.calls.heartbeats++;
        if (fault.kind === 'crash' && processed > at) throw new CrashError(`crashed after record ${start + at}`);
      },
      commitOffsetsIfNecessary: async () => {
        if (refuse) {
          this.calls.commitsRefused++;
          throw new RefusedCommitError();
        }
        if (this.position - this.committed < this.commitThreshold) return;
        this.calls.commits++;
        this.committed = this.position;
      },
      isRunning: () => running,
      isStale: () => stale,
      pause: () => () => undefined,
    };
    try {
      await eachBatch(payload);
    } catch (error) {
      // kafkajs' autoCommitOffsets on error: the resolved offsets are committed, unless the broker refuses
      // (rebalancing) or the process is gone.
      if (!(error instanceof RefusedCommitError) && !(error instanceof CrashError)) this.committed = this.position;
      this.position = this.committed;
      return error;
    }
    if (stale || !running) {
      // the partition moved to another member (or the consumer stopped): what was not committed comes back
      this.position = this.committed;
      return undefined;
    }
    // eachBatchAutoResolve: false, so only what the handler resolved counts; kafkajs commits it on its interval.
    this.committed = this.position;
    return undefined;
  }
}

/** The handler's own fault: throw once on the record at batch index `at` of the delivery that carries it. */
export function faultInHandler(fault: Fault, batchStart: number): (offset: string) => void {
  return (offset) => {
    if (fault.kind === 'throw' && Number(offset) === batchStart + fault.at)
      throw new HandlerFault(`handler failed on offset ${offset}`);
  };
}

/** A kafkajs-shaped Batch over `messages` (offsets are their indexes in the log). */
export function batchOf<M extends Message>(
  topic: string,
  partition: number,
  messages: readonly M[],
  logLength = messages.length,
): BatchLike<M> {
  const last = messages.at(-1)?.offset ?? String(logLength - 1);
  return {
    topic,
    partition,
    highWatermark: String(logLength),
    messages,
    isEmpty: () => messages.length === 0,
    firstOffset: () => messages[0]?.offset ?? null,
    lastOffset: () => last,
    offsetLag: () => String(Math.max(0, logLength - 1 - Number(last))),
    offsetLagLow: () => String(Math.max(0, logLength - 1 - Number(messages[0]?.offset ?? last))),
  };
}
