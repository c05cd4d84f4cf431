/**
 * Per-operation cost of the runtime's bounded structures while filling, just past their bound and after 10× their
 * bound of operations (past the bound each operation evicts one entry), with the windows of test/support/growth.ts:
 *   dedupe  memoryDedupeStore({ maxKeys }).runOnce(group, fresh key, no-op effect), awaited one by one
 *   lru     the GraphQL document cache's Lru (also the persisted-query store): set(fresh key), then get(a key set 10
 *           operations earlier), a hit that moves it
 * Each figure is a median over ROUNDS rounds, each on a fresh structure.
 *
 *   npx tsx bench/bounded-eviction.ts
 *   ROUNDS=5 npx tsx bench/bounded-eviction.ts
 */
import { cpus, loadavg } from 'node:os';
import { Lru } from '../runtime/src/graphql/lru.js';
import { memoryDedupeStore } from '../runtime/src/kafka/memory-store.js';
import { measureGrowth } from '../test/support/growth.js';

const ROUNDS = Number(process.env.ROUNDS ?? 3);
const noop = async (): Promise<void> => undefined;

const arms: { name: string; bound: number; fresh: (bound: number) => (index: number) => unknown }[] = [
  {
    name: 'memoryDedupeStore.runOnce (default maxKeys)',
    bound: 100_000,
    fresh: (bound) => {
      const store = memoryDedupeStore({ maxKeys: bound });
      return (index) => store.runOnce('g', `k${index}`, noop);
    },
  },
  ...[
    { name: 'Lru set + get (default maxDocuments)', bound: 1_000 },
    { name: 'Lru set + get (maxDocuments raised)', bound: 100_000 },
  ].map(({ name, bound }) => ({
    name,
    bound,
    fresh: (capacity: number) => {
      const lru = new Lru<string, number>(capacity);
      return (index: number) => {
        lru.set(`d${index}`, index);
        return lru.get(`d${index - 10}`);
      };
    },
  })),
];

console.log(
  `node ${process.version}, ${cpus().length} cores, load ${loadavg()
    .map((load) => load.toFixed(1))
    .join(' ')}, median of ${ROUNDS} rounds`,
);
console.log(
  '| operation | bound | µs/op filling (first bound ops) | µs/op just past the bound (bound to 2× bound) | µs/op after 10× bound (last bound ops) | ratio 10× / filling |',
);
console.log('| --- | --- | --- | --- | --- | --- |');
for (const arm of arms) {
  const figures = await measureGrowth(arm.bound, ROUNDS, () => arm.fresh(arm.bound));
  const micros = (ns: number): string => (ns / 1000).toFixed(2);
  console.log(
    `| ${arm.name} | ${arm.bound.toLocaleString('en-US')} | ${micros(figures.fillNs)} | ${micros(figures.pastBoundNs)} | ${micros(figures.tenfoldNs)} | ${figures.ratio.toFixed(2)} |`,
  );
}
