// Kafka batch de-duplication for kafkajs consumers: wrappers, stores, keys, metric names.
export {
  dedupeBatch,
  dedupeEachBatch,
  dedupeEachMessage,
  type DedupeOptions,
  type DedupeBatchOptions,
  type DedupeWholeBatchOptions,
} from './dedupe.js';
export {
  pgDedupeStore,
  quoteTableName,
  type PgDedupeStore,
  type PgDedupeStoreOptions,
  type PgClientLike,
  type PgPoolLike,
  type PgClientOf,
} from './pg-store.js';
export { pgOffsetStore, type PgOffsetStore, type PgOffsetStoreOptions } from './pg-offset-store.js';
export {
  redisDedupeStore,
  DedupeClaimBusyError,
  type RedisCommandClient,
  type RedisDedupeStoreOptions,
} from './redis-store.js';
export { memoryDedupeStore, type MemoryDedupeStore, type MemoryDedupeStoreOptions } from './memory-store.js';
export { headerKey, businessKey, offsetKey, DEFAULT_ID_HEADER } from './keys.js';
export { METRIC_NAMES as KAFKA_DEDUPE_METRIC_NAMES } from './metrics.js';
export type {
  ClaimOutcome,
  ClaimedRecord,
  DedupedBatch,
  DedupedBatchesHandler,
  DedupeStore,
  DedupedHandler,
  DedupedRecord,
  DedupedBatchHandler,
  DedupedBatchRecord,
  BatchLike,
  KeyOf,
  RecordRef,
  KafkaMessageLike,
  OffsetStore,
  EachBatchPayloadLike,
  EachMessagePayloadLike,
} from './types.js';
