/**
 * Open-loop load: arrival times fixed in advance (Poisson, seeded) that never wait for earlier requests, and latency
 * measured from each request's intended start, so a backed-up service cannot hide its queueing (no coordinated
 * omission). Shared by bench/pool-overload.ts (requests straight to a pool) and bench/acceptance.ts (HTTP requests).
 */
import { seededRandom as random } from './random.js';

/**
 * Poisson start times (ms) over `durationMs` for a rate (requests per second) that may change over time, never above
 * `peak`: candidates at the peak rate, each kept with probability rate / peak (thinning).
 */
export function schedule(
  durationMs: number,
  ratePerSecond: (atMs: number) => number,
  seed: number,
  peak = ratePerSecond(0),
): number[] {
  const next = random(seed);
  const times: number[] = [];
  for (let t = 0; ;) {
    t += (-Math.log(1 - next()) * 1000) / peak;
    if (t >= durationMs) return times;
    if (next() * peak < ratePerSecond(t)) times.push(t);
  }
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/**
 * Calls `launch(index)` for each start time once it is due (relative to `t0`, a performance.now() time), checking at
 * least every millisecond; resolves when the last one has been launched.
 */
export function fireOnSchedule(starts: readonly number[], t0: number, launch: (index: number) => void): Promise<void> {
  return new Promise<void>((resolve) => {
    let next = 0;
    const tick = (): void => {
      const now = performance.now();
      while (next < starts.length && t0 + starts[next]! <= now) launch(next++);
      if (next < starts.length) setTimeout(tick, Math.max(0, Math.min(1, t0 + starts[next]! - now)));
      else resolve();
    };
    setTimeout(tick, Math.max(0, t0 - performance.now()));
  });
}
