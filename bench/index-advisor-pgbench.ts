/**
 * The index advisor on a schema not written here: pgbench's (`pgbench -i`, PostgreSQL's own benchmark), with
 * pgbench's built-in TPC-B-like run plus a generated read workload on its tables (an account's recent history,
 * a teller's history since a time, a branch's balance sum). Prints what the advisor proposed, applies it with
 * --apply, and measures each statement with EXPLAIN ANALYZE before and after (fastest of 5).
 *
 *   npx tsx bench/index-advisor-pgbench.ts        (SCALE=5; needs pgbench next to the server binaries)
 */
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { realpathSync } from 'node:fs';
import pg from 'pg';
import { findPostgresBinDir, startThrowawayPostgres } from '../test/setup/postgres.js';

const SCALE = Number(process.env.SCALE ?? 5);
const READS = [
  {
    sql: 'SELECT aid, delta, mtime FROM pgbench_history WHERE aid = $1 ORDER BY mtime DESC LIMIT 10',
    params: (i: number) => [1 + ((i * 7919) % (SCALE * 100_000))],
  },
  {
    sql: 'SELECT count(*) FROM pgbench_history WHERE tid = $1 AND mtime > $2',
    params: (i: number) => [1 + (i % (SCALE * 10)), new Date(Date.now() - 60_000)],
  },
  { sql: 'SELECT sum(abalance) FROM pgbench_accounts WHERE bid = $1', params: (i: number) => [1 + (i % SCALE)] },
  { sql: 'SELECT abalance FROM pgbench_accounts WHERE aid = $1', params: (i: number) => [1 + i] },
];

const binDir = dirname(realpathSync(join(findPostgresBinDir('system').binDir, 'initdb')));
const server = await startThrowawayPostgres({ settings: { shared_preload_libraries: 'pg_stat_statements' } });
const client = new pg.Client(server.url);
const pgbench = (...args: string[]): string =>
  execFileSync(join(binDir, 'pgbench'), [...args, server.url], { encoding: 'utf8', stdio: 'pipe' });

async function measure(): Promise<{ ms: number; indexes: string[] }[]> {
  const out = [];
  for (const read of READS) {
    let ms = Number.POSITIVE_INFINITY;
    let plan = '';
    for (let run = 0; run < 5; run++) {
      const result = await client.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${read.sql}`, read.params(run));
      const root = (result.rows[0]['QUERY PLAN'] as { Plan: unknown; 'Execution Time': number }[])[0];
      ms = Math.min(ms, root?.['Execution Time'] ?? 0);
      plan = JSON.stringify(root?.Plan);
    }
    out.push({ ms, indexes: [...plan.matchAll(/"Index Name":"([^"]+)"/g)].map((match) => match[1] ?? '') });
  }
  return out;
}

try {
  await client.connect();
  await client.query('CREATE EXTENSION pg_stat_statements');
  const hypopg = (await client.query(`select 1 from pg_available_extensions where name = 'hypopg'`)).rowCount === 1;
  if (hypopg) await client.query('CREATE EXTENSION hypopg');
  pgbench('-i', '-q', '-s', String(SCALE));
  // pgbench_history fills only as the benchmark runs: a run's worth of rows up front, then the real run.
  await client.query(
    `INSERT INTO pgbench_history (tid, bid, aid, delta, mtime)
     SELECT 1 + g % ($1 * 10), 1 + g % $1, 1 + (g::bigint * 7919) % ($1 * 100000), g % 1000, now() - g * interval '10 ms'
       FROM generate_series(1, 400000) g`,
    [SCALE],
  );
  await client.query('ANALYZE');
  await client.query('SELECT pg_stat_statements_reset()');
  pgbench('-n', '-T', '5', '-c', '2');
  for (let i = 0; i < 20; i++) for (const read of READS) await client.query(read.sql, read.params(i));

  const before = await measure();
  const cli = (args: string[]): string =>
    execFileSync(process.execPath, ['dist/cli/bin.js', 'index-advisor', ...args], {
      encoding: 'utf8',
      env: { ...process.env, DATABASE_URL: server.url },
    });
  console.log(cli([]));
  console.log(
    cli(['--apply', '--verify'])
      .split('\n')
      .filter((line) => /^(created|FAILED|Verify| {2}\d)/.test(line))
      .join('\n'),
  );
  const after = await measure();
  console.log('\nEXPLAIN ANALYZE, fastest of 5, before → after:');
  READS.forEach((read, index) => {
    const a = before[index];
    const b = after[index];
    console.log(
      `  ${a?.ms.toFixed(2)} ms → ${b?.ms.toFixed(2)} ms (${((a?.ms ?? 0) / (b?.ms ?? 1)).toFixed(0)}×) uses ${b?.indexes.join(', ') || 'no index'}  ${read.sql}`,
    );
  });
} finally {
  await client.end().catch(() => undefined);
  await server.stop();
}
