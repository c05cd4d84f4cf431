/**
 * The offset store: in the transaction that carries a chunk's effect, one row per (group, topic, partition) moves to
 * the offset after the chunk's last record. A redelivered record below that mark was applied by a transaction that
 * committed, so it is skipped; a record of a chunk that rolled back finds the mark where it was and is applied again,
 * once. The write per chunk is one small upsert, whatever the chunk's size.
 *
 * The upsert also takes the row's lock: a second member on the same partition (a rebalance hand-over, a stale batch)
 * waits for the first member's transaction, then reads the mark it left. `ON CONFLICT DO UPDATE` sees the latest
 * committed row even outside the statement's snapshot, so the mark read is never an old one.
 *
 * Offsets say nothing about a producer's duplicates (one event at two offsets): `keys: pgDedupeStore(pool)` claims
 * the keys of the records past the mark in the same transaction, at the cost of a claim row per record.
 */
import {
  createOnce,
  inTransaction,
  quoteTableName,
  type PgClientLike,
  type PgClientOf,
  type PgDedupeStore,
  type PgPoolLike,
} from './pg-store.js';
import { firstOfEachKey } from './keys.js';
import type { ClaimedRecord, OffsetStore } from './types.js';

export interface PgOffsetStoreOptions {
  /** Table of marks, optionally schema-qualified. Default `quickwins_kafka_offsets`. */
  readonly table?: string;
  /** Create the table (if missing) before the first chunk. Default true; false when migrations own it. */
  readonly createTable?: boolean;
  /** Also claim every applied record's key in this store's table, in the same transaction (producer duplicates). */
  readonly keys?: PgDedupeStore<PgClientLike>;
}

export interface PgOffsetStore<Client extends PgClientLike> extends OffsetStore<Client> {
  readonly table: string;
  /** The DDL `createTable` runs, for a migration of your own. */
  readonly createTableSql: string;
  ensureTable(): Promise<void>;
  /**
   * Forgets the group's marks for `topic` (every topic when omitted); returns how many. Needed before replaying on
   * purpose (offsets reset to an earlier point, a topic deleted and created again): else the replay is skipped.
   */
  reset(group: string, topic?: string): Promise<number>;
}

export function pgOffsetStore<Pool extends PgPoolLike>(
  pool: Pool,
  options: PgOffsetStoreOptions = {},
): PgOffsetStore<PgClientOf<Pool>> {
  type Client = PgClientOf<Pool>;
  if (options === null || typeof options !== 'object') throw new TypeError('pgOffsetStore: options must be an object');
  const table = options.table ?? 'quickwins_kafka_offsets';
  const quoted = quoteTableName(table, 'pgOffsetStore');
  const keys = options.keys;
  if (keys !== undefined && typeof keys.claimKeys !== 'function')
    throw new TypeError('pgOffsetStore: option keys must be a pgDedupeStore');
  const createTableSql =
    `CREATE TABLE IF NOT EXISTS ${quoted} (consumer_group text NOT NULL, topic text NOT NULL, partition int NOT NULL, ` +
    `next_offset bigint NOT NULL, previous_offset bigint NOT NULL, PRIMARY KEY (consumer_group, topic, partition));`;
  // previous_offset keeps the mark this transaction found: RETURNING shows only the new row, and reading the mark in
  // a statement of its own would cost a round trip per chunk. A first chunk finds none: every offset is new (0).
  // BEGIN travels with it as one simple query (values as literals), so a chunk costs the plain writer's round trips.
  const beginAndAdvance = (group: string, topic: string, partition: number, next: string): string =>
    `BEGIN; INSERT INTO ${quoted} AS mark (consumer_group, topic, partition, next_offset, previous_offset) ` +
    `VALUES (${dollarQuoted(group)}, ${dollarQuoted(topic)}, ${partition}, ${next}, 0) ` +
    `ON CONFLICT (consumer_group, topic, partition) DO UPDATE SET previous_offset = mark.next_offset, ` +
    `next_offset = GREATEST(mark.next_offset, EXCLUDED.next_offset) RETURNING previous_offset::text AS previous`;
  let ready: Promise<void> | undefined = options.createTable === false ? Promise.resolve() : undefined;

  const ensureTable = (): Promise<void> => {
    ready ??= createOnce(pool, createTableSql).catch((error: unknown) => {
      ready = undefined; // let the next chunk try again
      throw error;
    });
    return ready;
  };

  return {
    kind: 'pg-offsets',
    tracks: 'offsets',
    table,
    createTableSql,
    ensureTable,
    async reset(group, topic) {
      const result =
        topic === undefined
          ? await pool.query(`DELETE FROM ${quoted} WHERE consumer_group = $1`, [group])
          : await pool.query(`DELETE FROM ${quoted} WHERE consumer_group = $1 AND topic = $2`, [group, topic]);
      return result.rowCount ?? 0;
    },
    async runRange<Record extends ClaimedRecord>(
      group: string,
      topic: string,
      partition: number,
      records: readonly Record[],
      effect: (applied: readonly Record[], tx: Client) => Promise<void>,
    ): Promise<readonly Record[]> {
      if (records.length === 0) return [];
      await ensureTable();
      if (keys !== undefined) await keys.ensureTable();
      if (!(Number.isSafeInteger(partition) && partition >= 0))
        throw new RangeError(`pgOffsetStore: partition must be a non-negative integer, got ${String(partition)}`);
      const next = String(BigInt(lastOffset(records)) + 1n);
      return inTransaction(
        pool,
        async (client) => {
          const results = (await client.query(beginAndAdvance(group, topic, partition, next))) as unknown;
          const mark = previousMark(results);
          let applied = records.filter((record) => compareOffsets(record.message.offset, mark) >= 0);
          if (keys !== undefined && applied.length > 0) {
            const candidates = firstOfEachKey(applied);
            const claimed = await keys.claimKeys(
              client,
              group,
              candidates.map((record) => record.key),
            );
            applied = candidates.filter((record) => claimed.has(record.key));
          }
          // Nothing to apply: roll back, the mark stays where a committed transaction left it.
          if (applied.length === 0) return { commit: false, result: applied };
          await effect(applied, client as Client);
          return { commit: true, result: applied };
        },
        { bodyBegins: true },
      );
    },
  };
}

/** The mark the upsert found: pg answers a query of several statements with one result each, the upsert's last. */
function previousMark(results: unknown): string {
  const upsert = (Array.isArray(results) ? results.at(-1) : results) as
    { rows?: readonly { previous?: unknown }[] } | undefined;
  const previous = upsert?.rows?.[0]?.previous;
  if (typeof previous !== 'string')
    throw new Error(
      'pgOffsetStore: the client returned no mark (a pg client answering a query of several statements is needed)',
    );
  return previous;
}

/** A text literal that needs no escaping whatever it holds: dollar-quoted under a tag the text does not close. */
export function dollarQuoted(text: string): string {
  let tag = 'q';
  while (`${text}$${tag}$`.indexOf(`$${tag}$`) !== text.length) tag += 'q';
  return `$${tag}$${text}$${tag}$`;
}

/** The highest offset of the records (they come in offset order; the scan guards a caller that mixed them). */
function lastOffset(records: readonly ClaimedRecord[]): string {
  let highest = records[0]!.message.offset;
  for (const record of records) if (compareOffsets(record.message.offset, highest) > 0) highest = record.message.offset;
  return highest;
}

/** Kafka offsets are decimal int64 text without leading zeros: a longer one is larger, else the text order is. */
export function compareOffsets(left: string, right: string): number {
  if (left.length !== right.length) return left.length - right.length;
  return left < right ? -1 : left > right ? 1 : 0;
}
