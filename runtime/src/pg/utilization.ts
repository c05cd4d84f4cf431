/**
 * What the admission decision looks at: how much of the pool's configured capacity is claimed.
 *
 * utilization = (checked-out clients + waiting requests) / options.max
 *
 * Measured against the configured maximum, never against the current size: a lazily grown pool with 1 busy client
 * out of 1 open (10 allowed) is at 10 %, not 100 %. `totalCount` includes clients still connecting for a caller, so
 * they count as checked out. Waiters count too: each one has already claimed the next free client.
 */
import type { PoolClient } from 'pg';

/** pg's callback for `pool.connect(cb)`: `release(err)` destroys the client instead of returning it. */
export type ConnectCallback<TClient> = (
  err: Error | undefined,
  client: TClient | undefined,
  release: (err?: Error | boolean) => void,
) => void;

/** Anything shaped like `pg.Pool` (pg, pg-pool, pg-compatible pools). */
export interface PoolLike<TClient = PoolClient> {
  readonly totalCount: number;
  readonly idleCount: number;
  readonly waitingCount: number;
  readonly options?: { readonly max?: number | undefined };
  readonly ending?: boolean;
  connect(callback: ConnectCallback<TClient>): void;
}

/** The counters `poolUtilization` reads, as one plain object (errors and logs carry it). */
export interface PoolSnapshot {
  /** Clients open or connecting. */
  readonly total: number;
  readonly idle: number;
  /** Open or connecting clients held by callers: total - idle. */
  readonly checkedOut: number;
  /** Callers queued inside the pool. */
  readonly waiting: number;
  /** The configured maximum (pg's default of 10 when unset). */
  readonly max: number;
  /** (checkedOut + waiting) / max: may exceed 1 when callers queue. */
  readonly utilization: number;
}

/** pg-pool's own default for `max`: `options.max || options.poolSize || 10`. */
export const PG_DEFAULT_MAX = 10;

type CountedPool = Pick<PoolLike<unknown>, 'totalCount' | 'idleCount' | 'waitingCount' | 'options'>;

export function configuredMax(pool: CountedPool): number {
  const max = pool.options?.max;
  return typeof max === 'number' && max > 0 ? max : PG_DEFAULT_MAX;
}

/** A programming error: `pool` passed to `caller` has no numeric counters. */
function notCounted(caller: string, pool: unknown): TypeError {
  const got = pool === null ? 'null' : typeof pool === 'object' ? 'an object without numeric counters' : typeof pool;
  return new TypeError(
    `${caller}: pool must be a pg.Pool (or shaped like one: numeric totalCount, idleCount, waitingCount), got ${got}`,
  );
}

/** The figure admission uses: (checked-out + waiting) / configured max. 0.9 = 90 %; above 1 when callers queue. */
export function poolUtilization(pool: CountedPool): number {
  if (typeof pool !== 'object' || pool === null) throw notCounted('poolUtilization', pool);
  const utilization = (pool.totalCount - pool.idleCount + pool.waitingCount) / configuredMax(pool);
  if (Number.isNaN(utilization)) throw notCounted('poolUtilization', pool);
  return utilization;
}

export function poolSnapshot(pool: CountedPool): PoolSnapshot {
  if (typeof pool !== 'object' || pool === null) throw notCounted('poolSnapshot', pool);
  const total = pool.totalCount;
  const idle = pool.idleCount;
  const waiting = pool.waitingCount;
  const max = configuredMax(pool);
  const checkedOut = total - idle;
  return { total, idle, checkedOut, waiting, max, utilization: (checkedOut + waiting) / max };
}

export function describeSnapshot(snapshot: PoolSnapshot): string {
  return (
    `${snapshot.checkedOut} checked out + ${snapshot.waiting} waiting of max ${snapshot.max} ` +
    `(${Math.round(snapshot.utilization * 100)} % utilized; ${snapshot.idle} idle, ${snapshot.total} open)`
  );
}
