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
import { deallocateOwn, explainMany, planOf, type PlanNode, type PlanRequest } from './explain.js';
import { hypotheticalStatement } from './index-sql.js';
import { plannedForm, rangeFraction, sampleParameters } from './samples.js';
import type {
  Candidate,
  Catalog,
  ColumnStats,
  JudgeMethod,
  ParsedStatement,
  Rejection,
  StatementCost,
  TableAccess,
  TableInfo,
  Upkeep,
} from './types.js';

type Parsed = Extract<ParsedStatement, { kind: 'parsed' }>;

export type { PlanNode };

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
  /** EXPLAINs the judge ran (generic and sampled plans): the measure of its cost, which grows with the workload. */
  readonly plansMade: number;
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
      `SET LOCAL plan_cache_mode = force_generic_plan; PREPARE quickwins_advisor AS ${query}; ` +
        `EXPLAIN (FORMAT JSON) EXECUTE quickwins_advisor${parameters}; DEALLOCATE quickwins_advisor`,
    )) as unknown as pg.QueryResult[];
    return planOf(results[2]?.rows[0]);
  } catch (error) {
    await deallocateOwn(client);
    throw error;
  }
}

export function planNodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap((child) => planNodes(child))];
}

export function indexesUsed(plan: PlanNode): string[] {
  return [...new Set(planNodes(plan).flatMap((node) => (node['Index Name'] ? [node['Index Name']] : [])))];
}

/** The judge's EXPLAINs, sent many at a time and counted. */
interface Planner {
  plan(requests: readonly PlanRequest[]): Promise<(PlanNode | Error)[]>;
  made(): number;
}

function countingPlanner(client: pg.ClientBase, serverVersion: number): Planner {
  let made = 0;
  return {
    plan: (requests) => {
      made += requests.length;
      return explainMany(client, requests, serverVersion);
    },
    made: () => made,
  };
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
  const planner = countingPlanner(client, catalog.serverVersion);
  const plansBefore = new Map<string, PlanNode>();
  const unplannable = new Map<string, string>();
  const values = new Map<string, string[][]>();
  // For each kept value set, the first one planned alike (itself when none): its plan is not made twice.
  const alike = new Map<string, number[]>();
  const basePlans = new Map<string, Plans>();
  const tableKey = (table: { schema: string; name: string }): string => `${table.schema}.${table.name}`;
  const wanted = new Set(candidates.flatMap((candidate) => candidate.statementIds));
  // Each statement's generic plan and one plan per sampled value set the planner can tell apart, all at once.
  const drafts = [...wanted].flatMap((queryId) => {
    const statement = statements.get(queryId);
    if (!statement) return [];
    const sampled = sampleParameters(statement, catalog);
    const forms = sampled.map((vector) => plannedForm(statement, catalog, vector));
    return [{ queryId, statement, sampled, forms }];
  });
  const requests: PlanRequest[] = drafts.flatMap(({ statement, sampled, forms }) => [
    { statement },
    ...sampled.flatMap((vector, index) =>
      forms.indexOf(forms[index] as string) === index ? [{ statement, values: vector }] : [],
    ),
  ]);
  const results = await planner.plan(requests);
  let next = 0;
  for (const { queryId, sampled, forms } of drafts) {
    const generic = results[next++];
    const planned = new Map<string, PlanNode | Error | undefined>();
    for (const [index, form] of forms.entries()) if (forms.indexOf(form) === index) planned.set(form, results[next++]);
    if (!generic || generic instanceof Error) {
      unplannable.set(queryId, `the planner cannot plan it: ${(generic?.message ?? 'no plan').split('\n')[0]}`);
      continue;
    }
    plansBefore.set(queryId, generic);
    const samples: PlanNode[] = [];
    const kept: string[][] = [];
    const keptForms: string[] = [];
    const firsts: number[] = [];
    for (const [index, vector] of sampled.entries()) {
      const form = forms[index] as string;
      const plan = planned.get(form);
      // A sampled value the column's type refuses (a histogram of another type): that value set is left out.
      if (!plan || plan instanceof Error) continue;
      const first = keptForms.indexOf(form);
      samples.push(plan);
      kept.push(vector);
      keptForms.push(form);
      firsts.push(first >= 0 ? first : kept.length - 1);
    }
    values.set(queryId, kept);
    alike.set(queryId, firsts);
    basePlans.set(queryId, { generic, samples });
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
            provesNullTests(candidate, access) &&
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
  const model = costModel(client, planner, catalog, statements, basePlans, values, alike, options.method, tables);
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

  // With HypoPG, every btree candidate at once first: one plan pass over the workload gives each plan's floor (no
  // candidate can make it cheaper alone) and which candidate the planner picks. A plan that uses one candidate or
  // none is also that candidate's plan alone: the cheapest plan over more indexes is the cheapest over fewer that
  // still allow it.
  const planned = options.method === 'hypopg';
  const btrees = planned ? candidates.filter((candidate) => candidate.method !== 'gin') : [];
  const withAll = btrees.length > 0 ? await model.costs(btrees, [...basePlans.keys()]) : new Map<string, Costs>();
  const pickedWithAll = new Map<string, Set<string>>();
  for (const [queryId, costs] of withAll) {
    const picked = planCosts(costs).flatMap((plan) => plan.indexes.flatMap((name) => model.owner(name) ?? []));
    pickedWithAll.set(queryId, new Set(picked));
  }
  const affectedCache = new Map<string, { all: string[]; set: Set<string>; first: string[] }>();
  // The statements a candidate is judged on: those it was derived from and the others it may change. Planned
  // first (with HypoPG): those it was derived from and those the planner picks it for among all candidates.
  const affectedOf = (candidate: Candidate): { all: string[]; set: Set<string>; first: string[] } => {
    const key = candidateKey(candidate);
    const known = affectedCache.get(key);
    if (known) return known;
    const own = candidate.statementIds.filter((id) => basePlans.has(id));
    const all = [...new Set([...own, ...mayUse(candidate)])];
    const first =
      planned && candidate.method !== 'gin'
        ? [...new Set([...own, ...all.filter((queryId) => pickedWithAll.get(queryId)?.has(key))])]
        : all;
    const entry = { all, set: new Set(all), first };
    affectedCache.set(key, entry);
    return entry;
  };
  // Each candidate's costs alone, by statement, planned only where they can matter.
  const alone = new Map<string, Map<string, Costs>>();
  const knownAlone = (candidate: Candidate): Map<string, Costs> => {
    const key = candidateKey(candidate);
    const known = alone.get(key) ?? new Map<string, Costs>();
    alone.set(key, known);
    return known;
  };
  // Btree candidates with the same columns and condition that differ only in directions plan alike for a statement
  // reading their table once, when the directions agree, or are all reversed (a backward scan), over the columns
  // the statement does not pin with `col = $n`: one's plans stand for the other's.
  const shapes = new Map<string, Candidate[]>();
  const shapeOf = (candidate: Candidate): string =>
    JSON.stringify([
      tableKey(candidate.table),
      candidate.conditions,
      candidate.columns.map((column) => [column.name, column.opclass ?? '']),
    ]);
  for (const candidate of btrees)
    shapes.set(shapeOf(candidate), [...(shapes.get(shapeOf(candidate)) ?? []), candidate]);
  const plansAlike = (a: Candidate, b: Candidate, queryId: string): boolean => {
    const statement = statements.get(queryId);
    if (!statement || statement.accesses.length !== 1) return false;
    const pinned = new Set(
      [...statement.parameterUses.values()].flatMap((use) =>
        use !== 'limit' && use.role === 'equality' && tableKey(use.table) === tableKey(a.table) ? [use.column] : [],
      ),
    );
    const free = (candidate: Candidate): boolean[] =>
      candidate.columns.filter((column) => !pinned.has(column.name)).map((column) => column.descending);
    const [first, second] = [free(a), free(b)];
    return (
      first.every((descending, index) => descending === second[index]) ||
      first.every((descending, index) => descending !== second[index])
    );
  };
  /** The candidate's costs alone on a statement when known, planned or taken from a candidate planned alike. */
  const pairOf = (candidate: Candidate, queryId: string): Costs | undefined => {
    const known = knownAlone(candidate);
    const hit = known.get(queryId);
    if (hit || !planned || candidate.method === 'gin') return hit;
    for (const twin of shapes.get(shapeOf(candidate)) ?? []) {
      const costs = twin === candidate ? undefined : alone.get(candidateKey(twin))?.get(queryId);
      if (!costs || !plansAlike(candidate, twin, queryId)) continue;
      const rename = (indexes: readonly string[]): string[] =>
        indexes.map((name) => (model.owner(name) === candidateKey(twin) ? model.alias(candidate, name) : name));
      const copied = {
        ...costs,
        genericIndexes: rename(costs.genericIndexes),
        sampleIndexes: costs.sampleIndexes.map(rename),
      };
      known.set(queryId, copied);
      return copied;
    }
    return undefined;
  };
  const planAlone = async (candidate: Candidate, queryIds: readonly string[]): Promise<void> => {
    const key = candidateKey(candidate);
    const known = knownAlone(candidate);
    const missing = queryIds.filter((queryId) => !pairOf(candidate, queryId));
    if (missing.length === 0) return;
    const reuse = (queryId: string, plan: number): PlanCost | undefined => {
      const all = withAll.get(queryId);
      const cost = all ? planCosts(all)[plan] : undefined;
      return cost && cost.indexes.every((name) => (model.owner(name) ?? key) === key) ? cost : undefined;
    };
    const reusable = planned && candidate.method !== 'gin' ? reuse : undefined;
    for (const [queryId, costs] of await model.costs([candidate], missing, reusable)) known.set(queryId, costs);
  };
  // Unplanned, a btree candidate can lower a plan only where the plan with every candidate is cheaper.
  const mightLower = (candidate: Candidate, queryId: string, costs: Costs): boolean => {
    const all = withAll.get(queryId);
    if (!planned || candidate.method === 'gin' || !all) return true;
    const floors = planCosts(all);
    return planCosts(costs).some((plan, index) => (floors[index]?.cost ?? 0) < plan.cost);
  };
  // A statement's costs under a set: for a statement reading one table once, plan by plan the cheapest with any
  // one candidate of the set (the planner takes the cheapest path over the indexes it has); a statement reading
  // several tables, or one twice, with more than one candidate on them is planned with the whole set. As a floor
  // (`floor`), nothing is planned: where a plan is missing, the plan with every candidate stands in.
  const setCosts = async (
    set: readonly Candidate[],
    queryIds: readonly string[],
    floor = false,
  ): Promise<Map<string, Costs>> => {
    // Estimates are per candidate on the statement's own plans: the cheapest with any one of them is exact.
    const asFloor = floor && planned;
    const out = new Map<string, Costs>();
    const together: string[] = [];
    const single = new Map<string, Candidate[]>();
    const toPlan = new Map<Candidate, string[]>();
    const cheapestKnown = (queryId: string, onTables: readonly Candidate[]): Costs =>
      onTables.reduce(
        (costs, candidate) => {
          const with1 = pairOf(candidate, queryId);
          return with1 ? cheaper(costs, with1) : costs;
        },
        baseCosts.get(queryId) as Costs,
      );
    for (const queryId of queryIds) {
      if (!baseCosts.has(queryId)) continue;
      const read = new Set(statements.get(queryId)?.accesses.map((access) => tableKey(access.table)));
      const onTables = set.filter((candidate) => read.has(tableKey(candidate.table)));
      const several = planned && onTables.length > 1 && (statements.get(queryId)?.accesses.length ?? 0) > 1;
      const costs = cheapestKnown(queryId, onTables);
      const lowering = onTables.filter(
        (candidate) =>
          (several || !pairOf(candidate, queryId)) &&
          (!planned || (affectedOf(candidate).set.has(queryId) && mightLower(candidate, queryId, costs))),
      );
      if (asFloor) {
        const all = withAll.get(queryId);
        out.set(queryId, lowering.length > 0 && all ? cheaper(costs, all) : costs);
        continue;
      }
      if (several) {
        together.push(queryId);
        continue;
      }
      single.set(queryId, onTables);
      for (const candidate of lowering) toPlan.set(candidate, [...(toPlan.get(candidate) ?? []), queryId]);
    }
    for (const [candidate, ids] of toPlan) await planAlone(candidate, ids);
    for (const [queryId, onTables] of single) out.set(queryId, cheapestKnown(queryId, onTables));
    if (together.length > 0) for (const [queryId, costs] of await model.costs(set, together)) out.set(queryId, costs);
    return out;
  };

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
      const affected = affectedOf(candidate);
      await planAlone(candidate, affected.first);
      const known = knownAlone(candidate);
      for (const queryId of affected.all) pairOf(candidate, queryId);
      // Where it is not planned, the plan with every candidate bounds what it could save.
      const bounded = (): Map<string, Costs> =>
        new Map(
          affected.all.map((queryId) => {
            const base = baseCosts.get(queryId) as Costs;
            const floor = withAll.get(queryId);
            const costs =
              known.get(queryId) ?? (floor && mightLower(candidate, queryId, base) ? cheaper(base, floor) : base);
            return [queryId, costs];
          }),
        );
      let saving = savingOf(affected.all, baseCosts, known, msPerCost, callsOf);
      // Whether it is worth keeping is decided on plans: where only the bound makes a statement count, plan it.
      if (!saving.served.some(worth)) {
        const unsure = savingOf(affected.all, baseCosts, bounded(), msPerCost, callsOf).served.filter(
          (item) => !known.has(item.queryId) && (worth(item) || share(item) >= options.minSaving),
        );
        if (unsure.length > 0) {
          await planAlone(
            candidate,
            unsure.map((item) => item.queryId),
          );
          saving = savingOf(affected.all, baseCosts, known, msPerCost, callsOf);
        }
      }
      if (!saving.served.some(worth)) {
        if (saving.served.some((item) => share(item) >= options.minSaving)) {
          const best = Math.max(...saving.served.map((item) => item.msPerCall));
          rejected.push({
            candidate,
            reason: `saves too little time: at most ${best.toFixed(3)} ms per call (minimum ${options.minSavedMs} ms)`,
          });
          continue;
        }
        const best = [...known]
          .map(([queryId, costs]) => ({ before: typical(baseCosts.get(queryId) as Costs), after: typical(costs) }))
          .reduce((a, b) => (b.after / b.before < a.after / a.before ? b : a));
        rejected.push({
          candidate,
          reason: `no large saving: best statement cost ${formatCost(best.before)} → ${formatCost(best.after)}`,
        });
        continue;
      }
      const bound = savingOf(affected.all, baseCosts, bounded(), msPerCost, callsOf);
      const info = tables.get(tableKey(candidate.table));
      const upkeep = await model.upkeep(candidate, info);
      open.push({ candidate, affected: affected.all, upkeep, bound: bound.totalMs - upkeep.writeMs });
    }

    // Then the whole workload: the candidate with the largest marginal saving given those already chosen, net of
    // its write cost. Savings only shrink as the set grows, so a stale bound below the best fresh one is never taken.
    const chosen: { candidate: Candidate; upkeep: Upkeep; served: Set<string> }[] = [];
    const current = new Map(baseCosts);
    // Harm depends on the set: an order-only walk the planner would take alone is not taken once a better index for
    // that statement is chosen. A candidate harmful in the current set is tried once more after the others.
    const retried = new Set<Option>();
    const notWorthReason = (candidate: Candidate): string => {
      const other = chosen.find((item) => candidate.statementIds.some((id) => item.served.has(id)));
      return other
        ? `its statements are already served by ${candidateKey(other.candidate)}`
        : 'no large saving once the other proposals are in place';
    };
    while (open.length > 0) {
      open.sort((a, b) => b.bound - a.bound || candidateKey(a.candidate).localeCompare(candidateKey(b.candidate)));
      const top = open[0] as Option;
      const set = [...chosen.map((item) => item.candidate), top.candidate];
      // First what it could save at most without planning anything: below the next one's bound, it waits.
      const ceiling = savingOf(top.affected, current, await setCosts(set, top.affected, true), msPerCost, callsOf);
      if (open[1] && ceiling.totalMs - top.upkeep.writeMs < open[1].bound) {
        top.bound = ceiling.totalMs - top.upkeep.writeMs;
        continue;
      }
      const withTop = await setCosts(set, top.affected);
      const saving = savingOf(top.affected, current, withTop, msPerCost, callsOf);
      const fresh = saving.totalMs - top.upkeep.writeMs;
      const next = open[1];
      // On a tie the candidate first by key is taken, whichever was planned first.
      const tie =
        next !== undefined && fresh === next.bound && candidateKey(next.candidate) < candidateKey(top.candidate);
      if (next && (fresh < next.bound || tie)) {
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
        rejected.push({ candidate: top.candidate, reason: notWorthReason(top.candidate) });
        continue;
      }
      if (fresh <= 0) {
        rejected.push({ candidate: top.candidate, reason: writeCostReason(top.upkeep, saving.totalMs) });
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
    const allAffected = [...new Set(chosen.flatMap((item) => affectedOf(item.candidate).all))];
    let together = await setCosts(
      chosen.map((item) => item.candidate),
      allAffected,
    );
    for (const item of [...chosen].reverse()) {
      const others = chosen.filter((other) => other !== item);
      const affected = affectedOf(item.candidate).all;
      const without = await setCosts(
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
      together = await setCosts(
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
    return { method: options.method, accepted, rejected, unplannable, plansBefore, plansMade: planner.made() };
  } finally {
    if (options.method === 'hypopg') await client.query('SELECT hypopg_reset()').catch(() => undefined);
  }
}

/** Whether the statement tests each `col IS NULL` of a partial candidate: nothing else proves it to the planner. */
function provesNullTests(candidate: Candidate, access: TableAccess): boolean {
  return candidate.conditions.every(
    (condition) =>
      !condition.isNull || access.conditions.some((test) => test.column === condition.column && test.isNull),
  );
}

function writeCostReason(upkeep: Omit<Upkeep, 'readMsSaved'>, savedMs: number): string {
  const rows = Math.round(upkeep.rowsWritten).toLocaleString('en-US');
  return `write cost exceeds the saving: ${formatMs(upkeep.writeMs)} maintaining it (${rows} rows written) against ${formatMs(savedMs)} of reads saved`;
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

/** One plan's cost and the indexes it uses. */
interface PlanCost {
  readonly cost: number;
  readonly indexes: readonly string[];
}

/** The generic plan's, then each sampled plan's. */
function planCosts(costs: Costs): PlanCost[] {
  return [
    { cost: costs.generic, indexes: costs.genericIndexes },
    ...costs.samples.map((cost, index) => ({ cost, indexes: costs.sampleIndexes[index] ?? [] })),
  ];
}

function costsOf(generic: PlanCost, samples: readonly PlanCost[]): Costs {
  return {
    generic: generic.cost,
    samples: samples.map((plan) => plan.cost),
    genericIndexes: generic.indexes,
    sampleIndexes: samples.map((plan) => plan.indexes),
  };
}

const costOfPlan = (plan: PlanNode): PlanCost => ({ cost: plan['Total Cost'], indexes: indexesUsed(plan) });

/** Plan by plan, the cheaper of two (the first on a tie). */
function cheaper(first: Costs, second: Costs): Costs {
  const seconds = planCosts(second);
  const [generic, ...samples] = planCosts(first).map((plan, index) => {
    const other = seconds[index];
    return other && other.cost < plan.cost ? other : plan;
  });
  return costsOf(generic as PlanCost, samples);
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
  /**
   * Each statement's costs with these candidates built (on top of the existing indexes). `reuse` may give a plan's
   * cost (plan 0 the generic one, then the samples) known without planning it.
   */
  costs(
    candidates: readonly Candidate[],
    queryIds: readonly string[],
    reuse?: (queryId: string, plan: number) => PlanCost | undefined,
  ): Promise<Map<string, Costs>>;
  /** The index names a plan shows for this candidate (HypoPG's `<oid>btree_…`); empty when estimated. */
  names(candidate: Candidate): string[];
  /** The key of the candidate a hypothetical index name stands for. */
  owner(indexName: string): string | undefined;
  /** A name for the candidate standing where another candidate's index name shows in a plan copied from it. */
  alias(candidate: Candidate, indexName: string): string;
  upkeep(candidate: Candidate, info: TableInfo | undefined): Promise<Omit<Upkeep, 'readMsSaved'>>;
}

function costModel(
  client: pg.ClientBase,
  planner: Planner,
  catalog: Catalog,
  statements: ReadonlyMap<string, Parsed>,
  basePlans: ReadonlyMap<string, Plans>,
  values: ReadonlyMap<string, string[][]>,
  alike: ReadonlyMap<string, readonly number[]>,
  method: JudgeMethod,
  tables: ReadonlyMap<string, TableInfo>,
): CostModel {
  const hypotheticalNames = new Map<string, string[]>();
  const owners = new Map<string, string>();
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
    owner: (indexName) => owners.get(indexName),
    alias(candidate, indexName) {
      const key = candidateKey(candidate);
      const name = `${indexName} as ${key}`;
      if (owners.get(name) !== key) {
        owners.set(name, key);
        hypotheticalNames.set(key, [...(hypotheticalNames.get(key) ?? []), name]);
      }
      return name;
    },
    async costs(candidates, queryIds, reuse) {
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
      // The hypothetical indexes are made when a plan is first needed: none when every plan is known.
      let created = false;
      const create = async (): Promise<void> => {
        if (created) return;
        created = true;
        await client.query('SELECT hypopg_reset()');
        for (const candidate of btrees) {
          const made = await client.query<{ indexname: string }>('SELECT indexname FROM hypopg_create_index($1)', [
            hypotheticalStatement(candidate),
          ]);
          const names = hypotheticalNames.get(candidateKey(candidate)) ?? [];
          for (const { indexname } of made.rows) {
            names.push(indexname);
            owners.set(indexname, candidateKey(candidate));
          }
          hypotheticalNames.set(candidateKey(candidate), names);
        }
      };
      try {
        // Per statement, its plans (generic first): known ones kept, a value set planned alike to an earlier one
        // left to copy, the rest planned together.
        const slots = new Map<string, (PlanCost | undefined)[]>();
        const requests: { queryId: string; slot: number; request: PlanRequest }[] = [];
        for (const queryId of missing) {
          const statement = statements.get(queryId);
          if (!statement || !basePlans.has(queryId) || btrees.length === 0) continue;
          const vectors = values.get(queryId) ?? [];
          const firsts = alike.get(queryId) ?? [];
          const known = [undefined, ...vectors].map((_vector, slot) => reuse?.(queryId, slot));
          slots.set(queryId, known);
          for (const [slot, cost] of known.entries()) {
            if (cost || (slot > 0 && (firsts[slot - 1] ?? slot - 1) !== slot - 1)) continue;
            const request = slot === 0 ? { statement } : { statement, values: vectors[slot - 1] as string[] };
            requests.push({ queryId, slot, request });
          }
        }
        if (requests.length > 0) {
          await create();
          const plans = await planner.plan(requests.map((item) => item.request));
          for (const [index, { queryId, slot }] of requests.entries()) {
            const plan = plans[index];
            if (!plan || plan instanceof Error) throw plan ?? new Error('EXPLAIN returned no plan');
            (slots.get(queryId) as (PlanCost | undefined)[])[slot] = costOfPlan(plan);
          }
        }
        for (const queryId of missing) {
          const plans = basePlans.get(queryId);
          if (!plans) continue;
          let costs = plainCosts(plans);
          const known = slots.get(queryId);
          if (known) {
            const firsts = alike.get(queryId) ?? [];
            const [generic, ...samples] = known.map((cost, slot) => cost ?? known[(firsts[slot - 1] ?? 0) + 1]);
            costs = costsOf(generic as PlanCost, samples as PlanCost[]);
          }
          const result = estimated(candidates, queryId, costs);
          cache.set(keyOf(queryId), result);
          out.set(queryId, result);
        }
      } finally {
        if (created) await client.query('SELECT hypopg_reset()');
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
