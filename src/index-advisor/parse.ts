/**
 * Parse: each normalized statement through PostgreSQL's own parser (libpg-query, WASM), and what it asks of each
 * table: equality columns, range columns, ORDER BY columns with direction, and constant NULL tests (the only
 * constant predicates pg_stat_statements' normalization keeps; `deleted_at IS NULL` becomes a partial-index
 * condition).
 */
import { loadModule, parseSync } from 'libpg-query';
import type {
  IndexColumn,
  NullCondition,
  ParameterUse,
  ParsedStatement,
  PatternFilter,
  TableInfo,
  TableName,
  WorkloadStatement,
} from './types.js';

/** libpg-query's JSON AST, walked loosely: every node is `{ NodeType: { ...fields } }`. */
type Json = Record<string, unknown>;

let loaded: Promise<void> | undefined;
/** The WASM module must be instantiated once before parseSync. */
export function loadParser(): Promise<void> {
  loaded ??= loadModule();
  return loaded;
}

/** Tables the statement may name, resolved the way PostgreSQL does: schema given, else the search_path order. */
export class TableResolver {
  private readonly byKey = new Map<string, TableInfo>();
  constructor(
    tables: readonly TableInfo[],
    private readonly searchPath: readonly string[],
  ) {
    for (const info of tables) this.byKey.set(`${info.table.schema}.${info.table.name}`, info);
  }

  resolve(schema: string | undefined, name: string): TableInfo | undefined {
    if (schema !== undefined) return this.byKey.get(`${schema}.${name}`);
    for (const candidate of this.searchPath) {
      const found = this.byKey.get(`${candidate}.${name}`);
      if (found) return found;
    }
    return undefined;
  }
}

interface ScopeTable {
  readonly alias: string;
  readonly info: TableInfo;
}

/** Mutable per-table findings while one query level is walked. */
interface AccessDraft {
  table: TableName;
  equality: string[];
  join: string[];
  patterns: PatternFilter[];
  range: string[];
  orderBy: IndexColumn[];
  conditions: NullCondition[];
}

const RANGE_OPERATORS = new Set(['<', '>', '<=', '>=']);
/** Operators a plain btree cannot serve, and the filter each is. */
const PATTERN_OPERATORS = new Map<string, PatternFilter['kind']>([
  ['@>', 'contains'],
  ['~~', 'like'],
  ['~~*', 'ilike'],
]);

/** Parameter numbers found while walking one statement, keyed by `$n`. */
type ParameterUses = Map<number, ParameterUse | 'limit'>;

export function parseStatement(statement: WorkloadStatement, tables: TableResolver): ParsedStatement {
  let tree: { stmts?: { stmt?: Json }[] };
  try {
    tree = parseSync(statement.query) as unknown as { stmts?: { stmt?: Json }[] };
  } catch (error) {
    return { kind: 'skipped', statement, reason: `does not parse: ${(error as Error).message.split('\n')[0]}` };
  }
  const statements = tree.stmts ?? [];
  if (statements.length !== 1 || statements[0]?.stmt === undefined) {
    return { kind: 'skipped', statement, reason: 'not a single statement' };
  }
  const root = statements[0].stmt;
  const type = Object.keys(root)[0] ?? '';
  if (!['SelectStmt', 'UpdateStmt', 'DeleteStmt', 'InsertStmt'].includes(type)) {
    return {
      kind: 'skipped',
      statement,
      reason: `${type.replace(/Stmt$/, '').toUpperCase() || 'utility'} statement: no index can serve it`,
    };
  }
  const drafts: AccessDraft[] = [];
  const uses: ParameterUses = new Map();
  walkStatement(root, tables, drafts, uses);
  const accesses = drafts.filter(
    (draft) =>
      draft.equality.length +
        draft.join.length +
        draft.patterns.length +
        draft.range.length +
        draft.orderBy.length +
        draft.conditions.length >
      0,
  );
  if (accesses.length === 0) {
    const named = drafts.length > 0 || mentionsUnknownTable(root, tables);
    return {
      kind: 'skipped',
      statement,
      reason: named ? 'filters and sorts on no plain column of a user table' : 'reads no user table',
    };
  }
  return { kind: 'parsed', statement, parameters: highestParameter(root), accesses, parameterUses: uses };
}

function mentionsUnknownTable(node: unknown, tables: TableResolver): boolean {
  let found = false;
  visit(node, (key, value) => {
    if (key === 'RangeVar') {
      const range = value as Json;
      if (tables.resolve(range.schemaname as string | undefined, range.relname as string)) found = true;
    }
  });
  return found;
}

/** Walks one statement node and every query level inside it (CTEs, subqueries, set operations). */
function walkStatement(node: Json, tables: TableResolver, drafts: AccessDraft[], uses: ParameterUses): void {
  const [type, body] = Object.entries(node)[0] ?? [];
  if (body === undefined || typeof body !== 'object') return;
  const fields = body as Json;
  const withClause = fields.withClause as Json | undefined;
  for (const cte of (withClause?.ctes as Json[] | undefined) ?? []) {
    const query = (cte.CommonTableExpr as Json | undefined)?.ctequery as Json | undefined;
    if (query) walkStatement(query, tables, drafts, uses);
  }
  switch (type) {
    case 'SelectStmt': {
      if (fields.op !== undefined && fields.op !== 'SETOP_NONE') {
        if (fields.larg) walkStatement({ SelectStmt: fields.larg }, tables, drafts, uses);
        if (fields.rarg) walkStatement({ SelectStmt: fields.rarg }, tables, drafts, uses);
        return;
      }
      const scope: ScopeTable[] = [];
      const joinQuals: Json[] = [];
      for (const item of (fields.fromClause as Json[] | undefined) ?? [])
        collectFrom(item, tables, scope, joinQuals, drafts, uses);
      const limit = parameterNumber(fields.limitCount as Json | undefined);
      if (limit !== undefined) uses.set(limit, 'limit');
      analyzeLevel(
        scope,
        [fields.whereClause as Json | undefined, ...joinQuals],
        (fields.sortClause as Json[] | undefined) ?? [],
        drafts,
        tables,
        uses,
      );
      return;
    }
    case 'UpdateStmt':
    case 'DeleteStmt': {
      const scope: ScopeTable[] = [];
      const joinQuals: Json[] = [];
      collectFrom({ RangeVar: fields.relation }, tables, scope, joinQuals, drafts, uses);
      const extra = (fields.fromClause as Json[] | undefined) ?? (fields.usingClause as Json[] | undefined) ?? [];
      for (const item of extra) collectFrom(item, tables, scope, joinQuals, drafts, uses);
      analyzeLevel(scope, [fields.whereClause as Json | undefined, ...joinQuals], [], drafts, tables, uses);
      return;
    }
    case 'InsertStmt': {
      if (fields.selectStmt) walkStatement(fields.selectStmt as Json, tables, drafts, uses);
      return;
    }
    default:
      return;
  }
}

function collectFrom(
  item: Json,
  tables: TableResolver,
  scope: ScopeTable[],
  joinQuals: Json[],
  drafts: AccessDraft[],
  uses: ParameterUses,
): void {
  if (item.RangeVar) {
    const range = item.RangeVar as Json;
    const info = tables.resolve(range.schemaname as string | undefined, range.relname as string);
    if (!info) return;
    const alias = ((range.alias as Json | undefined)?.aliasname as string | undefined) ?? (range.relname as string);
    scope.push({ alias, info });
  } else if (item.JoinExpr) {
    const join = item.JoinExpr as Json;
    if (join.larg) collectFrom(join.larg as Json, tables, scope, joinQuals, drafts, uses);
    if (join.rarg) collectFrom(join.rarg as Json, tables, scope, joinQuals, drafts, uses);
    // Only inner-join conditions filter like WHERE; outer joins still look rows up by these columns.
    if (join.quals) joinQuals.push(join.quals as Json);
  } else if (item.RangeSubselect) {
    const subquery = (item.RangeSubselect as Json).subquery as Json | undefined;
    if (subquery) walkStatement(subquery, tables, drafts, uses);
  }
}

/** One query level: its tables, its WHERE and join conditions (AND-ed), its ORDER BY. */
function analyzeLevel(
  scope: ScopeTable[],
  predicates: (Json | undefined)[],
  sortClause: Json[],
  drafts: AccessDraft[],
  tables: TableResolver,
  uses: ParameterUses,
): void {
  const levelDrafts = new Map<ScopeTable, AccessDraft>();
  const draftOf = (entry: ScopeTable): AccessDraft => {
    let draft = levelDrafts.get(entry);
    if (!draft) {
      draft = { table: entry.info.table, equality: [], join: [], patterns: [], range: [], orderBy: [], conditions: [] };
      levelDrafts.set(entry, draft);
      drafts.push(draft);
    }
    return draft;
  };
  for (const entry of scope) draftOf(entry);
  const column = (node: Json | undefined): { entry: ScopeTable; name: string } | undefined =>
    resolveColumn(node, scope);

  for (const predicate of predicates) {
    for (const conjunct of conjuncts(predicate)) {
      analyzeConjunct(conjunct, column, draftOf, uses);
      // Subqueries in WHERE (EXISTS, IN (SELECT ...)) are query levels of their own.
      visit(conjunct, (key, value) => {
        if (key === 'SubLink') {
          const subselect = (value as Json).subselect as Json | undefined;
          if (subselect) walkStatement(subselect, tables, drafts, uses);
        }
      });
    }
  }
  const sorted = sortClause
    .map((item) => item.SortBy as Json)
    .map((sort) => ({ ref: column(sort.node as Json), descending: sort.sortby_dir === 'SORTBY_DESC' }));
  const first = sorted[0]?.ref;
  // An index can deliver the order only when every ORDER BY column is a plain column of one table.
  if (first && sorted.every((item) => item.ref?.entry === first.entry)) {
    draftOf(first.entry).orderBy.push(
      ...sorted.map((item) => ({ name: item.ref?.name ?? '', descending: item.descending })),
    );
  }
}

function analyzeConjunct(
  node: Json,
  column: (node: Json | undefined) => { entry: ScopeTable; name: string } | undefined,
  draftOf: (entry: ScopeTable) => AccessDraft,
  uses: ParameterUses,
): void {
  if (node.NullTest) {
    const test = node.NullTest as Json;
    const ref = column(test.arg as Json);
    if (ref)
      addUnique(
        draftOf(ref.entry).conditions,
        { column: ref.name, isNull: test.nulltesttype === 'IS_NULL' },
        (a, b) => a.column === b.column && a.isNull === b.isNull,
      );
    return;
  }
  const expression = node.A_Expr as Json | undefined;
  if (!expression) return;
  const operator = ((expression.name as Json[] | undefined)?.[0]?.String as Json | undefined)?.sval as
    string | undefined;
  const left = column(expression.lexpr as Json);
  const right = column(expression.rexpr as Json);
  const use = (ref: { entry: ScopeTable; name: string }, value: Json | undefined, role: ParameterUse['role']): void => {
    const number = parameterNumber(value);
    if (number !== undefined && !uses.has(number))
      uses.set(number, { table: ref.entry.info.table, column: ref.name, role });
  };
  switch (expression.kind) {
    case 'AEXPR_OP':
      if (operator === '=') {
        // Two tables' columns compared: a join condition, a lookup key for the inner side, not a filter of either.
        if (left && right) {
          if (left.entry !== right.entry) {
            addName(draftOf(left.entry).join, left.name);
            addName(draftOf(right.entry).join, right.name);
          }
          return;
        }
        if (left && isValue(expression.rexpr as Json)) {
          addName(draftOf(left.entry).equality, left.name);
          use(left, expression.rexpr as Json, 'equality');
        }
        if (right && isValue(expression.lexpr as Json)) {
          addName(draftOf(right.entry).equality, right.name);
          use(right, expression.lexpr as Json, 'equality');
        }
      } else if (operator && RANGE_OPERATORS.has(operator)) {
        const lowerBound = operator.startsWith('>');
        if (left && isValue(expression.rexpr as Json)) {
          addName(draftOf(left.entry).range, left.name);
          use(left, expression.rexpr as Json, lowerBound ? 'lower' : 'upper');
        }
        if (right && isValue(expression.lexpr as Json)) {
          addName(draftOf(right.entry).range, right.name);
          use(right, expression.lexpr as Json, lowerBound ? 'upper' : 'lower');
        }
      } else if (operator === '@>' && left && isValue(expression.rexpr as Json)) {
        addPattern(draftOf(left.entry).patterns, { column: left.name, kind: 'contains' });
        use(left, expression.rexpr as Json, 'contains');
      }
      return;
    case 'AEXPR_LIKE':
    case 'AEXPR_ILIKE': {
      const kind = PATTERN_OPERATORS.get(operator ?? '');
      if (left && (kind === 'like' || kind === 'ilike') && isValue(expression.rexpr as Json)) {
        addPattern(draftOf(left.entry).patterns, { column: left.name, kind });
        use(left, expression.rexpr as Json, kind);
      }
      return;
    }
    case 'AEXPR_IN':
    case 'AEXPR_OP_ANY':
      if (left && operator === '=') addName(draftOf(left.entry).equality, left.name);
      return;
    case 'AEXPR_BETWEEN':
      if (left) addName(draftOf(left.entry).range, left.name);
      return;
    default:
      return;
  }
}

/** `$n`, or `$n::type`: the parameter's number. */
function parameterNumber(node: Json | undefined): number | undefined {
  const cast = node?.TypeCast as Json | undefined;
  const param = (cast ? (cast.arg as Json | undefined) : node)?.ParamRef as Json | undefined;
  return param ? Number(param.number ?? 0) : undefined;
}

function addPattern(list: PatternFilter[], pattern: PatternFilter): void {
  addUnique(list, pattern, (a, b) => a.column === b.column && a.kind === b.kind);
}

/** A parameter, constant, or an expression of them (casts, functions such as now() - $1). */
function isValue(node: Json | undefined): boolean {
  if (node === undefined) return false;
  let columnFound = false;
  visit(node, (key) => {
    if (key === 'ColumnRef' || key === 'SubLink') columnFound = true;
  });
  return !columnFound;
}

function resolveColumn(node: Json | undefined, scope: ScopeTable[]): { entry: ScopeTable; name: string } | undefined {
  const ref = node?.ColumnRef as Json | undefined;
  if (!ref) return undefined;
  const names = ((ref.fields as Json[] | undefined) ?? []).map(
    (field) => (field.String as Json | undefined)?.sval as string | undefined,
  );
  if (names.some((name) => name === undefined)) return undefined; // `t.*`
  const name = names[names.length - 1] as string;
  if (names.length >= 2) {
    const qualifier = names[names.length - 2] as string;
    const entry = scope.find((item) => item.alias === qualifier);
    return entry && entry.info.columns.includes(name) ? { entry, name } : undefined;
  }
  const owners = scope.filter((item) => item.info.columns.includes(name));
  return owners.length === 1 && owners[0] ? { entry: owners[0], name } : undefined;
}

function conjuncts(node: Json | undefined): Json[] {
  if (node === undefined) return [];
  const bool = node.BoolExpr as Json | undefined;
  if (bool?.boolop === 'AND_EXPR') return ((bool.args as Json[] | undefined) ?? []).flatMap((arg) => conjuncts(arg));
  // OR and NOT branches are not one index's prefix: they are left to the planner (bitmap OR), not proposed.
  if (bool) return [];
  return [node];
}

function highestParameter(node: unknown): number {
  let highest = 0;
  visit(node, (key, value) => {
    if (key === 'ParamRef') highest = Math.max(highest, Number((value as Json).number ?? 0));
  });
  return highest;
}

function visit(node: unknown, onNode: (key: string, value: unknown) => void): void {
  if (Array.isArray(node)) {
    for (const item of node) visit(item, onNode);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  for (const [key, value] of Object.entries(node)) {
    onNode(key, value);
    visit(value, onNode);
  }
}

function addName(list: string[], name: string): void {
  if (!list.includes(name)) list.push(name);
}

function addUnique<T>(list: T[], item: T, same: (a: T, b: T) => boolean): void {
  if (!list.some((existing) => same(existing, item))) list.push(item);
}
