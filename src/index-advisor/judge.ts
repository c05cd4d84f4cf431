/**
 * Judge: what each candidate is worth to the whole workload. Every statement is planned as a generic plan and with
 * parameter values sampled from the column statistics; with HypoPG the planner plans them again with hypothetical
 * indexes (they live in one backend only, so all of it runs on the one connection the caller holds). Without
 * HypoPG, and for GIN indexes HypoPG cannot simulate, a labelled estimate from the same plans and pg_stats.
 * Candidates are chosen greedily by their marginal saving given the ones already chosen; what the chosen set
 * makes useless is dropped again.
 */
import type pg from 'pg';
import { candidateKey } from './candidates.js';
import { hypotheticalStatement } from './index-sql.js';
import { rangeFraction, sampleParameters } from './samples.js';
import type {
  Candidate,
  Catalog,
  ColumnStats,
  JudgeMethod,
  ParsedStatement,
  Rejection,
  StatementCost,
  TableInfo,
  Upkeep,
} from './types.js';

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
  readonly upkeep?: Upkeep;
  /** Costed by the advisor (no HypoPG, or a GIN index HypoPG cannot simulate), not by the planner. */
  readonly estimated?: boolean;
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
  /** ... and each call saves at least this much time (its mean time × the share of cost saved). */
  readonly minSavedMs: number;
}

/** EXPLAIN of a normalized statement as a generic plan ($1, $2 … unknown), without running it. */
export async function explainGeneric(
  client: pg.ClientBase,
  statement: Parsed,
  serverVersion: number,
): Promise<PlanNode> {
  const query = statement.statement.query.trim().replace(/;+\s*$/, '');
  if (serverVersion >= 160000) {
    const result = await client.query(`EXPLAIN (GENERIC_PLAN, FORMAT JSON) ${query}`);
    return planOf(result.rows[0]);
  }
  // Before PostgreSQL 16: a prepared statement forced to its generic plan, executed with NULLs by EXPLAIN only.
  const parameters =
    statement.parameters > 0 ? `(${Array.from({ length: statement.parameters }, () => 'NULL').join(', ')})` : '';
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

/** Plans a statement with sampled values bound to its parameters: the planner sees them, as in a custom plan. */
export async function explainWithValues(
  client: pg.ClientBase,
  statement: Parsed,
  values: readonly string[],
): Promise<PlanNode> {
  const query = statement.statement.query.trim().replace(/;+\s*$/, '');
  const result = await client.query(`EXPLAIN (FORMAT JSON) ${query}`, [...values]);
  return planOf(result.rows[0]);
}

/** A statement's plans: the generic one, then one per sampled value set. */
interface Plans {
  readonly generic: PlanNode;
  readonly samples: readonly PlanNode[];
}

/** What a statement costs under one index set, per plan, and which indexes each plan uses. */
interface Costs {
  readonly generic: number;
  readonly samples: readonly number[];
  readonly genericIndexes: readonly string[];
  readonly sampleIndexes: readonly (readonly string[])[];
}

/** The cost a statement is judged by: the mean over its sampled values, or its generic plan's without samples. */
function typical(costs: Pick<Costs, 'generic' | 'samples'>): number {
  return costs.samples.length > 0
    ? costs.samples.reduce((sum, cost) => sum + cost, 0) / costs.samples.length
    : costs.generic;
}

// Index upkeep, per entry written: a btree insert (descent, page write, WAL) measured in microseconds; a GIN entry
// per key of the value costs several times that. Storage for GIN: HypoPG gives no size, so bytes per row.
const BTREE_ENTRY_MS = 0.005;
const GIN_ENTRY_MS = 0.03;
const GIN_BYTES_PER_ROW = 24;

export async function judgeCandidates(
  client: pg.ClientBase,
  catalog: Catalog,
  statements: ReadonlyMap<string, Parsed>,
  candidates: readonly Candidate[],
  options: JudgeOptions,
): Promise<Judgement> {
  const plansBefore = new Map<string, PlanNode>();
  const unplannable = new Map<string, string>();
  const values = new Map<string, string[][]>();
  const basePlans = new Map<string, Plans>();
  const tableKey = (table: { schema: string; name: string }): string => `${table.schema}.${table.name}`;
  const wanted = new Set(candidates.flatMap((candidate) => candidate.statementIds));
  for (const queryId of wanted) {
    const statement = statements.get(queryId);
    if (!statement) continue;
    try {
      const generic = await explainGeneric(client, statement, catalog.serverVersion);
      plansBefore.set(queryId, generic);
      const sampled = sampleParameters(statement, catalog);
      const samples: PlanNode[] = [];
      const kept: string[][] = [];
      for (const vector of sampled) {
        // A sampled value the column's type refuses (a histogram of another type): that value set is left out.
        const plan = await explainWithValues(client, statement, vector).catch(() => undefined);
        if (plan) {
          samples.push(plan);
          kept.push(vector);
        }
      }
      values.set(queryId, kept);
      basePlans.set(queryId, { generic, samples });
    } catch (error) {
      unplannable.set(queryId, `the planner cannot plan it: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  // A candidate can change the plans of other statements reading its table, not only of those that asked for it.
  const readers = new Map<string, string[]>();
  for (const queryId of basePlans.keys()) {
    for (const access of statements.get(queryId)?.accesses ?? []) {
      const list = readers.get(tableKey(access.table)) ?? [];
      if (!list.includes(queryId)) list.push(queryId);
      readers.set(tableKey(access.table), list);
    }
  }
  // Statements whose plan the index could change: they read its table and filter, join or sort on its first column.
  const mayUse = (candidate: Candidate): string[] => {
    const first = candidate.columns[0]?.name;
    return (readers.get(tableKey(candidate.table)) ?? []).filter((queryId) =>
      statements
        .get(queryId)
        ?.accesses.some(
          (access) =>
            tableKey(access.table) === tableKey(candidate.table) &&
            [
              ...access.equality,
              ...access.range,
              ...access.join,
              ...access.orderBy.map((sort) => sort.name),
              ...access.patterns.map((pattern) => pattern.column),
            ].includes(first ?? ''),
        ),
    );
  };
  const tables = new Map(catalog.tables.map((info) => [tableKey(info.table), info]));
  const model = costModel(client, catalog, statements, basePlans, values, options.method, tables);
  const baseCosts = new Map<string, Costs>();
  for (const [queryId, plans] of basePlans) baseCosts.set(queryId, plainCosts(plans));
  const msPerCost = (queryId: string): number => {
    const statement = statements.get(queryId)?.statement;
    const base = typical(baseCosts.get(queryId) ?? { generic: 1, samples: [] });
    return base > 0 ? (statement?.meanMs ?? 0) / base : 0;
  };
  const callsOf = (queryId: string): number => statements.get(queryId)?.statement.calls ?? 1;
  // The share of a statement's cost before any new index that an index removes: a second index shaving a little
  // more off an already served statement does not count.
  const share = (item: Saving['served'][number]): number =>
    (item.before - item.after) / Math.max(typical(baseCosts.get(item.queryId) as Costs), Number.EPSILON);
  // Served: the cost falls by the minimum share and each call saves the minimum time; or, when each call saves ten
  // times that, by half the minimum share (the planner's random-read costs understate a cached index's gain).
  const worth = (item: Saving['served'][number]): boolean =>
    item.msPerCall >= options.minSavedMs &&
    (share(item) >= options.minSaving ||
      (share(item) >= options.minSaving / 2 && item.msPerCall >= 10 * options.minSavedMs));

  const rejected: Rejection[] = [];
  try {
    // First each candidate alone: what it is for, whether it can do harm, what it would cost to keep.
    interface Option {
      candidate: Candidate;
      affected: string[];
      upkeep: Omit<Upkeep, 'readMsSaved'>;
      bound: number;
    }
    const open: Option[] = [];
    for (const candidate of candidates) {
      const plannable = candidate.statementIds.filter((id) => basePlans.has(id));
      if (plannable.length === 0) {
        rejected.push({ candidate, reason: 'the planner could plan none of its statements' });
        continue;
      }
      const affected = [...new Set([...plannable, ...mayUse(candidate)])];
      const alone = await model.costs([candidate], affected);
      const saving = savingOf(affected, baseCosts, alone, msPerCost, callsOf);
      if (!saving.served.some(worth)) {
        if (saving.served.some((item) => share(item) >= options.minSaving)) {
          const best = Math.max(...saving.served.map((item) => item.msPerCall));
          rejected.push({
            candidate,
            reason: `saves too little time: at most ${best.toFixed(3)} ms per call (minimum ${options.minSavedMs} ms)`,
          });
          continue;
        }
        const best = affected
          .map((queryId) => ({
            before: typical(baseCosts.get(queryId) as Costs),
            after: typical(alone.get(queryId) as Costs),
          }))
          .reduce((a, b) => (b.after / b.before < a.after / a.before ? b : a));
        rejected.push({
          candidate,
          reason: `no large saving: best statement cost ${formatCost(best.before)} → ${formatCost(best.after)}`,
        });
        continue;
      }
      const info = tables.get(tableKey(candidate.table));
      const upkeep = await model.upkeep(candidate, info);
      open.push({ candidate, affected, upkeep, bound: saving.totalMs - upkeep.writeMs });
    }

    // Then the whole workload: the candidate with the largest marginal saving given those already chosen, net of
    // its write cost. Savings only shrink as the set grows, so a stale bound below the best fresh one is never taken.
    const chosen: { candidate: Candidate; upkeep: Upkeep; served: Set<string> }[] = [];
    const current = new Map(baseCosts);
    // Harm depends on the set: an order-only walk the planner would take alone is not taken once a better index for
    // that statement is chosen. A candidate harmful in the current set is tried once more after the others.
    const retried = new Set<Option>();
    while (open.length > 0) {
      open.sort((a, b) => b.bound - a.bound || candidateKey(a.candidate).localeCompare(candidateKey(b.candidate)));
      const top = open[0] as Option;
      const set = [...chosen.map((item) => item.candidate), top.candidate];
      const withTop = await model.costs(set, top.affected);
      const saving = savingOf(top.affected, current, withTop, msPerCost, callsOf);
      const fresh = saving.totalMs - top.upkeep.writeMs;
      const next = open[1];
      if (next && fresh < next.bound) {
        top.bound = fresh;
        continue;
      }
      const harm = harmOf(top.candidate, top.affected, withTop, model.names(top.candidate), statements, tableKey);
      if (harm && !retried.has(top) && open.length > 1) {
        retried.add(top);
        top.bound = Number.NEGATIVE_INFINITY;
        continue;
      }
      open.shift();
      if (harm) {
        rejected.push({ candidate: top.candidate, reason: harm });
        continue;
      }
      const served = saving.served.filter(worth);
      if (served.length === 0) {
        const other = chosen.find((item) => top.candidate.statementIds.some((id) => item.served.has(id)));
        rejected.push({
          candidate: top.candidate,
          reason: other
            ? `its statements are already served by ${candidateKey(other.candidate)}`
            : 'no large saving once the other proposals are in place',
        });
        continue;
      }
      if (fresh <= 0) {
        rejected.push({
          candidate: top.candidate,
          reason: `write cost exceeds the saving: ${formatMs(top.upkeep.writeMs)} maintaining it (${Math.round(top.upkeep.rowsWritten).toLocaleString('en-US')} rows written) against ${formatMs(saving.totalMs)} of reads saved`,
        });
        continue;
      }
      chosen.push({
        candidate: top.candidate,
        upkeep: { ...top.upkeep, readMsSaved: saving.totalMs },
        served: new Set(served.map((item) => item.queryId)),
      });
      for (const [queryId, costs] of withTop) current.set(queryId, costs);
    }

    // What the chosen set makes useless: an index whose removal costs none of the workload's statements anything.
    const allAffected = [
      ...new Set(chosen.flatMap((item) => [...item.candidate.statementIds, ...mayUse(item.candidate)])),
    ];
    let together = await model.costs(
      chosen.map((item) => item.candidate),
      allAffected,
    );
    for (const item of [...chosen].reverse()) {
      const others = chosen.filter((other) => other !== item);
      const affected = [...new Set([...item.candidate.statementIds, ...mayUse(item.candidate)])].filter((queryId) =>
        basePlans.has(queryId),
      );
      const without = await model.costs(
        others.map((other) => other.candidate),
        affected,
      );
      const loses = affected.some(
        (queryId) => typical(without.get(queryId) as Costs) > typical(together.get(queryId) as Costs) * 1.01,
      );
      if (loses) continue;
      chosen.splice(chosen.indexOf(item), 1);
      const user = others.find(
        (other) =>
          other.candidate.table.name === item.candidate.table.name &&
          other.candidate.table.schema === item.candidate.table.schema,
      );
      rejected.push({
        candidate: item.candidate,
        reason: `useless once the others are built: the planner serves its statements with ${user ? candidateKey(user.candidate) : 'other indexes'}`,
      });
      together = await model.costs(
        chosen.map((other) => other.candidate),
        allAffected,
      );
    }

    // The figures shown are with all proposed indexes in place together, as after the migration.
    const accepted: Judged[] = chosen.map((item) => {
      const served = [...item.served].map((queryId) => ({
        queryId,
        before: typical(baseCosts.get(queryId) as Costs),
        after: typical(together.get(queryId) ?? (baseCosts.get(queryId) as Costs)),
      }));
      return {
        candidate: { ...item.candidate, statementIds: served.map((cost) => cost.queryId) },
        served,
        upkeep: item.upkeep,
        estimated: item.candidate.method === 'gin' || options.method === 'estimate',
      };
    });
    return { method: options.method, accepted, rejected, unplannable, plansBefore };
  } finally {
    if (options.method === 'hypopg') await client.query('SELECT hypopg_reset()').catch(() => undefined);
  }
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${ms.toFixed(1)} ms`;
}

interface Saving {
  readonly totalMs: number;
  readonly served: readonly { queryId: string; before: number; after: number; msPerCall: number }[];
}

/** Time saved over the statistics period (calls × mean time × the share of cost saved) against `from`. */
function savingOf(
  queryIds: readonly string[],
  from: ReadonlyMap<string, Costs>,
  to: ReadonlyMap<string, Costs>,
  msPerCost: (queryId: string) => number,
  callsOf: (queryId: string) => number,
): Saving {
  let totalMs = 0;
  const served = [];
  for (const queryId of queryIds) {
    const before = from.get(queryId);
    const after = to.get(queryId);
    if (!before || !after) continue;
    const saved = typical(before) - typical(after);
    if (saved <= 0) continue;
    const msPerCall = saved * msPerCost(queryId);
    totalMs += msPerCall * callsOf(queryId);
    served.push({ queryId, before: typical(before), after: typical(after), msPerCall });
  }
  return { totalMs, served };
}

/**
 * Why a candidate would make a statement slower, or undefined. An index that only delivers the order of a LIMIT
 * while the statement also filters the table on columns it does not hold walks rows until enough match: fast when
 * many match, a walk of the whole table when few do, and the planner's guess for the filter decides which. Also,
 * a generic plan that picks the index where, with every sampled value, the planner prefers another plan.
 */
function harmOf(
  candidate: Candidate,
  queryIds: readonly string[],
  costs: ReadonlyMap<string, Costs>,
  names: readonly string[],
  statements: ReadonlyMap<string, Parsed>,
  tableKey: (table: { schema: string; name: string }) => string,
): string | undefined {
  if (candidate.method === 'gin') return undefined;
  for (const queryId of queryIds) {
    const access = statements.get(queryId)?.accesses.find((item) => tableKey(item.table) === tableKey(candidate.table));
    const cost = costs.get(queryId);
    if (!access || !cost) continue;
    // Only the plans that would use it (without HypoPG: the statements it is meant for) can be made slower by it.
    const used =
      names.length === 0
        ? candidate.statementIds.includes(queryId)
        : [cost.genericIndexes, ...cost.sampleIndexes].some((plan) => plan.some((name) => names.includes(name)));
    if (!used) continue;
    const held = new Set(candidate.columns.map((column) => column.name));
    const filters = [
      ...access.equality,
      ...access.range,
      ...access.join,
      ...access.patterns.map((pattern) => pattern.column),
    ];
    const orderOnly =
      access.orderBy.length > 0 &&
      candidate.columns.every((column) => access.orderBy.some((sort) => sort.name === column.name));
    const unheld = [...new Set(filters.filter((name) => !held.has(name)))];
    if (orderOnly && unheld.length > 0) {
      return `would make statements slower: it only delivers the ORDER BY while ${unheld.join(', ')} filter the rows, so the scan walks rows in order until enough match (the whole table when few do)`;
    }
    if (cost.samples.length === 0) continue;
    // Only the generic plan's guess picks it: with every sampled value the planner prefers another plan, so a
    // prepared statement running the generic plan would run a plan slower for the values the table holds.
    const genericUses = cost.genericIndexes.some((name) => names.includes(name));
    const sampledUse = cost.sampleIndexes.some((plan) => plan.some((name) => names.includes(name)));
    if (genericUses && !sampledUse) {
      return `would make statements slower: the generic plan uses it, but with each of the ${cost.samples.length} sampled parameter sets the planner prefers another plan`;
    }
  }
  return undefined;
}

function plainCosts(plans: Plans): Costs {
  return {
    generic: plans.generic['Total Cost'],
    samples: plans.samples.map((plan) => plan['Total Cost']),
    genericIndexes: indexesUsed(plans.generic),
    sampleIndexes: plans.samples.map(indexesUsed),
  };
}

interface CostModel {
  /** Each statement's costs with these candidates built (on top of the existing indexes). */
  costs(candidates: readonly Candidate[], queryIds: readonly string[]): Promise<Map<string, Costs>>;
  /** The index names a plan shows for this candidate (HypoPG's `<oid>btree_…`); empty when estimated. */
  names(candidate: Candidate): string[];
  upkeep(candidate: Candidate, info: TableInfo | undefined): Promise<Omit<Upkeep, 'readMsSaved'>>;
}

function costModel(
  client: pg.ClientBase,
  catalog: Catalog,
  statements: ReadonlyMap<string, Parsed>,
  basePlans: ReadonlyMap<string, Plans>,
  values: ReadonlyMap<string, string[][]>,
  method: JudgeMethod,
  tables: ReadonlyMap<string, TableInfo>,
): CostModel {
  const hypotheticalNames = new Map<string, string[]>();
  const cache = new Map<string, Costs>();
  const infoOf = (candidate: Candidate): TableInfo | undefined =>
    tables.get(`${candidate.table.schema}.${candidate.table.name}`);
  const planned = method === 'hypopg';

  /** Without HypoPG (or for GIN): the base plans with the candidate's table scan costed as an index lookup. */
  const estimated = (candidates: readonly Candidate[], queryId: string, costs: Costs): Costs => {
    const statement = statements.get(queryId);
    const plans = basePlans.get(queryId);
    if (!statement || !plans) return costs;
    const vectors = values.get(queryId) ?? [];
    const lowest = (plan: PlanNode, current: number, vector: readonly string[] | undefined): number => {
      let best = current;
      for (const candidate of candidates) {
        if (planned && candidate.method !== 'gin') continue;
        const info = infoOf(candidate);
        if (
          !info ||
          !statement.accesses.some(
            (access) => access.table.schema === info.table.schema && access.table.name === info.table.name,
          )
        )
          continue;
        best = Math.min(best, estimateStatementCost(catalog, info, candidate, statement, plan, vector));
      }
      return best;
    };
    return {
      ...costs,
      generic: lowest(plans.generic, costs.generic, undefined),
      samples: plans.samples.map((plan, index) =>
        lowest(plan, costs.samples[index] ?? plan['Total Cost'], vectors[index]),
      ),
    };
  };

  return {
    names: (candidate) => hypotheticalNames.get(candidateKey(candidate)) ?? [],
    async costs(candidates, queryIds) {
      const out = new Map<string, Costs>();
      // A statement's plans depend only on the candidates on tables it reads: those set the cache key, so a set that
      // grew on other tables plans nothing again.
      const keyOf = (queryId: string): string => {
        const read = new Set(
          statements.get(queryId)?.accesses.map((access) => `${access.table.schema}.${access.table.name}`),
        );
        return JSON.stringify([
          queryId,
          ...candidates
            .filter((candidate) => read.has(`${candidate.table.schema}.${candidate.table.name}`))
            .map(candidateKey)
            .sort(),
        ]);
      };
      const missing = queryIds.filter((queryId) => {
        const hit = cache.get(keyOf(queryId));
        if (hit) out.set(queryId, hit);
        return !hit;
      });
      if (missing.length === 0) return out;
      const btrees = planned ? candidates.filter((candidate) => candidate.method !== 'gin') : [];
      if (btrees.length > 0) {
        await client.query('SELECT hypopg_reset()');
        for (const candidate of btrees) {
          const created = await client.query<{ indexname: string }>('SELECT indexname FROM hypopg_create_index($1)', [
            hypotheticalStatement(candidate),
          ]);
          const names = hypotheticalNames.get(candidateKey(candidate)) ?? [];
          names.push(...created.rows.map((row) => row.indexname));
          hypotheticalNames.set(candidateKey(candidate), names);
        }
      }
      try {
        for (const queryId of missing) {
          const statement = statements.get(queryId);
          const plans = basePlans.get(queryId);
          if (!statement || !plans) continue;
          let costs = plainCosts(plans);
          if (btrees.length > 0) {
            const generic = await explainGeneric(client, statement, catalog.serverVersion);
            const samples: PlanNode[] = [];
            for (const vector of values.get(queryId) ?? [])
              samples.push(await explainWithValues(client, statement, vector));
            costs = plainCosts({ generic, samples });
          }
          const result = estimated(candidates, queryId, costs);
          cache.set(keyOf(queryId), result);
          out.set(queryId, result);
        }
      } finally {
        if (btrees.length > 0) await client.query('SELECT hypopg_reset()');
      }
      return out;
    },
    async upkeep(candidate, info) {
      const rows = Math.max(info?.estimatedRows ?? 0, 1);
      const width = candidate.columns.reduce(
        (sum, column) =>
          sum +
          (catalog.columnStats.get(`${candidate.table.schema}.${candidate.table.name}.${column.name}`)?.width ?? 8),
        0,
      );
      const entryBytes = candidate.method === 'gin' ? GIN_BYTES_PER_ROW : width + 16;
      let bytes = rows * entryBytes * (candidate.method === 'gin' ? 1 : 1 / 0.9);
      if (planned && candidate.method !== 'gin') {
        // HypoPG's own estimate of the built size (btree pages at the default fill factor).
        await client.query('SELECT hypopg_reset()');
        const created = await client.query<{ bytes: string }>(
          'SELECT hypopg_relation_size(indexrelid)::text AS bytes FROM hypopg_create_index($1)',
          [hypotheticalStatement(candidate)],
        );
        await client.query('SELECT hypopg_reset()');
        bytes = Number(created.rows[0]?.bytes ?? bytes);
      }
      // The writes of the period the workload's statistics cover, at the table's average rate.
      const { readSeconds, writeSeconds } = catalog.periods;
      const rowsWritten = (info?.rowsWritten ?? 0) * Math.min(1, readSeconds / writeSeconds);
      const perEntryMs = candidate.method === 'gin' ? GIN_ENTRY_MS : BTREE_ENTRY_MS * (1 + width / 64);
      return { bytes, rowsWritten, bytesWritten: rowsWritten * entryBytes, writeMs: rowsWritten * perEntryMs };
    },
  };
}

// PostgreSQL's default planner cost constants (postgresql.conf); the estimate is only a ranking aid.
const RANDOM_PAGE_COST = 4;
const SEQ_PAGE_COST = 1;
const CPU_TUPLE_COST = 0.01;
const CPU_INDEX_TUPLE_COST = 0.005;
const CPU_OPERATOR_COST = 0.0025;

/**
 * The statement's plan cost with its sequential scans of the table replaced by an index scan. Rows found = table
 * rows × per column: for equality the sampled value's frequency (a most common value's own, else the share left to
 * the other values), else 1/distinct; for a range the share of the histogram past the sampled bound, else a third
 * (the planner's default for an open range); for a pattern the planner's own row estimate of the scan; × the share
 * of rows the condition keeps. A LIMIT with the order served by the index stops early.
 */
export function estimateStatementCost(
  catalog: Catalog,
  info: TableInfo,
  candidate: Candidate,
  statement: Parsed,
  plan: PlanNode | undefined,
  values?: readonly string[],
): number {
  if (!plan) return Number.POSITIVE_INFINITY;
  const scans = planNodes(plan).filter(
    (node) => node['Node Type'] === 'Seq Scan' && node['Relation Name'] === info.table.name,
  );
  if (scans.length === 0) return plan['Total Cost'];
  const access = statement.accesses.find(
    (item) => item.table.schema === info.table.schema && item.table.name === info.table.name,
  );
  const stats = (column: string) => catalog.columnStats.get(`${info.table.schema}.${info.table.name}.${column}`);
  const valueOf = (column: string, roles: readonly string[]): { role: string; value: string } | undefined => {
    if (!values) return undefined;
    for (const [number, use] of statement.parameterUses) {
      if (
        use === 'limit' ||
        use.column !== column ||
        use.table.name !== info.table.name ||
        use.table.schema !== info.table.schema
      )
        continue;
      const value = values[number - 1];
      if (value !== undefined && roles.includes(use.role)) return { role: use.role, value };
    }
    return undefined;
  };
  const scanShare = Math.min(1, Math.max(...scans.map((node) => node['Plan Rows'])) / Math.max(info.estimatedRows, 1));
  // A partial index serves only statements that test its condition themselves.
  const conditionsHeld = candidate.conditions.every((condition) =>
    access?.conditions.some((test) => test.column === condition.column && test.isNull === condition.isNull),
  );
  if (!access || !conditionsHeld) return plan['Total Cost'];
  // The btree is usable over its leading columns the statement compares, up to the first range; the ORDER BY
  // comes from it when the sort column follows those compared by equality.
  let selectivity = 1;
  let usable = 0;
  let ordered = false;
  for (const column of candidate.columns) {
    const columnStats = stats(column.name);
    if (column.opclass) {
      if (!access.patterns.some((pattern) => pattern.column === column.name)) break;
      const contained = valueOf(column.name, ['contains']);
      selectivity *=
        (contained && columnStats ? containmentShare(columnStats, contained.value) : undefined) ?? scanShare;
      usable++;
      if (candidate.method !== 'gin') break;
    } else if (access.equality.includes(column.name)) {
      selectivity *= equalityShare(columnStats, valueOf(column.name, ['equality'])?.value);
      usable++;
    } else if (access.range.includes(column.name)) {
      const bound = valueOf(column.name, ['lower', 'upper']);
      const share =
        bound && columnStats
          ? rangeFraction(columnStats.histogram, bound.value, bound.role as 'lower' | 'upper')
          : undefined;
      selectivity *= share ?? 1 / 3;
      usable++;
      ordered = access.orderBy[0]?.name === column.name;
      break;
    } else {
      ordered = candidate.method !== 'gin' && access.orderBy[0]?.name === column.name;
      break;
    }
  }
  if (usable === 0 && !ordered && candidate.conditions.length === 0) return plan['Total Cost'];
  // An order-only walk past filters it does not hold: its cost depends on how many rows match, which is unknown.
  if (usable === 0 && access.equality.length + access.range.length + access.patterns.length > 0)
    return plan['Total Cost'];
  for (const condition of candidate.conditions) {
    const nullFraction = stats(condition.column)?.nullFraction ?? 0.5;
    selectivity *= condition.isNull ? nullFraction : 1 - nullFraction;
  }
  let rows = Math.max(1, info.estimatedRows * selectivity);
  if (plan['Node Type'] === 'Limit' && ordered) rows = Math.min(rows, Math.max(1, plan['Plan Rows']));
  const descent = RANDOM_PAGE_COST * Math.ceil(Math.log(Math.max(info.estimatedRows, 2)) / Math.log(256) + 1);
  const heapPages = heapPageCost(
    rows,
    Math.max(info.pages, 1),
    info.estimatedRows,
    stats(candidate.columns[0]?.name ?? '')?.correlation ?? 0,
  );
  // The index's own leaf pages the scan reads, each at random as the planner counts them.
  const keyWidth = candidate.columns.reduce((sum, column) => sum + (stats(column.name)?.width ?? 8), 0) + 16;
  const leafPages = Math.ceil((rows * keyWidth) / (8192 * 0.9)) * RANDOM_PAGE_COST;
  const indexScan =
    descent + leafPages + heapPages + rows * (CPU_INDEX_TUPLE_COST + CPU_TUPLE_COST + CPU_OPERATOR_COST);
  // A LIMIT over rows the index returns in order stops after them: no sort, no full scan left.
  if (plan['Node Type'] === 'Limit' && ordered) return Math.min(plan['Total Cost'], indexScan);
  // Under a LIMIT the plan's total is below its scan's: what is left of the plan is never negative.
  const scanned = scans.reduce((sum, node) => sum + node['Total Cost'], 0);
  return Math.min(plan['Total Cost'], Math.max(plan['Total Cost'] - scanned, 0) + indexScan * scans.length);
}

/**
 * The heap pages an index scan reads for `rows` rows, as the planner's cost_index weighs them: uncorrelated, each
 * row's page read at random (pages shared, Mackert-Lohman); in column order (correlation ±1), the matching rows
 * sit on consecutive pages read in sequence; in between, interpolated by the squared correlation.
 */
function heapPageCost(rows: number, pages: number, tableRows: number, correlation: number): number {
  const scattered = Math.min((2 * pages * rows) / (2 * pages + rows), pages) * RANDOM_PAGE_COST;
  const clustered =
    RANDOM_PAGE_COST + Math.max(Math.ceil((rows / Math.max(tableRows, 1)) * pages) - 1, 0) * SEQ_PAGE_COST;
  return scattered + correlation * correlation * (clustered - scattered);
}

/**
 * The share of sampled documents (most common values and histogram) that contain the value, leaving out the one it
 * was drawn from: counting that one would credit every sampled value with at least one match in a hundred.
 */
function containmentShare(stats: ColumnStats, value: string): number | undefined {
  const wanted = parseJson(value);
  const documents = [...stats.commonValues, ...stats.histogram].map(parseJson);
  if (wanted === undefined || documents.length < 2) return undefined;
  const matches = documents.filter((document) => contains(document, wanted)).length;
  return Math.max(0, matches - 1) / (documents.length - 1);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** jsonb's @> on parsed values: objects by member, arrays by element, scalars by equality. */
function contains(document: unknown, wanted: unknown): boolean {
  if (Array.isArray(wanted))
    return Array.isArray(document) && wanted.every((item) => document.some((element) => contains(element, item)));
  if (wanted !== null && typeof wanted === 'object') {
    if (document === null || typeof document !== 'object' || Array.isArray(document)) return false;
    return Object.entries(wanted).every(
      ([key, item]) => key in document && contains((document as Record<string, unknown>)[key], item),
    );
  }
  return JSON.stringify(document) === JSON.stringify(wanted);
}

/** The share of rows `col = value` keeps: a most common value's frequency, else the rest spread evenly. */
function equalityShare(stats: ColumnStats | undefined, value: string | undefined): number {
  if (!stats) return 1 / 200;
  if (value === undefined) return 1 / stats.distinct;
  const common = stats.commonValues.indexOf(value);
  if (common >= 0) return stats.commonFrequencies[common] ?? 1 / stats.distinct;
  const commonShare = stats.commonFrequencies.reduce((sum, frequency) => sum + frequency, 0);
  const others = Math.max(stats.distinct - stats.commonValues.length, 1);
  return Math.max(0, 1 - commonShare - stats.nullFraction) / others;
}

export function formatCost(cost: number): string {
  if (!Number.isFinite(cost)) return '?';
  return cost >= 100 ? Math.round(cost).toLocaleString('en-US') : cost.toFixed(2);
}
