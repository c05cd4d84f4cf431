/**
 * Growth of a bounded structure's cost, as a ratio measured in one run (never a wall time). Three fresh structures
 * bounded at `bound` are timed side by side: one filling (operations 0 to bound, nothing evicted), one just past the
 * bound (operations bound to 2 × bound) and one after 10 × bound (operations 9 × bound to 10 × bound; the operations
 * before a window run untimed). Their windows run interleaved in chunks of CHUNK operations, and a window's cost is
 * its median chunk: on a shared machine a descheduling lands in a few chunks of whichever window, and would otherwise
 * weigh as much as the whole window. Median over rounds.
 */
export interface GrowthFigures {
  /** Median ns per operation while filling. */
  readonly fillNs: number;
  /** Median ns per operation just past the bound (each operation evicts). */
  readonly pastBoundNs: number;
  /** Median ns per operation after 10 × bound operations. */
  readonly tenfoldNs: number;
  /** tenfoldNs / fillNs, the median of the per-round ratios. */
  readonly ratio: number;
}

type Operation = (index: number) => unknown;
type Round = Omit<GrowthFigures, 'ratio'>;

const CHUNK = 250;

const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function run(operation: Operation, from: number, to: number): Promise<void> {
  for (let index = from; index < to; index += 1) {
    const result = operation(index);
    if (result instanceof Promise) await result;
  }
}

/** ns spent running operations from..to. */
async function timed(operation: Operation, from: number, to: number): Promise<number> {
  const started = process.hrtime.bigint();
  await run(operation, from, to);
  return Number(process.hrtime.bigint() - started);
}

async function oneRound(bound: number, fresh: () => Operation): Promise<Round> {
  const windows = [0, 1, 9].map((startsAt) => ({
    operation: fresh(),
    offset: startsAt * bound,
    chunks: [] as number[],
  }));
  for (const window of windows) await run(window.operation, 0, window.offset);
  for (let start = 0; start + CHUNK <= bound; start += CHUNK) {
    for (const window of windows)
      window.chunks.push(await timed(window.operation, window.offset + start, window.offset + start + CHUNK));
  }
  const [fill, pastBound, tenfold] = windows.map((window) => median(window.chunks) / CHUNK) as [number, number, number];
  return { fillNs: fill, pastBoundNs: pastBound, tenfoldNs: tenfold };
}

/** `fresh()` builds a new structure bounded at `bound` and returns the operation to time (index = 0, 1, 2, ...). */
export async function measureGrowth(bound: number, rounds: number, fresh: () => Operation): Promise<GrowthFigures> {
  const results: Round[] = [];
  for (let round = 0; round < rounds; round += 1) results.push(await oneRound(bound, fresh));
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
