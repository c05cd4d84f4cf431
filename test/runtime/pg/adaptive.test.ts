/**
 * The adaptive admission policy as a state machine, driven by an injected clock: no pool, no timers, no wall time.
 */
import { describe, expect, it } from 'vitest';
import { AdaptiveAdmission, BURST_HOLDS, ONSET_SHARE, OVERLOAD_HOLDS } from '../../../runtime/src/pg/adaptive.js';

const MAX = 10;
const DEADLINE = 2000;

/** A policy on a fake clock that counts its reads; `stalledMs` is the event loop's stalled time in all. */
function policyOnFakeClock(): { policy: AdaptiveAdmission; clock: { now: number; reads: number; stalledMs: number } } {
  const clock = { now: 0, reads: 0, stalledMs: 0 };
  const policy = new AdaptiveAdmission(
    () => {
      clock.reads++;
      return clock.now;
    },
    () => clock.stalledMs,
  );
  return { policy, clock };
}

/** Feeds `count` hold samples of `ms`. */
function holds(policy: AdaptiveAdmission, ms: number, count = 64): void {
  for (let i = 0; i < count; i++) policy.held(ms);
}

/** The most claims (checked out + waiting) the policy admits right now, probing without advancing the clock. */
function admittedUpTo(policy: AdaptiveAdmission): number {
  let claimed = MAX;
  while (claimed < 100 * MAX && policy.admit(claimed, MAX, DEADLINE) === undefined) claimed++;
  return claimed;
}

/** `arrivals` requests spread evenly over `ms`, each finding the pool full (`claimed` = max + 1). */
function fullPoolArrivals(policy: AdaptiveAdmission, clock: { now: number }, arrivals: number, ms: number): void {
  for (let i = 0; i < arrivals; i++) {
    clock.now += ms / arrivals;
    policy.admit(MAX + 1, MAX, DEADLINE);
  }
}

describe('AdaptiveAdmission (injected clock)', () => {
  it('admits while a client is free without reading the clock', () => {
    const { policy, clock } = policyOnFakeClock();
    const readsAtStart = clock.reads;
    holds(policy, 20);
    for (let claimed = 0; claimed < MAX; claimed++) expect(policy.admit(claimed, MAX, DEADLINE)).toBeUndefined();
    expect(clock.reads).toBe(readsAtStart);
  });

  it('before any hold is measured, keeps a queue as long as the pool', () => {
    const { policy } = policyOnFakeClock();
    expect(admittedUpTo(policy)).toBe(2 * MAX);
    expect(policy.admit(2 * MAX, MAX, DEADLINE)).toBe('queue_delay');
  });

  it('at normal demand admits waiters up to the burst target in hold times, then refuses for queue delay', () => {
    const { policy } = policyOnFakeClock();
    holds(policy, 20);
    expect(policy.overloaded).toBe(false);
    // predicted wait (ahead + 1) × 20 / 10 ms stays ≤ BURST_HOLDS × 20 ms for BURST_HOLDS × max waiters
    expect(admittedUpTo(policy)).toBe(MAX + BURST_HOLDS * MAX);
    expect(policy.limit).toBe(MAX + BURST_HOLDS * MAX);
    expect(policy.admit(MAX + BURST_HOLDS * MAX, MAX, DEADLINE)).toBe('queue_delay');
  });

  it('switches to the overload target when arrivals exceed capacity and no request found a free client', () => {
    const { policy, clock } = policyOnFakeClock();
    holds(policy, 20); // capacity 10 / 20 ms = 0.5 per ms; interval 8 × 20 = 160 ms
    fullPoolArrivals(policy, clock, 200, 170); // ≈ 1.2 per ms: 2.4 × capacity
    expect(policy.overloaded).toBe(true);
    expect(admittedUpTo(policy)).toBe(MAX + OVERLOAD_HOLDS * MAX);
    expect(policy.admit(MAX + OVERLOAD_HOLDS * MAX, MAX, DEADLINE)).toBe('overload');
  });

  it('detects a clear surge early in the interval, once the queue has stood for a share of it', () => {
    const { policy, clock } = policyOnFakeClock();
    holds(policy, 20);
    const onsetMs = ONSET_SHARE * 160;
    policy.admit(MAX + 1, MAX, DEADLINE); // the queue starts standing now
    fullPoolArrivals(policy, clock, Math.round(1.5 * (onsetMs - 5)), onsetMs - 5); // 3 × capacity, too early to judge
    expect(policy.overloaded).toBe(false);
    fullPoolArrivals(policy, clock, 30, 10);
    expect(policy.overloaded).toBe(true);
  });

  it('under overload keeps the short queue when the queue empties for a moment, and leaves it after an interval that fits', () => {
    const { policy, clock } = policyOnFakeClock();
    holds(policy, 20);
    fullPoolArrivals(policy, clock, 200, 170);
    expect(policy.overloaded).toBe(true);
    policy.admit(MAX - 1, MAX, DEADLINE); // a free client for a moment: demand is still 2.4 × capacity
    fullPoolArrivals(policy, clock, 5, 5);
    expect(policy.overloaded).toBe(true);
    expect(admittedUpTo(policy)).toBe(MAX + OVERLOAD_HOLDS * MAX);
    fullPoolArrivals(policy, clock, 60, 170); // 0.7 × capacity over a whole interval
    expect(policy.overloaded).toBe(false);
  });

  it('does not call a queue that empties now and then an overload (CoDel: only a standing queue counts)', () => {
    const { policy, clock } = policyOnFakeClock();
    holds(policy, 20);
    for (let period = 0; period < 20; period++) {
      fullPoolArrivals(policy, clock, 22, 15); // 3 × capacity, but each time for less than the onset share
      policy.admit(MAX - 1, MAX, DEADLINE); // then a request finds a free client
      expect(policy.overloaded).toBe(false);
    }
  });

  it('returns to the burst target after an interval whose demand fits the pool', () => {
    const { policy, clock } = policyOnFakeClock();
    holds(policy, 20);
    fullPoolArrivals(policy, clock, 200, 170);
    expect(policy.overloaded).toBe(true);
    fullPoolArrivals(policy, clock, 60, 170); // 0.35 per ms: 0.7 × capacity
    expect(policy.overloaded).toBe(false);
    expect(admittedUpTo(policy)).toBe(MAX + BURST_HOLDS * MAX);
  });

  it('with spare capacity in the long run, lets a queue wait up to half the deadline, until it stands too long', () => {
    const { policy, clock } = policyOnFakeClock();
    holds(policy, 20);
    // 1 s at 0.4 × capacity (0.2 per ms), the queue emptying now and then
    for (let ms = 0; ms < 1000; ms += 5) {
      clock.now += 5;
      policy.admit(MAX - 1, MAX, DEADLINE);
    }
    policy.admit(MAX + 1, MAX, DEADLINE);
    expect(policy.spareCapacity).toBe(true);
    // 1000 ms of waiting (DEADLINE / 2) at 20 ms / 10 clients per place: 500 waiters
    expect(admittedUpTo(policy)).toBe(MAX + (DEADLINE / 2) * (MAX / 20));
    expect(policy.admit(MAX + 500, MAX, DEADLINE)).toBe('deadline');
    // a surge that still brings more than capacity after the queue has stood for half the deadline is an overload
    fullPoolArrivals(policy, clock, 3500, 1300);
    expect(policy.spareCapacity).toBe(false);
    expect(policy.overloaded).toBe(true);
  });

  it('admits a burst that the queue drains within its deadline at a below-capacity mean rate', () => {
    const { policy, clock } = policyOnFakeClock();
    holds(policy, 20); // capacity 0.5 per ms
    // 10 × the base rate for 200 ms of every 2 s, 0.7 × capacity on average; a pool of max clients each freeing
    // once per hold, and a FIFO queue in front of it
    const base = (0.7 * 0.5 * 2000) / 3800;
    let checkedOut = 0;
    let waiting = 0;
    let due = 0;
    let freed = 0;
    const refusals: string[] = [];
    let longestQueue = 0;
    for (let ms = 0; ms < 6000; ms++) {
      clock.now = ms;
      freed += (checkedOut * 1) / 20;
      while (freed >= 1) {
        freed--;
        if (waiting > 0) waiting--;
        else checkedOut--;
      }
      due += ms % 2000 >= 1000 && ms % 2000 < 1200 ? 10 * base : base;
      for (; due >= 1; due--) {
        const refusal = policy.admit(checkedOut + waiting, MAX, DEADLINE);
        if (refusal !== undefined) refusals.push(refusal);
        else if (checkedOut < MAX) checkedOut++;
        else waiting++;
      }
      longestQueue = Math.max(longestQueue, waiting);
    }
    // the bursts queue up to about 0.55 s of waiting (more than a quarter of the deadline), all admitted
    expect(longestQueue * (20 / MAX)).toBeGreaterThan(DEADLINE / 4);
    expect(refusals).toEqual([]);
  });

  it('does not read the clump of requests after an event-loop stall as a surge', () => {
    const { policy, clock } = policyOnFakeClock();
    holds(policy, 20); // capacity 0.5 per ms; interval 160 ms
    fullPoolArrivals(policy, clock, 20, 40); // a standing queue at 1 × capacity
    policy.admit(MAX - 1, MAX, DEADLINE); // the queue empties
    clock.now += 30; // the event loop stalls for 30 ms: 15 requests wait unread, and so do the clients freed meanwhile
    clock.stalledMs += 30;
    for (let i = 0; i < 15; i++) policy.admit(MAX + 1 + i, MAX, DEADLINE);
    for (let ms = 0; ms < 170; ms += 2) {
      fullPoolArrivals(policy, clock, 1, 2); // back to 1 × capacity
      expect(policy.overloaded).toBe(false);
    }
  });

  it('does not call the first moments of a pool spare capacity (unsettled hold estimate, too short a window)', () => {
    const { policy, clock } = policyOnFakeClock();
    holds(policy, 2, 4); // a few short holds: capacity looks huge
    for (let ms = 0; ms < 200; ms += 5) {
      clock.now += 5;
      policy.admit(MAX - 1, MAX, DEADLINE);
    }
    fullPoolArrivals(policy, clock, 100, 50);
    expect(policy.spareCapacity).toBe(false);
    expect(admittedUpTo(policy)).toBe(MAX + BURST_HOLDS * MAX);
  });

  it('follows a slower database: targets are in hold times, capped at half the acquisition deadline', () => {
    const { policy } = policyOnFakeClock();
    holds(policy, 20);
    holds(policy, 800, 2000); // the database is now 40 × slower
    expect(policy.holdMs).toBeCloseTo(800, 0);
    // 2 holds = 1600 ms > 1000 ms (half of 2000): allowed waiters 1000 / 800 × 10 = 12
    expect(admittedUpTo(policy)).toBe(MAX + 12);
    expect(policy.admit(MAX + 12, MAX, DEADLINE)).toBe('deadline');
  });

  it('allows a longer queue when hold times vary (a few long holds stall the pool)', () => {
    const { policy } = policyOnFakeClock();
    for (let i = 0; i < 640; i++) policy.held(i % 10 === 0 ? 200 : 2); // 90 % 2 ms, 10 % 200 ms
    expect(policy.holdVariability()).toBeGreaterThan(5);
    const mixed = admittedUpTo(policy);
    const { policy: steady } = policyOnFakeClock();
    holds(steady, 21.8);
    expect(mixed).toBeGreaterThan(admittedUpTo(steady));
  });

  it('measures the mean hold as a plain mean at first, then as a moving average', () => {
    const { policy } = policyOnFakeClock();
    policy.held(10);
    policy.held(30);
    expect(policy.holdMs).toBe(20);
    policy.held(Number.NaN);
    policy.held(-1);
    expect(policy.holdMs).toBe(20);
  });

  it('times every checkout until the estimate settles, then only those that waited', () => {
    const { policy } = policyOnFakeClock();
    expect(policy.sampleHold()).toBe(true);
    holds(policy, 20, 31);
    expect(policy.sampleHold()).toBe(true);
    policy.held(20);
    expect(policy.sampleHold()).toBe(false);
  });

  it('keeps a fixed set of fields however many requests pass (bounded memory)', () => {
    const { policy, clock } = policyOnFakeClock();
    holds(policy, 20);
    const fields = Object.keys(policy).sort();
    fullPoolArrivals(policy, clock, 50_000, 60_000);
    for (let i = 0; i < 1000; i++) policy.waited(i);
    expect(Object.keys(policy).sort()).toEqual(fields);
  });
});
