/**
 * dedupeBatch with pgOffsetStore: one mark per (group, topic, partition), moved in the chunk's transaction, on
 * synthetic batches (test/support/kafka-batches.ts models kafkajs' runner) against a real PostgreSQL, effects counted
 * as rows. Every pitfall of the key protocol (rebalance, refused commit, throw, crash after the effect, two members on
 * one partition, a stale batch) ends with each record applied once; producer duplicates are applied once only with the
 * key check (`keys: pgDedupeStore`) or the effect table's own unique key; fast-check schedules of random faults say
 * the same, and no client or transaction is left open.
 */
import fc from 'fast-check';
import type pg from 'pg';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dedupeBatch,
  dedupeEachBatch,
  dedupeEachMessage,
  KAFKA_DEDUPE_METRIC_NAMES,
  pgDedupeStore,
  pgOffsetStore,
  quoteTableName,
  type ClaimedRecord,
  type PgOffsetStore,
} from '../../../runtime/src/kafka/index.js';
import { compareOffsets, dollarQuoted } from '../../../runtime/src/kafka/pg-offset-store.js';
import {
  faultInHandler,
  HandlerFault,
  makeLog,
  PartitionModel,
  RefusedCommitError,
  type Fault,
  type Message,
} from '../../support/kafka-batches.js';
import { checkedOut, createTestPool, endPool, settle, sleep } from '../../support/pg.js';

const APPLICATION = `kafka-offset-store-${process.pid}`;
let pool: pg.Pool;
let tableCount = 0;

beforeAll(() => {
  pool = createTestPool({ max: 6, application_name: APPLICATION });
});
afterAll(async () => {
  await endPool(pool);
});

async function scenario({ keys = false, uniqueEffects = false }: { keys?: boolean; uniqueEffects?: boolean } = {}) {
  const id = `${process.pid}_${++tableCount}_${Date.now()}`;
  const effects = `kafka_offset_effects_${id}`;
  await pool.query(
    `CREATE TABLE ${effects} (dedupe_key text NOT NULL ${uniqueEffects ? 'UNIQUE' : ''}, record_offset int NOT NULL)`,
  );
  const claims = keys ? pgDedupeStore(pool, { table: `kafka_offset_claims_${id}`, retentionDays: 1 }) : undefined;
  const store: PgOffsetStore<pg.PoolClient> = pgOffsetStore(pool, {
    table: `kafka_offset_marks_${id}`,
    ...(claims === undefined ? {} : { keys: claims }),
  });
  const count = async (): Promise<Map<string, number>> => {
    const { rows } = await pool.query<{ dedupe_key: string; n: number }>(
      `SELECT dedupe_key, count(*)::int AS n FROM ${effects} GROUP BY 1`,
    );
    return new Map(rows.map((row) => [row.dedupe_key, row.n]));
  };
  const offsets = async (): Promise<number[]> =>
    (await pool.query<{ record_offset: number }>(`SELECT record_offset FROM ${effects} ORDER BY 1`)).rows.map(
      (row) => row.record_offset,
    );
  /** Transactions that committed effects: rows written by one transaction share its xmin. */
  const effectTransactions = async (): Promise<number> =>
    (await pool.query<{ n: number }>(`SELECT count(DISTINCT xmin::text)::int AS n FROM ${effects}`)).rows[0]!.n;
  const marks = async () =>
    (
      await pool.query<{ consumer_group: string; topic: string; partition: number; next_offset: string }>(
        `SELECT * FROM ${quoteTableName(store.table)} ORDER BY 1, 2, 3`,
      )
    ).rows;
  const drop = () =>
    pool.query(
      `DROP TABLE ${effects}; DROP TABLE IF EXISTS ${quoteTableName(store.table)}; DROP TABLE IF EXISTS ${quoteTableName(claims?.table ?? 'unused_claims')}`,
    );
  return { store, effects, count, offsets, effectTransactions, marks, drop };
}

/** The side effect of a batch: one bulk insert of a row per record, through the store's transaction. */
function batchWriter(
  effects: string,
  {
    beforeWrite = () => undefined,
    seen = [],
    onConflict = '',
  }: { beforeWrite?: (offset: string) => void; seen?: string[][]; onConflict?: string } = {},
) {
  return async ({ records, tx }: { records: readonly ClaimedRecord<Message>[]; tx: pg.PoolClient }): Promise<void> => {
    seen.push(records.map((record) => record.message.offset));
    for (const record of records) beforeWrite(record.message.offset);
    await tx.query(
      `INSERT INTO ${effects} (dedupe_key, record_offset) SELECT * FROM unnest($1::text[], $2::int[]) ${onConflict}`,
      [records.map((record) => record.key), records.map((record) => Number(record.message.offset))],
    );
  };
}

/** No client checked out, nobody waiting, and no session of this file left inside a transaction. */
async function noLeaks(): Promise<void> {
  await settle(pool);
  expect(checkedOut(pool)).toBe(0);
  expect(pool.waitingCount).toBe(0);
  const { rows } = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND state LIKE 'idle in transaction%'`,
    [APPLICATION],
  );
  expect(rows[0]!.n).toBe(0);
}

const ids = (count: number, prefix = 'evt-'): string[] =>
  Array.from({ length: count }, (_, index) => `${prefix}${index}`);
const range = (from: number, to: number): string[] =>
  Array.from({ length: to - from }, (_, index) => String(from + index));
const once = (counts: Map<string, number>, keys: readonly string[]): void => {
  expect([...counts.keys()].sort()).toEqual([...new Set(keys)].sort());
  expect([...counts.values()].every((n) => n === 1)).toBe(true);
};

async function counterTotal(registry: Registry, name: string): Promise<number> {
  const metric = await registry.getSingleMetric(name)?.get();
  if (metric === undefined) throw new Error(`metric ${name} is not registered`);
  return metric.values.reduce((sum, value) => sum + value.value, 0);
}

describe('dedupeBatch with pgOffsetStore: one mark per partition, moved in each chunk transaction', () => {
  it('applies each chunk in one transaction and keeps one row per partition, whatever the number of records', async () => {
    const { store, effects, count, effectTransactions, marks, drop } = await scenario();
    const model = new PartitionModel(makeLog(ids(250)), 1, 'feed', 3);
    const seen: string[][] = [];
    const registry = new Registry();
    await model.deliver(
      dedupeBatch<pg.PoolClient, Message>(batchWriter(effects, { seen }), {
        store,
        group: 'g',
        maxRecordsPerTransaction: 100,
        metrics: { registry },
      }),
    );
    expect(model.done).toBe(true);
    expect(seen.map((offsets) => offsets.length)).toEqual([100, 100, 50]);
    expect(await effectTransactions()).toBe(3);
    expect(await marks()).toEqual([
      { consumer_group: 'g', topic: 'feed', partition: 3, next_offset: '250', previous_offset: '200' },
    ]);
    expect(model.calls.resolved).toEqual(range(0, 250));
    expect(model.calls.commits).toBe(3);
    once(await count(), ids(250));
    expect(await counterTotal(registry, KAFKA_DEDUPE_METRIC_NAMES.claims)).toBe(250);
    await noLeaks();
    await drop();
  });

  it('rebalance: stops between chunks once the batch is stale; the next member skips what was applied', async () => {
    const { store, effects, count, drop } = await scenario();
    const model = new PartitionModel(makeLog(ids(200)), 1000);
    const seen: string[][] = [];
    await model.deliver(
      dedupeBatch<pg.PoolClient, Message>(batchWriter(effects, { seen }), {
        store,
        group: 'g',
        maxRecordsPerTransaction: 50,
        metrics: false,
      }),
      {
        kind: 'stale',
        at: 60,
      },
    );
    expect(seen.map((offsets) => offsets.length)).toEqual([50, 50]);
    expect(model.committed).toBe(0);
    const next: string[][] = [];
    await model.deliver(
      dedupeBatch<pg.PoolClient, Message>(batchWriter(effects, { seen: next }), {
        store,
        group: 'g',
        maxRecordsPerTransaction: 30,
        metrics: false,
      }),
    );
    expect(next.flat()).toEqual(range(100, 200)); // a chunk straddling the mark (90..119) applies from 100 only
    once(await count(), ids(200));
    await noLeaks();
    await drop();
  });

  it('refused commit mid-batch: the records since the last commit come back and are skipped', async () => {
    const { store, effects, count, drop } = await scenario();
    const model = new PartitionModel(makeLog(ids(30)), 10);
    const seen: string[][] = [];
    const eachBatch = dedupeBatch<pg.PoolClient, Message>(batchWriter(effects, { seen }), {
      store,
      group: 'g',
      maxRecordsPerTransaction: 7,
      metrics: false,
    });
    expect(await model.deliver(eachBatch, { kind: 'refuse-commit', at: 17 })).toBeInstanceOf(RefusedCommitError);
    expect(model.committed).toBeLessThan(21); // applied records came back
    await model.deliver(eachBatch);
    expect(model.done).toBe(true);
    expect(seen.flat()).toEqual(range(0, 30)); // each offset handed to the handler once over both deliveries
    once(await count(), ids(30));
    await noLeaks();
    await drop();
  });

  it('crash after the effect, before the Kafka commit: the chunk comes back and the handler is not called', async () => {
    const { store, effects, count, drop } = await scenario();
    const model = new PartitionModel(makeLog(ids(12)), 5);
    const crashed = await model.deliver(
      dedupeBatch<pg.PoolClient, Message>(batchWriter(effects), { store, group: 'g', metrics: false }),
      { kind: 'crash', at: 3 },
    );
    expect(crashed).toBeDefined();
    expect(model.committed).toBe(0);
    expect((await count()).size).toBe(12);
    const seen: string[][] = [];
    const registry = new Registry();
    await model.deliver(
      dedupeBatch<pg.PoolClient, Message>(batchWriter(effects, { seen }), { store, group: 'g', metrics: { registry } }),
    );
    expect(seen).toEqual([]);
    expect(model.done).toBe(true);
    expect(await counterTotal(registry, KAFKA_DEDUPE_METRIC_NAMES.duplicates)).toBe(12);
    once(await count(), ids(12));
    await noLeaks();
    await drop();
  });

  it('a throw mid-batch rolls the chunk back, mark included, and falls back to record-at-a-time', async () => {
    const { store, effects, count, effectTransactions, marks, drop } = await scenario();
    const model = new PartitionModel(makeLog(ids(10)), 100);
    const registry = new Registry();
    let failures = 0;
    const eachBatch = dedupeBatch<pg.PoolClient, Message>(
      batchWriter(effects, {
        beforeWrite: (offset) => {
          if (offset === '4' && failures++ < 2) throw new HandlerFault(`fails on ${offset}`); // the chunk, then record 4 alone
        },
      }),
      { store, group: 'g', metrics: { registry } },
    );
    expect(await model.deliver(eachBatch)).toBeInstanceOf(HandlerFault);
    expect(model.committed).toBe(4);
    expect([...(await count()).keys()].sort()).toEqual(ids(4));
    expect((await marks())[0]!.next_offset).toBe('4');
    await model.deliver(eachBatch);
    expect(model.done).toBe(true);
    once(await count(), ids(10));
    expect(await effectTransactions()).toBe(5); // 4 single records, then 4..9 in one
    expect(await counterTotal(registry, KAFKA_DEDUPE_METRIC_NAMES.chunksRetried)).toBe(1);
    await noLeaks();
    await drop();
  });

  it('a poison record fails every delivery alone: it and the records after it are never applied, those before it once', async () => {
    const { store, effects, count, drop } = await scenario();
    const model = new PartitionModel(makeLog(ids(10)), 100);
    let calls = 0;
    const eachBatch = dedupeBatch<pg.PoolClient, Message>(
      batchWriter(effects, {
        beforeWrite: (offset) => {
          calls++;
          if (offset === '6') throw new HandlerFault('cannot parse record 6');
        },
      }),
      { store, group: 'g', metrics: false },
    );
    for (let delivery = 0; delivery < 3; delivery++)
      expect(await model.deliver(eachBatch)).toBeInstanceOf(HandlerFault);
    expect(model.committed).toBe(6);
    once(await count(), ids(6));
    expect(calls).toBe(7 + 7 + 2 + 2);
    await noLeaks();
    await drop();
  });

  it('two members on one partition serialize on the mark: the second waits, then applies only what the first did not', async () => {
    const { store, effects, count, drop } = await scenario();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const log = makeLog(ids(30));
    // The old owner holds a batch of 0..19; the new owner fetched 0..29 from the same committed offset.
    const first = new PartitionModel(log.slice(0, 20));
    const second = new PartitionModel(log);
    const firstSeen: string[][] = [];
    const secondSeen: string[][] = [];
    const firstRun = first.deliver(
      dedupeBatch<pg.PoolClient, Message>(
        async (batch) => {
          await batchWriter(effects, { seen: firstSeen })(batch);
          await gate;
        },
        { store, group: 'g', metrics: false },
      ),
    );
    await sleep(50);
    const secondRun = second.deliver(
      dedupeBatch<pg.PoolClient, Message>(batchWriter(effects, { seen: secondSeen }), {
        store,
        group: 'g',
        metrics: false,
      }),
    );
    await sleep(100);
    expect(secondSeen).toEqual([]); // waiting on the first member's mark
    release();
    expect(await Promise.all([firstRun, secondRun])).toEqual([undefined, undefined]);
    expect(firstSeen).toEqual([range(0, 20)]);
    expect(secondSeen).toEqual([range(20, 30)]);
    once(await count(), ids(30));
    await noLeaks();
    await drop();
  });

  it('two members on one partition: when the first rolls back, each record is applied once by one of them', async () => {
    const { store, effects, count, drop } = await scenario();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let firstAttempts = 0;
    const first = new PartitionModel(makeLog(['k1', 'k2']));
    const firstSeen: string[][] = [];
    const firstRun = first.deliver(
      dedupeBatch<pg.PoolClient, Message>(
        async (batch) => {
          await batchWriter(effects, { seen: firstSeen })(batch);
          if (firstAttempts++ === 0) {
            await gate;
            throw new HandlerFault('member 1 failed');
          }
        },
        { store, group: 'g', metrics: false },
      ),
    );
    await sleep(50);
    const secondSeen: string[][] = [];
    const secondRun = new PartitionModel(makeLog(['k1', 'k2'])).deliver(
      dedupeBatch<pg.PoolClient, Message>(batchWriter(effects, { seen: secondSeen }), {
        store,
        group: 'g',
        metrics: false,
      }),
    );
    await sleep(100);
    release();
    expect(await Promise.all([firstRun, secondRun])).toEqual([undefined, undefined]);
    // After the rollback the two members race for the mark: whoever takes it applies, the other skips what it left.
    expect(firstSeen[0]).toEqual(['0', '1']); // the rolled-back attempt
    expect([...firstSeen.slice(1).flat(), ...secondSeen.flat()].sort()).toEqual(['0', '1']);
    expect(first.done).toBe(true);
    once(await count(), ['k1', 'k2']);
    await noLeaks();
    await drop();
  });

  it('a stale batch delivered after the new owner moved on applies nothing; marks are kept per group, topic and partition', async () => {
    const { store, effects, count, marks, drop } = await scenario();
    const log = makeLog(ids(10));
    const writer = batchWriter(effects);
    await new PartitionModel(log).deliver(
      dedupeBatch<pg.PoolClient, Message>(writer, { store, group: 'g', metrics: false }),
    );
    const staleSeen: string[][] = [];
    const stale = new PartitionModel(log.slice(0, 6));
    await stale.deliver(
      dedupeBatch<pg.PoolClient, Message>(batchWriter(effects, { seen: staleSeen }), {
        store,
        group: 'g',
        metrics: false,
      }),
    );
    expect(staleSeen).toEqual([]);
    expect(stale.calls.resolved).toEqual(range(0, 6)); // skipped records are still resolved
    // another partition, another topic and another group each start from nothing
    await new PartitionModel(log, 5, 'feed', 1).deliver(
      dedupeBatch<pg.PoolClient, Message>(writer, { store, group: 'g', metrics: false }),
    );
    await new PartitionModel(log, 5, 'other').deliver(
      dedupeBatch<pg.PoolClient, Message>(writer, { store, group: 'g', metrics: false }),
    );
    await new PartitionModel(log, 5).deliver(
      dedupeBatch<pg.PoolClient, Message>(writer, { store, group: 'h', metrics: false }),
    );
    expect(
      (await marks()).map((mark) => `${mark.consumer_group}/${mark.topic}/${mark.partition}@${mark.next_offset}`),
    ).toEqual(['g/feed/0@10', 'g/feed/1@10', 'g/other/0@10', 'h/feed/0@10']);
    expect([...(await count()).values()].every((n) => n === 4)).toBe(true);
    await noLeaks();
    await drop();
  });

  it('reset forgets the marks, so a replay on purpose applies again', async () => {
    const { store, effects, count, drop } = await scenario();
    const group = `it's $q$ odd$q`; // the group travels as a literal: nothing in it may close the quote
    const log = makeLog(ids(5));
    await new PartitionModel(log).deliver(
      dedupeBatch<pg.PoolClient, Message>(batchWriter(effects), { store, group, metrics: false }),
    );
    await new PartitionModel(log).deliver(
      dedupeBatch<pg.PoolClient, Message>(batchWriter(effects), { store, group, metrics: false }),
    );
    once(await count(), ids(5));
    expect(await store.reset('other group')).toBe(0);
    expect(await store.reset(group, 'feed')).toBe(1);
    await new PartitionModel(log).deliver(
      dedupeBatch<pg.PoolClient, Message>(batchWriter(effects), { store, group, metrics: false }),
    );
    expect([...(await count()).values()]).toEqual([2, 2, 2, 2, 2]);
    await noLeaks();
    await drop();
  });
});

describe('pgOffsetStore and producer duplicates (one event at two offsets)', () => {
  it('offsets alone apply both records: the mark sees two records', async () => {
    const { store, effects, count, drop } = await scenario();
    await new PartitionModel(makeLog(['a', 'b', 'a'])).deliver(
      dedupeBatch<pg.PoolClient, Message>(batchWriter(effects), { store, group: 'g', metrics: false }),
    );
    expect(Object.fromEntries(await count())).toEqual({ a: 2, b: 1 });
    await drop();
  });

  it('with keys: pgDedupeStore, a key repeated in the batch or in a later batch is applied once, at its first offset', async () => {
    const { store, effects, count, offsets, drop } = await scenario({ keys: true });
    const registry = new Registry();
    const model = new PartitionModel(makeLog(['a', 'b', 'a', 'c', 'b', 'd', 'a']), 1);
    const eachBatch = dedupeBatch<pg.PoolClient, Message>(batchWriter(effects), {
      store,
      group: 'g',
      maxRecordsPerTransaction: 4,
      metrics: { registry },
    });
    expect(await model.deliver(eachBatch, { kind: 'refuse-commit', at: 5 })).toBeInstanceOf(RefusedCommitError);
    await model.deliver(eachBatch);
    expect(model.done).toBe(true);
    once(await count(), ['a', 'b', 'c', 'd']);
    expect(await offsets()).toEqual([0, 1, 3, 5]);
    expect(await counterTotal(registry, KAFKA_DEDUPE_METRIC_NAMES.claims)).toBe(4);
    await noLeaks();
    await drop();
  });

  it("or the effect row's own unique key: ON CONFLICT DO NOTHING on the effect applies a producer duplicate once", async () => {
    const { store, effects, count, drop } = await scenario({ uniqueEffects: true });
    const model = new PartitionModel(makeLog(['a', 'b', 'a', 'c', 'a']), 1);
    const eachBatch = dedupeBatch<pg.PoolClient, Message>(
      batchWriter(effects, { onConflict: 'ON CONFLICT (dedupe_key) DO NOTHING' }),
      {
        store,
        group: 'g',
        maxRecordsPerTransaction: 2,
        metrics: false,
      },
    );
    await model.deliver(eachBatch);
    once(await count(), ['a', 'b', 'c']);
    await noLeaks();
    await drop();
  });
});

describe('pgOffsetStore options and helpers', () => {
  it('refuses bad options and the per-record wrappers with a one-line error naming the option', () => {
    const handler = async (): Promise<void> => undefined;
    expect(() => pgOffsetStore(pool, { table: 'no;way' })).toThrow(
      /^pgOffsetStore: option table must be an identifier/,
    );
    expect(() => pgOffsetStore(pool, { keys: {} as never })).toThrow(
      /^pgOffsetStore: option keys must be a pgDedupeStore/,
    );
    const store = pgOffsetStore(pool);
    expect(() => dedupeEachBatch(handler, { store: store as never, group: 'g' })).toThrow(
      /^dedupeEachBatch: option store: an offset store \(pgOffsetStore\) works with dedupeBatch only/,
    );
    expect(() => dedupeEachMessage(handler, { store: store as never, group: 'g' })).toThrow(
      /^dedupeEachMessage: option store: an offset store/,
    );
    expect(() => dedupeBatch(handler, { store, group: '' })).toThrow(/^dedupeBatch: option group/);
  });

  it('compares offsets as numbers and quotes any text as a literal that cannot be closed early', async () => {
    expect(compareOffsets('9', '10')).toBeLessThan(0);
    expect(compareOffsets('100', '99')).toBeGreaterThan(0);
    expect(compareOffsets('9223372036854775806', '9223372036854775807')).toBeLessThan(0);
    expect(compareOffsets('42', '42')).toBe(0);
    for (const text of ['', "it's", '$q$', 'a$q', '$qq$ and $q$', 'q$', '\\ back slash', 'ünï']) {
      const { rows } = await pool.query<{ text: string }>(`SELECT ${dollarQuoted(text)}::text AS text`);
      expect(rows[0]!.text).toBe(text);
    }
  });
});

describe('dedupeBatch with pgOffsetStore under randomized fault schedules (fast-check)', () => {
  const faultArb: fc.Arbitrary<Fault> = fc.oneof(
    fc.constant<Fault>({ kind: 'none' }),
    ...(['throw', 'refuse-commit', 'stale', 'stop', 'crash'] as const).map((kind) =>
      fc.nat({ max: 12 }).map((at): Fault => ({ kind, at })),
    ),
  );

  it('whatever the faults and chunk sizes, every record is applied exactly once, everything is committed, nothing is left open', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 16 }),
        fc.array(faultArb, { maxLength: 6 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 8 }),
        async (records, faults, commitThreshold, maxRecordsPerTransaction) => {
          const { store, effects, offsets, drop } = await scenario();
          const model = new PartitionModel(makeLog(ids(records)), commitThreshold);
          let fault: Fault = { kind: 'none' };
          let batchStart = 0;
          const handler = batchWriter(effects, { beforeWrite: (offset) => faultInHandler(fault, batchStart)(offset) });
          for (let attempt = 0; !model.done; attempt++) {
            if (attempt > faults.length + 50) throw new Error('the partition never drained');
            fault = faults[attempt] ?? { kind: 'none' };
            batchStart = model.position;
            await model.deliver(
              dedupeBatch<pg.PoolClient, Message>(handler, {
                store,
                group: 'g',
                maxRecordsPerTransaction,
                metrics: false,
              }),
              fault,
            );
          }
          expect(await offsets()).toEqual(Array.from({ length: records }, (_, index) => index));
          await noLeaks();
          await drop();
        },
      ),
      { numRuns: 30 },
    );
  });

  it('with keys: whatever the faults, chunk sizes and producer duplicates, every distinct key is applied exactly once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 16 }),
        fc.array(faultArb, { maxLength: 6 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 8 }),
        async (idNumbers, faults, commitThreshold, maxRecordsPerTransaction) => {
          const { store, effects, count, drop } = await scenario({ keys: true });
          const keys = idNumbers.map((n) => `id-${n}`);
          const model = new PartitionModel(makeLog(keys), commitThreshold);
          let fault: Fault = { kind: 'none' };
          let batchStart = 0;
          const handler = batchWriter(effects, { beforeWrite: (offset) => faultInHandler(fault, batchStart)(offset) });
          for (let attempt = 0; !model.done; attempt++) {
            if (attempt > faults.length + 50) throw new Error('the partition never drained');
            fault = faults[attempt] ?? { kind: 'none' };
            batchStart = model.position;
            await model.deliver(
              dedupeBatch<pg.PoolClient, Message>(handler, {
                store,
                group: 'g',
                maxRecordsPerTransaction,
                metrics: false,
              }),
              fault,
            );
          }
          once(await count(), keys);
          await noLeaks();
          await drop();
        },
      ),
      { numRuns: 30 },
    );
  });
});
