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
 *   normal      wait up to BURST_HOLDS × H × (1 + cs²): absorbs Poisson noise at about 1× capacity and a busy
 *               machine's stalls;
 *   overloaded  a queue has stood (no request found a free client) while arrivals exceeded capacity: wait up to
 *               OVERLOAD_HOLDS × H. Every client stays busy (goodput) and an admitted request finishes within about
 *               two hold times. Entered after an interval above OVERLOAD_DEMAND, or early for a clear surge (above
 *               ONSET_DEMAND, by more than Poisson noise and the clump an event-loop stall leaves); left only after an
 *               interval whose demand fits;
 *   spare       when the queue started standing, the long-run arrival rate (an EWMA over seconds) was at most
 *               SPARE_DEMAND of capacity: a burst, which drains. Wait up to the cap, until the queue has stood for
 *               the cap's length and still receives more than capacity.
 * All are capped at half the acquisition deadline, so a slow database cannot make a request wait past it.
 *
 * Per acquisition: O(1), no clock read and no allocation while a client is free (the warm fast path); a checkout that
 * waited (and the pool's first SETTLED_SAMPLES) gets a timed release wrapper. State: a fixed set of numbers.
 */
import { eventLoopStalledMs } from './event-loop-lag.js';

/** Why a request was refused; also the `reason` label of the refusal metric. */
export type AdaptiveRefusal = 'queue_delay' | 'overload' | 'deadline';

/** Predicted wait allowed while demand fits the pool, in mean hold times (times the hold variability). */
export const BURST_HOLDS = 4;
/** Predicted wait allowed once demand clearly exceeds capacity: about one hold, so successes stay near 2 × H. */
export const OVERLOAD_HOLDS = 1;
/** Demand over a full interval of standing queue above this share of capacity means overload; at or below, normal. */
export const OVERLOAD_DEMAND = 1.4;
/** This share of an interval of standing queue already ONSET_DEMAND above capacity switches to overload early. */
export const ONSET_SHARE = 0.125;
export const ONSET_DEMAND = 1.5;
/** ...and by ONSET_SIGMAS standard deviations of Poisson arrivals at capacity: noise at 1× is no surge. */
export const ONSET_SIGMAS = 3;
/**
 * Spare capacity: the long-run arrival rate (an EWMA with time constant RATE_TAU_MS) at or below SPARE_DEMAND of
 * capacity. Any queue then drains, so a burst is admitted while its predicted wait fits half the deadline. Judged only
 * after SPARE_MIN_AGE_MS of history on a settled hold estimate.
 */
export const SPARE_DEMAND = 0.9;
export const RATE_TAU_MS = 4000;
export const SPARE_MIN_AGE_MS = 500;
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
  /** True while the long-run arrival rate leaves room to drain a burst (see SPARE_DEMAND). */
  spareCapacity = false;
  /** The admission limit last applied, in claims (checked out + waiting); max + allowed waiters. */
  limit = 0;
  /** Arrivals (admitted or refused) ever; the windows remember where they started (one counter on the fast path). */
  private arrivals = 0;
  /** Long-run arrival rate per ms: an EWMA over time, divided by its weight so far (no bias toward 0 at start). */
  private rateSum = 0;
  private rateWeight = 0;
  private rateArrivals = 0;
  private rateAt: number;
  private readonly createdAt: number;
  /** The standing-queue window: arrivals when it started, and when. */
  private intervalStartArrivals = 0;
  private intervalStart: number;
  /**
   * Event-loop stalls caught up during this interval (ms). Requests held up by a stall arrive in a clump, and the
   * clients freed meanwhile are handed over only after them: that clump is no surge.
   */
  private intervalStallMs = 0;
  /** When the current queue started standing. */
  private standingSince: number;
  /** A request found a free client since the last slow-path decision: the queue was empty (CoDel's test). */
  private sawFreeClient = false;
  /** The event loop's stalled time in all when the slow path last looked (ms); undefined before the first look. */
  private stalledSeenMs: number | undefined = undefined;
  private readonly now: () => number;
  private readonly stalledMs: () => number;

  /** `now` reads the clock (ms); `stalledMs` tells how long the event loop has been stalled in all (ms, never less). */
  constructor(now: () => number = () => performance.now(), stalledMs: () => number = eventLoopStalledMs) {
    this.now = now;
    this.stalledMs = stalledMs;
    this.createdAt = now();
    this.intervalStart = this.createdAt;
    this.standingSince = this.createdAt;
    this.rateAt = this.createdAt;
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
    const now = this.now();
    const capMs = deadlineMs / 2;
    // A stall since the last look: its clump of requests arrives in this turn and the next ones.
    const stalled = this.stalledMs();
    const newStallMs = this.stalledSeenMs === undefined ? 0 : Math.max(0, stalled - this.stalledSeenMs);
    this.stalledSeenMs = stalled;
    this.updateState(now, max, hold, capMs, newStallMs);
    const target = this.spareCapacity
      ? Number.POSITIVE_INFINITY
      : this.overloaded
        ? OVERLOAD_HOLDS
        : BURST_HOLDS * this.holdVariability();
    const waitHolds = Math.min(target, capMs / hold);
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

  /** The long-run arrival rate, per ms (0 before any time has passed). */
  arrivalRate(): number {
    return this.rateWeight > 0 ? this.rateSum / this.rateWeight : 0;
  }

  /** Arrivals per ms as a share of capacity (max clients each freeing once per hold). */
  private demand(ratePerMs: number, max: number, hold: number): number {
    return (ratePerMs * hold) / max;
  }

  /** Folds the arrivals since the last look into the long-run rate (an exponential kernel over time: O(1)). */
  private updateRate(now: number): void {
    const elapsed = now - this.rateAt;
    if (elapsed <= 0) return;
    const weight = 1 - Math.exp(-elapsed / RATE_TAU_MS);
    this.rateSum += weight * ((this.arrivals - this.rateArrivals) / elapsed - this.rateSum);
    this.rateWeight += weight * (1 - this.rateWeight);
    this.rateArrivals = this.arrivals;
    this.rateAt = now;
  }

  /** `newStallMs`: this turn catches up after a stall, so the new interval starts with its clump. */
  private restartInterval(now: number, newStallMs: number): void {
    this.intervalStartArrivals = this.arrivals;
    this.intervalStart = now;
    this.intervalStallMs = newStallMs;
  }

  /**
   * The state machine, on the slow path only (a request that would wait).
   * - A queue starts standing (no request found a free client since): spare capacity is judged from the long-run
   *   arrival rate up to now. With spare capacity the queue is a burst and drains; it stays one until it has stood for
   *   capMs and its last interval still brought more than capacity.
   * - Without: CoDel's standing queue and Breakwater's demand. Overloaded once the queue has stood for an interval (or
   *   a share of one, for a clear surge) while arrivals exceeded capacity; back to normal only at the end of an
   *   interval whose demand fits, so a queue that empties now and then under overload does not reopen the long queue.
   */
  private updateState(now: number, max: number, hold: number, capMs: number, newStallMs: number): void {
    if (this.sawFreeClient) {
      this.sawFreeClient = false;
      if (!this.overloaded) {
        this.updateRate(now);
        this.spareCapacity =
          !this.settling &&
          now - this.createdAt >= SPARE_MIN_AGE_MS &&
          this.demand(this.arrivalRate(), max, hold) <= SPARE_DEMAND;
        this.standingSince = now;
        this.restartInterval(now, newStallMs);
        return;
      }
    }
    this.intervalStallMs += newStallMs;
    const elapsed = now - this.intervalStart;
    if (elapsed <= 0) return;
    const interval = this.intervalMs();
    const demand = this.demand((this.arrivals - this.intervalStartArrivals) / elapsed, max, hold);
    if (elapsed >= interval) {
      if (this.spareCapacity && now - this.standingSince >= capMs && demand > 1) this.spareCapacity = false;
      this.overloaded = !this.spareCapacity && demand > OVERLOAD_DEMAND;
      this.restartInterval(now, newStallMs);
    } else if (!this.overloaded && !this.spareCapacity && elapsed >= interval * ONSET_SHARE && demand > ONSET_DEMAND) {
      // More arrivals than capacity serves, by more than Poisson noise and more than a stall's clump at capacity.
      const atCapacity = (elapsed * max) / hold;
      const excess = this.arrivals - this.intervalStartArrivals - atCapacity;
      const stallClump = (this.intervalStallMs * max) / hold;
      if (excess > ONSET_SIGMAS * Math.sqrt(atCapacity) + stallClump) this.overloaded = true;
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
