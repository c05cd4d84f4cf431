/**
 * Analysis speed of `quickwins index-advisor` on a workload of 1,000 distinct statements (target: under 10 s).
 * Starts a throwaway PostgreSQL with pg_stat_statements (and HypoPG when installed), seeds the feed schema of the
 * tests, runs 1,000 structurally distinct statements once each, then times the whole analysis (collect, parse,
 * candidates, judge) on one connection, with HypoPG and with the estimate. The baseline is the floor of doing it by
 * hand: one plain EXPLAIN of every statement on the same connection, nothing else.
 *
 *   npx tsx bench/index-advisor.ts            (STATEMENTS=1000 RUNS=3)
 */
import pg from 'pg';
import { adviseIndexes, DEFAULT_ADVISE_OPTIONS } from '../src/index-advisor/advisor.js';
import { startThrowawayPostgres } from '../test/setup/postgres.js';
import { seedFeed } from '../test/index-advisor/feed-schema.js';

const STATEMENTS = Number(process.env.STATEMENTS ?? 1000);
const RUNS = Number(process.env.RUNS ?? 3);

const MESSAGE_COLUMNS = ['id', 'conversation_id', 'user_id', 'body', 'created_at', 'deleted_at'];
const FILTERS = [
  'conversation_id = $1',
  'user_id = $1',
  'conversation_id = $1 AND deleted_at IS NULL',
  'user_id = $1 AND deleted_at IS NULL',
  'user_id = $1 AND created_at > $2',
  'conversation_id = $1 AND user_id = $2',
  'created_at BETWEEN $1 AND $2',
  'id = ANY($1)',
];
const ORDERS = [
  '',
  ' ORDER BY created_at DESC LIMIT 20',
  ' ORDER BY created_at LIMIT 20',
  ' ORDER BY id DESC LIMIT 50',
];

/** Distinct statements: every non-empty select list × filter × order, until there are `count`. */
function workload(count: number): string[] {
  const statements: string[] = [];
  for (let mask = 1; mask < 1 << MESSAGE_COLUMNS.length && statements.length < count; mask++) {
    const select = MESSAGE_COLUMNS.filter((_column, bit) => mask & (1 << bit)).join(', ');
    for (const filter of FILTERS) {
      for (const order of ORDERS) {
        if (statements.length < count) statements.push(`SELECT ${select} FROM messages WHERE ${filter}${order}`);
      }
    }
  }
  return statements;
}

function parametersFor(sql: string): unknown[] {
  if (sql.includes('= ANY($1)')) return [[1, 2, 3]];
  if (sql.includes('BETWEEN')) return [new Date(Date.now() - 3_600_000), new Date()];
  if (sql.includes('created_at > $2')) return [7, new Date(Date.now() - 3_600_000)];
  if (sql.includes('user_id = $2')) return [7, 7];
  return [7];
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

const server = await startThrowawayPostgres({
  settings: { shared_preload_libraries: 'pg_stat_statements', 'pg_stat_statements.max': 5000 },
});
const client = new pg.Client(server.url);
try {
  await client.connect();
  await client.query('CREATE EXTENSION pg_stat_statements');
  const hypopg = (await client.query(`select 1 from pg_available_extensions where name = 'hypopg'`)).rowCount === 1;
  if (hypopg) await client.query('CREATE EXTENSION hypopg');
  await seedFeed(client, 50_000);
  // pg_stat_statements merges texts whose parse trees are the same (e.g. a select list that differs only in a
  // column pg resolves alike): keep adding statements until it holds STATEMENTS distinct ones.
  const countRecorded = async (): Promise<number> =>
    (
      await client.query(
        `select count(*)::int as n from pg_stat_statements where query like 'SELECT % FROM messages WHERE %'`,
      )
    ).rows[0].n;
  await client.query('SELECT pg_stat_statements_reset()');
  const statements: string[] = [];
  for (const sql of workload(STATEMENTS * 2)) {
    await client.query(sql, parametersFor(sql));
    statements.push(sql);
    if (statements.length >= STATEMENTS && (await countRecorded()) >= STATEMENTS) break;
  }
  const recorded = await countRecorded();

  const explainAll = async (): Promise<number> => {
    const started = performance.now();
    for (const sql of statements)
      await client.query(`EXPLAIN (GENERIC_PLAN) ${sql}`).catch(async () => {
        // PostgreSQL < 16 has no GENERIC_PLAN: a plain EXPLAIN needs values, so the floor is a PREPARE + EXPLAIN EXECUTE.
        await client.query(
          `PREPARE b AS ${sql}; EXPLAIN EXECUTE b(${parametersFor(sql)
            .map(() => 'NULL')
            .join(', ')}); DEALLOCATE b`,
        );
      });
    return (performance.now() - started) / 1000;
  };
  const advise = async (
    judge: 'hypopg' | 'estimate',
  ): Promise<{ seconds: number; proposals: number; statements: number; plans: number }> => {
    const started = performance.now();
    const run = await adviseIndexes(client, { ...DEFAULT_ADVISE_OPTIONS, judge });
    return {
      seconds: (performance.now() - started) / 1000,
      proposals: run.advice.proposals.length,
      statements: run.advice.statementsRead,
      plans: run.plansMade,
    };
  };

  const rows: Record<string, number[]> = { explain: [], hypopg: [], estimate: [] };
  let last: Record<string, { proposals: number; statements: number; plans: number }> = {};
  for (let run = 0; run < RUNS; run++) {
    rows.explain?.push(await explainAll());
    if (hypopg) {
      const result = await advise('hypopg');
      rows.hypopg?.push(result.seconds);
      last = { ...last, hypopg: result };
    }
    const result = await advise('estimate');
    rows.estimate?.push(result.seconds);
    last = { ...last, estimate: result };
  }
  console.log(`${recorded} distinct workload statements recorded by pg_stat_statements; ${RUNS} runs, median:`);
  console.log(`  EXPLAIN of every statement (floor of a manual review): ${median(rows.explain ?? []).toFixed(2)} s`);
  for (const judge of ['hypopg', 'estimate']) {
    const times = rows[judge] ?? [];
    if (times.length === 0) {
      console.log(`  index-advisor --judge ${judge}: not run (HypoPG not installed)`);
      continue;
    }
    const info = last[judge];
    console.log(
      `  index-advisor --judge ${judge}: ${median(times).toFixed(2)} s for ${info?.statements} statements read, ${info?.proposals} indexes proposed, ${info?.plans} plans made` +
        ` (${(median(times) / median(rows.explain ?? [1])).toFixed(2)}× the EXPLAIN floor; target < 10 s)`,
    );
  }
} finally {
  await client.end().catch(() => undefined);
  await server.stop();
}
