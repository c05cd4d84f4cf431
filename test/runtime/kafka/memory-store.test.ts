// memoryDedupeStore's bound: a cost per claim that does not grow once every claim evicts a key (ratio in one run),
// and exactly the behaviour of the plain FIFO Set it replaces (outcomes, contents, eviction order, size), by property.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { memoryDedupeStore } from '../../../runtime/src/kafka/index.js';
import { describeGrowth, measureGrowth } from '../../support/growth.js';

const noop = async (): Promise<void> => undefined;

/** The reference: a Set in insertion order, the oldest key deleted past maxKeys. */
function referenceStore(maxKeys: number): {
  claim(id: string, fails: boolean): 'applied' | 'duplicate' | 'failed';
  readonly keys: string[];
} {
  const applied = new Set<string>();
  return {
    claim(id, fails) {
      if (applied.has(id)) return 'duplicate';
      if (fails) return 'failed';
      applied.add(id);
      if (applied.size > maxKeys) applied.delete(applied.values().next().value!);
      return 'applied';
    },
    get keys() {
      return [...applied];
    },
  };
}

/** Same size, and every key the reference holds is held by the store (claiming a held key changes nothing). */
async function expectSameContents(
  store: ReturnType<typeof memoryDedupeStore>,
  reference: ReturnType<typeof referenceStore>,
): Promise<void> {
  expect(store.size).toBe(reference.keys.length);
  for (const id of reference.keys) {
    const [group, key] = id.split('\u0000') as [string, string];
    expect(await store.runOnce(group, key, noop), id).toBe('duplicate');
  }
}

describe('memoryDedupeStore bound', () => {
  it('costs the same per claim after 10× maxKeys claims as while filling (ratio within 2×, median of 5 rounds)', async () => {
    const bound = 20_000;
    const figures = await measureGrowth(bound, 5, () => {
      const store = memoryDedupeStore({ maxKeys: bound });
      return (index) => store.runOnce('g', `k${index}`, noop);
    });
    console.log(describeGrowth('memoryDedupeStore.runOnce', bound, figures));
    expect(figures.ratio).toBeLessThan(2);
  }, 180_000);

  it('behaves exactly like a FIFO Set bounded at maxKeys: outcomes, contents, eviction order, size (property)', async () => {
    const step = fc.record({
      group: fc.constantFrom('a', 'b'),
      key: fc.integer({ min: 0, max: 9 }).map(String),
      fails: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 6 }), fc.array(step, { maxLength: 80 }), async (maxKeys, steps) => {
        const store = memoryDedupeStore({ maxKeys });
        const reference = referenceStore(maxKeys);
        for (const { group, key, fails } of steps) {
          const expected = reference.claim(`${group}\u0000${key}`, fails);
          const outcome = await store
            .runOnce(group, key, async () => {
              if (fails) throw new Error('effect failed');
            })
            .catch(() => 'failed' as const);
          expect(outcome).toBe(expected);
          expect(store.size).toBe(reference.keys.length);
          expect(store.size).toBeLessThanOrEqual(maxKeys);
        }
        // Contents after the run, then after each of maxKeys fresh claims (each evicts the reference's oldest key).
        await expectSameContents(store, reference);
        for (let fresh = 0; fresh < maxKeys; fresh += 1) {
          expect(await store.runOnce('fresh', String(fresh), noop)).toBe(reference.claim(`fresh\u0000${fresh}`, false));
          await expectSameContents(store, reference);
        }
      }),
      { numRuns: 300 },
    );
  });
});
