/**
 * The broker layer: kafkajs against librdkafka's mock cluster on 127.0.0.1 (group coordinator, fetch, offset commit
 * all speak kafkajs' protocol versions), side effects in a real PostgreSQL through pgDedupeStore. Faults are injected
 * at the broker: the mock answers the next OffsetCommit requests with REBALANCE_IN_PROGRESS, as a real broker does
 * while a second member joins. A control run without the wrapper shows the same faults do duplicate side effects.
 * The batch mode (dedupeBatch: one transaction per chunk, with key claims or with an offset mark) goes through the same
 * faults.
 */
import { Kafka, logLevel, type Consumer, type EachBatchPayload } from 'kafkajs';
import type pg from 'pg';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dedupeBatch,
  dedupeEachBatch,
  KAFKA_DEDUPE_METRIC_NAMES,
  pgDedupeStore,
  pgOffsetStore,
  quoteTableName,
  type ClaimedRecord,
} from '../../../runtime/src/kafka/index.js';
import { API, ERROR, startMockCluster, type MockCluster } from '../../support/kafka-mock.js';
import { checkedOut, createTestPool, endPool, settle, sleep } from '../../support/pg.js';

const RECORDS = 100;
let cluster: MockCluster;
let kafka: Kafka;
let pool: pg.Pool;
let runId = 0;

beforeAll(async () => {
  cluster = await startMockCluster(1);
  kafka = new Kafka({
    clientId: 'quickwins-test',
    brokers: cluster.brokers,
    logLevel: logLevel.NOTHING,
    retry: { initialRetryTime: 50, retries: 20 },
  });
  pool = createTestPool({ max: 4 });
});
afterAll(async () => {
  await endPool(pool);
  await cluster?.stop();
});

/** A topic with RECORDS records carrying message-id headers, an effects table, a claims store. */
async function setUp() {
  const id = `${process.pid}_${++runId}`;
  const topic = `feed-${id}`;
  await cluster.createTopic(topic, 1);
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({
    topic,
    messages: Array.from({ length: RECORDS }, (_, index) => ({
      value: `post-${index}`,
      headers: { 'message-id': `evt-${index}` },
    })),
  });
  await producer.disconnect();
  const effects = `kafka_broker_effects_${id}`;
  await pool.query(`CREATE TABLE ${effects} (dedupe_key text NOT NULL, record_offset bigint NOT NULL)`);
  const store = pgDedupeStore(pool, { table: `kafka_broker_claims_${id}`, retentionDays: 1 });
  const offsetStore = pgOffsetStore(pool, { table: `kafka_broker_marks_${id}` });
  const rows = async () =>
    (
      await pool.query<{ key: string; n: number }>(
        `SELECT dedupe_key AS key, count(*)::int AS n FROM ${effects} GROUP BY 1`,
      )
    ).rows;
  const drop = () =>
    pool.query(
      `DROP TABLE ${effects}; DROP TABLE IF EXISTS ${quoteTableName(store.table)}; DROP TABLE IF EXISTS ${quoteTableName(offsetStore.table)}`,
    );
  return { topic, effects, store, offsetStore, rows, drop, groupId: `group-${id}` };
}

async function consume(
  consumer: Consumer,
  topic: string,
  eachBatch: (payload: EachBatchPayload) => Promise<void>,
): Promise<void> {
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ eachBatchAutoResolve: false, autoCommitThreshold: 10, eachBatch });
}

/** Waits until every record was applied and the group's committed offset reached the end. */
async function drained(groupId: string, topic: string, applied: () => Promise<number>): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const deadline = Date.now() + 45_000;
    for (;;) {
      const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
      const committed = Number(offsets?.partitions[0]?.offset ?? -1);
      if (committed >= RECORDS && (await applied()) >= RECORDS) return;
      if (Date.now() > deadline) throw new Error(`not drained: committed ${committed}, applied ${await applied()}`);
      await sleep(100);
    }
  } finally {
    await admin.disconnect();
  }
}

function newConsumer(groupId: string): Consumer {
  return kafka.consumer({
    groupId,
    sessionTimeout: 6_000,
    heartbeatInterval: 300,
    retry: { initialRetryTime: 50, retries: 20 },
  });
}

describe('kafkajs on the librdkafka mock cluster, effects in PostgreSQL', () => {
  it('control: without de-duplication, a refused commit mid-batch applies records twice', async () => {
    const { topic, effects, rows, drop, groupId } = await setUp();
    const consumer = newConsumer(groupId);
    let processed = 0;
    await consume(
      consumer,
      topic,
      async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale }) => {
        for (const message of batch.messages) {
          if (!isRunning() || isStale()) break;
          await pool.query(`INSERT INTO ${effects} VALUES ($1, $2)`, [
            String(message.headers?.['message-id']),
            message.offset,
          ]);
          if (++processed === 25) await cluster.failNext(API.offsetCommit, ERROR.rebalanceInProgress, 2);
          resolveOffset(message.offset);
          await heartbeat();
          await commitOffsetsIfNecessary();
        }
      },
    );
    await drained(groupId, topic, async () => (await rows()).length);
    await consumer.disconnect();
    const counts = await rows();
    expect(counts).toHaveLength(RECORDS);
    expect(counts.filter((row) => row.n > 1).length).toBeGreaterThan(0);
    await drop();
  });

  it('a refused commit mid-batch: the redelivered records are skipped, every effect applied exactly once', async () => {
    const { topic, effects, store, rows, drop, groupId } = await setUp();
    const registry = new Registry();
    const consumer = newConsumer(groupId);
    let handled = 0;
    await consume(
      consumer,
      topic,
      dedupeEachBatch(
        async ({ key, tx, message }) => {
          await tx.query(`INSERT INTO ${effects} VALUES ($1, $2)`, [key, message.offset]);
          if (++handled === 25) await cluster.failNext(API.offsetCommit, ERROR.rebalanceInProgress, 2);
        },
        { store, group: groupId, metrics: { registry } },
      ),
    );
    await drained(groupId, topic, async () => (await rows()).length);
    await consumer.disconnect();
    const counts = await rows();
    expect(counts).toHaveLength(RECORDS);
    expect(counts.every((row) => row.n === 1)).toBe(true);
    const skipped = (await registry.getSingleMetric(KAFKA_DEDUPE_METRIC_NAMES.duplicates)!.get()).values[0]?.value ?? 0;
    expect(skipped).toBeGreaterThan(0); // the records after the last good commit did come back
    await settle(pool);
    expect(checkedOut(pool)).toBe(0);
    await drop();
  });

  it('a handler that throws mid-batch while the commit is refused: the retry redelivers the batch, every effect applied once', async () => {
    const { topic, effects, store, rows, drop, groupId } = await setUp();
    const registry = new Registry();
    const consumer = newConsumer(groupId);
    let thrown = false;
    await consume(
      consumer,
      topic,
      dedupeEachBatch(
        async ({ key, tx, message }) => {
          if (message.offset === '50' && !thrown) {
            thrown = true;
            // the commit kafkajs makes on the way out is refused too, so nothing of this batch stays committed
            await cluster.failNext(API.offsetCommit, ERROR.rebalanceInProgress, 2);
            throw new Error('feed service unavailable');
          }
          await tx.query(`INSERT INTO ${effects} VALUES ($1, $2)`, [key, message.offset]);
        },
        { store, group: groupId, metrics: { registry } },
      ),
    );
    await drained(groupId, topic, async () => (await rows()).length);
    await consumer.disconnect();
    expect(thrown).toBe(true);
    const counts = await rows();
    expect(counts).toHaveLength(RECORDS);
    expect(counts.every((row) => row.n === 1)).toBe(true);
    const skipped = (await registry.getSingleMetric(KAFKA_DEDUPE_METRIC_NAMES.duplicates)!.get()).values[0]?.value ?? 0;
    expect(skipped).toBeGreaterThan(0);
    await settle(pool);
    expect(checkedOut(pool)).toBe(0);
    await drop();
  });

  it.each(['pgDedupeStore', 'pgOffsetStore'] as const)(
    'batch mode with %s: a refused commit after a chunk redelivers it, and its records are skipped; every effect applied exactly once',
    async (kind) => {
      const { topic, effects, store: keyStore, offsetStore, rows, drop, groupId } = await setUp();
      const store = kind === 'pgDedupeStore' ? keyStore : offsetStore;
      const registry = new Registry();
      const consumer = newConsumer(groupId);
      let chunks = 0;
      await consume(
        consumer,
        topic,
        dedupeBatch(
          async ({ records, tx }) => {
            await insertAll(tx, effects, records);
            if (++chunks === 2) await cluster.failNext(API.offsetCommit, ERROR.rebalanceInProgress, 2);
          },
          { store, group: groupId, maxRecordsPerTransaction: 30, metrics: { registry } },
        ),
      );
      await drained(groupId, topic, async () => (await rows()).length);
      await consumer.disconnect();
      const counts = await rows();
      expect(counts).toHaveLength(RECORDS);
      expect(counts.every((row) => row.n === 1)).toBe(true);
      const skipped =
        (await registry.getSingleMetric(KAFKA_DEDUPE_METRIC_NAMES.duplicates)!.get()).values[0]?.value ?? 0;
      expect(skipped).toBeGreaterThan(0);
      await settle(pool);
      expect(checkedOut(pool)).toBe(0);
      await drop();
    },
  );

  it.each(['pgDedupeStore', 'pgOffsetStore'] as const)(
    'batch mode with %s: a record that fails its chunk and then alone, with the commit refused, is retried; every effect applied once',
    async (kind) => {
      const { topic, effects, store: keyStore, offsetStore, rows, drop, groupId } = await setUp();
      const store = kind === 'pgDedupeStore' ? keyStore : offsetStore;
      const consumer = newConsumer(groupId);
      let failures = 0;
      await consume(
        consumer,
        topic,
        dedupeBatch(
          async ({ records, tx }) => {
            if (records.some((record) => record.message.offset === '50') && failures < 2) {
              // first the chunk, then record 50 alone; the commit on the way out is refused too
              if (++failures === 2) await cluster.failNext(API.offsetCommit, ERROR.rebalanceInProgress, 2);
              throw new Error('feed service unavailable');
            }
            await insertAll(tx, effects, records);
          },
          { store, group: groupId, maxRecordsPerTransaction: 30, metrics: false },
        ),
      );
      await drained(groupId, topic, async () => (await rows()).length);
      await consumer.disconnect();
      expect(failures).toBe(2);
      const counts = await rows();
      expect(counts).toHaveLength(RECORDS);
      expect(counts.every((row) => row.n === 1)).toBe(true);
      await settle(pool);
      expect(checkedOut(pool)).toBe(0);
      await drop();
    },
  );
});

/** One row per claimed record, in one statement through the store's transaction. */
async function insertAll(tx: pg.PoolClient, effects: string, records: readonly ClaimedRecord[]): Promise<void> {
  await tx.query(`INSERT INTO ${effects} SELECT * FROM unnest($1::text[], $2::bigint[])`, [
    records.map((record) => record.key),
    records.map((record) => record.message.offset),
  ]);
}
