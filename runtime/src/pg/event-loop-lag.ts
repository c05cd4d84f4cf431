/**
 * How long the event loop has just been stalled (a busy machine's scheduler, a long GC pause, synchronous work). During
 * a stall, clients are released inside PostgreSQL's answers that nobody reads yet while requests pile up, so the turn
 * after it sees a queue that is mostly already served. The adaptive policy asks this to not read a stall as queueing.
 *
 * A timer every PERIOD_MS notes how late it fired. It runs only while the policy asks (started on its slow path, that
 * is while a pool queues; stopped after IDLE_MS without a question) and is unref'd, so it never keeps a process alive.
 */

/** How often the timer looks: a stall shorter than this is not told apart from timer jitter. */
const PERIOD_MS = 5;
/** Lateness up to this is timer jitter, not a stall. */
const JITTER_MS = 2;
/** A stall measured this recently still describes the turn that is catching up after it. */
const RECENT_MS = 10;
const IDLE_MS = 1000;

let timer: ReturnType<typeof setTimeout> | undefined;
let dueAt = 0;
let lastStallMs = 0;
let lastStallAt = Number.NEGATIVE_INFINITY;
let lastAskedAt = 0;

function arm(now: number): void {
  dueAt = now + PERIOD_MS;
  timer = setTimeout(tick, PERIOD_MS);
  timer.unref?.();
}

function tick(): void {
  const now = performance.now();
  const late = now - dueAt;
  if (late > JITTER_MS) {
    lastStallMs = late;
    lastStallAt = now;
  }
  if (now - lastAskedAt > IDLE_MS) timer = undefined;
  else arm(now);
}

/** The stall (ms) the event loop is catching up from right now; 0 when it runs on time. */
export function eventLoopStallMs(): number {
  const now = performance.now();
  lastAskedAt = now;
  if (timer === undefined) {
    arm(now);
    return 0;
  }
  // The tick is overdue: this turn runs inside the stall's catch-up, before the tick could note it.
  const overdue = now - dueAt;
  const recent = now - lastStallAt <= RECENT_MS ? lastStallMs : 0;
  return Math.max(overdue > JITTER_MS ? overdue : 0, recent);
}
