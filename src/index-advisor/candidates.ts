/**
 * Candidates from parsed statements: equality columns first, then one range column or the ORDER BY columns (with
 * direction), NULL tests as the partial-index condition; GIN for jsonb containment and ILIKE, text_pattern_ops for
 * LIKE. Candidates an existing index already serves (its leading columns) are dropped with the reason; a candidate
 * whose columns lead another's is merged into it.
 */
import type {
  Candidate,
  ColumnStats,
  ExistingIndex,
  IndexColumn,
  NullCondition,
  ParsedStatement,
  Rejection,
  TableAccess,
} from './types.js';

type Draft = Omit<Candidate, 'statementIds'>;

/** What candidate derivation needs to know beyond the statement: whether pg_trgm exists, and where. */
export interface DeriveContext {
  readonly trigramSchema?: string;
}

/** The btree candidate, then one candidate per filter no plain btree serves. */
export function deriveCandidates(access: TableAccess, context: DeriveContext = {}): Draft[] {
  const btree = deriveCandidate(access);
  const conditions = sortedConditions(access.conditions);
  const patterns = access.patterns.flatMap((pattern): Draft[] => {
    switch (pattern.kind) {
      case 'contains':
        return [
          {
            table: access.table,
            method: 'gin',
            columns: [{ name: pattern.column, descending: false, opclass: 'jsonb_path_ops' }],
            equalityColumns: 0,
            conditions,
          },
        ];
      case 'like': {
        // A prefix pattern (`abc%`) is a range of a text_pattern_ops btree, after the equality columns.
        const columns: IndexColumn[] = [
          ...access.equality.map((name) => ({ name, descending: false })),
          { name: pattern.column, descending: false, opclass: 'text_pattern_ops' },
        ];
        return [{ table: access.table, columns, equalityColumns: access.equality.length, conditions }];
      }
      case 'ilike':
        if (context.trigramSchema === undefined) return [];
        return [
          {
            table: access.table,
            method: 'gin',
            columns: [
              {
                name: pattern.column,
                descending: false,
                opclass: 'gin_trgm_ops',
                opclassSchema: context.trigramSchema,
              },
            ],
            equalityColumns: 0,
            conditions,
          },
        ];
    }
  });
  return [...(btree ? [btree] : []), ...patterns];
}

function sortedConditions(conditions: readonly NullCondition[]): NullCondition[] {
  return [...conditions].sort((a, b) => a.column.localeCompare(b.column) || Number(a.isNull) - Number(b.isNull));
}

export function deriveCandidate(access: TableAccess): Draft | undefined {
  // Join columns are lookup keys only for a table the statement filters by nothing else (the inner side of a join):
  // on the driving table they would sit between its filter and its sort and spoil the order.
  const filtered =
    access.equality.length +
      access.range.length +
      access.orderBy.length +
      access.conditions.length +
      access.patterns.length >
    0;
  const keys = filtered ? access.equality : access.join;
  const columns: IndexColumn[] = keys.map((name) => ({ name, descending: false }));
  const equalityColumns = columns.length;
  const has = (name: string): boolean => columns.some((column) => column.name === name);
  const orderBy = access.orderBy.filter((column) => !has(column.name));
  const range = access.range.filter((name) => !has(name));
  // Rows come out of a btree in key order after the equality prefix: ORDER BY is served when no range column
  // sits in between, or when the range column is the first sort column itself (created_at > $1 ORDER BY created_at).
  if (orderBy.length > 0 && (range.length === 0 || range[0] === orderBy[0]?.name)) columns.push(...orderBy);
  else if (range[0] !== undefined) columns.push({ name: range[0], descending: false });
  const conditions = sortedConditions(access.conditions);
  if (columns.length === 0) {
    // Only NULL tests: an index on the tested column, partial on the test, still finds the few matching rows.
    const first = conditions[0];
    if (!first) return undefined;
    columns.push({ name: first.column, descending: false });
  }
  return { table: access.table, columns, equalityColumns, conditions };
}

/** One candidate per distinct (table, columns, condition), with every statement that asked for it. */
export function collectCandidates(parsed: readonly ParsedStatement[], context: DeriveContext = {}): Candidate[] {
  const byKey = new Map<string, { base: Draft; ids: Set<string> }>();
  for (const item of parsed) {
    if (item.kind !== 'parsed') continue;
    for (const access of item.accesses) {
      for (const base of deriveCandidates(access, context)) {
        const key = candidateKey(base);
        const entry = byKey.get(key) ?? { base, ids: new Set<string>() };
        entry.ids.add(item.statement.queryId);
        byKey.set(key, entry);
      }
    }
  }
  return [...byKey.values()].map(({ base, ids }) => ({ ...base, statementIds: [...ids] }));
}

/** ILIKE filters no candidate covers because pg_trgm is missing: what to run to get one. */
export function trigramNote(
  parsed: readonly ParsedStatement[],
  state: 'created' | 'available' | 'absent',
): string | undefined {
  if (state === 'created') return undefined;
  const count = parsed.filter(
    (item) =>
      item.kind === 'parsed' &&
      item.accesses.some((access) => access.patterns.some((pattern) => pattern.kind === 'ilike')),
  ).length;
  if (count === 0) return undefined;
  const how =
    state === 'available'
      ? 'CREATE EXTENSION pg_trgm; then run the advisor again'
      : 'install pg_trgm (PostgreSQL contrib), CREATE EXTENSION pg_trgm;';
  return `${count} statement(s) filter with ILIKE: only a pg_trgm GIN index serves that and pg_trgm is not created here (${how})`;
}

/**
 * A flag column (two values or fewer, e.g. `active`) keeps about half the rows or more whatever the value: as a
 * leading key column it only adds width. It is left out of the key, and a candidate left with no column is dropped.
 */
export function withoutFlagColumns(
  candidates: readonly Candidate[],
  stats: (candidate: Candidate, column: string) => ColumnStats | undefined,
): { kept: Candidate[]; rejected: Rejection[] } {
  const kept: Candidate[] = [];
  const rejected: Rejection[] = [];
  for (const candidate of candidates) {
    const flags = candidate.columns
      .slice(0, candidate.equalityColumns)
      .filter((column) => (stats(candidate, column.name)?.distinct ?? Infinity) <= 2);
    if (flags.length === 0) {
      kept.push(candidate);
      continue;
    }
    const names = flags.map((column) => column.name);
    const describe = names.map((name) => `${name} (${flagShare(stats(candidate, name))})`).join(', ');
    const columns = candidate.columns.filter((column) => !names.includes(column.name));
    if (columns.length === 0) {
      rejected.push({ candidate, reason: `low selectivity: ${describe} keeps most rows whatever the value` });
      continue;
    }
    const narrowed = { ...candidate, columns, equalityColumns: candidate.equalityColumns - flags.length };
    rejected.push({
      candidate,
      reason: `low selectivity leading column ${describe}: left out of the key, considered as ${candidateKey(narrowed)}`,
    });
    kept.push(narrowed);
  }
  return { kept, rejected };
}

function flagShare(stats: ColumnStats | undefined): string {
  const top = stats?.commonFrequencies[0];
  return top === undefined
    ? `${stats?.distinct ?? '?'} values`
    : `${stats?.distinct ?? '?'} values, the most common ${(top * 100).toFixed(0)} % of rows`;
}

export function candidateKey(candidate: Pick<Candidate, 'table' | 'columns' | 'conditions' | 'method'>): string {
  const columns = candidate.columns
    .map((column) => `${column.name}${column.opclass ? ` ${column.opclass}` : ''}${column.descending ? ' desc' : ''}`)
    .join(',');
  const method = candidate.method ? ` using ${candidate.method}` : '';
  return `${candidate.table.schema}.${candidate.table.name}${method}(${columns})${conditionText(candidate.conditions)}`;
}

export function conditionText(conditions: readonly NullCondition[]): string {
  return conditions.map((condition) => `${condition.column} IS ${condition.isNull ? '' : 'NOT '}NULL`).join(' AND ');
}

/** An existing valid btree whose leading columns are the candidate's columns, with the same or no condition. */
export function servingIndex(candidate: Candidate, indexes: readonly ExistingIndex[]): ExistingIndex | undefined {
  return indexes.find(
    (index) =>
      index.valid &&
      index.method === (candidate.method ?? 'btree') &&
      index.table.schema === candidate.table.schema &&
      index.table.name === candidate.table.name &&
      leadsWith(index, candidate) &&
      predicateServes(index.predicate, candidate.conditions),
  );
}

/**
 * Column names match in order; past the equality columns, directions match all the same or all reversed (a btree
 * is read both ways).
 */
function leadsWith(index: ExistingIndex, candidate: Candidate): boolean {
  const { columns } = candidate;
  if (index.columns.length < columns.length) return false;
  const namesMatch = columns.every(
    (column, position) =>
      unquote(index.columns[position] ?? '') === column.name && sameOpclass(index, position, column),
  );
  if (!namesMatch) return false;
  if (candidate.method === 'gin') return true;
  const sorted = columns.map((column, position) => ({ column, position })).slice(candidate.equalityColumns);
  const same = sorted.every(({ column, position }) => (index.descending[position] ?? false) === column.descending);
  const reversed = sorted.every(({ column, position }) => (index.descending[position] ?? false) !== column.descending);
  return same || reversed;
}

/**
 * An INVALID index (a concurrent build that failed or whose backend was killed) with exactly the candidate's
 * definition: not unique, the same columns, directions and condition. The advisor rebuilds it under its name.
 */
export function invalidLeftover(
  candidate: Pick<Candidate, 'table' | 'columns' | 'conditions' | 'method'>,
  indexes: readonly ExistingIndex[],
): ExistingIndex | undefined {
  return indexes.find(
    (index) =>
      !index.valid &&
      !index.unique &&
      index.method === (candidate.method ?? 'btree') &&
      index.table.schema === candidate.table.schema &&
      index.table.name === candidate.table.name &&
      index.columns.length === candidate.columns.length &&
      candidate.columns.every(
        (column, position) =>
          unquote(index.columns[position] ?? '') === column.name &&
          (index.descending[position] ?? false) === column.descending &&
          sameOpclass(index, position, column),
      ) &&
      (index.predicate === null
        ? candidate.conditions.length === 0
        : normalizePredicate(index.predicate) === normalizePredicate(conditionText(candidate.conditions))),
  );
}

/** The candidate's operator class, or a default one when it names none (opclasses unknown: assumed default). */
function sameOpclass(index: ExistingIndex, position: number, column: IndexColumn): boolean {
  const existing = index.opclasses?.[position];
  if (existing === undefined) return column.opclass === undefined;
  return column.opclass === undefined ? !SPECIAL_OPCLASSES.has(existing) : existing === column.opclass;
}

const SPECIAL_OPCLASSES = new Set([
  'jsonb_path_ops',
  'text_pattern_ops',
  'varchar_pattern_ops',
  'bpchar_pattern_ops',
  'gin_trgm_ops',
  'gist_trgm_ops',
]);

function predicateServes(predicate: string | null, conditions: readonly NullCondition[]): boolean {
  if (predicate === null) return true;
  return normalizePredicate(predicate) === normalizePredicate(conditionText(conditions));
}

function normalizePredicate(text: string): string {
  return text.replace(/[()"\s]/g, '').toLowerCase();
}

function unquote(name: string): string {
  return name.startsWith('"') && name.endsWith('"') ? name.slice(1, -1).replaceAll('""', '"') : name;
}

/**
 * Drops candidates an existing index serves and merges a candidate into a longer one that begins with its columns
 * (same table and condition): one index then serves both statements' lookups.
 */
export function pruneCandidates(
  candidates: readonly Candidate[],
  indexes: readonly ExistingIndex[],
): { kept: Candidate[]; rejected: Rejection[] } {
  const rejected: Rejection[] = [];
  const open: Candidate[] = [];
  for (const candidate of candidates) {
    const existing = servingIndex(candidate, indexes);
    if (existing)
      rejected.push({ candidate, reason: `existing index ${existing.name} already serves it (leading columns)` });
    else open.push(candidate);
  }
  // Longest first, so a short candidate finds the longest index that covers it.
  open.sort((a, b) => b.columns.length - a.columns.length || candidateKey(a).localeCompare(candidateKey(b)));
  const kept: Candidate[] = [];
  for (const candidate of open) {
    const hostIndex = kept.findIndex((host) => covers(host, candidate));
    const host = kept[hostIndex];
    if (host === undefined) {
      kept.push(candidate);
      continue;
    }
    kept[hostIndex] = { ...host, statementIds: [...new Set([...host.statementIds, ...candidate.statementIds])] };
    rejected.push({ candidate, reason: `merged into ${candidateKey(host)}` });
  }
  return { kept, rejected };
}

function covers(host: Candidate, candidate: Candidate): boolean {
  return (
    host.table.schema === candidate.table.schema &&
    host.table.name === candidate.table.name &&
    host.method === candidate.method &&
    (host.method !== 'gin' || host.columns.length === candidate.columns.length) &&
    conditionText(host.conditions) === conditionText(candidate.conditions) &&
    candidate.columns.every((column, position) => {
      const hostColumn = host.columns[position];
      return (
        hostColumn?.name === column.name &&
        hostColumn.opclass === column.opclass &&
        (position < candidate.equalityColumns || hostColumn.descending === column.descending)
      );
    })
  );
}
