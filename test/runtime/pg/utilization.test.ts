import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { poolSnapshot, poolUtilization } from '../../../runtime/src/index.js';
import { createTestPool, endPoolsAfterEach } from '../../support/pg.js';

describe('poolUtilization', () => {
  endPoolsAfterEach();

  it('measures a lazily grown pool against its configured max, not its current size', async () => {
    const pool = createTestPool({ max: 10 });
    const client = await pool.connect();
    try {
      // 1 open, 1 busy: "1 - idle/current" would say 100 %.
      expect(pool.totalCount).toBe(1);
      expect(poolUtilization(pool)).toBeCloseTo(0.1);
    } finally {
      client.release();
    }
    expect(poolUtilization(pool)).toBe(0);
  });

  it('counts waiters, so it exceeds 1 when callers queue', async () => {
    const pool = createTestPool({ max: 2 });
    const held = await Promise.all([pool.connect(), pool.connect()]);
    const queued = pool.connect();
    expect(pool.waitingCount).toBe(1);
    expect(poolUtilization(pool)).toBeCloseTo(1.5);
    expect(poolSnapshot(pool)).toEqual({ total: 2, idle: 0, checkedOut: 2, waiting: 1, max: 2, utilization: 1.5 });
    held.forEach((client) => client.release());
    (await queued).release();
  });

  it("uses pg's default max of 10 when the pool sets none", () => {
    const pool = new pg.Pool();
    expect(pool.options.max).toBe(10);
    const fake = { totalCount: 3, idleCount: 1, waitingCount: 0, options: {} };
    expect(poolUtilization(fake)).toBeCloseTo(0.2);
    expect(poolUtilization({ ...fake, options: { max: 0 } })).toBeCloseTo(0.2);
  });

  it('refuses what is not a pool with a TypeError naming the argument', () => {
    const message = (caller: string, got: string): TypeError =>
      new TypeError(
        `${caller}: pool must be a pg.Pool (or shaped like one: numeric totalCount, idleCount, waitingCount), got ${got}`,
      );
    const loose = poolUtilization as (pool: unknown) => number;
    expect(() => loose(undefined)).toThrow(message('poolUtilization', 'undefined'));
    expect(() => loose(null)).toThrow(message('poolUtilization', 'null'));
    expect(() => loose({})).toThrow(message('poolUtilization', 'an object without numeric counters'));
    expect(() => (poolSnapshot as (pool: unknown) => unknown)(undefined)).toThrow(message('poolSnapshot', 'undefined'));
  });
});
