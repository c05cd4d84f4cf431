// Parse → candidates → names without a server: what each statement form asks of each table, and the index the
// advisor derives from it.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { collectCandidates, deriveCandidate, pruneCandidates } from '../../src/index-advisor/candidates.js';
import { createIndexStatement, indexBody, indexName, quoteIdent } from '../../src/index-advisor/index-sql.js';
import { loadParser, parseStatement, TableResolver } from '../../src/index-advisor/parse.js';
import type { ExistingIndex, ParsedStatement, TableInfo } from '../../src/index-advisor/types.js';

const table = (name: string, columns: string[], schema = 'public'): TableInfo => ({
  table: { schema, name },
  columns,
  seqScan: 10,
  idxScan: null,
  liveRows: 1000,
  pages: 100,
  estimatedRows: 1000,
  readable: true,
});

const TABLES = new TableResolver(
  [
    table('messages', ['id', 'conversation_id', 'user_id', 'body', 'created_at', 'deleted_at']),
    table('users', ['id', 'email', 'name', 'org_id']),
    table('events', ['id', 'kind', 'at'], 'audit'),
  ],
  ['public', 'audit'],
);

let counter = 0;
function parse(query: string): ParsedStatement {
  return parseStatement({ queryId: String(++counter), query, calls: 1, totalMs: 1, meanMs: 1 }, TABLES);
}

/** The index bodies derived for a statement, e.g. `messages (a, b DESC)`. */
function indexesFor(query: string): string[] {
  const parsed = parse(query);
  if (parsed.kind !== 'parsed') throw new Error(`skipped: ${parsed.reason}`);
  return parsed.accesses.flatMap((access) => {
    const candidate = deriveCandidate(access);
    return candidate ? [`${candidate.table.name} ${indexBody(candidate)}`] : [];
  });
}

beforeAll(loadParser);

describe('candidates from statements', () => {
  it('equality columns, then ORDER BY with its direction, and a NULL test as the partial condition', () => {
    expect(
      indexesFor(
        'SELECT * FROM messages WHERE conversation_id = $1 AND deleted_at IS NULL ORDER BY created_at DESC LIMIT $2',
      ),
    ).toEqual(['messages (conversation_id, created_at DESC) WHERE deleted_at IS NULL']);
  });

  it('equality columns before a range column; the range column is the ORDER BY column when they are the same', () => {
    expect(indexesFor('SELECT id FROM messages WHERE created_at > $1 AND user_id = $2')).toEqual([
      'messages (user_id, created_at)',
    ]);
    expect(
      indexesFor('SELECT id FROM messages WHERE user_id = $1 AND created_at < $2 ORDER BY created_at DESC'),
    ).toEqual(['messages (user_id, created_at DESC)']);
    // A range on another column than the sort: the order cannot come from the index after the range.
    expect(indexesFor('SELECT id FROM messages WHERE user_id = $1 AND id > $2 ORDER BY created_at')).toEqual([
      'messages (user_id, id)',
    ]);
  });

  it('IN lists, = ANY and BETWEEN; aliases, joins (the join column only on the side filtered by nothing else), UPDATE and DELETE, CTEs and subqueries', () => {
    expect(indexesFor('SELECT * FROM messages WHERE user_id IN ($1, $2, $3)')).toEqual(['messages (user_id)']);
    expect(indexesFor('SELECT * FROM messages WHERE user_id = ANY($1)')).toEqual(['messages (user_id)']);
    expect(indexesFor('SELECT * FROM messages WHERE created_at BETWEEN $1 AND $2')).toEqual(['messages (created_at)']);
    expect(indexesFor('SELECT m.id FROM messages m JOIN users u ON u.id = m.user_id WHERE u.org_id = $1')).toEqual([
      'messages (user_id)',
      'users (org_id)',
    ]);
    // The driving table's filter and sort, not its join column in between (that index could not deliver the order).
    expect(
      indexesFor(
        'SELECT m.id FROM messages m JOIN users u ON u.id = m.user_id WHERE m.conversation_id = $1 ORDER BY m.created_at DESC LIMIT 25',
      ),
    ).toEqual(['messages (conversation_id, created_at DESC)', 'users (id)']);
    expect(indexesFor('UPDATE messages SET body = $1 WHERE conversation_id = $2')).toEqual([
      'messages (conversation_id)',
    ]);
    expect(indexesFor('DELETE FROM messages WHERE deleted_at IS NOT NULL AND created_at < $1')).toEqual([
      'messages (created_at) WHERE deleted_at IS NOT NULL',
    ]);
    expect(indexesFor('WITH recent AS (SELECT * FROM messages WHERE user_id = $1) SELECT * FROM recent')).toEqual([
      'messages (user_id)',
    ]);
    expect(
      indexesFor('SELECT * FROM users WHERE id IN (SELECT user_id FROM messages WHERE conversation_id = $1)'),
    ).toEqual(['messages (conversation_id)']);
    expect(indexesFor('SELECT * FROM audit.events WHERE kind = $1 ORDER BY at DESC')).toEqual([
      'events (kind, at DESC)',
    ]);
    expect(indexesFor('SELECT * FROM events WHERE "kind" = $1')).toEqual(['events (kind)']);
  });

  it('leaves OR branches, expressions on columns and unknown tables to the planner', () => {
    expect(parse('SELECT * FROM messages WHERE user_id = $1 OR conversation_id = $2')).toMatchObject({
      kind: 'skipped',
      reason: 'filters and sorts on no plain column of a user table',
    });
    expect(parse('SELECT * FROM messages WHERE lower(body) = $1')).toMatchObject({ kind: 'skipped' });
    expect(parse('SELECT * FROM pg_class WHERE relname = $1')).toMatchObject({
      kind: 'skipped',
      reason: 'reads no user table',
    });
    expect(parse('SET search_path = $1')).toMatchObject({
      kind: 'skipped',
      reason: 'VARIABLESET statement: no index can serve it',
    });
    expect(parse('SELEC oops')).toMatchObject({ kind: 'skipped', reason: expect.stringMatching(/^does not parse: /) });
  });

  it('counts the parameters, for EXPLAIN EXECUTE with NULLs before PostgreSQL 16', () => {
    expect(parse('SELECT * FROM messages WHERE user_id = $1 LIMIT $3')).toMatchObject({
      kind: 'parsed',
      parameters: 3,
    });
  });
});

describe('pruning', () => {
  const existing = (columns: string[], descending: boolean[], predicate: string | null = null): ExistingIndex => ({
    name: 'existing_idx',
    table: { schema: 'public', name: 'messages' },
    method: 'btree',
    valid: true,
    unique: false,
    columns,
    descending,
    predicate,
  });
  const candidates = (...queries: string[]) => collectCandidates(queries.map(parse));

  it('drops a candidate whose columns lead an existing index (either scan direction, same condition)', () => {
    const found = candidates('SELECT * FROM messages WHERE user_id = $1 ORDER BY created_at DESC');
    expect(pruneCandidates(found, [existing(['user_id', 'created_at', 'id'], [false, false, false])]).kept).toEqual([]);
    expect(pruneCandidates(found, [existing(['created_at', 'user_id'], [false, false])]).kept).toHaveLength(1);
    // A partial index serves only statements with its condition.
    expect(
      pruneCandidates(found, [existing(['user_id', 'created_at'], [false, true], '(deleted_at IS NULL)')]).kept,
    ).toHaveLength(1);
    // An INVALID index serves nothing.
    expect(pruneCandidates(found, [{ ...existing(['user_id'], [false]), valid: false }]).kept).toHaveLength(1);
  });

  it('merges a candidate into a longer one that begins with its columns, keeping both statements', () => {
    const found = candidates(
      'SELECT count(*) FROM messages WHERE conversation_id = $1 AND deleted_at IS NULL',
      'SELECT * FROM messages WHERE conversation_id = $1 AND deleted_at IS NULL ORDER BY created_at DESC',
      'SELECT * FROM messages WHERE conversation_id = $1',
    );
    const { kept, rejected } = pruneCandidates(found, []);
    expect(kept.map((candidate) => indexBody(candidate)).sort()).toEqual([
      '(conversation_id)',
      '(conversation_id, created_at DESC) WHERE deleted_at IS NULL',
    ]);
    expect(kept.find((candidate) => candidate.columns.length === 2)?.statementIds).toHaveLength(2);
    expect(rejected.map((item) => item.reason)).toEqual([
      'merged into public.messages(conversation_id,created_at desc)deleted_at IS NULL',
    ]);
  });
});

describe('names and SQL', () => {
  it('quotes identifiers as quote_ident would', () => {
    expect(quoteIdent('created_at')).toBe('created_at');
    expect(quoteIdent('name')).toBe('name'); // an unreserved keyword
    expect(quoteIdent('order')).toBe('"order"');
    expect(quoteIdent('userId')).toBe('"userId"');
    expect(quoteIdent('we"ird')).toBe('"we""ird"');
  });

  it('writes CREATE INDEX CONCURRENTLY IF NOT EXISTS with a readable deterministic name', () => {
    const candidate = {
      table: { schema: 'audit', name: 'Events' },
      columns: [{ name: 'order', descending: true }],
      equalityColumns: 0,
      conditions: [],
    };
    const name = indexName(candidate);
    expect(name).toBe('idx_events_order');
    expect(createIndexStatement(name, candidate)).toBe(
      'CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_events_order ON audit."Events" ("order" DESC)',
    );
    expect(indexName(candidate, new Set(['idx_events_order']))).toMatch(/^idx_events_order_[0-9a-f]{8}$/);
  });

  it('property: a name is at most 63 bytes, the same on every call, and differs for different long definitions', () => {
    const identifier = fc.stringMatching(/^[a-zA-Z_é][a-zA-Z0-9_é]{0,40}$/);
    fc.assert(
      fc.property(
        identifier,
        fc.array(identifier, { minLength: 1, maxLength: 6 }),
        fc.boolean(),
        (tableName, columns, partial) => {
          const candidate = {
            table: { schema: 'public', name: tableName },
            columns: columns.map((name) => ({ name, descending: false })),
            conditions: partial ? [{ column: columns[0] ?? 'x', isNull: true }] : [],
          };
          const name = indexName(candidate);
          expect(Buffer.byteLength(name)).toBeLessThanOrEqual(63);
          expect(indexName(candidate)).toBe(name);
          const longer = {
            ...candidate,
            columns: [...candidate.columns, { name: 'extra_column_to_differ', descending: false }],
          };
          if (Buffer.byteLength(indexName(longer)) === 63 || Buffer.byteLength(name) === 63)
            expect(indexName(longer)).not.toBe(name);
        },
      ),
    );
  });
});
