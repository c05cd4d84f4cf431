// The document cache's Lru: a cost per operation that does not grow once every set evicts (ratio in one run), and
// exactly the behaviour of the plain Map it replaces (values, recency, eviction order, size, evictions), by property.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Lru } from '../../../runtime/src/graphql/lru.js';
import { describeGrowth, measureGrowth } from '../../support/growth.js';

/** The reference: a Map whose insertion order is recency (a hit re-inserts), the first key evicted past capacity. */
class ReferenceLru {
  readonly entries = new Map<number, number>();
  evictions = 0;
  constructor(readonly capacity: number) {}
  get(key: number): number | undefined {
    const value = this.entries.get(key);
    if (value === undefined) return undefined;
    this.entries.delete(key);
    this.entries.set(key, value);
    return value;
  }
  set(key: number, value: number): void {
    if (this.capacity <= 0) return;
    this.entries.delete(key);
    this.entries.set(key, value);
    while (this.entries.size > this.capacity) {
      this.entries.delete(this.entries.keys().next().value!);
      this.evictions += 1;
    }
  }
}

type Step = { op: 'get' | 'delete'; key: number } | { op: 'set'; key: number; value: number } | { op: 'clear' };

describe('Lru bound', () => {
  it('costs the same per set + hit after 10× capacity sets as while filling (ratio within 2×, median of 7 rounds)', async () => {
    // Small enough to stay in the CPU caches: the ratio then measures the eviction, not the memory latency of touching
    // the oldest entry (the same for any LRU); the old first-key eviction was already 8× slower here.
    const bound = 5_000;
    const figures = await measureGrowth(bound, 7, () => {
      const lru = new Lru<string, number>(bound);
      return (index) => {
        lru.set(`d${index}`, index);
        return lru.get(`d${index - 10}`);
      };
    });
    console.log(describeGrowth('Lru set + get', bound, figures));
    expect(figures.ratio).toBeLessThan(2);
  }, 180_000);

  it('behaves exactly like a Map re-inserted on every hit: values, recency, eviction order, size, evictions (property)', () => {
    const key = fc.integer({ min: 0, max: 9 });
    const step: fc.Arbitrary<Step> = fc.oneof(
      fc.record({ op: fc.constantFrom('get' as const, 'delete' as const), key }),
      fc.record({ op: fc.constant('set' as const), key, value: fc.integer() }),
      fc.constant({ op: 'clear' as const }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 6 }), fc.array(step, { maxLength: 100 }), (capacity, steps) => {
        let evictions = 0;
        const lru = new Lru<number, number>(capacity, () => (evictions += 1));
        const reference = new ReferenceLru(capacity);
        for (const next of steps) {
          if (next.op === 'get') expect(lru.get(next.key)).toBe(reference.get(next.key));
          else if (next.op === 'delete') expect(lru.delete(next.key)).toBe(reference.entries.delete(next.key));
          else if (next.op === 'set') {
            lru.set(next.key, next.value);
            reference.set(next.key, next.value);
          } else {
            lru.clear();
            reference.entries.clear();
          }
          expect(lru.size).toBe(reference.entries.size);
          expect(lru.size).toBeLessThanOrEqual(capacity);
          expect(evictions).toBe(reference.evictions);
        }
        // Eviction order: fresh keys push the reference's keys out oldest first; a key the reference dropped must be
        // a miss at once (a miss moves nothing), so a different victim shows up as a value.
        const remaining = [...reference.entries.keys()];
        for (let fresh = 0; fresh < capacity; fresh += 1) {
          lru.set(100 + fresh, fresh);
          reference.set(100 + fresh, fresh);
          for (const gone of remaining.filter((held) => !reference.entries.has(held)))
            expect(lru.get(gone), `key ${gone}`).toBeUndefined();
          expect(lru.size).toBe(reference.entries.size);
          expect(evictions).toBe(reference.evictions);
        }
        for (const [held, value] of [...reference.entries]) expect(lru.get(held)).toBe(value);
      }),
      { numRuns: 500 },
    );
  });
});
