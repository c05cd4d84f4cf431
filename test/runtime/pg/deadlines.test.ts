import { describe, expect, it } from 'vitest';
import { awaitDeadline, batchedDeadlines } from '../../../runtime/src/pg/deadlines.js';
import { acquireWithBackpressure, AcquireTimeoutError } from '../../../runtime/src/index.js';
import { createTestPool, endPoolsAfterEach } from '../../support/pg.js';

describe('deadlines armed once per event-loop turn', () => {
  endPoolsAfterEach();

  it('arms only the requests still waiting at the end of the turn', async () => {
    const armed: string[] = [];
    const entry = (name: string, settled: boolean) => ({ settled, armDeadline: () => armed.push(name) });
    const waiting = entry('waiting', false);
    const done = entry('done', false);
    awaitDeadline(waiting);
    awaitDeadline(done);
    done.settled = true; // got its client within the turn
    await new Promise((resolve) => setImmediate(resolve));
    expect(armed).toEqual(['waiting']);
    expect(batchedDeadlines()).toBe(0);
  });

  it('keeps the batch small in a turn that never yields, and still arms the one left waiting', async () => {
    const armed: number[] = [];
    const waiting = { settled: false, armDeadline: () => armed.push(-1) };
    awaitDeadline(waiting);
    for (let i = 0; i < 100_000; i++) {
      const entry = { settled: false, armDeadline: () => armed.push(i) };
      awaitDeadline(entry);
      entry.settled = true;
    }
    expect(batchedDeadlines()).toBeLessThan(40);
    await new Promise((resolve) => setImmediate(resolve));
    expect(armed).toEqual([-1]);
  });

  it('a long chain of warm acquisitions without a yield leaves nothing behind, and deadlines still fire', async () => {
    const pool = createTestPool({ max: 1 });
    (await pool.connect()).release();
    for (let i = 0; i < 5_000; i++) (await acquireWithBackpressure(pool, { metrics: false })).release();
    expect(batchedDeadlines()).toBeLessThan(40);
    const holder = await pool.connect();
    const started = performance.now();
    await expect(
      acquireWithBackpressure(pool, { maxWaiting: 1, acquireTimeoutMs: 30, metrics: false }),
    ).rejects.toThrow(AcquireTimeoutError);
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
    holder.release();
  });
});
