/**
 * The default admission policy: a short queue in front of the pool whose length follows the pool's own hold times.
 *
 * Ideas taken from three known designs, fitted to a connection pool:
 * - CoDel: judge the queue by its delay, not its length. A newcomer's queueing delay is predicted as
 *   (callers ahead + 1) × hold / max, and it is admitted while that stays under a target.
 * - Breakwater: decide at the door (early drop, no request queued only to time out later), from demand measured
 *   against capacity: arrivals per interval against max / hold. And, as CoDel asks of a standing queue, only when no
 *   request of the interval found a free client (a queue that empties now and then is noise, not overload).
 * - Gradient2 / Vegas: the limit follows measured latency (an EWMA of hold times), with no number to configure.
 *
 * Targets, in units of the measured mean hold time H (and its variability, Kingman's (1 + cs²)):
 *   normal      wait up to BURST_HOLDS × H × (1 + cs²): absorbs Poisson noise at up to about 1× capacity;
 *   overloaded  a queue has stood (no request found a free client) while arrivals exceeded capacity: wait up to
 *               OVERLOAD_HOLDS × H. Every client stays busy (goodput) and an admitted request finishes within about
 *               two hold times instead of queueing behind a standing queue;
 *   spare       the last long window ran at ≤ HEADROOM_DEMAND of capacity, so there is time to drain a burst after
 *               it: wait up to a quarter of the acquisition deadline, and call a surge an overload only once it
 *               outlasts twice that.
 * All are capped at half the acquisition deadline, so a slow database cannot make a request wait past it.
 *
 * Per acquisition: O(1), no clock read and no allocation while a client is free (the warm fast path); a checkout that
 * waited (and the pool's first SETTLED_SAMPLES) gets a timed release wrapper. State: a fixed set of numbers.
 */

/** Why a request was refused; also the `reason` label of the refusal metric. */
export type AdaptiveRefusal = 'queue_delay' | 'overload' | 'deadline';

/** Predicted wait allowed while demand fits the pool, in mean hold times. */
export const BURST_HOLDS = 2;
/** Predicted wait allowed once demand exceeds capacity: about one hold, so successes stay near 2 × H. */
export const OVERLOAD_HOLDS = 1;
/** Demand over a full interval above this share of capacity means overload; at or below it, back to normal. */
export const OVERLOAD_DEMAND = 1.2;
/** This share of an interval already ONSET_DEMAND above capacity switches to overload early (a sustained surge). */
export const ONSET_SHARE = 0.25;
export const ONSET_DEMAND = 1.6;
/**
 * Spare capacity: when arrivals over the last LONG_INTERVALS intervals stayed at or below this share of capacity, the
 * pool has time to drain a burst afterwards, and the queue may take up to HEADROOM_DEADLINE_SHARE of the deadline.
 */
export const HEADROOM_DEMAND = 0.85;
export const LONG_INTERVALS = 12;
export const HEADROOM_DEADLINE_SHARE = 0.25;
/** Hold samples before the spare-capacity judgement trusts the mean hold. */
export const SETTLED_SAMPLES = 32;
/** The measuring interval, in mean hold times, within [MIN_INTERVAL_MS, MAX_INTERVAL_MS]. */
export const INTERVAL_HOLDS = 8;
export const MIN_INTERVAL_MS = 20;
export const MAX_INTERVAL_MS = 1000;
/** EWMA weight of one hold-time sample: slow enough for a 90/10 mix of short and long queries, fast for a slowdown. */
export const HOLD_WEIGHT = 1 / 64;
/** EWMA weight of one queue-delay sample (metrics only). */
export const DELAY_WEIGHT = 1 / 8;

export class AdaptiveAdmission {
  /**
   * Mean hold time (checkout to release), EWMA; undefined until the first sample. Measured on checkouts that waited:
   * the pressure under which admission needs it.
   */
  holdMs: number | undefined = undefined;
  /** Mean squared hold time, EWMA: with holdMs it gives how variable holds are. */
  private holdSquareMs2 = 0;
  private holdSamples = 0;
  /** True until SETTLED_SAMPLES holds were measured. */
  private settling = true;
  /** Mean queueing delay of admitted requests that waited, EWMA (0 when none waited). */
  queueDelayMs = 0;
  /** True while demand exceeds capacity. */
  overloaded = false;
  /** True when the last long window's demand left room to drain a burst (see HEADROOM_DEMAND). */
  spareCapacity = false;
  /** The admission limit last applied, in claims (checked out + waiting); max + allowed waiters. */
  limit = 0;
  /** Arrivals (admitted or refused) ever; the intervals remember where they started (one counter on the fast path). */
  private arrivals = 0;
  private intervalStartArrivals = 0;
  /** A request found a free client since the last slow-path decision: the queue was empty (CoDel's test). */
  private sawFreeClient = false;
  private intervalStart: number;
  /** Arrivals when the long window started, and when it did. */
  private longStartArrivals = 0;
  private longStart: number;
  private longJudged = false;
  private readonly now: () => number;

  constructor(now: () => number = () => performance.now()) {
    this.now = now;
    this.intervalStart = now();
    this.longStart = this.intervalStart;
  }

  /**
   * Undefined to admit, else why not. `claimed` = checked out + waiting. A free client is always taken: the clock is
   * read only when the request would have to wait.
   */
  admit(claimed: number, max: number, deadlineMs: number): AdaptiveRefusal | undefined {
    this.arrivals++;
    if (claimed < max) {
      this.sawFreeClient = true;
      return undefined;
    }
    const hold = this.holdMs;
    if (hold === undefined) {
      // Nothing measured yet: a queue as long as the pool, like the bounded queue with maxWaiting = max.
      this.limit = 2 * max;
      return claimed < this.limit ? undefined : 'queue_delay';
    }
    const burstWaitMs = deadlineMs * HEADROOM_DEADLINE_SHARE;
    this.updateDemand(max, hold, burstWaitMs);
    let target = this.overloaded ? OVERLOAD_HOLDS : BURST_HOLDS * this.holdVariability();
    if (!this.overloaded && this.spareCapacity) target = Math.max(target, burstWaitMs / hold);
    const waitHolds = Math.min(target, deadlineMs / 2 / hold);
    // Waiters ahead + 1 must be served by max clients each freeing once per hold: wait ≈ (ahead + 1) × hold / max.
    const allowedWaiters = Math.floor(waitHolds * max);
    this.limit = max + allowedWaiters;
    if (claimed < this.limit) return undefined;
    if (waitHolds < target) return 'deadline';
    return this.overloaded ? 'overload' : 'queue_delay';
  }

  /**
   * True for a checkout that did not wait but should be timed anyway: the pool's first ones, until the estimate has
   * settled. Every checkout that waited is timed too; timing all of them would cost ~8 % of a warm acquire + release.
   */
  sampleHold(): boolean {
    return this.settling;
  }

  /** A measured hold time (checkout to release). */
  held(ms: number): void {
    if (!(ms >= 0)) return;
    // A plain mean over the first samples (no bias toward the very first one), an EWMA after that.
    this.holdSamples++;
    this.settling = this.holdSamples < SETTLED_SAMPLES;
    // Variable holds need more samples for the same precision of the mean: the weight shrinks with the variability.
    const weight = Math.max(HOLD_WEIGHT / this.holdVariability(), 1 / this.holdSamples);
    const hold = this.holdMs ?? 0;
    this.holdMs = hold + weight * (ms - hold);
    this.holdSquareMs2 += weight * (ms * ms - this.holdSquareMs2);
  }

  /** A measured queueing delay of an admitted request that waited. */
  waited(ms: number): void {
    if (!(ms >= 0)) return;
    this.queueDelayMs += DELAY_WEIGHT * (ms - this.queueDelayMs);
  }

  /**
   * 1 + the squared coefficient of variation of hold times (Kingman: queueing delay grows with it). 1 for equal
   * holds; ≈ 8 for 90 % 2 ms / 10 % 200 ms, where a few long holds at once stall the pool and need a longer queue.
   */
  holdVariability(): number {
    const hold = this.holdMs;
    if (hold === undefined || hold <= 0) return 1;
    return Math.max(1, this.holdSquareMs2 / (hold * hold));
  }

  /** The measuring interval: longer for variable holds, whose capacity shows only over more of them. */
  intervalMs(): number {
    const hold = this.holdMs ?? 0;
    return Math.min(MAX_INTERVAL_MS, Math.max(MIN_INTERVAL_MS, INTERVAL_HOLDS * hold * this.holdVariability()));
  }

  /** How long a queue must stand before a surge counts as overload: longer while spare capacity can drain a burst. */
  private onsetMs(interval: number, burstWaitMs: number): number {
    return this.spareCapacity ? Math.max(interval * ONSET_SHARE, 2 * burstWaitMs) : interval * ONSET_SHARE;
  }

  /** Compares arrivals with capacity (max / hold) at the end of each interval, or early for a clear surge. */
  private updateDemand(max: number, hold: number, burstWaitMs: number): void {
    const now = this.now();
    const interval = this.intervalMs();
    const longElapsed = now - this.longStart;
    // The first judgement comes after a third of a long window, so a burst early in the pool's life can be absorbed too;
    // never before the pool has run for twice the burst allowance on a settled hold estimate.
    const longWindow = Math.max((this.longJudged ? LONG_INTERVALS : LONG_INTERVALS / 3) * interval, 2 * burstWaitMs);
    if (longElapsed >= longWindow && this.holdSamples >= SETTLED_SAMPLES) {
      this.longJudged = true;
      this.spareCapacity = ((this.arrivals - this.longStartArrivals) * hold) / (max * longElapsed) <= HEADROOM_DEMAND;
      this.longStartArrivals = this.arrivals;
      this.longStart = now;
    }
    if (this.sawFreeClient) {
      // The queue emptied since the last look: whatever stands now started just now (CoDel leaves its dropping
      // state as soon as the delay falls below target).
      this.sawFreeClient = false;
      this.overloaded = false;
      this.intervalStartArrivals = this.arrivals;
      this.intervalStart = now;
      return;
    }
    const elapsed = now - this.intervalStart;
    if (elapsed <= 0) return;
    const demand = ((this.arrivals - this.intervalStartArrivals) * hold) / (max * elapsed);
    if (elapsed >= Math.max(interval, this.onsetMs(interval, burstWaitMs))) {
      this.overloaded = demand > OVERLOAD_DEMAND;
      this.intervalStartArrivals = this.arrivals;
      this.intervalStart = now;
    } else if (!this.overloaded && elapsed >= this.onsetMs(interval, burstWaitMs) && demand > ONSET_DEMAND) {
      this.overloaded = true;
    }
  }
}

/** The policy of one pool, kept on the pool object (non-enumerable) so finding it costs one property read. */
const ADAPTIVE_STATE = Symbol.for('quickwins.runtime.pg.adaptiveAdmission');

export function adaptiveStateOf(pool: object): AdaptiveAdmission | undefined {
  return (pool as Record<symbol, AdaptiveAdmission | undefined>)[ADAPTIVE_STATE];
}

// The last pool looked up (at most one pool kept alive by it): a service with one pool skips the property lookup on
// every acquisition.
let lastPool: object | undefined;
let lastState: AdaptiveAdmission | undefined;

export function adaptiveStateFor(pool: object): AdaptiveAdmission {
  if (pool === lastPool) return lastState!;
  let state = (pool as Record<symbol, AdaptiveAdmission | undefined>)[ADAPTIVE_STATE];
  if (state === undefined) {
    state = new AdaptiveAdmission();
    Object.defineProperty(pool, ADAPTIVE_STATE, {
      value: state,
      configurable: true,
      enumerable: false,
      writable: true,
    });
  }
  lastPool = pool;
  lastState = state;
  return state;
}
