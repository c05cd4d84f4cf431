/**
 * Judge: what the planner says each candidate is worth. With HypoPG, the planner plans each statement again with
 * the candidate as a hypothetical index; hypothetical indexes live in one backend only, so all of it runs on the
 * one connection the caller holds. Without HypoPG, a labelled estimate: the statement's real plan with its
 * sequential scan of the table replaced by an index scan costed from pg_stats.
 */
import type pg from 'pg';
import { candidateKey } from './candidates.js';
import { hypotheticalStatement } from './index-sql.js';
import type { Candidate, Catalog, JudgeMethod, ParsedStatement, Rejection, StatementCost, TableInfo } from './types.js';

type Parsed = Extract<ParsedStatement, { kind: 'parsed' }>;

export interface PlanNode {
  readonly 'Node Type': string;
  readonly 'Total Cost': number;
  readonly 'Plan Rows': number;
  readonly 'Relation Name'?: string;
  readonly 'Index Name'?: string;
  readonly Plans?: readonly PlanNode[];
}

export interface Judged {
  readonly candidate: Candidate;
  readonly served: readonly StatementCost[];
}

export interface Judgement {
  readonly method: JudgeMethod;
  readonly accepted: readonly Judged[];
  readonly rejected: readonly Rejection[];
  /** Statements the planner could not plan (e.g. a parameter whose type it cannot infer), with the reason. */
  readonly unplannable: ReadonlyMap<string, string>;
  /** Plans before any new index, by queryId. */
  readonly plansBefore: ReadonlyMap<string, PlanNode>;
}

export interface JudgeOptions {
  readonly method: JudgeMethod;
  /** A statement counts as served when its cost falls by at least this fraction (0.5: to half or less). */
  readonly minSaving: number;
}

/** EXPLAIN of a normalized statement as a generic plan ($1, $2 … unknown), without running it. */
export async function explainGeneric(client: pg.ClientBase, statement: Parsed, serverVersion: number): Promise<PlanNode> {
  const query = statement.statement.query.trim().replace(/;+\s*$/, '');
  if (serverVersion >= 160000) {
    const result = await client.query(`EXPLAIN (GENERIC_PLAN, FORMAT JSON) ${query}`);
    return planOf(result.rows[0]);
  }
  // Before PostgreSQL 16: a prepared statement forced to its generic plan, executed with NULLs by EXPLAIN only.
  const parameters = statement.parameters > 0 ? `(${Array.from({ length: statement.parameters }, () => 'NULL').join(', ')})` : '';
  try {
    const results = (await client.query(
      `SET plan_cache_mode = force_generic_plan; PREPARE quickwins_advisor AS ${query}; ` +
        `EXPLAIN (FORMAT JSON) EXECUTE quickwins_advisor${parameters}; DEALLOCATE quickwins_advisor`,
    )) as unknown as pg.QueryResult[];
    return planOf(results[2]?.rows[0]);
  } catch (error) {
    await client.query('DEALLOCATE ALL').catch(() => undefined);
    throw error;
  }
}

function planOf(row: Record<string, unknown> | undefined): PlanNode {
  const plan = (row?.['QUERY PLAN'] as { Plan: PlanNode }[] | undefined)?.[0]?.Plan;
  if (!plan) throw new Error('EXPLAIN returned no plan');
  return plan;
}

export function planNodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap((child) => planNodes(child))];
}

export function indexesUsed(plan: PlanNode): string[] {
  return [...new Set(planNodes(plan).flatMap((node) => (node['Index Name'] ? [node['Index Name']] : [])))];
}

export async function judgeCandidates(
  client: pg.ClientBase,
  catalog: Catalog,
  statements: ReadonlyMap<string, Parsed>,
  candidates: readonly Candidate[],
  options: JudgeOptions,
): Promise<Judgement> {
  const plansBefore = new Map<string, PlanNode>();
  const unplannable = new Map<string, string>();
  const wanted = new Set(candidates.flatMap((candidate) => candidate.statementIds));
  for (const queryId of wanted) {
    const statement = statements.get(queryId);
    if (!statement) continue;
    try {
      plansBefore.set(queryId, await explainGeneric(client, statement, catalog.serverVersion));
    } catch (error) {
      unplannable.set(queryId, `the planner cannot plan it: ${(error as Error).message.split('\n')[0]}`);
    }
  }

  const judged: Judged[] = [];
  const rejected: Rejection[] = [];
  const costAfter = options.method === 'hypopg' ? hypopgCostAfter(client, catalog, statements) : estimateCostAfter(catalog, statements, plansBefore);
  try {
    for (const candidate of candidates) {
      const plannable = candidate.statementIds.filter((id) => plansBefore.has(id));
      if (plannable.length === 0) {
        rejected.push({ candidate, reason: 'the planner could plan none of its statements' });
        continue;
      }
      const afterCosts = await costAfter([candidate], plannable);
      const costs = plannable.map((queryId) => ({
        queryId,
        before: plansBefore.get(queryId)?.['Total Cost'] ?? 0,
        after: afterCosts.get(queryId) ?? Number.POSITIVE_INFINITY,
      }));
      const served = costs.filter((cost) => cost.after <= cost.before * (1 - options.minSaving));
      if (served.length === 0) {
        const best = costs.reduce((a, b) => (b.after / b.before < a.after / a.before ? b : a));
        rejected.push({ candidate, reason: `no large saving: best statement cost ${formatCost(best.before)} → ${formatCost(best.after)}` });
        continue;
      }
      judged.push({ candidate: { ...candidate, statementIds: served.map((cost) => cost.queryId) }, served });
    }

    const { accepted, redundant } = selectGreedily(judged, statements);
    rejected.push(...redundant);
    // The figures shown are with all proposed indexes in place together, as after the migration.
    const together = await costAfter(
      accepted.map((item) => item.candidate),
      [...new Set(accepted.flatMap((item) => item.served.map((cost) => cost.queryId)))],
    );
    const final = accepted.map((item) => ({
      candidate: item.candidate,
      served: item.served.map((cost) => ({ ...cost, after: Math.min(cost.after, together.get(cost.queryId) ?? cost.after) })),
    }));
    return { method: options.method, accepted: final, rejected, unplannable, plansBefore };
  } finally {
    if (options.method === 'hypopg') await client.query('SELECT hypopg_reset()').catch(() => undefined);
  }
}

/**
 * Largest weighted saving first (calls × cost saved); a candidate is kept only for statements no kept candidate
 * serves yet, and dropped with the reason when none are left.
 */
function selectGreedily(judged: readonly Judged[], statements: ReadonlyMap<string, Parsed>): { accepted: Judged[]; redundant: Rejection[] } {
  const weight = (item: Judged): number =>
    item.served.reduce((sum, cost) => sum + (statements.get(cost.queryId)?.statement.calls ?? 1) * (cost.before - cost.after), 0);
  const ordered = [...judged].sort((a, b) => weight(b) - weight(a) || candidateKey(a.candidate).localeCompare(candidateKey(b.candidate)));
  const servedBy = new Map<string, string>();
  const accepted: Judged[] = [];
  const redundant: Rejection[] = [];
  for (const item of ordered) {
    const fresh = item.served.filter((cost) => !servedBy.has(cost.queryId));
    if (fresh.length === 0) {
      const other = servedBy.get(item.served[0]?.queryId ?? '') ?? '';
      redundant.push({ candidate: item.candidate, reason: `its statements are already served by ${other}` });
      continue;
    }
    for (const cost of fresh) servedBy.set(cost.queryId, candidateKey(item.candidate));
    accepted.push({ candidate: { ...item.candidate, statementIds: fresh.map((cost) => cost.queryId) }, served: fresh });
  }
  return { accepted, redundant };
}

type CostAfter = (candidates: readonly Candidate[], queryIds: readonly string[]) => Promise<Map<string, number>>;

function hypopgCostAfter(client: pg.ClientBase, catalog: Catalog, statements: ReadonlyMap<string, Parsed>): CostAfter {
  return async (candidates, queryIds) => {
    await client.query('SELECT hypopg_reset()');
    for (const candidate of candidates) await client.query('SELECT indexrelid FROM hypopg_create_index($1)', [hypotheticalStatement(candidate)]);
    const costs = new Map<string, number>();
    for (const queryId of queryIds) {
      const statement = statements.get(queryId);
      if (!statement) continue;
      const plan = await explainGeneric(client, statement, catalog.serverVersion);
      costs.set(queryId, plan['Total Cost']);
    }
    await client.query('SELECT hypopg_reset()');
    return costs;
  };
}

// PostgreSQL's default planner cost constants (postgresql.conf); the estimate is only a ranking aid.
const RANDOM_PAGE_COST = 4;
const CPU_TUPLE_COST = 0.01;
const CPU_INDEX_TUPLE_COST = 0.005;
const CPU_OPERATOR_COST = 0.0025;

function estimateCostAfter(catalog: Catalog, statements: ReadonlyMap<string, Parsed>, plansBefore: ReadonlyMap<string, PlanNode>): CostAfter {
  const tables = new Map(catalog.tables.map((info) => [`${info.table.schema}.${info.table.name}`, info]));
  return (candidates, queryIds) => {
    const costs = new Map<string, number>();
    for (const queryId of queryIds) {
      const statement = statements.get(queryId);
      if (!statement) continue;
      let best = Number.POSITIVE_INFINITY;
      for (const candidate of candidates) {
        if (!candidate.statementIds.includes(queryId)) continue;
        const info = tables.get(`${candidate.table.schema}.${candidate.table.name}`);
        if (!info) continue;
        best = Math.min(best, estimateStatementCost(catalog, info, candidate, statement, plansBefore.get(queryId)));
      }
      costs.set(queryId, best);
    }
    return Promise.resolve(costs);
  };
}

/**
 * The statement's plan cost with its sequential scans of the table replaced by an index scan: rows found =
 * table rows × 1/distinct per equality column × 1/3 for a range (the planner's default for an open range) × the
 * share of rows the condition keeps; a LIMIT with the order served by the index stops early.
 */
export function estimateStatementCost(catalog: Catalog, info: TableInfo, candidate: Candidate, statement: Parsed, plan: PlanNode | undefined): number {
  if (!plan) return Number.POSITIVE_INFINITY;
  const scans = planNodes(plan).filter((node) => node['Node Type'] === 'Seq Scan' && node['Relation Name'] === info.table.name);
  if (scans.length === 0) return plan['Total Cost'];
  const access = statement.accesses.find((item) => item.table.schema === info.table.schema && item.table.name === info.table.name);
  const stats = (column: string) => catalog.columnStats.get(`${info.table.schema}.${info.table.name}.${column}`);
  let selectivity = 1;
  for (const column of candidate.columns) {
    if (access?.equality.includes(column.name)) selectivity /= stats(column.name)?.distinct ?? 200;
    else if (access?.range.includes(column.name)) selectivity /= 3;
  }
  for (const condition of candidate.conditions) {
    const nullFraction = stats(condition.column)?.nullFraction ?? 0.5;
    selectivity *= condition.isNull ? nullFraction : 1 - nullFraction;
  }
  let rows = Math.max(1, info.estimatedRows * selectivity);
  const ordered = (access?.orderBy.length ?? 0) > 0 && candidate.columns.some((column) => column.name === access?.orderBy[0]?.name);
  if (plan['Node Type'] === 'Limit' && ordered) rows = Math.min(rows, Math.max(1, plan['Plan Rows']));
  const descent = RANDOM_PAGE_COST * Math.ceil(Math.log(Math.max(info.estimatedRows, 2)) / Math.log(256) + 1);
  const heapPages = Math.min(rows, Math.max(info.pages, 1)) * RANDOM_PAGE_COST;
  const indexScan = descent + heapPages + rows * (CPU_INDEX_TUPLE_COST + CPU_TUPLE_COST + CPU_OPERATOR_COST);
  // A LIMIT over rows the index returns in order stops after them: no sort, no full scan left.
  if (plan['Node Type'] === 'Limit' && ordered) return Math.min(plan['Total Cost'], indexScan);
  const scanned = scans.reduce((sum, node) => sum + node['Total Cost'], 0);
  return Math.min(plan['Total Cost'], plan['Total Cost'] - scanned + indexScan * scans.length);
}

export function formatCost(cost: number): string {
  if (!Number.isFinite(cost)) return '?';
  return cost >= 100 ? Math.round(cost).toLocaleString('en-US') : cost.toFixed(2);
}
