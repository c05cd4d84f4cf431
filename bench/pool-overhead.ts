/**
 * Overhead of acquireWithBackpressure over a raw `pool.connect()`: acquire + release on a warm pool, no query.
 * Interleaves rounds of the arms (so machine noise hits all alike) and reports the ratio of the medians.
 * Target: helper / raw ≤ 1.10.
 *
 * It measures the runtime as production loads it: bundled by tsup (into a temp dir, so dist/ is left alone), not the
 * sources under tsx, whose keep-names transform wraps every function it creates and would inflate the helper's cost.
 *
 *   npx tsx bench/pool-overhead.ts            (starts a throwaway PostgreSQL; DATABASE_URL overrides)
 *   ROUNDS=15 OPS=20000 npx tsx bench/pool-overhead.ts
 */
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { build } from 'tsup';
import type * as Runtime from '../src/runtime/pg/index.js';
import { resolveDatabase } from '../test/setup/postgres.js';

/** Bundles src/runtime/pg the way tsup builds dist/ and imports it. */
async function loadBuiltRuntime(): Promise<{ runtime: typeof Runtime; cleanup: () => void }> {
  const outDir = mkdtempSync(join(tmpdir(), 'quickwins-bench-'));
  // the bundle keeps prom-client external: let it resolve to this repo's copy
  symlinkSync(resolve('node_modules'), join(outDir, 'node_modules'), 'dir');
  await build({
    entry: { runtime: 'src/runtime/pg/index.ts' },
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

const ROUNDS = Number(process.env.ROUNDS ?? 11);
const OPS = Number(process.env.OPS ?? 20_000);
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

async function timeRound(pool: pg.Pool, arm: Arm): Promise<number> {
  const started = process.hrtime.bigint();
  const worker = async (): Promise<void> => {
    for (let i = 0; i < OPS / CONCURRENCY; i++) await arm.once(pool);
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return Number(process.hrtime.bigint() - started) / OPS; // ns per op
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
    await Promise.all(Array.from({ length: 10 }, () => pool.connect())).then((clients) => clients.forEach((c) => c.release()));
    for (const arm of arms) await timeRound(pool, arm);

    const samples = new Map<string, number[]>(arms.map((arm) => [arm.name, []]));
    for (let round = 0; round < ROUNDS; round++) {
      // rotate the order each round so neither arm always runs first
      for (let i = 0; i < arms.length; i++) {
        const arm = arms[(round + i) % arms.length]!;
        samples.get(arm.name)!.push(await timeRound(pool, arm));
      }
    }
    const raw = median(samples.get(arms[0]!.name)!);
    console.log(`acquire + release on a warm pool (max 10), ${ROUNDS} rounds × ${OPS} ops, concurrency ${CONCURRENCY}`);
    for (const arm of arms) {
      const ns = median(samples.get(arm.name)!);
      console.log(`  ${arm.name.padEnd(40)} ${(ns / 1000).toFixed(2).padStart(7)} µs/op   ratio ${(ns / raw).toFixed(3)}`);
    }
    console.log(`leaked clients: ${pool.totalCount - pool.idleCount}, waiting: ${pool.waitingCount}`);
  } finally {
    await pool.end();
    await database.stop();
    cleanup();
  }
}

await main();
