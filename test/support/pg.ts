/**
 * Test helpers for the PostgreSQL-backed tests: the URL from the global setup, pools that are always ended,
 * and the two invariants every runtime test ends on (no client checked out, nobody waiting).
 */
import pg from 'pg';
import { afterEach, inject } from 'vitest';

export function databaseUrl(): string {
  const url = inject('databaseUrl') ?? process.env.QUICKWINS_TEST_DATABASE_URL;
  if (!url)
    throw new Error(
      'no database URL: test/setup/postgres.ts must run as vitest globalSetup (the integration project, see test/setup/projects.ts)',
    );
  return url;
}

const openPools = new Set<pg.Pool>();

/** A pg.Pool on the test database, ended after the current test (register with `endPoolsAfterEach()`). */
export function createTestPool(config: pg.PoolConfig = {}): pg.Pool {
  const pool = new pg.Pool({ connectionString: databaseUrl(), ...config });
  // A backend killed by a test surfaces as an idle-client error; without a listener it would crash the worker.
  pool.on('error', () => undefined);
  openPools.add(pool);
  return pool;
}

/**
 * Ends the pool. pg waits for every checked-out client, so a failed test that still holds one would hang here:
 * after a grace period the remaining connections are closed by force.
 */
export async function endPool(pool: pg.Pool): Promise<void> {
  openPools.delete(pool);
  if (pool.ended || pool.ending) return;
  const ended = pool.end();
  const outcome = await Promise.race([ended.then(() => 'ended' as const), sleep(2_000).then(() => 'stuck' as const)]);
  if (outcome === 'stuck') {
    for (const client of (pool as unknown as { _clients: pg.PoolClient[] })._clients) client.release(true);
    await ended;
  }
}

export function endPoolsAfterEach(): void {
  afterEach(async () => {
    await Promise.all([...openPools].map((pool) => endPool(pool)));
  });
}

/** Clients checked out of the pool right now (pg keeps no such counter; this is the one leaks show up in). */
export function checkedOut(pool: pg.Pool): number {
  return pool.totalCount - pool.idleCount;
}

/** Waits until pending releases/removals settle (they may complete on a later tick). */
export async function settle(pool: pg.Pool, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((checkedOut(pool) !== 0 || pool.waitingCount !== 0) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
