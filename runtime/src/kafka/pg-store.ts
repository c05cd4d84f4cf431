/**
 * The effect-once store: the key is claimed with `INSERT … ON CONFLICT DO NOTHING` inside the transaction that
 * carries the handler's side effect, and the handler writes through that transaction's client. Claim and effect
 * commit together or not at all, so a crash anywhere (after the effect, before the Kafka commit) redelivers a record
 * whose claim either committed with its effect (skipped) or never existed (applied again, once).
 *
 * Two members holding the same key at once (a rebalance hand-over) serialize on the primary key: the second INSERT
 * waits for the first transaction and then finds the row (skip) or, if the first rolled back, claims it.
 *
 * `runBatch` claims a batch's keys in one statement (`INSERT … SELECT unnest($2) ON CONFLICT DO NOTHING RETURNING`)
 * and runs the effect for the claimed ones in the same transaction: the same promise, one commit per batch.
 */
import type { ClaimOutcome, DedupeStore } from './types.js';

/** What the store needs of a pg client (a `pg.PoolClient` fits). */
export interface PgClientLike {
  query(text: string, values?: readonly unknown[]): Promise<{ rowCount: number | null; rows?: readonly unknown[] }>;
  release(error?: Error | boolean): void;
  on?(event: 'error', listener: (error: Error) => void): unknown;
  removeListener?(event: 'error', listener: (error: Error) => void): unknown;
}

/** What the store needs of a pool (a `pg.Pool` fits). */
export interface PgPoolLike<Client extends PgClientLike = PgClientLike> {
  connect(): Promise<Client>;
  query(text: string, values?: readonly unknown[]): Promise<{ rowCount: number | null }>;
}

/**
 * The client type a pool hands out. pg's `Pool.connect` is overloaded (promise, then callback), and inference reads
 * only the last overload, so the two-overload shape is matched first.
 */
export type PgClientOf<Pool> = Pool extends { connect(): Promise<infer Client>; connect(callback: never): void }
  ? Client
  : Pool extends { connect(): Promise<infer Client> }
    ? Client
    : PgClientLike;

export interface PgDedupeStoreOptions {
  /** Table of claimed keys, optionally schema-qualified (`kafka.dedupe_keys`). Default `quickwins_kafka_dedupe`. */
  readonly table?: string;
  /** How long a claim is kept; `prune()` deletes older ones. Must outlast any redelivery. Default 7. */
  readonly retentionDays?: number;
  /** Create the table (if missing) before the first claim. Default true; false when migrations own it. */
  readonly createTable?: boolean;
}

export interface PgDedupeStore<Client extends PgClientLike> extends DedupeStore<Client> {
  readonly table: string;
  /** The DDL `createTable` runs, for a migration of your own. */
  readonly createTableSql: string;
  ensureTable(): Promise<void>;
  /** Deletes claims older than `retentionDays`; returns how many. Run it on a schedule. */
  prune(): Promise<number>;
  /** Claims the distinct `keys` inside the caller's open transaction on `client`; returns the ones claimed. */
  claimKeys(client: PgClientLike, group: string, keys: readonly string[]): Promise<ReadonlySet<string>>;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** `schema.table` → `"schema"."table"`; anything else is refused here rather than spliced into SQL. */
export function quoteTableName(table: string, owner = 'pgDedupeStore'): string {
  const parts = table.split('.');
  if (parts.length > 2 || !parts.every((part) => IDENTIFIER.test(part))) {
    throw new TypeError(
      `${owner}: option table must be an identifier or schema.identifier, got ${JSON.stringify(table)}`,
    );
  }
  return parts.map((part) => `"${part}"`).join('.');
}

export function pgDedupeStore<Pool extends PgPoolLike>(
  pool: Pool,
  options: PgDedupeStoreOptions = {},
): PgDedupeStore<PgClientOf<Pool>> {
  type Client = PgClientOf<Pool>;
  const table = options.table ?? 'quickwins_kafka_dedupe';
  const retentionDays = options.retentionDays ?? 7;
  if (!(Number.isFinite(retentionDays) && retentionDays > 0)) {
    throw new RangeError(`pgDedupeStore: option retentionDays must be a positive number, got ${String(retentionDays)}`);
  }
  const quoted = quoteTableName(table);
  const indexName = `"${table.split('.').at(-1)!.slice(0, 50)}_claimed_at_idx"`;
  const createTableSql =
    `CREATE TABLE IF NOT EXISTS ${quoted} (consumer_group text NOT NULL, dedupe_key text NOT NULL, ` +
    `claimed_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (consumer_group, dedupe_key));\n` +
    `CREATE INDEX IF NOT EXISTS ${indexName} ON ${quoted} (claimed_at);`;
  const claimSql = `INSERT INTO ${quoted} (consumer_group, dedupe_key) VALUES ($1, $2) ON CONFLICT DO NOTHING`;
  // Usually every key is new: then only the count comes back, else the claimed keys as one array (a result row per
  // key costs the client more than the claim).
  const claimBatchSql =
    `WITH claimed AS (INSERT INTO ${quoted} (consumer_group, dedupe_key) SELECT $1, key FROM unnest($2::text[]) AS key ` +
    `ON CONFLICT DO NOTHING RETURNING dedupe_key) ` +
    `SELECT count(*)::int AS count, CASE WHEN count(*) < cardinality($2::text[]) THEN array_agg(dedupe_key) END AS keys FROM claimed`;
  let ready: Promise<void> | undefined = options.createTable === false ? Promise.resolve() : undefined;

  const ensureTable = (): Promise<void> => {
    ready ??= createOnce(pool, createTableSql).catch((error: unknown) => {
      ready = undefined; // let the next record try again
      throw error;
    });
    return ready;
  };

  const claimKeys = async (
    client: PgClientLike,
    group: string,
    keys: readonly string[],
  ): Promise<ReadonlySet<string>> => {
    // Sorted, so two members claiming overlapping batches lock the keys in one order and queue instead of deadlocking.
    const distinct = [...new Set(keys)].sort();
    if (distinct.length === 0) return new Set();
    const claim = await client.query(claimBatchSql, [group, distinct]);
    const { count, keys: some } = claim.rows?.[0] as { count: number; keys: string[] | null };
    return new Set(count === distinct.length ? distinct : (some ?? []));
  };

  return {
    kind: 'pg',
    table,
    createTableSql,
    ensureTable,
    async prune() {
      const result = await pool.query(`DELETE FROM ${quoted} WHERE claimed_at < now() - make_interval(secs => $1)`, [
        retentionDays * 86_400,
      ]);
      return result.rowCount ?? 0;
    },
    async runOnce(group, key, effect): Promise<ClaimOutcome> {
      await ensureTable();
      return inTransaction(pool, async (client) => {
        const claim = await client.query(claimSql, [group, key]);
        if (claim.rowCount === 0) return { commit: false, result: 'duplicate' as const };
        await effect(client as Client);
        return { commit: true, result: 'applied' as const };
      });
    },
    claimKeys,
    async runBatch(group, keys, effect): Promise<ReadonlySet<string>> {
      await ensureTable();
      return inTransaction(pool, async (client) => {
        const claimed = await claimKeys(client, group, keys);
        if (claimed.size === 0) return { commit: false, result: claimed };
        await effect(claimed, client as Client);
        return { commit: true, result: claimed };
      });
    },
  };
}

/**
 * Runs `body` between BEGIN and COMMIT (or ROLLBACK when it asks for none, or throws) on a client of its own.
 * `bodyBegins`: the body's first query starts with BEGIN itself (one round trip fewer).
 * pg listens for errors only on idle clients: a backend that dies mid-claim would otherwise crash the process with an
 * unhandled 'error' event; the failing query rejects as well, and that is what we act on.
 */
export async function inTransaction<Result>(
  pool: PgPoolLike,
  body: (client: PgClientLike) => Promise<{ commit: boolean; result: Result }>,
  { bodyBegins = false }: { readonly bodyBegins?: boolean } = {},
): Promise<Result> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const onError = (error: Error): void => {
    broken = error;
  };
  client.on?.('error', onError);
  try {
    if (!bodyBegins) await client.query('BEGIN');
    const { commit, result } = await body(client);
    await client.query(commit ? 'COMMIT' : 'ROLLBACK');
    return result;
  } catch (error) {
    // A connection that cannot even roll back is destroyed instead of going back to the pool mid-transaction.
    await client.query('ROLLBACK').catch((rollbackError: unknown) => {
      broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
    });
    throw error;
  } finally {
    client.removeListener?.('error', onError);
    client.release(broken);
  }
}

/** Two processes creating the table at once can collide in the catalog (23505 / 42P07): the loser retries once. */
export async function createOnce(pool: PgPoolLike, sql: string): Promise<void> {
  try {
    await pool.query(sql);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code !== '23505' && code !== '42P07') throw error;
    await pool.query(sql);
  }
}
