/**
 * The whole read-only analysis on one held connection: collect → parse → candidates → judge → proposals with their
 * deterministic names and definitions.
 */
import pg from 'pg';
import { collectCandidates, pruneCandidates } from './candidates.js';
import { collectCatalog, collectWorkload } from './collect.js';
import { AdvisorError } from './errors.js';
import { createIndexStatement, indexName } from './index-sql.js';
import { judgeCandidates, type PlanNode } from './judge.js';
import { loadParser, parseStatement, TableResolver } from './parse.js';
import type { Advice, Catalog, JudgeMethod, ParsedStatement, Proposal } from './types.js';

export interface AdviseOptions {
  /** 'auto': HypoPG when the extension is created in the database, else the estimate. */
  readonly judge: 'auto' | JudgeMethod;
  readonly minSaving: number;
  readonly minCalls: number;
  readonly maxStatements: number;
}

export const DEFAULT_ADVISE_OPTIONS: AdviseOptions = { judge: 'auto', minSaving: 0.5, minCalls: 1, maxStatements: 5000 };

export type ParsedQuery = Extract<ParsedStatement, { kind: 'parsed' }>;

export interface AdviceRun {
  readonly advice: Advice;
  readonly catalog: Catalog;
  readonly statements: ReadonlyMap<string, ParsedQuery>;
  readonly plansBefore: ReadonlyMap<string, PlanNode>;
}

/** Opens the one connection the analysis and --apply share; the analysis part runs read-only. */
export async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000, application_name: 'quickwins index-advisor' });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

export async function adviseIndexes(client: pg.ClientBase, options: AdviseOptions = DEFAULT_ADVISE_OPTIONS): Promise<AdviceRun> {
  // First, so not even the next SET joins the workload the advisor reads (allowed for superusers only; others' own
  // statements then show up in the next run as skipped utility statements).
  await client.query(`SET pg_stat_statements.track = 'none'`).catch(() => undefined);
  await client.query('SET default_transaction_read_only = on');
  try {
    return await analyse(client, options);
  } finally {
    await client.query('SET default_transaction_read_only = off').catch(() => undefined);
  }
}

async function analyse(client: pg.ClientBase, options: AdviseOptions): Promise<AdviceRun> {
  await loadParser();
  const workload = await collectWorkload(client, { minCalls: options.minCalls, limit: options.maxStatements });
  const catalog = await collectCatalog(client);
  const { method, methodNote } = chooseMethod(options.judge, catalog);

  const resolver = new TableResolver(catalog.tables, catalog.searchPath);
  const parsed = workload.map((statement) => parseStatement(statement, resolver));
  const statements = new Map<string, ParsedQuery>();
  const skipped: { queryId: string; query: string; reason: string }[] = [];
  for (const item of parsed) {
    if (item.kind === 'parsed') statements.set(item.statement.queryId, item);
    else skipped.push({ queryId: item.statement.queryId, query: item.statement.query, reason: item.reason });
  }

  const { kept, rejected } = pruneCandidates(collectCandidates(parsed), catalog.indexes);
  const judgement = await judgeCandidates(client, catalog, statements, kept, { method, minSaving: options.minSaving });
  for (const [queryId, reason] of judgement.unplannable) {
    skipped.push({ queryId, query: statements.get(queryId)?.statement.query ?? '', reason });
  }

  const taken = new Set(catalog.indexes.map((index) => index.name));
  const proposals: Proposal[] = judgement.accepted.map(({ candidate, served }) => {
    const name = indexName(candidate, taken);
    taken.add(name);
    const calls = served.reduce((sum, cost) => sum + (statements.get(cost.queryId)?.statement.calls ?? 0), 0);
    const info = catalog.tables.find((item) => item.table.schema === candidate.table.schema && item.table.name === candidate.table.name);
    const tableScans = { seqScan: info?.seqScan ?? 0, idxScan: info?.idxScan ?? null };
    return { candidate, name, definition: createIndexStatement(name, candidate), served, calls, tableScans };
  });
  return {
    advice: {
      method,
      methodNote,
      statementsRead: workload.length,
      skipped,
      proposals,
      rejections: [...rejected, ...judgement.rejected],
    },
    catalog,
    statements,
    plansBefore: judgement.plansBefore,
  };
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
  return { method: 'estimate', methodNote: `ESTIMATE, not planner-judged (${why}): real plan with the sequential scan costed as an index scan from pg_stats` };
}
