import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { acquireWithBackpressure, queryWithBackpressure } from '../../../runtime/src/index.js';

// A pool that is never connected: validation happens before the pool is touched.
const pool = new pg.Pool({ max: 10 });

describe('option validation', () => {
  const cases: Array<[string, unknown, RegExp]> = [
    ['threshold 0', 0, /"threshold".*0 < value ≤ 1.*got 0/],
    ['threshold above 1', 1.5, /"threshold".*got 1\.5/],
    ['threshold NaN', Number.NaN, /"threshold".*got NaN/],
    ['threshold option as string', { threshold: '0.9' }, /"threshold".*got "0\.9"/],
    ['negative acquireTimeoutMs', { acquireTimeoutMs: -1 }, /"acquireTimeoutMs".*got -1/],
    ['fractional acquireTimeoutMs', { acquireTimeoutMs: 1.5 }, /"acquireTimeoutMs".*got 1\.5/],
    ['infinite acquireTimeoutMs', { acquireTimeoutMs: Number.POSITIVE_INFINITY }, /"acquireTimeoutMs".*got Infinity/],
    ['maxWaiting below 0', { maxWaiting: -2 }, /"maxWaiting".*integer ≥ 0.*got -2/],
    ['maxWaiting with threshold', { maxWaiting: 5, threshold: 0.9 }, /"maxWaiting".*"threshold"/],
    ['signal that is no signal', { signal: { aborted: 'no' } }, /"signal".*AbortSignal.*got \{"aborted":"no"\}/],
    ['empty name', { name: '' }, /"name".*got ""/],
    ['registry that is no registry', { registry: {} }, /"registry".*got \{\}/],
    ['metrics as string', { metrics: 'off' }, /"metrics".*got "off"/],
    ['unknown option (typo)', { treshold: 0.9 }, /"treshold".*unknown option.*got 0\.9/],
    ['a string instead of options', 'fast', /options must be.*got "fast"/],
  ];

  it.each(cases)('%s → TypeError naming the option and the value', (_label, options, message) => {
    expect(() => acquireWithBackpressure(pool, options as number)).toThrow(TypeError);
    expect(() => acquireWithBackpressure(pool, options as number)).toThrow(message);
  });

  it('validates in the callback form too, synchronously, before any callback', () => {
    let called = false;
    expect(() => acquireWithBackpressure(pool, { acquireTimeoutMs: 0 }, () => (called = true))).toThrow(
      /"acquireTimeoutMs".*got 0/,
    );
    expect(called).toBe(false);
  });

  it('rejects something that is not a pool', () => {
    expect(() => acquireWithBackpressure({} as pg.Pool)).toThrow(/pool must be a pg\.Pool/);
  });

  it('queryWithBackpressure rejects bad options before acquiring', async () => {
    await expect(queryWithBackpressure(pool, 'select 1', [], { threshold: 2 })).rejects.toThrow(/"threshold".*got 2/);
    expect(pool.totalCount).toBe(0);
  });

  it('accepts the documented forms', () => {
    // Not awaited: each resolves or rejects against a pool that has no server; only validation is under test.
    const settle = (promise: Promise<unknown>) =>
      promise.then(
        (client) => (client as pg.PoolClient).release(),
        () => undefined,
      );
    expect(() => settle(acquireWithBackpressure(new pg.Pool({ max: 1, port: 1 }), 1))).not.toThrow();
    expect(() =>
      settle(
        acquireWithBackpressure(new pg.Pool({ max: 1, port: 1 }), {
          threshold: 0.5,
          acquireTimeoutMs: 10,
          signal: new AbortController().signal,
          name: 'x',
          metrics: false,
        }),
      ),
    ).not.toThrow();
    expect(() =>
      settle(acquireWithBackpressure(new pg.Pool({ max: 1, port: 1 }), { maxWaiting: 0, metrics: false })),
    ).not.toThrow();
  });
});
