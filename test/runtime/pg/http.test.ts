import { describe, expect, it } from 'vitest';
import {
  AcquireTimeoutError,
  backpressureResponse,
  isPoolBackpressureError,
  PoolExhaustedError,
  poolSnapshot,
} from '../../../runtime/src/index.js';

const snapshot = poolSnapshot({ totalCount: 10, idleCount: 0, waitingCount: 2, options: { max: 10 } });

describe('HTTP mapping of backpressure errors', () => {
  it('maps PoolExhaustedError to 503 with Retry-After', () => {
    const response = backpressureResponse(new PoolExhaustedError('api', snapshot, 'threshold 85 %'));
    expect(response).toEqual({
      status: 503,
      headers: { 'Retry-After': '1' },
      body: { error: 'POOL_EXHAUSTED', message: 'database busy, retry later' },
    });
  });

  it('maps AcquireTimeoutError to 503 and takes a Retry-After in seconds, rounded up', () => {
    const response = backpressureResponse(new AcquireTimeoutError('api', snapshot, 2000), 2.2);
    expect(response?.status).toBe(503);
    expect(response?.headers['Retry-After']).toBe('3');
    expect(response?.body.error).toBe('ACQUIRE_TIMEOUT');
  });

  it('leaves every other error alone', () => {
    expect(backpressureResponse(new Error('boom'))).toBeUndefined();
    expect(backpressureResponse(Object.assign(new Error('pg'), { code: '57P01' }))).toBeUndefined();
    expect(backpressureResponse(undefined)).toBeUndefined();
  });

  it('recognises a backpressure error from another copy of the module by its code', () => {
    const foreign = Object.assign(new Error('exhausted'), { code: 'POOL_EXHAUSTED' });
    expect(isPoolBackpressureError(foreign)).toBe(true);
    expect(backpressureResponse(foreign)?.status).toBe(503);
  });

  it('refuses a Retry-After that is not a finite number, naming the argument', () => {
    const error = new PoolExhaustedError('api', snapshot, 'threshold 85 %');
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, '2' as unknown as number]) {
      expect(() => backpressureResponse(error, bad)).toThrow(
        new TypeError(`backpressureResponse: retryAfterSeconds must be a finite number of seconds, got ${String(bad)}`),
      );
    }
    expect(backpressureResponse(error, -3)?.headers['Retry-After']).toBe('0');
  });

  it('refuses to build a backpressure error without a pool name or a snapshot, naming the argument', () => {
    const build =
      (...args: unknown[]) =>
      () =>
        new (PoolExhaustedError as unknown as new (...rest: unknown[]) => unknown)(...args);
    expect(build()).toThrow(new TypeError('PoolExhaustedError: poolName must be a string, got undefined'));
    expect(build('api')).toThrow(
      new TypeError('PoolExhaustedError: snapshot must be a PoolSnapshot (poolSnapshot(pool)), got undefined'),
    );
    expect(build('api', { total: 1 }, 'x')).toThrow(/^PoolExhaustedError: snapshot must be a PoolSnapshot/);
    expect(() => new (AcquireTimeoutError as unknown as new (...rest: unknown[]) => unknown)('api', null, 10)).toThrow(
      new TypeError('AcquireTimeoutError: snapshot must be a PoolSnapshot (poolSnapshot(pool)), got null'),
    );
  });
});
