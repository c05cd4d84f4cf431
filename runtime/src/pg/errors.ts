/**
 * The typed errors of fail-fast acquisition. Both mean "the database is saturated, try again shortly":
 * map them to HTTP 503 with a Retry-After header (see `backpressureResponse` in http.ts), never to a 500.
 */
import { describeSnapshot, type PoolSnapshot } from './utilization.js';

export type PoolBackpressureCode = 'POOL_EXHAUSTED' | 'ACQUIRE_TIMEOUT';

const SNAPSHOT_FIELDS = ['total', 'idle', 'checkedOut', 'waiting', 'max', 'utilization'] as const;

/** Checks the constructor arguments an application may pass by hand (tests, adapters), before the message reads them. */
function checkArguments(errorName: string, poolName: unknown, snapshot: unknown): void {
  if (typeof poolName !== 'string')
    throw new TypeError(`${errorName}: poolName must be a string, got ${typeof poolName}`);
  const fields = snapshot as Partial<Record<(typeof SNAPSHOT_FIELDS)[number], unknown>> | null | undefined;
  if (
    typeof fields !== 'object' ||
    fields === null ||
    !SNAPSHOT_FIELDS.every((field) => typeof fields[field] === 'number')
  ) {
    throw new TypeError(
      `${errorName}: snapshot must be a PoolSnapshot (poolSnapshot(pool)), got ${snapshot === null ? 'null' : typeof snapshot}`,
    );
  }
}

/** Common base: `instanceof PoolBackpressureError` catches every backpressure rejection. */
export abstract class PoolBackpressureError extends Error {
  abstract readonly code: PoolBackpressureCode;
  /** The pool's metrics label (`options.name`). */
  readonly poolName: string;
  /** The pool's counters when the request was turned away. */
  readonly snapshot: PoolSnapshot;

  protected constructor(message: string, poolName: string, snapshot: PoolSnapshot) {
    super(message);
    this.poolName = poolName;
    this.snapshot = snapshot;
  }
}

/** Thrown at once, without queueing, when admission refuses a request (utilization threshold or full bounded queue). */
export class PoolExhaustedError extends PoolBackpressureError {
  override readonly name = 'PoolExhaustedError';
  readonly code = 'POOL_EXHAUSTED' as const;
  /** (checked-out + waiting) / max, in percent, rounded to one decimal. */
  readonly utilizationPercent: number;
  readonly idleConnections: number;
  readonly maxConnections: number;
  readonly waitingRequests: number;

  constructor(poolName: string, snapshot: PoolSnapshot, limit: string) {
    checkArguments('PoolExhaustedError', poolName, snapshot);
    super(`pg pool "${poolName}" exhausted: ${describeSnapshot(snapshot)}; ${limit}`, poolName, snapshot);
    this.utilizationPercent = Math.round(snapshot.utilization * 1000) / 10;
    this.idleConnections = snapshot.idle;
    this.maxConnections = snapshot.max;
    this.waitingRequests = snapshot.waiting;
  }
}

/** Thrown when an admitted request got no client within `acquireTimeoutMs`. Its queued request is withdrawn. */
export class AcquireTimeoutError extends PoolBackpressureError {
  override readonly name = 'AcquireTimeoutError';
  readonly code = 'ACQUIRE_TIMEOUT' as const;
  readonly timeoutMs: number;

  constructor(poolName: string, snapshot: PoolSnapshot, timeoutMs: number) {
    checkArguments('AcquireTimeoutError', poolName, snapshot);
    super(`pg pool "${poolName}": no client within ${timeoutMs} ms; ${describeSnapshot(snapshot)}`, poolName, snapshot);
    this.timeoutMs = timeoutMs;
  }
}

/**
 * True for both backpressure errors. Also matches by `code`, so errors thrown by a second copy of this module
 * (an app that loads quickwins both as ESM and as CommonJS) are recognised too.
 */
export function isPoolBackpressureError(error: unknown): error is PoolBackpressureError {
  if (error instanceof PoolBackpressureError) return true;
  const code = (error as { code?: unknown } | null)?.code;
  return error instanceof Error && (code === 'POOL_EXHAUSTED' || code === 'ACQUIRE_TIMEOUT');
}

/** A programming error: the argument is not a pg.Pool (or shaped like one). */
export function notAPool(): TypeError {
  return new TypeError(
    'quickwins: pool must be a pg.Pool (or shaped like one: connect, totalCount, idleCount, waitingCount)',
  );
}
