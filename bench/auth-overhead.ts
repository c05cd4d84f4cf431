/**
 * Overhead of withAuthLogging on a trivial Express 5 login handler under load on loopback.
 * Two server processes (one per arm, same code, same pino logger writing to /dev/null through
 * `pino.destination({ dest: '/dev/null', minLength: 4096, sync: false })`; DEST=sync for one write(2) per line);
 * autocannon in this process loads one arm at a time, alternating, and reports the ratio of the median throughputs
 * and the server CPU time per request of each arm (steadier than throughput when the machine is shared).
 * Target: wrapped / bare ≥ 0.95. The load average is printed: on a busy machine the ratio is not worth much.
 *
 *   npx tsx bench/auth-overhead.ts
 *   ROUNDS=5 SECONDS=10 CONNECTIONS=20 DEST=sync npx tsx bench/auth-overhead.ts
 *   MODE=parallel npx tsx bench/auth-overhead.ts   (both arms loaded at once: same machine conditions for both)
 *   LOGGER=noop ...          the wrapper with a logger that writes nothing (its own cost, without pino's)
 *   LOGGER=serialize ...     pino serializes the line but the stream drops it (pino's cost without the I/O)
 *   PROFILE_DIR=/tmp/p ...   --cpu-prof for both server processes
 */
import { fork, type ChildProcess } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { pino } from 'pino';
import { configureAuthLogging, setAuthFailure, withAuthLogging } from '../src/index.js';

const ROUNDS = Number(process.env.ROUNDS ?? 3);
const SECONDS = Number(process.env.SECONDS ?? 5);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 10);

type Arm = 'bare' | 'wrapped';

// ---- server side (child process) ----

function loginHandler(req: express.Request, res: express.Response): void {
  const { email, password } = req.body as { email?: string; password?: string };
  if (email !== 'alice@example.com' || password !== 'correct-horse') {
    setAuthFailure(req, 'invalid_credentials');
    res.status(401).json({ error: 'invalid_credentials' });
    return;
  }
  res.json({ user: { id: 'u-1' } });
}

function serve(arm: Arm): void {
  // Same logger in both arms; only the wrapped arm writes a line per request.
  // pino's high-throughput setting by default (asynchronous, flushed in 4 KiB writes); DEST=sync writes every line
  // with its own write(2).
  const mode = process.env.DEST ?? 'buffered';
  const destination =
    mode === 'sync' ? pino.destination({ dest: '/dev/null', sync: true }) : pino.destination({ dest: '/dev/null', sync: false, minLength: 4096 });
  // LOGGER=noop isolates the wrapper's own cost from pino's; LOGGER=serialize keeps pino's serialization but drops the
  // finished line instead of writing it (pino's cost without the destination's I/O). Diagnostics only.
  const noop = { info() {}, warn() {}, error() {} };
  // (`pino({}, stream)`: a lone `{ write }` object is taken for pino's options, and the line goes to stdout.)
  const logger = process.env.LOGGER === 'noop' ? noop : process.env.LOGGER === 'serialize' ? pino({}, { write() {} }) : pino(destination);
  configureAuthLogging({ logger });
  const app = express();
  app.use(express.json());
  app.post('/login', arm === 'wrapped' ? withAuthLogging('login', loginHandler) : loginHandler);
  // The parent asks for CPU time around each run: CPU per request is steadier than throughput on a busy machine.
  process.on('message', () => {
    const usage = process.cpuUsage();
    process.send?.({ cpuMicros: usage.user + usage.system });
  });
  const server = app.listen(0, '127.0.0.1', () => {
    const address = server.address();
    process.send?.({ port: typeof address === 'object' && address ? address.port : 0 });
  });
}

// ---- load side ----

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  errors: number;
  non2xx: number;
}
type Autocannon = (options: object) => Promise<AutocannonResult>;

function startServer(arm: Arm): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(fileURLToPath(import.meta.url), ['serve', arm], { execArgv: ['--import', 'tsx', ...(process.env.PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.PROFILE_DIR}`] : [])], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('message', (message) => resolve({ child, port: (message as { port: number }).port }));
    child.once('exit', (code) => reject(new Error(`${arm} server exited with ${code}`)));
  });
}

function cpuMicros(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    child.once('message', (message) => resolve((message as { cpuMicros: number }).cpuMicros));
    child.send('cpu');
  });
}

async function load(autocannon: Autocannon, port: number, seconds: number): Promise<AutocannonResult> {
  return autocannon({
    url: `http://127.0.0.1:${port}/login`,
    method: 'POST',
    connections: CONNECTIONS,
    duration: seconds,
    headers: { 'content-type': 'application/json', 'x-request-id': 'bench' },
    body: JSON.stringify({ email: 'alice@example.com', password: 'correct-horse' }),
  });
}

async function main(): Promise<void> {
  const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;
  const servers = { bare: await startServer('bare'), wrapped: await startServer('wrapped') };
  try {
    // Warm both (JIT, sockets) before measuring.
    for (const arm of ['bare', 'wrapped'] as const) await load(autocannon, servers[arm].port, 2);
    const samples: Record<Arm, number[]> = { bare: [], wrapped: [] };
    const latency: Record<Arm, { p50: number[]; p99: number[] }> = { bare: { p50: [], p99: [] }, wrapped: { p50: [], p99: [] } };
    const cpuPerRequest: Record<Arm, number[]> = { bare: [], wrapped: [] };
    const parallel = process.env.MODE === 'parallel';
    for (let round = 0; round < ROUNDS; round++) {
      if (parallel) {
        // Both arms at once: whatever else runs on the machine hits both alike, and on a CPU-bound box the two
        // servers share the CPU, so the throughput ratio is the inverse of the CPU cost ratio.
        const before = { bare: await cpuMicros(servers.bare.child), wrapped: await cpuMicros(servers.wrapped.child) };
        const [bareResult, wrappedResult] = await Promise.all([load(autocannon, servers.bare.port, SECONDS), load(autocannon, servers.wrapped.port, SECONDS)]);
        const after = { bare: await cpuMicros(servers.bare.child), wrapped: await cpuMicros(servers.wrapped.child) };
        cpuPerRequest.bare.push((after.bare - before.bare) / bareResult.requests.total);
        cpuPerRequest.wrapped.push((after.wrapped - before.wrapped) / wrappedResult.requests.total);
        samples.bare.push(bareResult.requests.average);
        samples.wrapped.push(wrappedResult.requests.average);
        for (const [arm, result] of [['bare', bareResult], ['wrapped', wrappedResult]] as const) {
          latency[arm].p50.push(result.latency.p50);
          latency[arm].p99.push(result.latency.p99);
        }
        console.log(
          `round ${round + 1} both at once: bare ${bareResult.requests.average.toFixed(0)} req/s ${cpuPerRequest.bare.at(-1)!.toFixed(1)} µs/req, wrapped ${wrappedResult.requests.average.toFixed(0)} req/s ${cpuPerRequest.wrapped.at(-1)!.toFixed(1)} µs/req`,
        );
        continue;
      }
      // Alternate which arm goes first so a drift in machine load hits both alike.
      const order: Arm[] = round % 2 === 0 ? ['bare', 'wrapped'] : ['wrapped', 'bare'];
      for (const arm of order) {
        const cpuBefore = await cpuMicros(servers[arm].child);
        const result = await load(autocannon, servers[arm].port, SECONDS);
        const cpuAfter = await cpuMicros(servers[arm].child);
        cpuPerRequest[arm].push((cpuAfter - cpuBefore) / result.requests.total);
        if (result.errors > 0 || result.non2xx > 0) throw new Error(`${arm}: ${result.errors} errors, ${result.non2xx} non-2xx`);
        samples[arm].push(result.requests.average);
        latency[arm].p50.push(result.latency.p50);
        latency[arm].p99.push(result.latency.p99);
        console.log(
          `round ${round + 1} ${arm.padEnd(8)} ${result.requests.average.toFixed(0).padStart(7)} req/s  p50 ${result.latency.p50} ms  p99 ${result.latency.p99} ms  server CPU ${cpuPerRequest[arm].at(-1)!.toFixed(1)} µs/req`,
        );
      }
    }
    const mean = (values: number[]): number => values.reduce((sum, value) => sum + value, 0) / values.length;
    const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
    const bare = median(samples.bare);
    const wrapped = median(samples.wrapped);
    console.log(`\nExpress 5 POST /login, ${CONNECTIONS} connections, ${ROUNDS} × ${SECONDS} s per arm, ${parallel ? 'both arms at once' : 'alternating'} (medians)`);
    console.log(`  load average        ${loadavg().map((value) => value.toFixed(2)).join(' ')} on ${cpus().length} CPUs`);
    const cpuBare = median(cpuPerRequest.bare);
    const cpuWrapped = median(cpuPerRequest.wrapped);
    console.log(`  bare handler        ${bare.toFixed(0).padStart(7)} req/s  p99 ${mean(latency.bare.p99).toFixed(1)} ms  server CPU ${cpuBare.toFixed(1)} µs/req`);
    console.log(`  withAuthLogging     ${wrapped.toFixed(0).padStart(7)} req/s  p99 ${mean(latency.wrapped.p99).toFixed(1)} ms  server CPU ${cpuWrapped.toFixed(1)} µs/req`);
    console.log(`  throughput ratio    ${(wrapped / bare).toFixed(3)}  (target ≥ 0.95)`);
    console.log(`  CPU per request     +${(cpuWrapped - cpuBare).toFixed(1)} µs (${((cpuWrapped / cpuBare - 1) * 100).toFixed(1)} %)`);
    if (loadavg()[0]! > cpus().length) {
      console.log(`  note: the load average exceeds the CPU count, so throughput swings with other work; the CPU line is the steadier figure`);
    }
  } finally {
    servers.bare.child.kill('SIGINT');
    servers.wrapped.child.kill('SIGINT');
  }
}

if (process.argv[2] === 'serve') {
  // Exit cleanly on SIGINT so --cpu-prof can write its profile.
  process.once('SIGINT', () => process.exit(0));
  serve(process.argv[3] as Arm);
}
else await main();
