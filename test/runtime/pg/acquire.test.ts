import type pg from 'pg';
import { Registry } from 'prom-client';
import { describe, expect, expectTypeOf, it, vi } from 'vitest';
import {
  AcquireTimeoutError,
  acquireWithBackpressure,
  type AcquireCallback,
  PoolBackpressureError,
  PoolExhaustedError,
} from '../../../runtime/src/index.js';
import { checkedOut, createTestPool, endPool, endPoolsAfterEach, settle, sleep } from '../../support/pg.js';

/** Checks out `count` clients the raw way, to put the pool under a known load. */
async function hold(pool: pg.Pool, count: number): Promise<pg.PoolClient[]> {
  return Promise.all(Array.from({ length: count }, () => pool.connect()));
}

/** Wraps a pool so the test sees every connect() call the helper makes. */
function countingConnects(pool: pg.Pool): { connects: () => number } {
  let connects = 0;
  const original = pool.connect.bind(pool) as (...args: unknown[]) => unknown;
  (pool as unknown as { connect: (...args: unknown[]) => unknown }).connect = (...args) => {
    connects++;
    return original(...args);
  };
  return { connects: () => connects };
}

const quiet = { metrics: false } as const;

describe('acquireWithBackpressure on a real PostgreSQL', () => {
  endPoolsAfterEach();

  it('hands out a working client and takes it back', async () => {
    const pool = createTestPool({ max: 10 });
    const client = await acquireWithBackpressure(pool);
    expectTypeOf(client).toEqualTypeOf<pg.PoolClient>();
    const { rows } = await client.query<{ one: number }>('select 1 as one');
    expect(rows[0]?.one).toBe(1);
    client.release();
    expect(checkedOut(pool)).toBe(0);
  });

  describe('threshold admission', () => {
    it('admits up to the threshold and refuses above it, without entering the pool queue', async () => {
      const pool = createTestPool({ max: 10 });
      const { connects } = countingConnects(pool);
      const held = await hold(pool, 8);
      const eighth = connects();
      const ninth = await acquireWithBackpressure(pool, 0.85); // 8/10 = 80 % < 85 %: admitted
      held.push(ninth);

      const refused = acquireWithBackpressure(pool, 0.85); // 9/10 = 90 % > 85 %
      await expect(refused).rejects.toBeInstanceOf(PoolExhaustedError);
      expect(connects()).toBe(eighth + 1); // the refused request never called pool.connect
      expect(pool.waitingCount).toBe(0);
      expect(pool.totalCount).toBe(9);

      const error = (await refused.catch((e: unknown) => e)) as PoolExhaustedError;
      expect(error).toBeInstanceOf(PoolBackpressureError);
      expect(error).toMatchObject({
        code: 'POOL_EXHAUSTED',
        utilizationPercent: 90,
        idleConnections: 0,
        maxConnections: 10,
        waitingRequests: 0,
        poolName: 'default',
      });
      expect(error.message).toContain('9 checked out + 0 waiting of max 10');
      expect(error.message).toContain('threshold 85 %');
      held.forEach((client) => client.release());
    });

    it('keeps the plan threshold for a bare 0.85 (older codemod output), and refuses promptly', async () => {
      const pool = createTestPool({ max: 10 });
      const held = await hold(pool, 9);
      // Refused before asking the pool: nothing queued, so no wait for the 2 s deadline.
      const connect = pool.connect.bind(pool);
      let connectCalls = 0;
      pool.connect = ((...args: Parameters<typeof connect>) => {
        connectCalls++;
        return connect(...args);
      }) as typeof pool.connect;
      await expect(acquireWithBackpressure(pool, 0.85)).rejects.toThrow(PoolExhaustedError);
      expect(connectCalls).toBe(0);
      expect(pool.waitingCount).toBe(0);
      held.forEach((client) => client.release());
    });

    it('admits at exactly the threshold (17/20 = 85 %) and refuses the next (18/20)', async () => {
      const pool = createTestPool({ max: 20 });
      const held = await hold(pool, 17);
      held.push(await acquireWithBackpressure(pool, { threshold: 0.85, ...quiet }));
      await expect(acquireWithBackpressure(pool, { threshold: 0.85, ...quiet })).rejects.toMatchObject({
        utilizationPercent: 90,
      });
      held.forEach((client) => client.release());
    });

    it('threshold 1 uses every client, queues a request while nobody waits, and refuses once one waits', async () => {
      const pool = createTestPool({ max: 4 });
      const held = await hold(pool, 4); // 100 %: not above 1
      const queued = acquireWithBackpressure(pool, { threshold: 1, ...quiet });
      expect(pool.waitingCount).toBe(1); // admitted: it waits in pg-pool's queue
      await expect(acquireWithBackpressure(pool, { threshold: 1, ...quiet })).rejects.toMatchObject({
        utilizationPercent: 125,
        waitingRequests: 1,
      });
      held.pop()!.release(); // the queued request gets this client
      (await queued).release();
      held.forEach((client) => client.release());
      await settle(pool);
      expect(checkedOut(pool)).toBe(0);
    });

    it('counts clients still connecting and waiters as claimed', async () => {
      const pool = createTestPool({ max: 4 });
      const held = await hold(pool, 3); // 75 %: admitted at threshold 0.75 on its own
      const fourth = pool.connect(); // connecting: in totalCount, not idle → 100 %
      await expect(acquireWithBackpressure(pool, { threshold: 0.75, ...quiet })).rejects.toThrow(PoolExhaustedError);
      const fifth = pool.connect(); // queued → 125 %
      await expect(acquireWithBackpressure(pool, { threshold: 1, ...quiet })).rejects.toMatchObject({
        waitingRequests: 1,
      });
      held.forEach((client) => client.release());
      (await fourth).release();
      (await fifth).release();
    });
  });

  describe('bounded-queue admission', () => {
    it('queues up to maxWaiting callers behind a full pool and refuses the next one at once', async () => {
      const pool = createTestPool({ max: 2 });
      const { connects } = countingConnects(pool);
      const held = await hold(pool, 2);
      const options = { maxWaiting: 2, ...quiet };
      const first = acquireWithBackpressure(pool, options);
      const second = acquireWithBackpressure(pool, options);
      expect(pool.waitingCount).toBe(2);
      const before = connects();
      await expect(acquireWithBackpressure(pool, options)).rejects.toThrow(/bounded queue of 2 is full/);
      expect(connects()).toBe(before);
      expect(pool.waitingCount).toBe(2);

      held.forEach((client) => client.release());
      const clients = await Promise.all([first, second]);
      clients.forEach((client) => client.release());
      await settle(pool);
      expect(checkedOut(pool)).toBe(0);
    });

    it('with maxWaiting 0 admits while a client is free and never waits', async () => {
      const pool = createTestPool({ max: 2 });
      const options = { maxWaiting: 0, ...quiet };
      const a = await acquireWithBackpressure(pool, options);
      const b = await acquireWithBackpressure(pool, options); // 100 % is fine: it got the last client
      await expect(acquireWithBackpressure(pool, options)).rejects.toThrow(PoolExhaustedError);
      expect(pool.waitingCount).toBe(0);
      a.release();
      b.release();
    });
  });

  describe('deadline', () => {
    it('times out with AcquireTimeoutError and withdraws the request from the pool queue', async () => {
      const pool = createTestPool({ max: 1 });
      const [holder] = await hold(pool, 1);
      const started = performance.now();
      const error = (await acquireWithBackpressure(pool, { maxWaiting: 5, acquireTimeoutMs: 60, ...quiet }).catch(
        (e: unknown) => e,
      )) as AcquireTimeoutError;
      const elapsed = performance.now() - started;
      expect(error).toBeInstanceOf(AcquireTimeoutError);
      expect(error).toBeInstanceOf(PoolBackpressureError);
      expect(error).toMatchObject({ code: 'ACQUIRE_TIMEOUT', timeoutMs: 60 });
      expect(error.message).toMatch(/no client within 60 ms; 1 checked out \+ 1 waiting of max 1/);
      expect(elapsed).toBeGreaterThanOrEqual(55);
      // The error class shows the deadline fired; this bound only catches a hang (a busy machine may take seconds).
      expect(elapsed, `timed out after ${Math.round(elapsed)} ms`).toBeLessThan(10_000);
      expect(pool.waitingCount).toBe(0); // withdrawn: it will not take the next free client

      holder!.release();
      await settle(pool);
      expect(checkedOut(pool)).toBe(0);
      expect(pool.idleCount).toBe(1); // the pool did not shrink
    });

    it('hands a client that arrives after the timeout straight back (queue it cannot withdraw from)', async () => {
      // With connectionTimeoutMillis pg-pool wraps queued callbacks, so the request cannot be withdrawn: the client
      // must be released on arrival instead.
      const pool = createTestPool({ max: 1, connectionTimeoutMillis: 5_000 });
      const [holder] = await hold(pool, 1);
      await expect(acquireWithBackpressure(pool, { maxWaiting: 1, acquireTimeoutMs: 30, ...quiet })).rejects.toThrow(
        AcquireTimeoutError,
      );
      expect(pool.waitingCount).toBe(1); // still queued inside pg-pool

      holder!.release(); // goes to the abandoned request, which must hand it back
      await settle(pool);
      expect(pool.waitingCount).toBe(0);
      expect(checkedOut(pool)).toBe(0);
      expect(pool.totalCount).toBe(1);
      const again = await acquireWithBackpressure(pool, quiet);
      again.release();
    });

    it('hands back a brand-new client whose connection finished after the timeout', async () => {
      // onConnect delays the new client's hand-over past the caller's deadline.
      const pool = createTestPool({ max: 2, onConnect: () => sleep(150) } as pg.PoolConfig);
      await expect(acquireWithBackpressure(pool, { acquireTimeoutMs: 30, ...quiet })).rejects.toThrow(
        AcquireTimeoutError,
      );
      expect(pool.totalCount).toBe(1); // still connecting
      await vi.waitFor(() => expect(pool.idleCount).toBe(1), { timeout: 5_000 });
      expect(checkedOut(pool)).toBe(0);
      expect(pool.totalCount).toBe(1);
    });
  });

  describe('abort signal', () => {
    it('rejects at once with the reason when already aborted, without touching the pool', async () => {
      const pool = createTestPool({ max: 1 });
      const { connects } = countingConnects(pool);
      const controller = new AbortController();
      controller.abort(new Error('client went away'));
      await expect(acquireWithBackpressure(pool, { signal: controller.signal, ...quiet })).rejects.toThrow(
        'client went away',
      );
      expect(connects()).toBe(0);
    });

    it('gives up while waiting, withdraws the request and keeps the pool whole', async () => {
      const pool = createTestPool({ max: 1 });
      const [holder] = await hold(pool, 1);
      const controller = new AbortController();
      const waiting = acquireWithBackpressure(pool, { maxWaiting: 1, signal: controller.signal, ...quiet });
      await vi.waitFor(() => expect(pool.waitingCount).toBe(1)); // queued, however long a busy machine takes
      controller.abort();
      await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
      expect(pool.waitingCount).toBe(0);
      holder!.release();
      await settle(pool);
      expect(checkedOut(pool)).toBe(0);
      expect(pool.idleCount).toBe(1);
    });

    it('ignores an abort that comes after the client was handed out', async () => {
      const pool = createTestPool({ max: 1 });
      const controller = new AbortController();
      const client = await acquireWithBackpressure(pool, { signal: controller.signal, ...quiet });
      controller.abort();
      await client.query('select 1');
      client.release();
      expect(checkedOut(pool)).toBe(0);
    });
  });

  describe('callback form (mirrors pool.connect(cb))', () => {
    it('(pool, callback) gives err, client and release', async () => {
      const pool = createTestPool({ max: 2 });
      const result = await new Promise<{ err: Error | undefined; value: number | undefined }>((resolve) => {
        acquireWithBackpressure(pool, (err, client, release) => {
          if (err || !client) return resolve({ err, value: undefined });
          client.query<{ v: number }>('select 7 as v').then(
            (res) => {
              release();
              resolve({ err: undefined, value: res.rows[0]?.v });
            },
            (error: Error) => {
              release(error);
              resolve({ err: error, value: undefined });
            },
          );
        });
      });
      expect(result).toEqual({ err: undefined, value: 7 });
      expect(checkedOut(pool)).toBe(0);
    });

    it('(pool, options, callback) reports refusal through the callback with a no-op release', async () => {
      const pool = createTestPool({ max: 1 });
      const [holder] = await hold(pool, 1);
      const [err, client, release] = await new Promise<Parameters<AcquireCallback<pg.PoolClient>>>((resolve) =>
        acquireWithBackpressure(pool, { threshold: 0.5, ...quiet }, (...args) => resolve(args)),
      );
      expect(err).toBeInstanceOf(PoolExhaustedError);
      expect(client).toBeUndefined();
      expect(() => (release as () => void)()).not.toThrow();
      holder!.release();
    });

    it('(pool, threshold, callback) works with a number', async () => {
      const pool = createTestPool({ max: 1 });
      const err = await new Promise<Error | undefined>((resolve) =>
        acquireWithBackpressure(pool, 1, (error, _client, release) => {
          release();
          resolve(error);
        }),
      );
      expect(err).toBeUndefined();
      expect(checkedOut(pool)).toBe(0);
    });
  });

  describe('failures around the checkout', () => {
    it('passes a connection error through and leaves nothing behind', async () => {
      const pool = createTestPool({ max: 2, host: '127.0.0.1', port: 1, connectionString: undefined });
      await expect(acquireWithBackpressure(pool, quiet)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
      expect(pool.totalCount).toBe(0);
      expect(pool.waitingCount).toBe(0);
    });

    /** Checks out a client, then kills its backend from another connection. */
    async function killedClient(pool: pg.Pool): Promise<{ client: pg.PoolClient; errors: Error[] }> {
      const client = await acquireWithBackpressure(pool, quiet);
      const errors: Error[] = [];
      client.on('error', (error) => errors.push(error)); // the app's listener, as pg requires for checked-out clients
      const { rows } = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
      await pool.query('select pg_terminate_backend($1)', [rows[0]!.pid]);
      return { client, errors };
    }

    it('pg_terminate_backend mid-checkout, then a failed query and release(err): the dead client is dropped', async () => {
      const pool = createTestPool({ max: 2 });
      const { client } = await killedClient(pool);
      const failure = (await client.query('select 1').catch((e: unknown) => e)) as Error;
      expect(failure).toBeInstanceOf(Error);
      client.release(failure);
      expect(pool.totalCount).toBe(1); // removed at once; the other client ran the terminate
      expect(checkedOut(pool)).toBe(0);
      const fresh = await acquireWithBackpressure(pool, quiet);
      await fresh.query('select 1');
      fresh.release();
    });

    it('pg_terminate_backend mid-checkout, then a plain release(): the dead client is dropped, nothing leaks', async () => {
      const pool = createTestPool({ max: 2 });
      const removed = new Promise((resolve) => pool.once('remove', resolve));
      const { client, errors } = await killedClient(pool);
      await vi.waitFor(() => expect(errors.length).toBeGreaterThan(0)); // pg noticed the dead socket
      client.release();
      await removed;
      expect(checkedOut(pool)).toBe(0);
      expect(pool.totalCount).toBe(1);
      const fresh = await acquireWithBackpressure(pool, quiet);
      await fresh.query('select 1');
      fresh.release();
    });

    it('fails a request waiting when the pool ends, by its deadline, and rejects new ones at once', async () => {
      const pool = createTestPool({ max: 1 });
      const [holder] = await hold(pool, 1);
      const waiting = acquireWithBackpressure(pool, { maxWaiting: 1, acquireTimeoutMs: 100, ...quiet });
      const ended = endPool(pool); // waits for the held client
      await expect(acquireWithBackpressure(pool, quiet)).rejects.toThrow(/Cannot use a pool after calling end/);
      await expect(waiting).rejects.toThrow(AcquireTimeoutError);
      expect(pool.waitingCount).toBe(0);
      holder!.release();
      await ended;
      expect(pool.totalCount).toBe(0);
    });
  });

  it('labels errors with the pool name', async () => {
    const pool = createTestPool({ max: 1 });
    const [holder] = await hold(pool, 1);
    await expect(
      acquireWithBackpressure(pool, { name: 'orders', registry: new Registry(), maxWaiting: 0 }),
    ).rejects.toThrow(/pg pool "orders" exhausted/);
    holder!.release();
  });
});
