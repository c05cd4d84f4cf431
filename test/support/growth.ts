/**
 * Growth of a bounded structure's cost, as a ratio measured in one run (never a wall time): the mean cost per
 * operation of the last `bound` of 10 × bound operations (each one evicts) over the mean cost of the first `bound`
 * (filling, nothing evicted). Median over rounds, each on a fresh structure.
 */
export interface GrowthFigures {
  /** Median ns per operation while filling. */
  readonly fillNs: number;
  /** Median ns per operation just past the bound (operations bound to 2 × bound, each one evicts). */
  readonly pastBoundNs: number;
  /** Median ns per operation after 10 × bound operations. */
  readonly tenfoldNs: number;
  /** tenfoldNs / fillNs, the median of the per-round ratios. */
  readonly ratio: number;
}

const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

type Round = Omit<GrowthFigures, 'ratio'>;

async function oneRound(bound: number, operation: (index: number) => unknown): Promise<Round> {
  const ops = bound * 10;
  const started = process.hrtime.bigint();
  let fillNs = 0;
  let pastBoundNs = 0;
  let lastWindowStart = 0n;
  for (let index = 0; index < ops; index += 1) {
    const result = operation(index);
    if (result instanceof Promise) await result;
    if (index === bound - 1) fillNs = Number(process.hrtime.bigint() - started) / bound;
    if (index === 2 * bound - 1) pastBoundNs = Number(process.hrtime.bigint() - started) / bound - fillNs;
    if (index === ops - bound - 1) lastWindowStart = process.hrtime.bigint();
  }
  return { fillNs, pastBoundNs, tenfoldNs: Number(process.hrtime.bigint() - lastWindowStart) / bound };
}

/** `fresh()` builds a new structure bounded at `bound` and returns the operation to time (index = 0, 1, 2, ...). */
export async function measureGrowth(bound: number, rounds: number, fresh: () => (index: number) => unknown): Promise<GrowthFigures> {
  const results = [];
  for (let round = 0; round < rounds; round += 1) results.push(await oneRound(bound, fresh()));
  return {
    fillNs: median(results.map((result) => result.fillNs)),
    pastBoundNs: median(results.map((result) => result.pastBoundNs)),
    tenfoldNs: median(results.map((result) => result.tenfoldNs)),
    ratio: median(results.map((result) => result.tenfoldNs / result.fillNs)),
  };
}

export function describeGrowth(name: string, bound: number, figures: GrowthFigures): string {
  const micros = (ns: number): string => (ns / 1000).toFixed(2);
  return (
    `${name} at bound ${bound}: ${micros(figures.fillNs)} µs/op filling, ${micros(figures.pastBoundNs)} just past the bound, ` +
    `${micros(figures.tenfoldNs)} after 10× the bound; ratio 10× / filling ${figures.ratio.toFixed(2)}`
  );
}
