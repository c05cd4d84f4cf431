/**
 * The admission decision, taken before the request touches the pool, so a refused request never enters pg-pool's
 * wait queue. Every mode looks at the same figure, claimed = checked-out + waiting:
 *
 * - adaptive (default): admit while a client is free, else while the predicted queueing delay stays under a target
 *                  derived from the pool's measured hold times (see adaptive.ts)
 * - threshold:     refuse when claimed / max > threshold          (0.85: with max 10, at 9 claimed; with
 *                  threshold 1 only once a caller already waits, as utilization then exceeds 1)
 * - bounded-queue: refuse when claimed ≥ max + maxWaiting         (i.e. maxWaiting callers already wait for a busy pool)
 */
import type { AdaptiveAdmission, AdaptiveRefusal } from './adaptive.js';
import { notAPool, PoolExhaustedError } from './errors.js';
import type { Admission } from './options.js';
import { configuredMax, poolSnapshot, type PoolLike } from './utilization.js';

type CountedPool = Pick<PoolLike<unknown>, 'totalCount' | 'idleCount' | 'waitingCount' | 'options'>;

/** Why a request was refused: the `reason` label of db_pool_admission_refusals_total. */
export type RefusalReason = 'threshold' | 'queue_full' | AdaptiveRefusal;

export interface Refusal {
  readonly reason: RefusalReason;
  readonly error: PoolExhaustedError;
}

const ADAPTIVE_LIMITS: Record<AdaptiveRefusal, string> = {
  queue_delay: 'predicted queueing delay above the burst target',
  overload: 'demand above capacity, queue kept to about one hold time',
  deadline: 'predicted queueing delay above half the acquisition deadline',
};

/**
 * Undefined when the request may go ahead; otherwise why not and the error to reject it with. `policy` is the pool's
 * adaptive state (adaptive mode only); `deadlineMs` caps how long adaptive admission lets a request wait.
 */
export function refuseAdmission(
  pool: CountedPool,
  admission: Admission,
  poolName: string,
  policy?: AdaptiveAdmission,
  deadlineMs = Number.POSITIVE_INFINITY,
): Refusal | undefined {
  const claimed = pool.totalCount - pool.idleCount + pool.waitingCount;
  // NaN when a counter is missing or not a number: not a pool we can judge.
  if (Number.isNaN(claimed)) throw notAPool();
  const max = configuredMax(pool);
  if (admission.mode === 'adaptive') {
    if (policy === undefined) return undefined;
    const reason = policy.admit(claimed, max, deadlineMs);
    if (reason === undefined) return undefined;
    const limit = `adaptive limit ${policy.limit} claimed (${ADAPTIVE_LIMITS[reason]})`;
    return { reason, error: new PoolExhaustedError(poolName, poolSnapshot(pool), limit) };
  }
  if (admission.mode === 'threshold') {
    // Only *above* the threshold, as the plan says: at equality the request is admitted. (Both sides are correctly
    // rounded doubles, so 17 / 20 equals the literal 0.85.)
    if (claimed / max <= admission.threshold) return undefined;
    const limit = `threshold ${Math.round(admission.threshold * 1000) / 10} %`;
    return { reason: 'threshold', error: new PoolExhaustedError(poolName, poolSnapshot(pool), limit) };
  }
  if (claimed < max + admission.maxWaiting) return undefined;
  const limit = `bounded queue of ${admission.maxWaiting} is full`;
  return { reason: 'queue_full', error: new PoolExhaustedError(poolName, poolSnapshot(pool), limit) };
}
