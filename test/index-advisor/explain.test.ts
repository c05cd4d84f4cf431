// The judge's plan requests without a server: sampled values written into a statement as literals, and which value
// sets the planner estimates alike (planned once).
import { beforeAll, describe, expect, it } from 'vitest';
import { withLiterals } from '../../src/index-advisor/explain.js';
import { loadParser, parseStatement, TableResolver } from '../../src/index-advisor/parse.js';
import { plannedForm } from '../../src/index-advisor/samples.js';
import type { Catalog, ColumnStats, ExistingIndex, ParsedStatement } from '../../src/index-advisor/types.js';

const messages = { schema: 'public', name: 'messages' };
const TABLES = new TableResolver(
  [
    {
      table: messages,
      columns: ['id', 'user_id', 'status', 'body'],
      seqScan: 1,
      idxScan: null,
      liveRows: 1000,
      pages: 10,
      estimatedRows: 1000,
      readable: true,
    },
  ],
  ['public'],
);

const stats = (commonValues: string[]): ColumnStats => ({
  distinct: 500,
  nullFraction: 0,
  commonValues,
  commonFrequencies: commonValues.map(() => 0.1),
  histogram: ['1', '250', '500'],
  width: 8,
});

function catalog(indexes: ExistingIndex[] = []): Catalog {
  return {
    serverVersion: 150000,
    database: 'app',
    role: 'app',
    searchPath: ['public'],
    tables: [],
    indexes,
    columnStats: new Map([
      ['public.messages.user_id', stats([])],
      ['public.messages.status', stats(['sent', 'queued'])],
    ]),
    hypopg: 'created',
    periods: { readSeconds: 1, writeSeconds: 1 },
    trigram: { state: 'missing' },
  } as unknown as Catalog;
}

let counter = 0;
function parsed(query: string): Extract<ParsedStatement, { kind: 'parsed' }> {
  const result = parseStatement({ queryId: String(++counter), query, calls: 1, totalMs: 1, meanMs: 1 }, TABLES);
  if (result.kind !== 'parsed') throw new Error(result.reason);
  return result;
}

beforeAll(loadParser);

describe('withLiterals', () => {
  it('writes each $n as a quoted literal, $1 apart from $10, after text of several bytes a character', () => {
    const query = `SELECT id, 'é ü $1' AS "naïve" FROM messages WHERE user_id = $1 AND body = $10 AND status = $2`;
    const values = ['7', "it's", ...Array.from({ length: 7 }, () => 'x'), 'a\\b'];
    expect(withLiterals(query, values)).toBe(
      `SELECT id, 'é ü $1' AS "naïve" FROM messages WHERE user_id = '7' AND body = E'a\\\\b' AND status = 'it''s'`,
    );
  });
});

describe('plannedForm', () => {
  it('equalities with values outside the most common values are alike; a most common value is its own', () => {
    const statement = parsed('SELECT id FROM messages WHERE user_id = $1 AND status = $2');
    const form = (values: string[]): string => plannedForm(statement, catalog(), values);
    expect(form(['7', 'lost'])).toBe(form(['9', 'gone']));
    expect(form(['7', 'sent'])).not.toBe(form(['7', 'queued']));
    expect(form(['7', 'sent'])).not.toBe(form(['7', 'lost']));
  });

  it('a parameter used twice, or a column an existing partial index names, keeps its value', () => {
    const twice = parsed('SELECT id FROM messages WHERE user_id = $1 AND id > $1');
    expect(plannedForm(twice, catalog(), ['7'])).not.toBe(plannedForm(twice, catalog(), ['9']));
    const partial: ExistingIndex = {
      name: 'messages_mine',
      table: messages,
      method: 'btree',
      valid: true,
      unique: false,
      columns: ['id'],
      descending: [false],
      predicate: '(user_id = 7)',
    };
    const statement = parsed('SELECT id FROM messages WHERE user_id = $1');
    expect(plannedForm(statement, catalog([partial]), ['7'])).not.toBe(
      plannedForm(statement, catalog([partial]), ['9']),
    );
  });
});
