/**
 * De-duplication keys. The best key names the business event, set by the producer (a message-id header) or read
 * from the payload (an order id). Without one, the record's position, topic/partition/offset, is used: it catches
 * redelivery of the same record (a refused commit, a rebalance, a retry) but never a producer that sent the same event
 * twice (a producer retry without idempotence, an outbox relayed twice): those are two records at two offsets.
 */
import type { ClaimedRecord, KafkaMessageLike, KeyOf, RecordRef } from './types.js';

export const DEFAULT_ID_HEADER = 'message-id';

/** `topic/partition/offset`: unique per record, blind to a producer's own duplicates. */
export function offsetKey(record: RecordRef): string {
  return `${record.topic}/${record.partition}/${record.message.offset}`;
}

/** The first value of header `name` as text; `undefined` when the record has none (or an empty one). */
export function headerKey(name: string = DEFAULT_ID_HEADER): KeyOf {
  return ({ message }) => {
    const raw = message.headers?.[name];
    const first = Array.isArray(raw) ? (raw as readonly (Buffer | string)[])[0] : (raw as Buffer | string | undefined);
    const text = first === undefined ? undefined : first.toString();
    return text === undefined || text === '' ? undefined : text;
  };
}

/** A key from the payload (`(record) => JSON.parse(String(record.message.value)).orderId`), prefixed by the topic. */
export function businessKey<Message extends KafkaMessageLike>(
  read: (record: RecordRef<Message>) => string | number | undefined,
): KeyOf<Message> {
  return (record) => {
    const value = read(record);
    return value === undefined || value === '' ? undefined : `${record.topic}:${String(value)}`;
  };
}

export interface ResolvedKey {
  readonly key: string;
  /** True when the record had no id of its own and its position was used. */
  readonly fallback: boolean;
}

export function resolveKey<Message extends KafkaMessageLike>(
  keyOf: KeyOf<Message>,
  record: RecordRef<Message>,
): ResolvedKey {
  const key = keyOf(record);
  return key === undefined ? { key: offsetKey(record), fallback: true } : { key, fallback: false };
}

/** The first record of each key, in offset order: a later record of the same key is a duplicate within the batch. */
export function firstOfEachKey<Record extends ClaimedRecord>(records: readonly Record[]): Record[] {
  const seen = new Set<string>();
  return records.filter((record) => !seen.has(record.key) && seen.add(record.key));
}
