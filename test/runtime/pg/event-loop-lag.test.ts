/**
 * The event-loop stall probe the adaptive policy asks on its slow path: a turn that runs after the loop was blocked
 * sees the stall (the probe's own timer is overdue by it), so the policy can tell a stall's clump from a surge.
 */
import { describe, expect, it } from 'vitest';
import { eventLoopStallMs } from '../../../runtime/src/pg/event-loop-lag.js';

function blockFor(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

describe('eventLoopStallMs', () => {
  it('reports a stall of the event loop to the turn that runs after it', () => {
    eventLoopStallMs(); // starts the probe (or keeps it running)
    blockFor(60);
    // the probe's tick was due at most 5 ms after it was armed, and could not run while the loop was blocked
    expect(eventLoopStallMs()).toBeGreaterThanOrEqual(55);
  });
});
