/**
 * The whole read-only analysis on one held connection: collect → parse → candidates → judge → proposals with their
 * deterministic names and definitions.
 */
import pg from 'pg';
import { collectCandidates, invalidLeftover, pruneCandidates, trigramNote, withoutFlagColumns } from './candidates.js';
import { collectCatalog, collectWorkload } from './collect.js';
import { AdvisorError, redactUrl } from './errors.js';
import { createIndexStatement, indexName, qualifiedName, quoteIdent } from './index-sql.js';
import { judgeCandidates, type PlanNode } from './judge.js';
import { loadParser, parseStatement, TableResolver } from './parse.js';
import type { Advice, Catalog, JudgeMethod, ParsedStatement, Proposal, TableInfo, TableName } from './types.js';

export interface AdviseOptions {
  /** 'auto': HypoPG when the extension is created in the database, else the estimate. */
  readonly judge: 'auto' | JudgeMethod;
  readonly minSaving: number;
  /** A statement counts as served only when each call saves at least this many milliseconds. */
  readonly minSavedMs: number;
  readonly minCalls: number;
  readonly maxStatements: number;
}

export const DEFAULT_ADVISE_OPTIONS: AdviseOptions = {
  judge: 'auto',
  minSaving: 0.5,
  minSavedMs: 0.5,
  minCalls: 1,
  maxStatements: 5000,
};

export type ParsedQuery = Extract<ParsedStatement, { kind: 'parsed' }>;

export interface AdviceRun {
  readonly advice: Advice;
  readonly catalog: Catalog;
  readonly statements: ReadonlyMap<string, ParsedQuery>;
  readonly plansBefore: ReadonlyMap<string, PlanNode>;
  /** EXPLAINs the judge ran. */
  readonly plansMade: number;
}

/** Client-side limits, so a server that stops answering ends the run with an error instead of hanging it. */
export interface ClientTimeouts {
  readonly connectMs: number;
  /** Each query of the analysis; a build gets its own limit (see apply.ts). */
  readonly queryMs: number;
}

export const DEFAULT_CLIENT_TIMEOUTS: ClientTimeouts = { connectMs: 10_000, queryMs: 60_000 };

/** Opens the one connection the analysis and --apply share; the analysis part runs read-only. */
export async function connect(url: string, timeouts: ClientTimeouts = DEFAULT_CLIENT_TIMEOUTS): Promise<pg.Client> {
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: timeouts.connectMs,
    query_timeout: timeouts.queryMs,
    application_name: 'quickwins index-advisor',
  });
  client.on('error', () => undefined);
  const started = performance.now();
  try {
    await client.connect();
  } catch (error) {
    if (performance.now() - started >= timeouts.connectMs) {
      throw new AdvisorError(
        `${redactUrl(url)} did not complete the connection within ${timeouts.connectMs} ms (--connect-timeout): ${(error as Error).message}`,
      );
    }
    throw error;
  }
  return client;
}

/**
 * Ends the connection; a frozen server never answers the goodbye, so after a short wait the socket is closed.
 */
export async function disconnect(client: pg.Client): Promise<void> {
  const ended = client.end().then(
    () => true,
    () => true,
  );
  const timer = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 2_000).unref());
  if (!(await Promise.race([ended, timer])))
    (client as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
}

export async function adviseIndexes(
  client: pg.ClientBase,
  options: AdviseOptions = DEFAULT_ADVISE_OPTIONS,
): Promise<AdviceRun> {
  // First, so not even the next SET joins the workload the advisor reads (allowed for superusers only; others' own
  // statements then show up in the next run as skipped utility statements).
  await client.query(`SET pg_stat_statements.track = 'none'`).catch(() => undefined);
  const saved = await sessionSettings(client);
  await client.query('SET default_transaction_read_only = on');
  try {
    return await analyse(client, options);
  } finally {
    await restoreSessionSettings(client, saved);
  }
}

/**
 * Session settings the advisor changes on the caller's connection, which it hands back as it found them. The plan
 * cache mode is only ever set LOCAL to a batch (explain.ts), so it needs no restoring.
 */
const CHANGED_SETTINGS = ['default_transaction_read_only'] as const;

async function sessionSettings(client: pg.ClientBase): Promise<readonly { name: string; value: string | null }[]> {
  const result = await client.query<{ name: string; value: string | null }>(
    'SELECT name, current_setting(name, true) AS value FROM unnest($1::text[]) AS name',
    [CHANGED_SETTINGS],
  );
  return result.rows;
}

// Tracking is switched off before anything is read (the read would join the workload), so it goes back to the
// session's default (RESET); the others to the values read.
async function restoreSessionSettings(
  client: pg.ClientBase,
  saved: readonly { name: string; value: string | null }[],
): Promise<void> {
  const known = saved.filter((setting) => setting.value !== null);
  await client
    .query('SELECT set_config(name, value, false) FROM unnest($1::text[], $2::text[]) AS s(name, value)', [
      known.map((setting) => setting.name),
      known.map((setting) => setting.value),
    ])
    .catch(() => undefined);
  await client.query('RESET pg_stat_statements.track').catch(() => undefined);
}

async function analyse(client: pg.ClientBase, options: AdviseOptions): Promise<AdviceRun> {
  await loadParser();
  const workload = await collectWorkload(client, { minCalls: options.minCalls, limit: options.maxStatements });
  const catalog = await collectCatalog(client);
  const { method, methodNote } = chooseMethod(options.judge, catalog);

  const resolver = new TableResolver(catalog.tables, catalog.searchPath);
  const unreadable = unreadableTables(catalog);
  const parsed = workload.map((statement) =>
    withoutUnreadable(parseStatement(statement, resolver), unreadable, catalog.role),
  );
  const statements = new Map<string, ParsedQuery>();
  const skipped: { queryId: string; query: string; reason: string }[] = [];
  for (const item of parsed) {
    if (item.kind === 'parsed') statements.set(item.statement.queryId, item);
    else skipped.push({ queryId: item.statement.queryId, query: item.statement.query, reason: item.reason });
  }

  const derived = collectCandidates(parsed, { trigramSchema: catalog.trigram.schema });
  const narrowed = withoutFlagColumns(derived, (candidate, column) =>
    catalog.columnStats.get(`${candidate.table.schema}.${candidate.table.name}.${column}`),
  );
  const { kept, rejected } = pruneCandidates(narrowed.kept, catalog.indexes);
  rejected.unshift(...narrowed.rejected);
  const judgement = await judgeCandidates(client, catalog, statements, kept, {
    method,
    minSaving: options.minSaving,
    minSavedMs: options.minSavedMs,
  });
  for (const [queryId, reason] of judgement.unplannable) {
    skipped.push({ queryId, query: statements.get(queryId)?.statement.query ?? '', reason });
  }

  const taken = new Set(catalog.indexes.map((index) => index.name));
  const proposals: Proposal[] = judgement.accepted.map(({ candidate, served, upkeep, estimated }) => {
    // A same-definition INVALID leftover keeps its name: the build drops and replaces it instead of adding a twin.
    const leftover = invalidLeftover(candidate, catalog.indexes);
    const name = leftover?.name ?? indexName(candidate, taken);
    taken.add(name);
    const calls = served.reduce((sum, cost) => sum + (statements.get(cost.queryId)?.statement.calls ?? 0), 0);
    const info = catalog.tables.find((item) => sameTable(item.table, candidate.table));
    const tableScans = { seqScan: info?.seqScan ?? 0, idxScan: info?.idxScan ?? null };
    return {
      candidate,
      name,
      definition: createIndexStatement(name, candidate),
      served,
      calls,
      tableScans,
      replacesInvalid: leftover !== undefined,
      ...(upkeep ? { upkeep } : {}),
      ...(estimated ? { estimated } : {}),
    };
  });
  const unanalysedTables = [...unreadable.values()]
    .filter((info) => skipped.some((item) => item.reason === noSelectReason(info.table, catalog.role)))
    .map((info) => ({ table: info.table, reason: noSelectReason(info.table, catalog.role) }));
  const invalidIndexes = catalog.indexes
    .filter((index) => !index.valid)
    .map((index) => {
      const replacing = proposals.some(
        (proposal) =>
          proposal.replacesInvalid && proposal.name === index.name && sameTable(proposal.candidate.table, index.table),
      );
      return {
        name: index.name,
        table: index.table,
        action: replacing
          ? 'dropped and built again by the proposal of the same name'
          : 'not proposed again: check it and drop it (DROP INDEX CONCURRENTLY)',
      };
    });
  return {
    advice: {
      method,
      methodNote,
      statementsRead: workload.length,
      statementsAnalysed: [...statements.keys()].filter((queryId) => !judgement.unplannable.has(queryId)).length,
      skipped,
      proposals,
      rejections: [...rejected, ...judgement.rejected],
      unanalysedTables,
      invalidIndexes,
      redundantIndexes: redundantIndexes(proposals, catalog),
      unusedIndexes: catalog.indexes
        .filter((index) => index.valid && !index.constraint && index.scans === 0)
        .map((index) => ({ name: index.name, table: index.table, bytes: index.bytes ?? 0 })),
      notes: [trigramNote(parsed, catalog.trigram.state)].filter((note): note is string => note !== undefined),
    },
    catalog,
    statements,
    plansBefore: judgement.plansBefore,
    plansMade: judgement.plansMade,
  };
}

/**
 * Existing plain btrees whose key columns lead a proposal's (same table, same or no condition): the proposal
 * answers every lookup they answer, so after it is built they only cost writes and storage.
 */
function redundantIndexes(proposals: readonly Proposal[], catalog: Catalog): NonNullable<Advice['redundantIndexes']> {
  const out: NonNullable<Advice['redundantIndexes']>[number][] = [];
  for (const index of catalog.indexes) {
    if (!index.valid || index.unique || index.constraint || index.method !== 'btree' || index.predicate !== null)
      continue;
    const host = proposals.find(
      (proposal) =>
        proposal.candidate.method === undefined &&
        sameTable(proposal.candidate.table, index.table) &&
        proposal.candidate.conditions.length === 0 &&
        index.columns.length < proposal.candidate.columns.length &&
        index.columns.every((column, position) => {
          const proposed = proposal.candidate.columns[position];
          return proposed !== undefined && proposed.opclass === undefined && unquoteIdent(column) === proposed.name;
        }),
    );
    if (host)
      out.push({
        name: index.name,
        table: index.table,
        bytes: index.bytes ?? 0,
        reason: `its columns lead the proposed ${host.name}`,
      });
  }
  return out;
}

function unquoteIdent(name: string): string {
  return name.startsWith('"') && name.endsWith('"') ? name.slice(1, -1).replaceAll('""', '"') : name;
}

function sameTable(a: TableName, b: TableName): boolean {
  return a.schema === b.schema && a.name === b.name;
}

/** Schema and name kept apart in the key: either may hold a dot. */
function tableKey(table: TableName): string {
  return JSON.stringify([table.schema, table.name]);
}

function unreadableTables(catalog: Catalog): Map<string, TableInfo> {
  return new Map(catalog.tables.filter((info) => !info.readable).map((info) => [tableKey(info.table), info]));
}

function noSelectReason(table: TableName, role: string): string {
  return `role ${role} may not SELECT from it, so the planner cannot plan statements that read it: GRANT SELECT ON ${qualifiedName(table)} TO ${quoteIdent(role)}`;
}

/** A statement reading a table the role may not SELECT from cannot be planned: skipped, with the grant it needs. */
function withoutUnreadable(
  item: ParsedStatement,
  unreadable: ReadonlyMap<string, TableInfo>,
  role: string,
): ParsedStatement {
  if (item.kind !== 'parsed') return item;
  const blocked = item.accesses.find((access) => unreadable.has(tableKey(access.table)));
  return blocked ? { kind: 'skipped', statement: item.statement, reason: noSelectReason(blocked.table, role) } : item;
}

function chooseMethod(wanted: AdviseOptions['judge'], catalog: Catalog): { method: JudgeMethod; methodNote: string } {
  if (wanted === 'hypopg' && catalog.hypopg !== 'created') {
    throw new AdvisorError(
      catalog.hypopg === 'available'
        ? 'HypoPG is installed on the server but not created in this database: run CREATE EXTENSION hypopg;'
        : 'HypoPG is not installed on the server (Debian: apt-get install postgresql-<major>-hypopg; then CREATE EXTENSION hypopg;)',
    );
  }
  if (wanted !== 'estimate' && catalog.hypopg === 'created') {
    return { method: 'hypopg', methodNote: 'judged by the planner with hypothetical indexes (HypoPG)' };
  }
  const why =
    wanted === 'estimate'
      ? '--judge estimate'
      : catalog.hypopg === 'available'
        ? 'HypoPG is installed but not created here: CREATE EXTENSION hypopg; for planner-judged costs'
        : 'HypoPG is not installed: apt-get install postgresql-<major>-hypopg, then CREATE EXTENSION hypopg;';
  return {
    method: 'estimate',
    methodNote: `ESTIMATE, not planner-judged (${why}): real plan with the sequential scan costed as an index scan from pg_stats`,
  };
}
