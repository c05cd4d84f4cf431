/**
 * Candidates from parsed statements: equality columns first, then one range column or the ORDER BY columns (with
 * direction), NULL tests as the partial-index condition. Candidates an existing index already serves (its leading
 * columns) are dropped with the reason; a candidate whose columns lead another's is merged into it.
 */
import type { Candidate, ExistingIndex, IndexColumn, NullCondition, ParsedStatement, Rejection, TableAccess } from './types.js';

export function deriveCandidate(access: TableAccess): Omit<Candidate, 'statementIds'> | undefined {
  const columns: IndexColumn[] = access.equality.map((name) => ({ name, descending: false }));
  const equalityColumns = columns.length;
  const has = (name: string): boolean => columns.some((column) => column.name === name);
  const orderBy = access.orderBy.filter((column) => !has(column.name));
  const range = access.range.filter((name) => !has(name));
  // Rows come out of a btree in key order after the equality prefix: ORDER BY is served when no range column
  // sits in between, or when the range column is the first sort column itself (created_at > $1 ORDER BY created_at).
  if (orderBy.length > 0 && (range.length === 0 || range[0] === orderBy[0]?.name)) columns.push(...orderBy);
  else if (range[0] !== undefined) columns.push({ name: range[0], descending: false });
  const conditions = [...access.conditions].sort((a, b) => a.column.localeCompare(b.column) || Number(a.isNull) - Number(b.isNull));
  if (columns.length === 0) {
    // Only NULL tests: an index on the tested column, partial on the test, still finds the few matching rows.
    const first = conditions[0];
    if (!first) return undefined;
    columns.push({ name: first.column, descending: false });
  }
  return { table: access.table, columns, equalityColumns, conditions };
}

/** One candidate per distinct (table, columns, condition), with every statement that asked for it. */
export function collectCandidates(parsed: readonly ParsedStatement[]): Candidate[] {
  const byKey = new Map<string, { base: Omit<Candidate, 'statementIds'>; ids: Set<string> }>();
  for (const item of parsed) {
    if (item.kind !== 'parsed') continue;
    for (const access of item.accesses) {
      const base = deriveCandidate(access);
      if (!base) continue;
      const key = candidateKey(base);
      const entry = byKey.get(key) ?? { base, ids: new Set<string>() };
      entry.ids.add(item.statement.queryId);
      byKey.set(key, entry);
    }
  }
  return [...byKey.values()].map(({ base, ids }) => ({ ...base, statementIds: [...ids] }));
}

export function candidateKey(candidate: Pick<Candidate, 'table' | 'columns' | 'conditions'>): string {
  const columns = candidate.columns.map((column) => `${column.name}${column.descending ? ' desc' : ''}`).join(',');
  return `${candidate.table.schema}.${candidate.table.name}(${columns})${conditionText(candidate.conditions)}`;
}

export function conditionText(conditions: readonly NullCondition[]): string {
  return conditions.map((condition) => `${condition.column} IS ${condition.isNull ? '' : 'NOT '}NULL`).join(' AND ');
}

/** An existing valid btree whose leading columns are the candidate's columns, with the same or no condition. */
export function servingIndex(candidate: Candidate, indexes: readonly ExistingIndex[]): ExistingIndex | undefined {
  return indexes.find(
    (index) =>
      index.valid &&
      index.method === 'btree' &&
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
  const namesMatch = columns.every((column, position) => unquote(index.columns[position] ?? '') === column.name);
  if (!namesMatch) return false;
  const sorted = columns.map((column, position) => ({ column, position })).slice(candidate.equalityColumns);
  const same = sorted.every(({ column, position }) => (index.descending[position] ?? false) === column.descending);
  const reversed = sorted.every(({ column, position }) => (index.descending[position] ?? false) !== column.descending);
  return same || reversed;
}

/**
 * An INVALID index (a concurrent build that failed or whose backend was killed) with exactly the candidate's
 * definition: not unique, the same columns, directions and condition. The advisor rebuilds it under its name.
 */
export function invalidLeftover(candidate: Pick<Candidate, 'table' | 'columns' | 'conditions'>, indexes: readonly ExistingIndex[]): ExistingIndex | undefined {
  return indexes.find(
    (index) =>
      !index.valid &&
      !index.unique &&
      index.method === 'btree' &&
      index.table.schema === candidate.table.schema &&
      index.table.name === candidate.table.name &&
      index.columns.length === candidate.columns.length &&
      candidate.columns.every(
        (column, position) => unquote(index.columns[position] ?? '') === column.name && (index.descending[position] ?? false) === column.descending,
      ) &&
      (index.predicate === null ? candidate.conditions.length === 0 : normalizePredicate(index.predicate) === normalizePredicate(conditionText(candidate.conditions))),
  );
}

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
    if (existing) rejected.push({ candidate, reason: `existing index ${existing.name} already serves it (leading columns)` });
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
    conditionText(host.conditions) === conditionText(candidate.conditions) &&
    candidate.columns.every((column, position) => {
      const hostColumn = host.columns[position];
      return hostColumn?.name === column.name && (position < candidate.equalityColumns || hostColumn.descending === column.descending);
    })
  );
}
