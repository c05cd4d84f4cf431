/**
 * `quickwins plan --database-url`: the index advisor's entry counts its proposals on a real PostgreSQL with
 * pg_stat_statements (the feed workload of the advisor's own tests), read-only, and `--check` ignores it (it is
 * not decidable from code).
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startThrowawayPostgres, type ThrowawayPostgres } from '../setup/postgres.js';
import { runWorkload, seedFeed } from '../index-advisor/feed-schema.js';
import { assertBuilt, gitRepo, removeTempDirs, runCli } from './helpers.js';

let server: ThrowawayPostgres | undefined;
let feedUrl = '';

async function indexNames(url: string): Promise<string[]> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    return (
      await client.query<{ indexname: string }>(
        `select indexname from pg_indexes where schemaname = 'public' order by 1`,
      )
    ).rows.map((row) => row.indexname);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  assertBuilt();
  server = await startThrowawayPostgres({
    settings: { shared_preload_libraries: 'pg_stat_statements', 'pg_stat_statements.track': 'top' },
  });
  const admin = new pg.Client(server.url);
  await admin.connect();
  await admin.query('CREATE DATABASE feed');
  await admin.end();
  feedUrl = server.url.replace(/\/postgres$/, '/feed');
  const feed = new pg.Client(feedUrl);
  await feed.connect();
  try {
    await feed.query('CREATE EXTENSION pg_stat_statements');
    await seedFeed(feed, 100_000);
    // The bulk load is not the table's write rate: the advisor weighs write cost from these statistics.
    await feed.query('SELECT pg_stat_force_next_flush()'); // this backend's pending counts reach the view before the reset
    await feed.query('SELECT pg_stat_reset()');
    await feed.query('SELECT pg_stat_statements_reset()');
    await runWorkload(feed, 20);
  } finally {
    await feed.end();
  }
}, 180_000);

afterAll(async () => {
  await server?.stop();
  removeTempDirs();
});

describe('quickwins plan with a database', () => {
  it("counts the index advisor's proposals, creates nothing, and leaves --check to the code", async () => {
    const repo = gitRepo({
      'package.json': JSON.stringify({ name: 'feed', dependencies: { pg: '^8.13.0' } }),
      'src/feed.js': "exports.feed = (client, id) => client.query('select 1 where $1 > 0', [id]);\n",
    });
    const before = await indexNames(feedUrl);
    const run = runCli(['plan', '--json', '--check', '--database-url', feedUrl], {
      cwd: repo,
      env: { DATABASE_URL: '' },
    });
    expect(run.status, run.stderr).toBe(0);
    const advisor = (
      JSON.parse(run.stdout) as {
        quickWins: { id: string; status: string; sites: { ready: number }; evidence: string[] }[];
      }
    ).quickWins.find((entry) => entry.id === 'index-advisor');
    expect(advisor).toMatchObject({ status: 'todo', sites: { ready: 3 } });
    expect(advisor?.evidence.join('\n')).toMatch(
      /3 index\(es\) proposed from \d+ statement\(s\) in pg_stat_statements \(read-only\)/,
    );
    expect(await indexNames(feedUrl)).toEqual(before);
  }, 120_000);

  it('says the database could not be analysed when it cannot be reached, without failing the plan', () => {
    const repo = gitRepo({
      'package.json': JSON.stringify({ name: 'feed', dependencies: { pg: '^8.13.0' } }),
      'src/a.js': 'exports.a = 1;\n',
    });
    const run = runCli(['plan', '--json', '--database-url', 'postgres://nobody@127.0.0.1:1/none'], {
      cwd: repo,
      env: { DATABASE_URL: '' },
    });
    expect(run.status, run.stderr).toBe(0);
    const advisor = (
      JSON.parse(run.stdout) as { quickWins: { id: string; status: string; evidence: string[] }[] }
    ).quickWins.find((entry) => entry.id === 'index-advisor');
    expect(advisor?.status).toBe('not checked');
    expect(advisor?.evidence.join('\n')).toMatch(/the database could not be analysed: /);
    expect(run.stderr).toMatch(/^quickwins plan: index-advisor: /m);
  }, 60_000);
});
