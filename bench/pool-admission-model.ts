/**
 * The adaptive admission policy on a simulated pool: a discrete-event model of pool-overload.ts's rows (pool max 10,
 * 21 ms holds, Poisson arrivals, the same loads, hold mix, slowdown and bursts) with no database and no wall time, so
 * two versions of the policy meet the very same arrivals and the very same event-loop stalls, which a shared machine
 * never gives to two runs of the real bench.
 *
 * Stalls: the event loop stops for an exponential time (mean STALL_MEAN_MS, at most 80 ms) at Poisson moments (every
 * STALL_EVERY_MS on average; 0 = none). What falls due during a stall runs when it ends, timers first (the arrivals,
 * as the bench's scheduler fires them), then I/O (the releases): the clump a busy machine makes. The stall probe the
 * policy asks adds up the stalls that have ended, as the real probe does.
 *
 * Arms: raw (no admission, pg's 2 s timeout), bounded (maxWaiting 10), adaptive (runtime/src/pg/adaptive.ts, or the
 * file POLICY names: an older version to compare with, e.g. `git show HEAD~3:runtime/src/pg/adaptive.ts`).
 *
 *   npx tsx bench/pool-admission-model.ts
 *   STALL_EVERY_MS=60 STALL_MEAN_MS=8 ROWS=1×,2×,3×,burst npx tsx bench/pool-admission-model.ts
 *   git show 7ef6eb3:runtime/src/pg/adaptive.ts > adaptive-before.ts && POLICY=adaptive-before.ts ARMS=adaptive npx tsx bench/pool-admission-model.ts
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AdaptiveAdmission } from '../runtime/src/pg/adaptive.js';
import { percentile, schedule } from './support/open-loop.js';
import { seededRandom as random } from './support/random.js';

type Policy = Pick<AdaptiveAdmission, 'admit' | 'held' | 'waited' | 'sampleHold'>;
type PolicyClass = new (now: () => number, stallMs: () => number) => Policy;

const MAX = 10;
const HOLD_MS = 21;
const GOODPUT_DEADLINE_MS = 1000;
const ACQUIRE_TIMEOUT_MS = 2000;
const CAPACITY_PER_MS = MAX / HOLD_MS;
const DURATION_MS = Number(process.env.DURATION_MS ?? 3000);
const REPEATS = Number(process.env.REPEATS ?? 4);
const STALL_EVERY_MS = Number(process.env.STALL_EVERY_MS ?? 0);
const STALL_MEAN_MS = Number(process.env.STALL_MEAN_MS ?? 5);
const ROWS = process.env.ROWS?.split(',');
const ARMS = (process.env.ARMS ?? 'raw,bounded,adaptive').split(',') as Arm[];
/** The stall probe's timer period and the lateness it takes for jitter. */
const PROBE_PERIOD_MS = 5;
const PROBE_JITTER_MS = 2;

type Arm = 'raw' | 'bounded' | 'adaptive';

interface Row {
  name: string;
  durationMs: number;
  starts: number[];
  /** The hold of request `index` whose checkout happens at `atMs`. */
  holdFor: (index: number, atMs: number) => number;
  capacityPerMs: number;
  meanHoldMs: number;
}

interface RunResult {
  goodput: number;
  refused: number;
  okP99OverHold: number;
  late: number;
  timedOut: number;
  lagP99: number;
  reasons: Record<string, number>;
}

/** Stall intervals [start, end) over the run and its drain. */
function stallsFor(seed: number, durationMs: number): [number, number][] {
  if (STALL_EVERY_MS <= 0) return [];
  const next = random(seed);
  const stalls: [number, number][] = [];
  for (let t = 0; t < durationMs + 20_000;) {
    t += -Math.log(1 - next()) * STALL_EVERY_MS;
    const length = Math.min(80, -Math.log(1 - next()) * STALL_MEAN_MS);
    stalls.push([t, t + length]);
    t += length;
  }
  return stalls;
}

interface Event {
  at: number;
  order: number;
  /** Timers run before I/O when both fall due during a stall. */
  timer: boolean;
  run: () => void;
}

/** A binary heap of events by time, then by insertion. */
class EventQueue {
  private readonly heap: Event[] = [];
  private order = 0;

  get size(): number {
    return this.heap.length;
  }

  peekAt(): number {
    return this.heap[0]!.at;
  }

  push(at: number, run: () => void, timer: boolean): void {
    const heap = this.heap;
    heap.push({ at, order: this.order++, timer, run });
    for (let i = heap.length - 1; i > 0;) {
      const parent = (i - 1) >> 1;
      if (!this.before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  pop(): Event {
    const heap = this.heap;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      for (let i = 0; ;) {
        const left = 2 * i + 1;
        let least = i;
        if (left < heap.length && this.before(heap[left]!, heap[least]!)) least = left;
        if (left + 1 < heap.length && this.before(heap[left + 1]!, heap[least]!)) least = left + 1;
        if (least === i) break;
        [heap[i], heap[least]] = [heap[least]!, heap[i]!];
        i = least;
      }
    }
    return top;
  }

  private before(a: Event, b: Event): boolean {
    return a.at < b.at || (a.at === b.at && a.order < b.order);
  }
}

function run(arm: Arm, row: Row, stalls: [number, number][], Adaptive: PolicyClass): RunResult {
  const events = new EventQueue();
  let now = 0;
  let stallIndex = 0;
  /** When an event due at `at` runs: at the end of the stall it falls into, if any. */
  const runsAt = (at: number): number => {
    const time = Math.max(at, now);
    while (stallIndex < stalls.length && stalls[stallIndex]![1] <= time) stallIndex++;
    const stall = stalls[stallIndex];
    return stall !== undefined && stall[0] <= time ? stall[1] : time;
  };
  // what the probe has added up by now: every stall that has ended, as late as its 5 ms timer saw it
  const measured = stalls.map(([start, end]) => Math.max(0, end - start - PROBE_PERIOD_MS / 2));
  const probe = (): number => {
    let total = 0;
    for (let i = 0; i < stalls.length && stalls[i]![1] <= now; i++)
      if (measured[i]! > PROBE_JITTER_MS) total += measured[i]!;
    return total;
  };
  const policy = arm === 'adaptive' ? new Adaptive(() => now, probe) : undefined;

  let checkedOut = 0;
  const queue: { index: number; admittedAt: number; gone: boolean }[] = [];
  let head = 0;
  let waiting = 0;
  const n = row.starts.length;
  const endedAt = new Array<number>(n).fill(Number.NaN);
  const outcome = new Array<'ok' | 'refused' | 'timeout' | undefined>(n);
  const lag = new Array<number>(n).fill(0);
  const reasons: Record<string, number> = {};

  const checkout = (index: number, timed: boolean): void => {
    const at = now;
    events.push(at + row.holdFor(index, at), () => release(index, at, timed), false);
  };
  const release = (index: number, checkedOutAt: number, timed: boolean): void => {
    if (timed) policy?.held(now - checkedOutAt);
    endedAt[index] = now;
    outcome[index] = 'ok';
    while (head < queue.length && queue[head]!.gone) head++;
    const next = queue[head];
    if (next === undefined) {
      checkedOut--;
      return;
    }
    head++;
    next.gone = true;
    waiting--;
    policy?.waited(now - next.admittedAt);
    checkout(next.index, policy !== undefined);
  };
  const arrive = (index: number): void => {
    lag[index] = now - row.starts[index]!;
    const claimed = checkedOut + waiting;
    const refusal =
      arm === 'bounded'
        ? claimed >= 2 * MAX
          ? 'queue_full'
          : undefined
        : policy?.admit(claimed, MAX, ACQUIRE_TIMEOUT_MS);
    if (refusal !== undefined) {
      outcome[index] = 'refused';
      reasons[refusal] = (reasons[refusal] ?? 0) + 1;
      return;
    }
    if (checkedOut < MAX) {
      checkedOut++;
      checkout(index, policy?.sampleHold() ?? false);
      return;
    }
    const entry = { index, admittedAt: now, gone: false };
    queue.push(entry);
    waiting++;
    events.push(
      now + ACQUIRE_TIMEOUT_MS,
      () => {
        if (entry.gone) return;
        entry.gone = true;
        waiting--;
        outcome[index] = 'timeout';
      },
      true,
    );
  };
  for (let index = 0; index < n; index++) events.push(row.starts[index]!, () => arrive(index), true);

  while (events.size > 0) {
    const at = runsAt(events.peekAt());
    const event = events.pop();
    if (at > event.at && at > now) {
      // a stall ends: everything that fell due during it runs now, timers first
      const due = [event];
      while (events.size > 0 && events.peekAt() < at) due.push(events.pop());
      now = at;
      for (const each of due) if (each.timer) each.run();
      for (const each of due) if (!each.timer) each.run();
      continue;
    }
    now = at;
    event.run();
  }

  const okMs: number[] = [];
  let good = 0;
  let late = 0;
  let refused = 0;
  let timedOut = 0;
  for (let index = 0; index < n; index++) {
    if (outcome[index] === 'ok') {
      const ms = endedAt[index]! - row.starts[index]!;
      okMs.push(ms);
      if (ms <= GOODPUT_DEADLINE_MS && endedAt[index]! <= row.durationMs) good++;
      else if (ms > GOODPUT_DEADLINE_MS) late++;
    } else if (outcome[index] === 'refused') refused++;
    else if (outcome[index] === 'timeout') timedOut++;
  }
  okMs.sort((a, b) => a - b);
  return {
    goodput: good / row.durationMs / row.capacityPerMs,
    refused: refused / n,
    okP99OverHold: percentile(okMs, 99) / row.meanHoldMs,
    late,
    timedOut,
    lagP99: percentile(
      lag.sort((a, b) => a - b),
      99,
    ),
    reasons,
  };
}

/** The rows of pool-overload.ts, for one seed. */
function rows(seed: number): Row[] {
  const fixed = (): number => HOLD_MS;
  const out: Row[] = [];
  const load = (factor: number, durationMs: number): number[] =>
    schedule(durationMs, () => factor * CAPACITY_PER_MS * 1000, seed);
  for (const factor of [0.5, 0.8, 1, 1.5, 2, 3]) {
    const base = { durationMs: DURATION_MS, holdFor: fixed, capacityPerMs: CAPACITY_PER_MS, meanHoldMs: HOLD_MS };
    out.push({ name: `${factor}×`, starts: load(factor, DURATION_MS), ...base });
  }
  const mixMean = 0.9 * 2.6 + 0.1 * 204;
  for (const factor of [0.8, 2]) {
    const starts = schedule(DURATION_MS, () => (factor * MAX * 1000) / mixMean, seed);
    const pick = random(seed + 1);
    const holds = starts.map(() => (pick() < 0.9 ? 2.6 : 204));
    const holdFor = (index: number): number => holds[index]!;
    out.push({
      name: `mix ${factor}×`,
      durationMs: DURATION_MS,
      starts,
      holdFor,
      capacityPerMs: MAX / mixMean,
      meanHoldMs: mixMean,
    });
  }
  const slowdown = { from: 3000, to: 13_000 };
  out.push({
    name: 'slow 5× 1×',
    durationMs: 16_000,
    starts: load(1, 16_000),
    holdFor: (_index, at) => (at >= slowdown.from && at < slowdown.to ? 5 * HOLD_MS : HOLD_MS),
    capacityPerMs: CAPACITY_PER_MS,
    meanHoldMs: HOLD_MS,
  });
  const base = (0.7 * CAPACITY_PER_MS * 1000 * 2) / 3.8;
  const burstRate = (t: number): number => (t % 2000 >= 1000 && t % 2000 < 1200 ? 10 * base : base);
  out.push({
    name: 'burst 0.7×',
    durationMs: 6000,
    starts: schedule(6000, burstRate, seed, 10 * base),
    holdFor: fixed,
    capacityPerMs: CAPACITY_PER_MS,
    meanHoldMs: HOLD_MS,
  });
  return out;
}

const policyFile = resolve(process.env.POLICY ?? 'runtime/src/pg/adaptive.ts');
const { AdaptiveAdmission: Adaptive } = (await import(pathToFileURL(policyFile).href)) as {
  AdaptiveAdmission: PolicyClass;
};

const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;
const spread = (values: number[]): number => (Math.max(...values) - Math.min(...values)) / 2;
console.log(
  `model: pool max ${MAX}, ${HOLD_MS} ms holds, ${REPEATS} seeds; stalls ${STALL_EVERY_MS > 0 ? `every ${STALL_EVERY_MS} ms, mean ${STALL_MEAN_MS} ms` : 'none'}; ` +
    `policy ${process.env.POLICY ?? 'runtime/src/pg/adaptive.ts'}`,
);
console.log(
  'row          arm       goodput ±     refused  p99/hold (max)  late+timed out  sched lag p99  refusals by reason',
);
for (const name of rows(0).map((row) => row.name)) {
  if (ROWS !== undefined && !ROWS.includes(name)) continue;
  for (const arm of ARMS) {
    const results: RunResult[] = [];
    for (let repeat = 0; repeat < REPEATS; repeat++) {
      const seed = 42 + 1000 * repeat;
      results.push(
        run(
          arm,
          rows(seed).find((row) => row.name === name)!,
          stallsFor(seed + 7, DURATION_MS),
          Adaptive,
        ),
      );
    }
    const goodputs = results.map((r) => 100 * r.goodput);
    const reasons: Record<string, number> = {};
    for (const r of results)
      for (const [reason, count] of Object.entries(r.reasons)) reasons[reason] = (reasons[reason] ?? 0) + count;
    console.log(
      [
        name.padEnd(12),
        arm.padEnd(9),
        `${mean(goodputs).toFixed(1).padStart(5)} % ${spread(goodputs).toFixed(1).padStart(4)}`,
        `${(100 * mean(results.map((r) => r.refused))).toFixed(2).padStart(7)} %`,
        `${mean(results.map((r) => r.okP99OverHold))
          .toFixed(2)
          .padStart(6)} (${Math.max(...results.map((r) => r.okP99OverHold)).toFixed(2)})`,
        `${Math.max(...results.map((r) => r.late))}+${Math.max(...results.map((r) => r.timedOut))}`.padStart(14),
        `${mean(results.map((r) => r.lagP99))
          .toFixed(1)
          .padStart(10)} ms`,
        ` ${Object.entries(reasons)
          .map(([reason, count]) => `${reason} ${count}`)
          .join(', ')}`,
      ].join('  '),
    );
  }
}
