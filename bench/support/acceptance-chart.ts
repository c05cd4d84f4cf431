/**
 * The acceptance check's chart, as a standalone SVG (no library): one column per load, three rows over the run's
 * time (p99 of the successful requests, share of requests failing, the pool's queue), before and after the codemod,
 * with the slowdown shaded. Requests are placed at their intended start, binned.
 */
export interface ChartRun {
  readonly arm: 'before' | 'after';
  readonly load: number;
  readonly outcomes: readonly { readonly startMs: number; readonly kind: string; readonly ms: number }[];
  readonly queue: readonly { readonly atMs: number; readonly waiting: number }[];
}

export interface ChartPhases {
  readonly lockFromMs: number;
  readonly lockToMs: number;
  readonly durationMs: number;
  readonly binMs: number;
  readonly deadlineMs: number;
}

const COLORS = { before: '#d62728', after: '#2ca02c' } as const;
const PANEL = { width: 420, height: 150, left: 60, top: 40, gapX: 40, gapY: 50 };

interface Row {
  readonly title: string;
  readonly max: (runs: readonly ChartRun[]) => number;
  readonly unit: string;
  readonly series: (run: ChartRun, phases: ChartPhases) => (readonly [number, number])[];
}

function bins<T>(items: readonly T[], at: (item: T) => number, phases: ChartPhases): T[][] {
  const result: T[][] = Array.from({ length: Math.ceil(phases.durationMs / phases.binMs) }, () => []);
  for (const item of items) result[Math.min(result.length - 1, Math.floor(at(item) / phases.binMs))]?.push(item);
  return result;
}

function p99(values: number[]): number {
  const sorted = values.sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(0.99 * sorted.length) - 1)] ?? Number.NaN;
}

const ROWS: readonly Row[] = [
  {
    title: 'p99 of successful requests',
    unit: 'ms',
    max: () => 1000,
    series: (run, phases) =>
      bins(run.outcomes, (o) => o.startMs, phases).flatMap((bin, index) => {
        const ok = bin.filter((o) => o.kind === 'ok').map((o) => o.ms);
        return ok.length === 0 ? [] : [[(index + 0.5) * phases.binMs, Math.min(phases.deadlineMs, p99(ok))] as const];
      }),
  },
  {
    title: 'requests failing (503 or past the 1 s deadline)',
    unit: '%',
    max: () => 100,
    series: (run, phases) =>
      bins(run.outcomes, (o) => o.startMs, phases).flatMap((bin, index) =>
        bin.length === 0
          ? []
          : [[(index + 0.5) * phases.binMs, (100 * bin.filter((o) => o.kind !== 'ok').length) / bin.length] as const],
      ),
  },
  {
    title: 'requests waiting for a connection',
    unit: '',
    max: (runs) => Math.max(10, ...runs.flatMap((run) => run.queue.map((sample) => sample.waiting))),
    series: (run, phases) =>
      run.queue
        .filter((sample) => sample.atMs <= phases.durationMs)
        .map((sample) => [sample.atMs, sample.waiting] as const),
  },
];

export function acceptanceChart(runs: readonly ChartRun[], phases: ChartPhases): string {
  const loads = [...new Set(runs.map((run) => run.load))];
  const width = PANEL.left + loads.length * (PANEL.width + PANEL.gapX);
  const height = PANEL.top + ROWS.length * (PANEL.height + PANEL.gapY) + 10;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${PANEL.left}" y="18" font-size="13" font-weight="bold">Pool of 10 under open-loop load, table locked from ${phases.lockFromMs / 1000} s to ${phases.lockToMs / 1000} s (shaded)</text>`,
    `<text x="${PANEL.left}" y="32"><tspan fill="${COLORS.before}">■ before: pool.connect()</tspan>   <tspan fill="${COLORS.after}">■ after: quickwins pool-backpressure (admission)</tspan></text>`,
  ];
  loads.forEach((load, column) => {
    ROWS.forEach((row, rowIndex) => {
      const x0 = PANEL.left + column * (PANEL.width + PANEL.gapX);
      const y0 = PANEL.top + 14 + rowIndex * (PANEL.height + PANEL.gapY);
      const max = row.max(runs);
      const x = (ms: number): number => x0 + (ms / phases.durationMs) * PANEL.width;
      const y = (value: number): number => y0 + PANEL.height - (Math.min(value, max) / max) * PANEL.height;
      parts.push(
        `<text x="${x0}" y="${y0 - 6}" font-weight="bold">${load}× capacity: ${row.title}</text>`,
        `<rect x="${x(phases.lockFromMs).toFixed(1)}" y="${y0}" width="${(x(phases.lockToMs) - x(phases.lockFromMs)).toFixed(1)}" height="${PANEL.height}" fill="#eeeeee"/>`,
        `<rect x="${x0}" y="${y0}" width="${PANEL.width}" height="${PANEL.height}" fill="none" stroke="#999"/>`,
        `<text x="${x0 - 4}" y="${y0 + 4}" text-anchor="end">${max}${row.unit}</text>`,
        `<text x="${x0 - 4}" y="${y0 + PANEL.height}" text-anchor="end">0</text>`,
      );
      for (let second = 0; second <= phases.durationMs / 1000; second++) {
        parts.push(
          `<text x="${x(second * 1000).toFixed(1)}" y="${y0 + PANEL.height + 12}" text-anchor="middle" fill="#666">${second} s</text>`,
        );
      }
      for (const run of runs.filter((candidate) => candidate.load === load)) {
        const points = row.series(run, phases).map(([at, value]) => `${x(at).toFixed(1)},${y(value).toFixed(1)}`);
        if (points.length > 0)
          parts.push(
            `<polyline fill="none" stroke="${COLORS[run.arm]}" stroke-width="1.5" points="${points.join(' ')}"/>`,
          );
      }
    });
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
