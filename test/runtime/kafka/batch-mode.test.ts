/**
 * dedupeBatch, the batch mode: one claim statement, one handler call and one commit per chunk, on synthetic batches
 * (test/support/kafka-batches.ts models kafkajs' runner) with pgDedupeStore on a real PostgreSQL, effects counted as
 * rows. Every pitfall of the per-record protocol (rebalance, refused commit, throw, crash after the effect, two
 * members on one key, producer duplicates) ends with each side effect applied once; a poison record costs only
 * itself; fast-check schedules of random faults say the same; the process-local store works through runOnce.
 */
import fc from 'fast-check';
import type pg from 'pg';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dedupeBatch,
  KAFKA_DEDUPE_METRIC_NAMES,
  memoryDedupeStore,
  pgDedupeStore,
  quoteTableName,
  type ClaimedRecord,
  type DedupeStore,
  type PgDedupeStore,
} from '../../../runtime/src/kafka/index.js';
import {
  batchOf,
  faultInHandler,
  HandlerFault,
  makeLog,
  PartitionModel,
  RefusedCommitError,
  type Fault,
  type Message,
} from '../../support/kafka-batches.js';
import { checkedOut, createTestPool, endPool, settle, sleep } from '../../support/pg.js';

let pool: pg.Pool;
let tableCount = 0;

beforeAll(() => {
  pool = createTestPool({ max: 6 });
});
afterAll(async () => {
  await endPool(pool);
});

async function scenario() {
  const id = `${process.pid}_${++tableCount}_${Date.now()}`;
  const effects = `kafka_batch_effects_${id}`;
  await pool.query(`CREATE TABLE ${effects} (dedupe_key text NOT NULL, record_offset int NOT NULL)`);
  const store: PgDedupeStore<pg.PoolClient> = pgDedupeStore(pool, {
    table: `kafka_batch_claims_${id}`,
    retentionDays: 1,
  });
  const count = async (): Promise<Map<string, number>> => {
    const { rows } = await pool.query<{ dedupe_key: string; n: number }>(
      `SELECT dedupe_key, count(*)::int AS n FROM ${effects} GROUP BY 1`,
    );
    return new Map(rows.map((row) => [row.dedupe_key, row.n]));
  };
  /** Transactions that committed claims: rows written by one transaction share its xmin. */
  const claimTransactions = async (): Promise<number> =>
    (await pool.query<{ n: number }>(`SELECT count(DISTINCT xmin::text)::int AS n FROM ${quoteTableName(store.table)}`))
      .rows[0]!.n;
  const drop = () => pool.query(`DROP TABLE ${effects}; DROP TABLE IF EXISTS ${quoteTableName(store.table)}`);
  return { store, effects, count, claimTransactions, drop };
}

/** The side effect of a batch: one bulk insert of a row per record, through the store's transaction. */
function batchWriter(effects: string, beforeWrite: (offset: string) => void = () => undefined, seen: string[][] = []) {
  return async ({ records, tx }: { records: readonly ClaimedRecord<Message>[]; tx: pg.PoolClient }): Promise<void> => {
    seen.push(records.map((record) => record.key));
    for (const record of records) beforeWrite(record.message.offset);
    await tx.query(`INSERT INTO ${effects} (dedupe_key, record_offset) SELECT * FROM unnest($1::text[], $2::int[])`, [
      records.map((record) => record.key),
      records.map((record) => Number(record.message.offset)),
    ]);
  };
}

async function noLeaks(): Promise<void> {
  await settle(pool);
  expect(checkedOut(pool)).toBe(0);
  expect(pool.waitingCount).toBe(0);
}

const ids = (count: number, prefix = 'evt-'): string[] =>
  Array.from({ length: count }, (_, index) => `${prefix}${index}`);
const once = (counts: Map<string, number>, keys: readonly string[]): void => {
  expect([...counts.keys()].sort()).toEqual([...new Set(keys)].sort());
  expect([...counts.values()].every((n) => n === 1)).toBe(true);
};

async function counterTotal(registry: Registry, name: string): Promise<number> {
  const metric = await registry.getSingleMetric(name)?.get();
  if (metric === undefined) throw new Error(`metric ${name} is not registered`);
  return metric.values.reduce((sum, value) => sum + value.value, 0);
}

describe('dedupeBatch with pgDedupeStore: one transaction per chunk', () => {
  it('claims and applies each chunk in one transaction, then resolves every offset, heartbeats and commits once per chunk', async () => {
    const { store, effects, count, claimTransactions, drop } = await scenario();
    const model = new PartitionModel(makeLog(ids(250)), 1);
    const seen: string[][] = [];
    await model.deliver(
      dedupeBatch<pg.PoolClient, Message>(batchWriter(effects, undefined, seen), {
        store,
        group: 'g',
        maxRecordsPerTransaction: 100,
        metrics: false,
      }),
    );
    expect(model.done).toBe(true);
    expect(seen.map((keys) => keys.length)).toEqual([100, 100, 50]);
    expect(await claimTransactions()).toBe(3);
    expect(model.calls.resolved).toEqual(ids(250, ''));
    expect(model.calls.heartbeats).toBe(3);
    expect(model.calls.commits).toBe(3);
    once(await count(), ids(250));
    await noLeaks();
    await drop();
  });

  it('a key repeated in the batch (a producer duplicate) is applied once, at its first offset; every offset is resolved', async () => {
    const { store, effects, count, drop } = await scenario();
    const registry = new Registry();
    const model = new PartitionModel(makeLog(['a', 'b', 'a', 'c', 'b', 'a']));
    const seen: string[][] = [];
    await model.deliver(
      dedupeBatch<pg.PoolClient, Message>(batchWriter(effects, undefined, seen), {
        store,
        group: 'g',
        metrics: { registry },
      }),
    );
    expect(seen).toEqual([['a', 'b', 'c']]);
    expect(model.calls.resolved).toEqual(['0', '1', '2', '3', '4', '5']);
    once(await count(), ['a', 'b', 'c']);
    const { rows } = await pool.query<{ record_offset: number }>(`SELECT record_offset FROM ${effects} ORDER BY 1`);
    expect(rows.map((row) => row.record_offset)).toEqual([0, 1, 3]);
    expect(await counterTotal(registry, KAFKA_DEDUPE_METRIC_NAMES.claims)).toBe(3);
    expect(await counterTotal(registry, KAFKA_DEDUPE_METRIC_NAMES.duplicates)).toBe(3);
    await drop();
  });

  it('rebalance: stops between chunks once the batch is stale; the next member skips what was applied', async () => {
    const { store, effects, count, drop } = await scenario();
    const model = new PartitionModel(makeLog(ids(200)), 1000);
    const seen: string[][] = [];
    await model.deliver(
      dedupeBatch<pg.PoolClient, Message>(batchWriter(effects, undefined, seen), {
        store,
        group: 'g',
        maxRecordsPerTransaction: 50,
      }),
      {
        kind: 'stale',
        at: 60,
      },
    );
    expect(seen.map((keys) => keys.length)).toEqual([50, 50]); // no third chunk after the partition moved
    expect(model.committed).toBe(0);
    const next: string[][] = [];
    await model.deliver(
      dedupeBatch<pg.PoolClient, Message>(batchWriter(effects, undefined, next), {
        store,
        group: 'g',
        maxRecordsPerTransaction: 50,
        metrics: false,
      }),
    );
    expect(next.flat()).toEqual(ids(200).slice(100));
    once(await count(), ids(200));
    await noLeaks();
    await drop();
  });

  it('refused commit mid-batch: the records since the last commit come back and are skipped', async () => {
    const { store, effects, count, drop } = await scenario();
    const model = new PartitionModel(makeLog(ids(30)), 10);
    const eachBatch = dedupeBatch<pg.PoolClient, Message>(batchWriter(effects), {
      store,
      group: 'g',
      maxRecordsPerTransaction: 7,
      metrics: false,
    });
    expect(await model.deliver(eachBatch, { kind: 'refuse-commit', at: 17 })).toBeInstanceOf(RefusedCommitError);
    expect(model.committed).toBeLessThan(21); // applied records came back
    await model.deliver(eachBatch);
    expect(model.done).toBe(true);
    once(await count(), ids(30));
    await noLeaks();
    await drop();
  });

  it('crash after the effect, before the Kafka commit: the chunk comes back and is skipped', async () => {
    const { store, effects, count, drop } = await scenario();
    const model = new PartitionModel(makeLog(ids(12)), 5);
    const crashed = await model.deliver(
      dedupeBatch<pg.PoolClient, Message>(batchWriter(effects), { store, group: 'g', metrics: false }),
      { kind: 'crash', at: 3 },
    );
    expect(crashed).toBeDefined();
    expect(model.committed).toBe(0);
    expect((await count()).size).toBe(12); // the whole batch committed in PostgreSQL
    const seen: string[][] = [];
    await model.deliver(
      dedupeBatch<pg.PoolClient, Message>(batchWriter(effects, undefined, seen), { store, group: 'g', metrics: false }),
    );
    expect(seen).toEqual([]); // nothing claimed, the handler is not called
    expect(model.done).toBe(true);
    once(await count(), ids(12));
    await drop();
  });

  it('a throw mid-batch rolls the chunk back and falls back to record-at-a-time: the records before it commit, the rest come back once', async () => {
    const { store, effects, count, claimTransactions, drop } = await scenario();
    const model = new PartitionModel(makeLog(ids(10)), 100);
    const registry = new Registry();
    let failures = 0;
    const eachBatch = dedupeBatch<pg.PoolClient, Message>(
      batchWriter(effects, (offset) => {
        if (offset === '4' && failures++ < 2) throw new HandlerFault(`fails on ${offset}`); // the chunk, then record 4 alone
      }),
      { store, group: 'g', metrics: { registry } },
    );
    expect(await model.deliver(eachBatch)).toBeInstanceOf(HandlerFault);
    expect(model.committed).toBe(4); // kafkajs commits what was resolved on the way out
    expect([...(await count()).keys()].sort()).toEqual(ids(4));
    await model.deliver(eachBatch);
    expect(model.done).toBe(true);
    once(await count(), ids(10));
    expect(await claimTransactions()).toBe(5); // 4 single records, then 4..9 in one
    expect(await counterTotal(registry, KAFKA_DEDUPE_METRIC_NAMES.chunksRetried)).toBe(1);
    await noLeaks();
    await drop();
  });

  it('a poison record fails every delivery alone: it and the records after it are never applied, those before it once', async () => {
    const { store, effects, count, drop } = await scenario();
    const model = new PartitionModel(makeLog(ids(10)), 100);
    let calls = 0;
    const eachBatch = dedupeBatch<pg.PoolClient, Message>(
      batchWriter(effects, (offset) => {
        calls++;
        if (offset === '6') throw new HandlerFault('cannot parse record 6');
      }),
      { store, group: 'g', metrics: false },
    );
    for (let delivery = 0; delivery < 3; delivery++)
      expect(await model.deliver(eachBatch)).toBeInstanceOf(HandlerFault);
    expect(model.committed).toBe(6);
    once(await count(), ids(6));
    // first delivery: the chunk (7 records seen) then 0..6 alone; later ones: the chunk from 6 (1 seen) then 6 alone
    expect(calls).toBe(7 + 7 + 2 + 2);
    await noLeaks();
    await drop();
  });

  it('two members on overlapping keys serialize: the second waits for the first member to commit, then applies only the keys left', async () => {
    const { store, effects, count, drop } = await scenario();
    const shared = ids(20, 'shared-');
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const first = new PartitionModel(makeLog([...shared, 'only-first']));
    const second = new PartitionModel(makeLog(['only-second', ...[...shared].reverse()]));
    const firstSeen: string[][] = [];
    const secondSeen: string[][] = [];
    const firstRun = first.deliver(
      dedupeBatch<pg.PoolClient, Message>(
        async (batch) => {
          await batchWriter(effects, undefined, firstSeen)(batch);
          await gate;
        },
        { store, group: 'g', metrics: false },
      ),
    );
    await sleep(50);
    const secondRun = second.deliver(
      dedupeBatch<pg.PoolClient, Message>(batchWriter(effects, undefined, secondSeen), {
        store,
        group: 'g',
        metrics: false,
      }),
    );
    await sleep(100);
    expect(secondSeen).toEqual([]); // waiting on the first member's claims
    release();
    expect(await Promise.all([firstRun, secondRun])).toEqual([undefined, undefined]);
    expect(secondSeen).toEqual([['only-second']]);
    once(await count(), [...shared, 'only-first', 'only-second']);
    await noLeaks();
    await drop();
  });

  it('two members on one key: when the first rolls back, the waiting one claims and applies it', async () => {
    const { store, effects, count, drop } = await scenario();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let firstAttempts = 0;
    const first = new PartitionModel(makeLog(['k1', 'k2']));
    const firstRun = first.deliver(
      dedupeBatch<pg.PoolClient, Message>(
        async (batch) => {
          await batchWriter(effects)(batch);
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
    const secondRun = new PartitionModel(makeLog(['k2', 'k1'])).deliver(
      dedupeBatch<pg.PoolClient, Message>(batchWriter(effects, undefined, secondSeen), {
        store,
        group: 'g',
        metrics: false,
      }),
    );
    await sleep(100);
    release();
    expect(await Promise.all([firstRun, secondRun])).toEqual([undefined, undefined]);
    expect(secondSeen).toEqual([['k2', 'k1']]); // claimed after the first member's rollback
    expect(first.done).toBe(true); // record-at-a-time then found both claimed: skipped, resolved
    once(await count(), ['k1', 'k2']);
    await noLeaks();
    await drop();
  });
});

describe('dedupeBatch with stores without a batch claim (runOnce for every key)', () => {
  it('memoryDedupeStore: duplicates in the batch and redelivered records are skipped; a throw gives every claim back', async () => {
    const store = memoryDedupeStore();
    const applied: string[] = [];
    let failed = false;
    const eachBatch = dedupeBatch<undefined, Message>(
      async ({ records, tx }) => {
        expect(tx).toBeUndefined();
        if (!failed && records.length > 1) {
          failed = true;
          throw new HandlerFault('first attempt');
        }
        applied.push(...records.map((record) => record.key));
      },
      { store, group: 'g', metrics: false },
    );
    const model = new PartitionModel(makeLog(['a', 'b', 'a', 'c']), 100);
    await model.deliver(eachBatch, { kind: 'stale', at: 4 }); // the chunk fails, then a, b, c one by one; nothing committed
    expect(applied).toEqual(['a', 'b', 'c']);
    await model.deliver(eachBatch);
    expect(model.done).toBe(true);
    expect(applied).toEqual(['a', 'b', 'c']);
    expect(store.size).toBe(3);
  });

  it('a claim the store refuses fails the chunk, gives the other claims back, and the record-at-a-time pass surfaces the refusal', async () => {
    const memory = memoryDedupeStore();
    const busy: DedupeStore<undefined> = {
      kind: 'busy',
      runOnce: (group, key, effect) =>
        key === 'b' ? Promise.reject(new Error('claim busy')) : memory.runOnce(group, key, effect),
    };
    const applied: string[] = [];
    const model = new PartitionModel(makeLog(['a', 'b', 'c']), 100);
    const error = await model.deliver(
      dedupeBatch<undefined, Message>(async ({ records }) => void applied.push(...records.map((r) => r.key)), {
        store: busy,
        group: 'g',
        metrics: false,
      }),
    );
    expect((error as Error).message).toBe('claim busy');
    expect(applied).toEqual(['a']); // the chunk never ran; alone, a applied and b refused
    expect(model.committed).toBe(1);
  });

  it('refuses bad options with a one-line error naming the option', () => {
    const handler = async (): Promise<void> => undefined;
    expect(() => dedupeBatch(handler, { store: memoryDedupeStore(), group: 'g', maxRecordsPerTransaction: 0 })).toThrow(
      /option maxRecordsPerTransaction/,
    );
    expect(() => dedupeBatch(handler, { store: memoryDedupeStore(), group: '' })).toThrow(/option group/);
    expect(() => dedupeBatch('x' as never, { store: memoryDedupeStore(), group: 'g' })).toThrow(
      /dedupeBatch: handler must be a function/,
    );
  });

  it('hands the handler the batch, in offset order', async () => {
    const log = makeLog(['x', 'y']);
    const calls: string[] = [];
    await dedupeBatch<undefined, Message>(
      async ({ records, batch }) => {
        expect(batch.topic).toBe('t');
        calls.push(
          ...records.map((record) => `${record.topic}/${record.partition}/${record.message.offset}:${record.key}`),
        );
      },
      { store: memoryDedupeStore(), group: 'g', metrics: false },
    )({
      batch: batchOf('t', 3, log),
      resolveOffset: (offset) => calls.push(`resolve:${offset}`),
      heartbeat: async () => void calls.push('heartbeat'),
      commitOffsetsIfNecessary: async () => void calls.push('commit?'),
      isRunning: () => true,
      isStale: () => false,
      pause: () => () => undefined,
    });
    expect(calls).toEqual(['t/3/0:x', 't/3/1:y', 'resolve:0', 'resolve:1', 'heartbeat', 'commit?']);
  });
});

describe('dedupeBatch under randomized fault schedules (fast-check)', () => {
  const faultArb: fc.Arbitrary<Fault> = fc.oneof(
    fc.constant<Fault>({ kind: 'none' }),
    ...(['throw', 'refuse-commit', 'stale', 'stop', 'crash'] as const).map((kind) =>
      fc.nat({ max: 12 }).map((at): Fault => ({ kind, at })),
    ),
  );

  it('whatever the faults, chunk sizes and producer duplicates, every distinct key is applied exactly once and everything is committed', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 16 }),
        fc.array(faultArb, { maxLength: 6 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 8 }),
        async (idNumbers, faults, commitThreshold, maxRecordsPerTransaction) => {
          const { store, effects, count, drop } = await scenario();
          const keys = idNumbers.map((n) => `id-${n}`);
          const model = new PartitionModel(makeLog(keys), commitThreshold);
          let fault: Fault = { kind: 'none' };
          let batchStart = 0;
          const handler = batchWriter(effects, (offset) => faultInHandler(fault, batchStart)(offset));
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
          await settle(pool);
          expect(checkedOut(pool)).toBe(0);
          await drop();
        },
      ),
      { numRuns: 40 },
    );
  });
});
