/**
 * How long the event loop has been stalled (a busy machine's scheduler, a long GC pause, synchronous work). During a
 * stall, requests pile up unread while the clients PostgreSQL freed meanwhile wait in answers nobody reads yet; the
 * turn after it reads the requests first, in one clump. The adaptive policy asks this to not read that clump as a surge.
 *
 * A timer every PERIOD_MS adds up how late it fired. It runs only while the policy asks (started on its slow path, that
 * is while a pool queues; stopped after IDLE_MS without a question) and is unref'd, so it never keeps a process alive.
 */

/** How often the timer looks: a stall shorter than this is not told apart from timer jitter. */
const PERIOD_MS = 5;
/** Lateness up to this is timer jitter, not a stall. */
const JITTER_MS = 2;
const IDLE_MS = 1000;

let timer: ReturnType<typeof setTimeout> | undefined;
let dueAt = 0;
let stalledTotalMs = 0;
let lastAskedAt = 0;

function arm(now: number): void {
  dueAt = now + PERIOD_MS;
  timer = setTimeout(tick, PERIOD_MS);
  timer.unref?.();
}

function tick(): void {
  const now = performance.now();
  const late = now - dueAt;
  if (late > JITTER_MS) stalledTotalMs += late;
  if (now - lastAskedAt > IDLE_MS) timer = undefined;
  else arm(now);
}

/**
 * Milliseconds the event loop has been stalled in all, while the probe ran: never decreases. Includes the stall this
 * turn is catching up from (the probe's tick is then overdue and has not run yet).
 */
export function eventLoopStalledMs(): number {
  const now = performance.now();
  lastAskedAt = now;
  if (timer === undefined) {
    arm(now);
    return stalledTotalMs;
  }
  const overdue = now - dueAt;
  return stalledTotalMs + (overdue > JITTER_MS ? overdue : 0);
}
