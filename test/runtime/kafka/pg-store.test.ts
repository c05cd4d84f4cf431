/**
 * pgDedupeStore on a real PostgreSQL: the claim and the handler's write commit in one transaction, so every pitfall
 * (rebalance mid-batch, refused commit, throw and retry, crash after the side effect, two members on one key) ends
 * with each side effect applied exactly once, checked by counting rows; randomized fault schedules (fast-check) say
 * the same; no client is left checked out on any path.
 */
import fc from 'fast-check';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dedupeEachBatch,
  pgDedupeStore,
  quoteTableName,
  type PgDedupeStore,
} from '../../../runtime/src/kafka/index.js';
import { faultInHandler, makeLog, PartitionModel, type Fault, type Message } from '../../support/kafka-batches.js';
import { checkedOut, createTestPool, endPool, settle } from '../../support/pg.js';

let pool: pg.Pool;
let tableCount = 0;

beforeAll(() => {
  pool = createTestPool({ max: 6 });
});
afterAll(async () => {
  await endPool(pool);
});

/** A fresh claims table and effects table for one scenario. */
async function scenario(): Promise<{
  store: PgDedupeStore<pg.PoolClient>;
  effects: string;
  count: () => Promise<Map<string, number>>;
}> {
  const id = `${process.pid}_${++tableCount}_${Date.now()}`;
  const effects = `kafka_effects_${id}`;
  await pool.query(`CREATE TABLE ${effects} (dedupe_key text NOT NULL, record_offset int NOT NULL)`);
  const store = pgDedupeStore(pool, { table: `kafka_claims_${id}`, retentionDays: 1 });
  const count = async (): Promise<Map<string, number>> => {
    const { rows } = await pool.query<{ dedupe_key: string; n: number }>(
      `SELECT dedupe_key, count(*)::int AS n FROM ${effects} GROUP BY 1`,
    );
    return new Map(rows.map((row) => [row.dedupe_key, row.n]));
  };
  return { store, effects, count };
}

/** The side effect: one row per application, written through the store's transaction. */
function writer(
  effects: string,
  beforeWrite: (offset: string) => void = () => undefined,
  afterWrite: (offset: string) => void = () => undefined,
) {
  return async ({ key, tx, message }: { key: string; tx: pg.PoolClient; message: Message }): Promise<void> => {
    beforeWrite(message.offset);
    await tx.query(`INSERT INTO ${effects} (dedupe_key, record_offset) VALUES ($1, $2)`, [key, Number(message.offset)]);
    afterWrite(message.offset);
  };
}

async function noLeaks(): Promise<void> {
  await settle(pool);
  expect(checkedOut(pool)).toBe(0);
  expect(pool.waitingCount).toBe(0);
}

const ids = (count: number): string[] => Array.from({ length: count }, (_, index) => `evt-${index}`);
const once = (counts: Map<string, number>, keys: readonly string[]): void => {
  expect([...counts.keys()].sort()).toEqual([...new Set(keys)].sort());
  expect([...counts.values()].every((n) => n === 1)).toBe(true);
};

describe('pgDedupeStore: each pitfall ends with every side effect applied once', () => {
  it('rebalance mid-batch: the next member redelivers from the committed offset and skips the applied records', async () => {
    const { store, effects, count } = await scenario();
    const model = new PartitionModel(makeLog(ids(40)), 15);
    const first = dedupeEachBatch<pg.PoolClient, Message>(writer(effects), { store, group: 'g', metrics: false });
    await model.deliver(first, { kind: 'stale', at: 22 });
    expect(model.committed).toBe(15);
    const second = dedupeEachBatch<pg.PoolClient, Message>(writer(effects), { store, group: 'g', metrics: false });
    await model.deliver(second);
    expect(model.done).toBe(true);
    once(await count(), ids(40));
    await noLeaks();
  });

  it('refused commit: the records since the last commit come back and are skipped', async () => {
    const { store, effects, count } = await scenario();
    const model = new PartitionModel(makeLog(ids(30)), 10);
    const eachBatch = dedupeEachBatch<pg.PoolClient, Message>(writer(effects), { store, group: 'g', metrics: false });
    expect(await model.deliver(eachBatch, { kind: 'refuse-commit', at: 17 })).toBeDefined();
    await model.deliver(eachBatch);
    once(await count(), ids(30));
    await noLeaks();
  });

  it('throw and retry: a handler that fails after its write rolls the write and the claim back together', async () => {
    const { store, effects, count } = await scenario();
    const model = new PartitionModel(makeLog(ids(10)), 100);
    let failures = 0;
    const eachBatch = dedupeEachBatch<pg.PoolClient, Message>(
      writer(effects, undefined, (offset) => {
        if (offset === '4' && failures++ === 0) throw new Error('downstream call failed after the insert');
      }),
      { store, group: 'g', metrics: false },
    );
    expect(await model.deliver(eachBatch)).toBeInstanceOf(Error);
    expect((await count()).size).toBe(4); // record 4's write was rolled back with its claim
    await model.deliver(eachBatch);
    once(await count(), ids(10));
    await noLeaks();
  });

  it('crash after the side effect and before the commit: the record comes back and is skipped', async () => {
    const { store, effects, count } = await scenario();
    const model = new PartitionModel(makeLog(ids(12)), 5);
    await model.deliver(
      dedupeEachBatch<pg.PoolClient, Message>(writer(effects), { store, group: 'g', metrics: false }),
      { kind: 'crash', at: 7 },
    );
    expect(model.committed).toBe(5);
    expect((await count()).size).toBe(8);
    // a new process: new wrapper, same database
    await model.deliver(
      dedupeEachBatch<pg.PoolClient, Message>(writer(effects), { store, group: 'g', metrics: false }),
    );
    once(await count(), ids(12));
    await noLeaks();
  });

  it('two members on one key: the second waits for the first transaction, then skips (or claims after a rollback)', async () => {
    const { store, effects, count } = await scenario();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const first = store.runOnce('g', 'shared', async (tx) => {
      await tx.query(`INSERT INTO ${effects} VALUES ('shared', 0)`);
      await gate;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const second = store.runOnce(
      'g',
      'shared',
      async (tx) => void (await tx.query(`INSERT INTO ${effects} VALUES ('shared', 1)`)),
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    release();
    expect(await Promise.all([first, second])).toEqual(['applied', 'duplicate']);

    let releaseFailing!: () => void;
    const failingGate = new Promise<void>((resolve) => (releaseFailing = resolve));
    const failing = store.runOnce('g', 'other', async (tx) => {
      await tx.query(`INSERT INTO ${effects} VALUES ('other', 0)`);
      await failingGate;
      throw new Error('member 1 failed');
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const takeover = store.runOnce(
      'g',
      'other',
      async (tx) => void (await tx.query(`INSERT INTO ${effects} VALUES ('other', 1)`)),
    );
    releaseFailing();
    await expect(failing).rejects.toThrow('member 1 failed');
    expect(await takeover).toBe('applied');
    const { rows } = await pool.query<{ dedupe_key: string; record_offset: number }>(
      `SELECT * FROM ${effects} ORDER BY 1`,
    );
    expect(rows).toEqual([
      { dedupe_key: 'other', record_offset: 1 },
      { dedupe_key: 'shared', record_offset: 0 },
    ]);
    once(await count(), ['shared', 'other']);
    await noLeaks();
  });

  it('a connection that breaks mid-transaction is destroyed, not returned to the pool', async () => {
    const { store } = await scenario();
    await expect(
      store.runOnce('g', 'k', async (tx) => {
        await tx.query('SELECT pg_terminate_backend(pg_backend_pid())').catch(() => undefined);
      }),
    ).rejects.toThrow();
    await noLeaks();
    expect(await store.runOnce('g', 'k', async () => undefined)).toBe('applied');
    await noLeaks();
  });

  it('prune() deletes claims older than retentionDays; the table name is checked', async () => {
    const { store } = await scenario();
    await store.runOnce('g', 'old', async () => undefined);
    await store.runOnce('g', 'new', async () => undefined);
    await pool.query(
      `UPDATE ${quoteTableName(store.table)} SET claimed_at = now() - interval '2 days' WHERE dedupe_key = 'old'`,
    );
    expect(await store.prune()).toBe(1);
    expect(await store.runOnce('g', 'new', async () => undefined)).toBe('duplicate');
    expect(() => pgDedupeStore(pool, { table: 'x; drop table y' })).toThrow(/option table/);
    expect(() => pgDedupeStore(pool, { retentionDays: 0 })).toThrow(/option retentionDays/);
    expect(quoteTableName('kafka.claims')).toBe('"kafka"."claims"');
  });
});

describe('pgDedupeStore under randomized fault schedules (fast-check)', () => {
  const faultArb: fc.Arbitrary<Fault> = fc.oneof(
    fc.constant<Fault>({ kind: 'none' }),
    ...(['throw', 'refuse-commit', 'stale', 'stop', 'crash'] as const).map((kind) =>
      fc.nat({ max: 12 }).map((at): Fault => ({ kind, at })),
    ),
  );

  it('whatever the faults and producer duplicates, every distinct key is applied exactly once and everything is committed', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 16 }), // message ids: repeats are producer duplicates
        fc.array(faultArb, { maxLength: 6 }),
        fc.integer({ min: 1, max: 6 }),
        fc.boolean(),
        async (idNumbers, faults, commitThreshold, coalesce) => {
          const { store, effects, count } = await scenario();
          const keys = idNumbers.map((n) => `id-${n}`);
          const model = new PartitionModel(makeLog(keys), commitThreshold);
          let fault: Fault = { kind: 'none' };
          let batchStart = 0;
          const handler = writer(effects, (offset) => faultInHandler(fault, batchStart)(offset));
          for (let attempt = 0; !model.done; attempt++) {
            if (attempt > faults.length + 50) throw new Error('the partition never drained');
            fault = faults[attempt] ?? { kind: 'none' };
            batchStart = model.position;
            // every delivery is a new member or a restarted process: a new wrapper over the same store
            await model.deliver(
              dedupeEachBatch<pg.PoolClient, Message>(handler, { store, group: 'g', coalesce, metrics: false }),
              fault,
            );
          }
          once(await count(), keys);
          await settle(pool);
          expect(checkedOut(pool)).toBe(0);
          await pool.query(`DROP TABLE ${effects}; DROP TABLE ${quoteTableName(store.table)}`);
        },
      ),
      { numRuns: 40 },
    );
  });
});
