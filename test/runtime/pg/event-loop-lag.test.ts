/**
 * The event-loop stall probe the adaptive policy asks on its slow path: a turn that runs after the loop was blocked
 * already counts the stall (the probe's own timer is overdue by it), so the policy can tell a stall's clump from a
 * surge.
 */
import { describe, expect, it } from 'vitest';
import { eventLoopStalledMs } from '../../../runtime/src/pg/event-loop-lag.js';

function blockFor(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

describe('eventLoopStalledMs', () => {
  it('adds a stall of the event loop, already in the turn that runs after it, and never goes back', async () => {
    const before = eventLoopStalledMs(); // starts the probe (or keeps it running)
    blockFor(60);
    // the probe's tick was due at most 5 ms after it was armed, and could not run while the loop was blocked
    const after = eventLoopStalledMs();
    expect(after - before).toBeGreaterThanOrEqual(55);
    await new Promise((resolve) => setTimeout(resolve, 20)); // the tick runs and adds what it saw
    expect(eventLoopStalledMs()).toBeGreaterThanOrEqual(after);
  });
});
