// What the HypoPG judgement costs as the workload grows, counted in EXPLAINs the advisor sends (never wall time):
// N and 4N distinct statements over the feed schema's messages table (every select list × filter × order, as in
// bench/index-advisor.ts), the same candidates in both, on a throwaway PostgreSQL with pg_stat_statements and HypoPG.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { adviseIndexes, DEFAULT_ADVISE_OPTIONS } from '../../src/index-advisor/advisor.js';
import { startThrowawayPostgres, type ThrowawayPostgres } from '../setup/postgres.js';
import { seedFeed } from './feed-schema.js';
import { hypopgInstalled, markHypopgTestsRan } from './hypopg.js';

vi.setConfig({ testTimeout: 300_000 });

const HYPOPG = hypopgInstalled();
const SMALL = 48;

const COLUMNS = ['id', 'conversation_id', 'user_id', 'body', 'created_at', 'deleted_at'];
const FILTERS: readonly { sql: string; params: unknown[] }[] = [
  { sql: 'conversation_id = $1', params: [7] },
  { sql: 'user_id = $1', params: [7] },
  { sql: 'conversation_id = $1 AND deleted_at IS NULL', params: [7] },
  { sql: 'user_id = $1 AND deleted_at IS NULL', params: [7] },
  { sql: 'user_id = $1 AND created_at > $2', params: [7, new Date(Date.now() - 3_600_000)] },
  { sql: 'conversation_id = $1 AND user_id = $2', params: [7, 7] },
  { sql: 'created_at BETWEEN $1 AND $2', params: [new Date(Date.now() - 3_600_000), new Date()] },
];
const ORDERS = [
  '',
  ' ORDER BY created_at DESC LIMIT 20',
  ' ORDER BY created_at LIMIT 20',
  ' ORDER BY id DESC LIMIT 50',
];

/** `count` distinct statements: select lists in turn, each with every filter and order. */
function workload(count: number): { sql: string; params: unknown[] }[] {
  const statements: { sql: string; params: unknown[] }[] = [];
  for (let mask = 1; statements.length < count; mask++) {
    const select = COLUMNS.filter((_column, bit) => mask & (1 << bit)).join(', ');
    for (const filter of FILTERS)
      for (const order of ORDERS)
        if (statements.length < count)
          statements.push({ sql: `SELECT ${select} FROM messages WHERE ${filter.sql}${order}`, params: filter.params });
  }
  return statements;
}

let server: ThrowawayPostgres;
let feed: pg.Client;

/** Records `count` statements (only them), runs the HypoPG judgement and counts the EXPLAINs it sends. */
async function explainsFor(count: number): Promise<{ analysed: number; explains: number; plansMade: number }> {
  await feed.query('SELECT pg_stat_statements_reset()');
  for (const statement of workload(count)) await feed.query(statement.sql, statement.params);
  const advisor = new pg.Client(server.url);
  await advisor.connect();
  let explains = 0;
  const send = advisor.query.bind(advisor) as (...args: unknown[]) => unknown;
  advisor.query = ((...args: unknown[]) => {
    if (typeof args[0] === 'string') explains += args[0].match(/\bEXPLAIN\b/g)?.length ?? 0;
    return send(...args);
  }) as typeof advisor.query;
  try {
    const run = await adviseIndexes(advisor, { ...DEFAULT_ADVISE_OPTIONS, judge: 'hypopg' });
    return { analysed: run.advice.statementsAnalysed, explains, plansMade: run.plansMade };
  } finally {
    await advisor.end();
  }
}

beforeAll(async () => {
  if (!HYPOPG.installed) throw new Error(`HypoPG is not installed for this PostgreSQL: ${HYPOPG.hint}`);
  server = await startThrowawayPostgres({
    settings: { shared_preload_libraries: 'pg_stat_statements', 'pg_stat_statements.max': 5000 },
  });
  feed = new pg.Client(server.url);
  await feed.connect();
  await feed.query('CREATE EXTENSION pg_stat_statements; CREATE EXTENSION hypopg');
  await seedFeed(feed, 20_000);
}, 180_000);

afterAll(async () => {
  await feed?.end();
  await server?.stop();
});

describe('the HypoPG judgement grows linearly with the workload', () => {
  it('four times the statements take at most four times the EXPLAINs, and a few per statement', async () => {
    const small = await explainsFor(SMALL);
    const large = await explainsFor(4 * SMALL);
    markHypopgTestsRan();
    // The same candidates in both (every filter and order in each): only the statements grew.
    expect(large.analysed).toBeGreaterThanOrEqual(3.5 * small.analysed);
    // The counter the judge keeps is the EXPLAINs it sent.
    expect(large.plansMade).toBe(large.explains);
    expect(large.explains).toBeLessThanOrEqual(4.4 * small.explains);
    // The statement's own plans (generic + sampled values), the plan with every candidate, and a few pairs: about
    // 20 a statement here, against 100 when each candidate was planned on every statement it may change.
    expect(large.explains / large.analysed).toBeLessThanOrEqual(40);
  });
});
