/**
 * Acquisition deadlines, armed once per event-loop turn instead of once per acquisition.
 *
 * On a warm pool most acquisitions get their client within the turn that asked for it (pg-pool hands out an idle
 * client on the next tick). A setTimeout/clearTimeout pair per acquisition, or even one process.nextTick to find out,
 * costs ~8 % of a whole acquire + release. So admitted requests join a batch; one setImmediate at the end of the turn
 * arms a real timer only for those still waiting. The deadline counts from that moment, so it never fires early
 * (it may fire late by the rest of the admitting turn, which a timer could not interrupt anyway).
 */

/** What the batch needs from an acquisition in flight. */
export interface AwaitingDeadline {
  /** True once the caller has its outcome: nothing to arm. */
  readonly settled: boolean;
  armDeadline(): void;
}

/** A turn that never yields (a long chain of promise continuations) compacts its batch every few entries. */
const COMPACT_EVERY = 16;
let batch: AwaitingDeadline[] = [];
let compactAt = COMPACT_EVERY;
let batchStartedAt = 0;
let armScheduled = false;

function armStillWaiting(): void {
  const admitted = batch;
  batch = [];
  armScheduled = false;
  compactAt = COMPACT_EVERY;
  for (const acquisition of admitted) {
    if (!acquisition.settled) acquisition.armDeadline();
  }
}

/** Drops settled entries in place, so the batch holds only requests still waiting (and garbage dies young). */
function compact(): void {
  let kept = 0;
  for (const entry of batch) if (!entry.settled) batch[kept++] = entry;
  batch.length = kept;
  compactAt = Math.max(COMPACT_EVERY, kept * 2);
}

/**
 * Adds an admitted acquisition to this turn's batch. Returns performance.now() at the start of the batch: one clock
 * read per turn, standing in for the admission time of the waits that the metrics measure.
 */
export function awaitDeadline(acquisition: AwaitingDeadline): number {
  if (!armScheduled) {
    armScheduled = true;
    batchStartedAt = performance.now();
    setImmediate(armStillWaiting);
  }
  batch.push(acquisition);
  if (batch.length >= compactAt) compact();
  return batchStartedAt;
}

/** Entries in this turn's batch (settled ones not yet compacted away included). For tests. */
export function batchedDeadlines(): number {
  return batch.length;
}
