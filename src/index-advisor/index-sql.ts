/**
 * The SQL text of a proposed index: identifiers quoted as quote_ident would, a deterministic name of at most 63
 * bytes (PostgreSQL's NAMEDATALEN - 1; a longer name would be cut silently and could collide), the definition.
 */
import { createHash } from 'node:crypto';
import { scanSync } from 'libpg-query';
import { quotedIdentifier } from './escape.js';
import type { Candidate, IndexColumn, TableName } from './types.js';

const MAX_NAME_BYTES = 63;

/** Bare when PostgreSQL would read it back unchanged (lower case, not a reserved word); else double-quoted. */
export function quoteIdent(name: string): string {
  if (/^[a-z_][a-z0-9_$]*$/.test(name)) {
    const tokens = scanSync(name).tokens;
    // keywordKind 0: not a keyword, 1: unreserved keyword; the others need quotes as identifiers.
    if (tokens.length === 1 && (tokens[0]?.keywordKind ?? 0) <= 1) return name;
  }
  return quotedIdentifier(name);
}

/** Always `schema.table`: unqualified, a role whose search_path finds a same-named table first would get the index. */
export function qualifiedName(table: TableName): string {
  return `${quoteIdent(table.schema)}.${quoteIdent(table.name)}`;
}

/** What a cut name's hash is taken of: `public` left out, as earlier versions did, so a name stays the same. */
function hashedDefinition(candidate: Pick<Candidate, 'table' | 'columns' | 'conditions' | 'method'>): string {
  const table = candidate.table.schema === 'public' ? quoteIdent(candidate.table.name) : qualifiedName(candidate.table);
  return `${table} ${indexBody(candidate)}`;
}

/** `(a, b DESC) WHERE c IS NULL`, `USING gin (payload jsonb_path_ops)`: the part after `ON table`. */
export function indexBody(candidate: Pick<Candidate, 'columns' | 'conditions' | 'method'>): string {
  const columns = candidate.columns
    .map((column) => `${quoteIdent(column.name)}${operatorClass(column)}${column.descending ? ' DESC' : ''}`)
    .join(', ');
  const method = candidate.method ? `USING ${candidate.method} ` : '';
  const condition = candidate.conditions
    .map((item) => `${quoteIdent(item.column)} IS ${item.isNull ? '' : 'NOT '}NULL`)
    .join(' AND ');
  return `${method}(${columns})${condition === '' ? '' : ` WHERE ${condition}`}`;
}

/** ` jsonb_path_ops`, ` "extensions".gin_trgm_ops`: qualified by the extension's schema when one is known. */
function operatorClass(column: IndexColumn): string {
  if (!column.opclass) return '';
  return column.opclassSchema === undefined
    ? ` ${quoteIdent(column.opclass)}`
    : ` ${quoteIdent(column.opclassSchema)}.${quoteIdent(column.opclass)}`;
}

/**
 * idx_<table>_<columns>[_<condition>]: readable and the same on every run for the same index. Past 63 bytes, or
 * when the readable name is taken by another index, it is cut and ends in a hash of the definition.
 */
export function indexName(
  candidate: Pick<Candidate, 'table' | 'columns' | 'conditions' | 'method'>,
  taken: ReadonlySet<string> = new Set(),
): string {
  const parts = [
    candidate.table.name,
    ...candidate.columns.map((column) => (column.opclass ? `${column.name}_${column.opclass}` : column.name)),
  ];
  for (const condition of candidate.conditions)
    parts.push(condition.isNull ? `${condition.column}_null` : `${condition.column}_notnull`);
  const readable = `idx_${parts.join('_')}`.toLowerCase().replace(/[^a-z0-9_]+/g, '_');
  if (Buffer.byteLength(readable) <= MAX_NAME_BYTES && !taken.has(readable)) return readable;
  const hash = createHash('sha256').update(hashedDefinition(candidate)).digest('hex').slice(0, 8);
  return `${readable.slice(0, MAX_NAME_BYTES - hash.length - 1).replace(/_+$/, '')}_${hash}`;
}

export function createIndexStatement(
  name: string,
  candidate: Pick<Candidate, 'table' | 'columns' | 'conditions' | 'method'>,
): string {
  return `CREATE INDEX CONCURRENTLY IF NOT EXISTS ${quoteIdent(name)} ON ${qualifiedName(candidate.table)} ${indexBody(candidate)}`;
}

/** The same index without CONCURRENTLY / IF NOT EXISTS, as hypopg_create_index() takes it. */
export function hypotheticalStatement(
  candidate: Pick<Candidate, 'table' | 'columns' | 'conditions' | 'method'>,
): string {
  return `CREATE INDEX ON ${qualifiedName(candidate.table)} ${indexBody(candidate)}`;
}

/** The index lives in its table's schema: qualified the same way, whatever the search_path. */
export function qualifiedIndexName(name: string, table: TableName): string {
  return `${quoteIdent(table.schema)}.${quoteIdent(name)}`;
}

export function dropIndexStatement(name: string, table: TableName): string {
  return `DROP INDEX CONCURRENTLY IF EXISTS ${qualifiedIndexName(name, table)}`;
}
