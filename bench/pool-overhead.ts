/**
 * Overhead of acquireWithBackpressure over a raw `pool.connect()`: acquire + release on a warm pool, no query.
 * Interleaves rounds of the arms (so machine noise hits all alike) and reports the median of the per-round ratios.
 * Target: helper / raw ≤ 1.10.
 *
 * It measures the runtime as production loads it: bundled by tsup (into a temp dir, so dist/ is left alone), not the
 * sources under tsx, whose keep-names transform wraps every function it creates and would inflate the helper's cost.
 *
 *   npx tsx bench/pool-overhead.ts            (starts a throwaway PostgreSQL; DATABASE_URL overrides)
 *   ROUNDS=301 OPS=2000 CONCURRENCY=8 npx tsx bench/pool-overhead.ts
 */
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { build } from 'tsup';
import type * as Runtime from '../runtime/src/pg/index.js';
import { resolveDatabase } from '../test/setup/postgres.js';

/** Bundles runtime/src/pg the way tsup builds dist/ and imports it. */
async function loadBuiltRuntime(): Promise<{ runtime: typeof Runtime; cleanup: () => void }> {
  const outDir = mkdtempSync(join(tmpdir(), 'quickwins-bench-'));
  // the bundle keeps prom-client external: let it resolve to this repo's copy
  symlinkSync(resolve('node_modules'), join(outDir, 'node_modules'), 'dir');
  await build({
    entry: { runtime: 'runtime/src/pg/index.ts' },
    format: ['esm'],
    outDir,
    target: 'node20',
    dts: false,
    silent: true,
    config: false,
    external: ['pg', 'prom-client'],
  });
  const runtime = (await import(pathToFileURL(join(outDir, 'runtime.js')).href)) as typeof Runtime;
  return { runtime, cleanup: () => rmSync(outDir, { recursive: true, force: true }) };
}

const ROUNDS = Number(process.env.ROUNDS ?? 101);
const OPS = Number(process.env.OPS ?? 5_000);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 1);

type Arm = { name: string; once: (pool: pg.Pool) => Promise<void> };

const { runtime, cleanup } = await loadBuiltRuntime();
const { acquireWithBackpressure } = runtime;

const arms: Arm[] = [
  {
    name: 'raw pool.connect()',
    once: async (pool) => {
      const client = await pool.connect();
      client.release();
    },
  },
  {
    name: 'acquireWithBackpressure (metrics on)',
    once: async (pool) => {
      const client = await acquireWithBackpressure(pool);
      client.release();
    },
  },
  {
    name: 'acquireWithBackpressure (metrics off)',
    once: async (pool) => {
      const client = await acquireWithBackpressure(pool, { metrics: false });
      client.release();
    },
  },
];

type Sample = { wallNs: number; cpuNs: number };

/**
 * One round: wall time, and the process's CPU time. Acquire + release on a warm pool never waits for the database,
 * so CPU time is the work done; unlike wall time it does not grow when a busy machine deschedules the process.
 */
async function timeRound(pool: pg.Pool, arm: Arm): Promise<Sample> {
  const cpuBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  const worker = async (): Promise<void> => {
    for (let i = 0; i < OPS / CONCURRENCY; i++) await arm.once(pool);
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const wallNs = Number(process.hrtime.bigint() - started) / OPS;
  const cpu = process.cpuUsage(cpuBefore);
  return { wallNs, cpuNs: ((cpu.user + cpu.system) * 1000) / OPS };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

async function main(): Promise<void> {
  const database = await resolveDatabase();
  const pool = new pg.Pool({ connectionString: database.url, max: 10 });
  try {
    // Warm: open every client once, and let the JIT see both paths.
    await Promise.all(Array.from({ length: 10 }, () => pool.connect())).then((clients) =>
      clients.forEach((c) => c.release()),
    );
    for (const arm of arms) await timeRound(pool, arm);

    const samples = new Map<string, Sample[]>(arms.map((arm) => [arm.name, []]));
    for (let round = 0; round < ROUNDS; round++) {
      // rotate the order each round so no arm always runs first
      for (let i = 0; i < arms.length; i++) {
        const arm = arms[(round + i) % arms.length]!;
        samples.get(arm.name)!.push(await timeRound(pool, arm));
      }
    }
    const raw = samples.get(arms[0]!.name)!;
    console.log(`acquire + release on a warm pool (max 10), ${ROUNDS} rounds × ${OPS} ops, concurrency ${CONCURRENCY}`);
    console.log('  (ratio = median over rounds of arm / raw in the same round; the arms of a round run back to back)');
    for (const arm of arms) {
      const own = samples.get(arm.name)!;
      const wallRatio = median(own.map((sample, round) => sample.wallNs / raw[round]!.wallNs));
      const cpuRatio = median(own.map((sample, round) => sample.cpuNs / raw[round]!.cpuNs));
      console.log(
        `  ${arm.name.padEnd(38)} wall ${(median(own.map((x) => x.wallNs)) / 1000).toFixed(2)} µs/op, ratio ${wallRatio.toFixed(3)}   ` +
          `cpu ${(median(own.map((x) => x.cpuNs)) / 1000).toFixed(2)} µs/op, ratio ${cpuRatio.toFixed(3)}`,
      );
    }
    console.log(`leaked clients: ${pool.totalCount - pool.idleCount}, waiting: ${pool.waitingCount}`);
  } finally {
    await pool.end();
    await database.stop();
    cleanup();
  }
}

await main();
