/**
 * Run time and memory of the runner against the size of ONE file: a generated module (bench/support/pool-module.ts)
 * with 1k, 2k, 4k, ... 64k pool sites, run with `quickwins pool-backpressure --dry --no-types --json` (the diff is
 * built too). Linear growth shows as a time ratio close to the size ratio (2×) from one row to the next.
 * The files are written under the system's temp folder, outside any project: the runner formats a changed file with
 * the prettier of the project it sits in (src/cli/format.ts), and inside this repository that would measure
 * prettier's own check of a multi-megabyte file (16k sites: 18 s CPU, 32k: 46 s) instead of the runner.
 *
 *   npm run build && npx tsx bench/file-size.ts                 (1k..64k sites, one run each)
 *   SITES=1000,4000 RUNS=3 npx tsx bench/file-size.ts           (median of RUNS)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { poolModule, SITES_PER_FUNCTION } from './support/pool-module.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const BIN = join(ROOT, 'dist', 'cli', 'bin.js');
const WORK = join(tmpdir(), 'quickwins-bench-file-size');
const SIZES = (process.env.SITES ?? '1000,2000,4000,8000,16000,32000,64000').split(',').map(Number);
const RUNS = Number(process.env.RUNS ?? 1);

interface Row {
  readonly sites: number;
  readonly bytes: number;
  readonly seconds: number;
  readonly peakRssMb: number;
}

function measure(sites: number): Row {
  const dir = join(WORK, String(sites));
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'big.ts'), poolModule(sites / SITES_PER_FUNCTION));
  execFileSync('git', ['init', '-q'], { cwd: dir });
  const times: number[] = [];
  let peakRssMb = 0;
  for (let run = 0; run < RUNS; run++) {
    const start = performance.now();
    const result = spawnSync(
      process.execPath,
      [BIN, 'pool-backpressure', '--dry', '--no-types', '--json', '--allow-no-git', 'big.ts'],
      {
        cwd: dir,
        encoding: 'utf8',
        maxBuffer: 1024 * 1024 * 1024,
      },
    );
    times.push((performance.now() - start) / 1000);
    if (result.status !== 0) throw new Error(`run failed (${result.status}): ${result.stderr}`);
    const report = JSON.parse(result.stdout) as { totals: { rewrittenSites: number }; memory: { peakRssMb: number } };
    if (report.totals.rewrittenSites !== sites)
      throw new Error(`expected ${sites} sites, got ${report.totals.rewrittenSites}`);
    peakRssMb = Math.max(peakRssMb, report.memory.peakRssMb);
  }
  times.sort((a, b) => a - b);
  return {
    sites,
    bytes: statSync(join(dir, 'big.ts')).size,
    seconds: times[Math.floor(times.length / 2)] as number,
    peakRssMb,
  };
}

console.log(
  `load average at start: ${loadavg()
    .map((load) => load.toFixed(1))
    .join(' ')}`,
);
console.log('| sites | file size | time | ms per 1k sites | time ratio to previous (size ratio 2) | peak RSS |');
console.log('| ---: | ---: | ---: | ---: | ---: | ---: |');
let previous: Row | undefined;
for (const sites of SIZES) {
  const row = measure(sites);
  const ratio = previous
    ? `${(row.seconds / previous.seconds).toFixed(2)}× (size ${(row.sites / previous.sites).toFixed(0)}×)`
    : '—';
  console.log(
    `| ${row.sites} | ${(row.bytes / 1024 / 1024).toFixed(1)} MB | ${row.seconds.toFixed(2)} s | ${((row.seconds * 1000) / (row.sites / 1000)).toFixed(0)} | ${ratio} | ${row.peakRssMb} MB |`,
  );
  previous = row;
}
rmSync(WORK, { recursive: true, force: true });
console.log(
  `load average at end: ${loadavg()
    .map((load) => load.toFixed(1))
    .join(' ')}`,
);
