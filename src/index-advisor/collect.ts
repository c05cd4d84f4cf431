/**
 * Collect: the workload (pg_stat_statements), table statistics (pg_stat_user_tables), existing indexes and column
 * statistics, read on the advisor's one connection. Reads only.
 */
import type pg from 'pg';
import { AdvisorError } from './errors.js';
import type { Catalog, ColumnStats, ExistingIndex, HypopgState, TableInfo, WorkloadStatement } from './types.js';

export const ENABLE_PG_STAT_STATEMENTS =
  "pg_stat_statements is not enabled: add shared_preload_libraries = 'pg_stat_statements' to postgresql.conf, " +
  'restart PostgreSQL, then run CREATE EXTENSION pg_stat_statements; in this database';

export async function collectWorkload(
  client: pg.ClientBase,
  options: { minCalls: number; limit: number },
): Promise<WorkloadStatement[]> {
  const installed = await client.query(`select 1 from pg_extension where extname = 'pg_stat_statements'`);
  if (installed.rowCount === 0) throw new AdvisorError(ENABLE_PG_STAT_STATEMENTS);
  let rows: { queryid: string; query: string; calls: string; total: number; mean: number }[];
  try {
    // total_exec_time is PostgreSQL 13+; the advisor targets supported versions only.
    const result = await client.query(
      `select queryid::text as queryid, query, calls::text as calls, total_exec_time as total, mean_exec_time as mean
         from pg_stat_statements
        where dbid = (select oid from pg_database where datname = current_database())
          and calls >= $1
        order by total_exec_time desc
        limit $2`,
      [options.minCalls, options.limit],
    );
    rows = result.rows;
  } catch (error) {
    // 55000: the extension exists but the library is not preloaded.
    if ((error as { code?: string }).code === '55000') throw new AdvisorError(ENABLE_PG_STAT_STATEMENTS);
    throw error;
  }
  // Without pg_read_all_stats, other roles' statements come back with no text and no queryid: the workload seen would
  // be partial and the advice wrong, so say so instead of advising on a part.
  const hidden = rows.filter((row) => row.query === '<insufficient privilege>').length;
  if (hidden > 0) {
    throw new AdvisorError(
      `permission denied: pg_stat_statements hides ${hidden} statement(s) of other roles from this role; GRANT pg_read_all_stats TO <role>`,
    );
  }
  const visible = rows;
  // Other users' statements have no queryid and no text for a role without pg_read_all_stats.
  return visible
    .filter((row) => row.queryid !== null)
    .map((row) => ({
      queryId: row.queryid,
      query: row.query,
      calls: Number(row.calls),
      totalMs: row.total,
      meanMs: row.mean,
    }));
}

export async function collectCatalog(client: pg.ClientBase): Promise<Catalog> {
  // One after the other: a pg client runs one query at a time anyway.
  const server = await client.query<{ version: string; database: string; role: string; search_path: string[] }>(
    `select current_setting('server_version_num') as version, current_database() as database, current_user as role,
            current_schemas(false)::text[] as search_path`,
  );
  const tables = await client.query(
    `select t.relid, t.schemaname, t.relname, t.seq_scan::float8 as seq_scan, t.idx_scan::float8 as idx_scan,
            t.n_live_tup::float8 as live, c.relpages::float8 as pages, c.reltuples::float8 as reltuples,
            (t.n_tup_ins + t.n_tup_upd - t.n_tup_hot_upd)::float8 as written,
            has_table_privilege(t.relid, 'SELECT') or has_any_column_privilege(t.relid, 'SELECT') as readable
       from pg_stat_user_tables t join pg_class c on c.oid = t.relid`,
  );
  const columns = await client.query<{ relid: number; attname: string }>(
    `select a.attrelid as relid, a.attname from pg_attribute a
      where a.attrelid in (select relid from pg_stat_user_tables) and a.attnum > 0 and not a.attisdropped
      order by a.attrelid, a.attnum`,
  );
  const indexes = await client.query(
    `select ic.relname as name, n.nspname as schema, t.relname as table, i.indisvalid as valid, i.indisunique as unique, am.amname as method,
            array(select pg_get_indexdef(i.indexrelid, k + 1, true) from generate_subscripts(i.indkey, 1) k
                   where k < i.indnkeyatts order by k) as columns,
            array(select (i.indoption[k] & 1) = 1 from generate_subscripts(i.indkey, 1) k
                   where k < i.indnkeyatts order by k) as descending,
            array(select o.opcname::text from generate_subscripts(i.indkey, 1) k join pg_opclass o on o.oid = i.indclass[k]
                   where k < i.indnkeyatts order by k) as opclasses,
            pg_get_expr(i.indpred, i.indrelid, true) as predicate,
            coalesce(s.idx_scan, 0)::float8 as scans, pg_relation_size(i.indexrelid)::float8 as bytes,
            exists (select 1 from pg_constraint k where k.conindid = i.indexrelid) as constraint
       from pg_index i
       left join pg_stat_user_indexes s on s.indexrelid = i.indexrelid
       join pg_class t on t.oid = i.indrelid
       join pg_namespace n on n.oid = t.relnamespace
       join pg_class ic on ic.oid = i.indexrelid
       join pg_am am on am.oid = ic.relam
      where i.indrelid in (select relid from pg_stat_user_tables)`,
  );
  const stats = await client.query(
    `select s.schemaname, s.tablename, s.attname, s.n_distinct::float8 as n_distinct, s.null_frac::float8 as null_frac,
            c.reltuples::float8 as reltuples, s.avg_width::float8 as width, s.correlation::float8 as correlation,
            case when ty.typcategory = 'A' then null else s.most_common_vals::text::text[] end as common,
            s.most_common_freqs::float8[] as frequencies,
            case when ty.typcategory = 'A' then null else s.histogram_bounds::text::text[] end as histogram
       from pg_stats s
       join pg_namespace n on n.nspname = s.schemaname
       join pg_class c on c.relnamespace = n.oid and c.relname = s.tablename
       -- Array columns' statistics are arrays of arrays: not sampled (their text form is no one-dimensional text[]).
       join pg_attribute a on a.attrelid = c.oid and a.attname = s.attname
       join pg_type ty on ty.oid = a.atttypid
      where s.schemaname not in ('pg_catalog', 'information_schema') and not s.inherited`,
  );
  const hypopg = await client.query<{ created: boolean; available: boolean }>(
    `select exists (select 1 from pg_extension where extname = 'hypopg') as created,
            exists (select 1 from pg_available_extensions where name = 'hypopg') as available`,
  );
  const trigram = await client.query<{ schema: string | null; available: boolean }>(
    `select (select n.nspname from pg_extension e join pg_namespace n on n.oid = e.extnamespace where e.extname = 'pg_trgm') as schema,
            exists (select 1 from pg_available_extensions where name = 'pg_trgm') as available`,
  );
  const writeSeconds = await client.query<{ seconds: number }>(
    `select extract(epoch from now() - coalesce((select stats_reset from pg_stat_database where datname = current_database()),
                                                 pg_postmaster_start_time()))::float8 as seconds`,
  );
  // pg_stat_statements_info is PostgreSQL 14+; before, the workload is taken to cover the same period as the writes.
  const readSeconds = await client
    .query<{ seconds: number }>(
      `select extract(epoch from now() - stats_reset)::float8 as seconds from pg_stat_statements_info`,
    )
    .catch(() => undefined);
  const columnsByRelid = new Map<number, string[]>();
  for (const row of columns.rows) {
    const list = columnsByRelid.get(row.relid) ?? [];
    list.push(row.attname);
    columnsByRelid.set(row.relid, list);
  }
  const tableInfos: TableInfo[] = tables.rows.map((row) => ({
    table: { schema: row.schemaname, name: row.relname },
    columns: columnsByRelid.get(row.relid) ?? [],
    seqScan: row.seq_scan ?? 0,
    idxScan: row.idx_scan,
    liveRows: row.live ?? 0,
    pages: row.pages ?? 0,
    estimatedRows: Math.max(row.reltuples ?? 0, row.live ?? 0),
    readable: row.readable,
    rowsWritten: row.written ?? 0,
  }));
  const existing: ExistingIndex[] = indexes.rows.map((row) => ({
    name: row.name,
    table: { schema: row.schema, name: row.table },
    method: row.method,
    valid: row.valid,
    unique: row.unique,
    columns: row.columns,
    descending: row.descending,
    predicate: row.predicate,
    opclasses: row.opclasses,
    scans: row.scans,
    bytes: row.bytes,
    constraint: row.constraint,
  }));
  const columnStats = new Map<string, ColumnStats>();
  for (const row of stats.rows) {
    // n_distinct < 0 is a fraction of the row count (it grows with the table).
    const distinct = row.n_distinct >= 0 ? row.n_distinct : -row.n_distinct * Math.max(row.reltuples, 1);
    columnStats.set(`${row.schemaname}.${row.tablename}.${row.attname}`, {
      distinct: Math.max(distinct, 1),
      nullFraction: row.null_frac,
      commonValues: row.common ?? [],
      commonFrequencies: row.frequencies ?? [],
      histogram: row.histogram ?? [],
      width: row.width ?? 8,
      correlation: row.correlation ?? 0,
    });
  }
  const info = server.rows[0];
  const hypopgRow = hypopg.rows[0];
  const trigramRow = trigram.rows[0];
  const hypopgState: HypopgState = hypopgRow?.created ? 'created' : hypopgRow?.available ? 'available' : 'absent';
  return {
    serverVersion: Number(info?.version ?? 0),
    database: info?.database ?? '',
    role: info?.role ?? '',
    searchPath: info?.search_path ?? ['public'],
    tables: tableInfos,
    indexes: existing,
    columnStats,
    hypopg: hypopgState,
    periods: {
      writeSeconds: Math.max(writeSeconds.rows[0]?.seconds ?? 1, 1),
      readSeconds: Math.max(readSeconds?.rows[0]?.seconds ?? writeSeconds.rows[0]?.seconds ?? 1, 1),
    },
    trigram: trigramRow?.schema
      ? { state: 'created', schema: trigramRow.schema }
      : { state: trigramRow?.available ? 'available' : 'absent' },
  };
}
