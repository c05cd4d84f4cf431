// The advisor under hostile conditions, each on a real PostgreSQL (throwaway, pg_stat_statements preloaded) or a
// real loopback server, through the built CLI: bad durations, a deploy role whose search_path finds a same-named
// table first, a backend killed during --apply and the INVALID index it leaves, a server that stops answering, a
// role that may not read the tables.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { assertBuilt, BIN, removeTempDirs, runCli, tempDir, type CliRun } from '../cli/helpers.js';
import { startThrowawayPostgres, type ThrowawayPostgres } from '../setup/postgres.js';
import { runSqlFile } from '../support/psql.js';

vi.setConfig({ testTimeout: 120_000 });

let server: ThrowawayPostgres;
let admin: pg.Client;
let shopUrl: string;
let shop: pg.Client;

function urlAs(role: string): string {
  return shopUrl.replace('postgres@', `${role}@`);
}

function advisor(args: string[], url = shopUrl): CliRun {
  return runCli(['index-advisor', ...args], { cwd: tempDir('quickwins-advisor-'), env: { DATABASE_URL: url } });
}

/** The built CLI in the background, so the test can act on the server (or be the server) while it runs. */
function advisorInBackground(args: string[], url: string): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'index-advisor', ...args], {
      cwd: tempDir('quickwins-advisor-'),
      env: { ...process.env, NO_COLOR: '1', DATABASE_URL: url },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // A hang is the failure some of these tests look for: end it so the assertion, not the runner, reports it.
    const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(guard);
      resolve({ status, stdout, stderr });
    });
  });
}

async function indexesOn(table: string): Promise<{ name: string; valid: boolean }[]> {
  const result = await admin.query<{ name: string; valid: boolean }>(
    `select ic.relname as name, i.indisvalid as valid from pg_index i join pg_class ic on ic.oid = i.indexrelid
      where i.indrelid = $1::regclass and not i.indisprimary order by 1`,
    [table],
  );
  return result.rows;
}

async function dropAdvisorIndexes(): Promise<void> {
  const tables = await shop.query<{ name: string }>(
    `select t as name from unnest(array['public.orders', 'deployer.orders']) t where to_regclass(t) is not null`,
  );
  for (const table of tables.rows.map((row) => row.name)) {
    for (const index of await indexesOn(table)) await shop.query(`DROP INDEX ${table.split('.')[0]}.${index.name}`);
  }
}

beforeAll(async () => {
  assertBuilt();
  server = await startThrowawayPostgres({
    settings: { shared_preload_libraries: 'pg_stat_statements', 'pg_stat_statements.track': 'top' },
  });
  admin = new pg.Client(server.url);
  await admin.connect();
  await admin.query('CREATE DATABASE shop');
  shopUrl = server.url.replace(/\/postgres$/, '/shop');
  shop = new pg.Client(shopUrl);
  await shop.connect();
  admin.on('error', () => undefined);
  await admin.end();
  admin = shop;
  await shop.query('CREATE EXTENSION pg_stat_statements');
  await shop.query('CREATE TABLE orders (id int PRIMARY KEY, customer_id int, total int)');
  await shop.query('INSERT INTO orders SELECT g, g % 5000, g FROM generate_series(1, 20000) g');
  await shop.query('ANALYZE orders');
  // Both windows start after the seed: the bulk load is not the table's ongoing write rate the advisor weighs.
  await shop.query('SELECT pg_stat_force_next_flush()'); // this backend's pending counts reach the view before the reset
  await shop.query('SELECT pg_stat_reset()');
  await shop.query('SELECT pg_stat_statements_reset()');
  for (let call = 0; call < 20; call++) await shop.query('SELECT id, total FROM orders WHERE customer_id = $1', [call]);
}, 180_000);

afterAll(async () => {
  await shop?.end();
  await server?.stop();
  removeTempDirs();
});

describe('durations are checked before anything runs', () => {
  for (const [option, value] of [
    ['--lock-timeout', 'abc'],
    ['--statement-timeout', '5 parsecs'],
    ['--lock-timeout', '-1'],
    ['--statement-timeout', '1.5s'],
    ['--connect-timeout', '0'],
    ['--query-timeout', '30d'],
  ] as const) {
    it(`${option} ${value} is a usage error (2) naming the option`, () => {
      const run = advisor([`${option}=${value}`]);
      expect(run.status).toBe(2);
      expect(run.stderr).toBe(
        `quickwins index-advisor: ${option} needs a duration such as 500ms, 5s, 10min, 1h or 1d (at most 24d${option.endsWith('lock-timeout') || option === '--statement-timeout' ? ', or 0 for none' : ''}), got ${JSON.stringify(value)}\n`,
      );
      expect(run.stdout).toBe('');
    });
  }

  it('accepts PostgreSQL units and writes them into the migration as given', () => {
    const out = tempDir('quickwins-advisor-out-');
    const run = advisor(['--lock-timeout', '250ms', '--statement-timeout', '2min', '--out', out, '--json']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const sql = readFileSync((JSON.parse(run.stdout) as { migrationPath: string }).migrationPath, 'utf8');
    expect(sql).toContain("SET lock_timeout = '250ms';\nSET statement_timeout = '2min';");
  });
});

describe('schema-qualified names', () => {
  it('the migration builds the index on public.orders even for a role whose search_path finds its own orders first', async () => {
    await shop.query('CREATE ROLE deployer LOGIN');
    await shop.query('CREATE SCHEMA deployer AUTHORIZATION deployer');
    await shop.query('CREATE TABLE deployer.orders (id int PRIMARY KEY, customer_id int, total int)');
    await shop.query('ALTER TABLE deployer.orders OWNER TO deployer');
    await shop.query('ALTER TABLE public.orders OWNER TO deployer');
    // PostgreSQL 15+ grants no CREATE on public by default; an index is created in its table's schema.
    await shop.query('GRANT CREATE ON SCHEMA public TO deployer');
    try {
      const out = tempDir('quickwins-advisor-out-');
      const run = advisor(['--out', out, '--json']);
      expect(run.status).toBe(0);
      const advice = JSON.parse(run.stdout) as { method: string; migrationPath: string };
      const sql = readFileSync(advice.migrationPath, 'utf8');
      expect(sql).toMatch(
        /^CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_orders_customer_id ON public\.orders \(customer_id\);$/m,
      );
      expect(sql).toMatch(/^-- rollback: DROP INDEX CONCURRENTLY IF EXISTS public\.idx_orders_customer_id;$/m);
      // The comment names how the cost was judged: no HypoPG in this database, so an estimate, never "planner cost".
      expect(advice.method).toBe('estimate');
      expect(sql).toMatch(
        /^-- public\.orders: serves 1 statement\(s\), 20 calls; estimated cost \(not planner-judged\) \d+ → \d+$/m,
      );
      expect(sql).not.toContain('planner cost');

      await runSqlFile(urlAs('deployer'), advice.migrationPath);
      expect(await indexesOn('public.orders')).toEqual([{ name: 'idx_orders_customer_id', valid: true }]);
      expect(await indexesOn('deployer.orders')).toEqual([]);
    } finally {
      await dropAdvisorIndexes();
      await shop.query('ALTER TABLE public.orders OWNER TO postgres');
      await shop.query('DROP SCHEMA deployer CASCADE');
    }
  });
});

/** Waits until the advisor's backend waits on a lock (its concurrent build waits for the open writer). */
async function advisorBackendWaitingOnLock(): Promise<number> {
  for (let attempt = 0; attempt < 600; attempt++) {
    const result = await shop.query<{ pid: number }>(
      `select pid from pg_stat_activity where application_name = 'quickwins index-advisor' and wait_event_type = 'Lock' and query like 'CREATE INDEX%'`,
    );
    if (result.rows[0]) return result.rows[0].pid;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the advisor never started its build');
}

describe('a backend killed during --apply', () => {
  it('reports the INVALID index it leaves; the next run drops it and builds it again under the same name', async () => {
    const writer = new pg.Client(shopUrl);
    await writer.connect();
    writer.on('error', () => undefined);
    try {
      // An open write transaction: the concurrent build commits its INVALID index, then waits for the writer.
      await writer.query('BEGIN');
      await writer.query('INSERT INTO orders VALUES (100001, 1, 1)');
      const running = advisorInBackground(['--apply', '--lock-timeout', '0'], shopUrl);
      const pid = await advisorBackendWaitingOnLock();
      await shop.query('SELECT pg_terminate_backend($1)', [pid]);
      const killed = await running;
      expect(killed.status).toBe(1);
      expect(killed.stderr).toBe('');
      expect(killed.stdout).toMatch(
        /^FAILED idx_orders_customer_id \(\d+\.\d s\): terminating connection due to administrator command; the connection was lost/m,
      );
      expect(killed.stdout).toContain(
        'an INVALID index public.idx_orders_customer_id may be left, which the next run drops and builds again',
      );
      expect(killed.stdout).not.toContain('FAILED failed');
      expect(await indexesOn('public.orders')).toEqual([{ name: 'idx_orders_customer_id', valid: false }]);
    } finally {
      await writer.query('ROLLBACK').catch(() => undefined);
      await writer.end().catch(() => undefined);
    }

    const out = tempDir('quickwins-advisor-out-');
    const readOnly = advisor(['--out', out, '--json']);
    const advice = JSON.parse(readOnly.stdout) as {
      proposals: { name: string; replacesInvalid: boolean }[];
      invalidIndexes: { name: string; action: string }[];
      migrationPath: string;
    };
    expect(advice.proposals).toEqual([
      expect.objectContaining({ name: 'idx_orders_customer_id', replacesInvalid: true }),
    ]);
    expect(advice.invalidIndexes).toEqual([
      {
        name: 'idx_orders_customer_id',
        table: { schema: 'public', name: 'orders' },
        action: 'dropped and built again by the proposal of the same name',
      },
    ]);
    // The migration drops the leftover first: IF NOT EXISTS alone would keep the INVALID index.
    expect(readFileSync(advice.migrationPath, 'utf8')).toContain(
      'DROP INDEX CONCURRENTLY IF EXISTS public.idx_orders_customer_id;\nCREATE INDEX CONCURRENTLY IF NOT EXISTS idx_orders_customer_id ON public.orders (customer_id);',
    );

    const applied = advisor(['--apply', '--json']);
    expect(applied.stderr).toBe('');
    expect(applied.status).toBe(0);
    const outcome = (
      JSON.parse(applied.stdout) as { applied: { name: string; status: string; droppedInvalid: boolean }[] }
    ).applied;
    expect(outcome).toEqual([
      expect.objectContaining({ name: 'idx_orders_customer_id', status: 'created', droppedInvalid: true }),
    ]);
    expect(await indexesOn('public.orders')).toEqual([{ name: 'idx_orders_customer_id', valid: true }]);
    await dropAdvisorIndexes();
  });
});

/** A loopback server that accepts connections; `afterStartup` decides whether it ever answers. */
async function frozenServer(answerStartup: boolean): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const listener: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.once('data', () => {
      if (!answerStartup) return;
      // AuthenticationOk, then ReadyForQuery (idle): the client is connected; no query is ever answered.
      const authOk = Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 0]);
      const ready = Buffer.from([0x5a, 0, 0, 0, 5, 0x49]);
      socket.write(Buffer.concat([authOk, ready]));
    });
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const address = listener.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `postgres://someone@127.0.0.1:${port}/db`,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => listener.close(resolve));
    },
  };
}

describe('a server that stops answering', () => {
  it('one that never answers the connection: a clear error naming --connect-timeout, exit 1', async () => {
    const frozen = await frozenServer(false);
    try {
      const run = await advisorInBackground(['--connect-timeout', '1s'], frozen.url);
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(
        /^quickwins index-advisor: postgres:\/\/someone@127\.0\.0\.1:\d+\/db did not complete the connection within 1000 ms \(--connect-timeout\): .+\n$/,
      );
    } finally {
      await frozen.close();
    }
  });

  it('one that freezes after the connection: a clear error naming --query-timeout, exit 1', async () => {
    const frozen = await frozenServer(true);
    try {
      const run = await advisorInBackground(['--query-timeout', '1s'], frozen.url);
      expect(run.stderr).toMatch(
        /^quickwins index-advisor: postgres:\/\/someone@127\.0\.0\.1:\d+\/db did not answer a query within the client-side limit \(--query-timeout\)/,
      );
      expect(run.status).toBe(1);
    } finally {
      await frozen.close();
    }
  });
});

describe('a role that may not read the tables', () => {
  it('names each table it could not analyse and why; exit 1 when nothing could be analysed, 0 when some was', async () => {
    await shop.query('CREATE ROLE analyst LOGIN');
    await shop.query('GRANT pg_read_all_stats TO analyst');
    const none = advisor([], urlAs('analyst'));
    expect(none.stderr).toBe('');
    expect(none.status).toBe(1);
    expect(none.stdout).toContain('Tables not analysed: 1 (no statement could be analysed)');
    expect(none.stdout).toContain(
      '  public.orders: role analyst may not SELECT from it, so the planner cannot plan statements that read it: GRANT SELECT ON public.orders TO analyst',
    );

    await shop.query('CREATE TABLE notes (id int PRIMARY KEY, author int)');
    await shop.query('INSERT INTO notes SELECT g, g % 3000 FROM generate_series(1, 20000) g');
    await shop.query('ANALYZE notes');
    // The load is set-up, not the table's write rate: whether its 20,000 inserts reached the statistics before the
    // advisor read them (flushed at most once a second) decided whether the write cost outweighed the lookups.
    await shop.query('SELECT pg_stat_force_next_flush()');
    await shop.query('SELECT pg_stat_reset()');
    await shop.query('GRANT SELECT ON notes TO analyst');
    for (let call = 0; call < 20; call++) await shop.query('SELECT id FROM notes WHERE author = $1', [call]);
    const some = advisor(['--json'], urlAs('analyst'));
    expect(some.status).toBe(0);
    const advice = JSON.parse(some.stdout) as {
      proposals: { name: string }[];
      unanalysedTables: { table: { name: string } }[];
    };
    expect(advice.proposals.map((proposal) => proposal.name)).toEqual(['idx_notes_author']);
    expect(advice.unanalysedTables.map((item) => item.table.name)).toEqual(['orders']);
  });
});
