import type pg from 'pg';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { PoolExhaustedError, queryWithBackpressure } from '../../../runtime/src/index.js';
import { checkedOut, createTestPool, endPoolsAfterEach, settle } from '../../support/pg.js';

const quiet = { metrics: false } as const;

describe('queryWithBackpressure on a real PostgreSQL', () => {
  endPoolsAfterEach();

  it('runs a parameterized query with a typed row and releases the client', async () => {
    const pool = createTestPool({ max: 2 });
    const result = await queryWithBackpressure<{ sum: number; label: string }>(
      pool,
      'select $1::int + $2::int as sum, $3::text as label',
      [2, 3, 'x'],
      quiet,
    );
    expectTypeOf(result.rows[0]!.sum).toEqualTypeOf<number>();
    expect(result.rows).toEqual([{ sum: 5, label: 'x' }]);
    expect(checkedOut(pool)).toBe(0);
    expect(pool.idleCount).toBe(1);
  });

  it('accepts a query config object and no values', async () => {
    const pool = createTestPool({ max: 2 });
    const result = await queryWithBackpressure(pool, { text: 'select 1 as one', rowMode: 'array' } as pg.QueryConfig);
    expect(result.rows).toEqual([[1]]);
  });

  it('rejects with PoolExhaustedError before running anything when the pool is saturated', async () => {
    const pool = createTestPool({ max: 2 });
    const held = await Promise.all([pool.connect(), pool.connect()]);
    await expect(queryWithBackpressure(pool, 'select 1', [], { threshold: 0.5, ...quiet })).rejects.toBeInstanceOf(
      PoolExhaustedError,
    );
    expect(pool.waitingCount).toBe(0);
    held.forEach((client) => client.release());
  });

  it('releases with the error when the query fails, so pg destroys that client', async () => {
    const pool = createTestPool({ max: 2 });
    await queryWithBackpressure(pool, 'select 1', undefined, quiet);
    expect(pool.totalCount).toBe(1);
    await expect(queryWithBackpressure(pool, 'select * from no_such_table', undefined, quiet)).rejects.toMatchObject({
      code: '42P01',
    });
    expect(checkedOut(pool)).toBe(0);
    expect(pool.totalCount).toBe(0); // release(err) removed it, as pool.query does
  });

  it('survives the backend being killed mid-query: rejects, no crash, no leak', async () => {
    const pool = createTestPool({ max: 3 });
    // Caught right away: it rejects while the test is still busy killing the backend.
    const sleeper = queryWithBackpressure(pool, 'select pg_sleep(5)', undefined, quiet).then(
      () => undefined,
      (error: unknown) => error,
    );
    // find the sleeping backend from another connection and kill it
    let pid: number | undefined;
    for (let attempt = 0; attempt < 100 && pid === undefined; attempt++) {
      const { rows } = await pool.query<{ pid: number }>(
        "select pid from pg_stat_activity where query like '%pg_sleep(5)%' and pid <> pg_backend_pid() and state = 'active'",
      );
      pid = rows[0]?.pid;
      if (pid === undefined) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(pid).toBeDefined();
    await pool.query('select pg_terminate_backend($1)', [pid]);
    expect(String(await sleeper)).toMatch(/terminat/);
    await settle(pool);
    expect(checkedOut(pool)).toBe(0);
    expect(pool.waitingCount).toBe(0);
    const { rows } = await queryWithBackpressure<{ ok: boolean }>(pool, 'select true as ok', undefined, quiet);
    expect(rows[0]?.ok).toBe(true);
  });
});
