/**
 * The admission decision, taken before the request touches the pool, so a refused request never enters pg-pool's
 * wait queue. Both modes compare the same figure, claimed = checked-out + waiting:
 *
 * - threshold:     refuse when claimed / max > threshold          (default 0.85: with max 10, at 9 claimed; with
 *                  threshold 1 only once a caller already waits, as utilization then exceeds 1)
 * - bounded-queue: refuse when claimed ≥ max + maxWaiting         (i.e. maxWaiting callers already wait for a busy pool)
 */
import { notAPool, PoolExhaustedError } from './errors.js';
import type { Admission } from './options.js';
import { configuredMax, poolSnapshot, type PoolLike } from './utilization.js';

type CountedPool = Pick<PoolLike<unknown>, 'totalCount' | 'idleCount' | 'waitingCount' | 'options'>;

/** Undefined when the request may go ahead; otherwise the error to reject it with. */
export function refuseAdmission(pool: CountedPool, admission: Admission, poolName: string): PoolExhaustedError | undefined {
  const claimed = pool.totalCount - pool.idleCount + pool.waitingCount;
  // NaN when a counter is missing or not a number: not a pool we can judge.
  if (Number.isNaN(claimed)) throw notAPool();
  const max = configuredMax(pool);
  if (admission.mode === 'threshold') {
    // Only *above* the threshold, as the plan says: at equality the request is admitted. (Both sides are correctly
    // rounded doubles, so 17 / 20 equals the literal 0.85.)
    if (claimed / max <= admission.threshold) return undefined;
    return new PoolExhaustedError(poolName, poolSnapshot(pool), `threshold ${Math.round(admission.threshold * 1000) / 10} %`);
  }
  if (claimed < max + admission.maxWaiting) return undefined;
  return new PoolExhaustedError(poolName, poolSnapshot(pool), `bounded queue of ${admission.maxWaiting} is full`);
}
