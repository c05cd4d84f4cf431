/**
 * Overhead of withAuthLogging on a trivial Express 5 login handler under load on loopback.
 * One server process per arm (same code, same pino logger writing to /dev/null through
 * `pino.destination({ dest: '/dev/null', minLength: 4096, sync: false })`; DEST=sync for one write(2) per line):
 *   bare         the handler alone: no line
 *   handwritten  the handler plus the line a team would write by hand: the same fields, one `logger.info` on `close`
 *   wrapped      withAuthLogging('login', handler) from the built package (dist/: what users run)
 * autocannon in this process loads one arm at a time, in turn, and reports the median throughputs, their ratios and
 * the server CPU time per request of each arm (steadier than throughput when the machine is shared).
 * Target: wrapped / bare ≥ 0.95. wrapped / handwritten is the wrapper's own cost over writing the line by hand.
 * The load average is printed: on a busy machine the ratios are not worth much.
 *
 *   npm run build && npx tsx bench/auth-overhead.ts
 *   ROUNDS=5 SECONDS=10 CONNECTIONS=20 DEST=sync npx tsx bench/auth-overhead.ts
 *   MODE=parallel ...        all arms loaded at once: the same machine conditions for each (the steadiest CPU figures)
 *   ARMS=bare,wrapped ...    a subset of the arms
 *   LOGGER=noop ...          a logger that writes nothing (the wrapper's own cost, without pino's)
 *   LOGGER=serialize ...     pino serializes the line but the stream drops it (pino's cost without the I/O)
 *   PROFILE_DIR=/tmp/p ...   --cpu-prof for every server process
 */
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { pino } from 'pino';
import type * as Quickwins from '../runtime/src/index.js';
import {
  cpuMicros,
  loadAutocannon,
  serveArm,
  startArmServer,
  type Autocannon,
  type AutocannonResult,
} from './support/arm-server.js';

// The built package, as an application loads it (tsx would add its own per-call name wrappers to the wrapper's code).
async function loadQuickwins(): Promise<typeof Quickwins> {
  try {
    return (await import(new URL('../runtime/dist/index.js', import.meta.url).href)) as typeof Quickwins;
  } catch (error) {
    throw new Error(`bench/auth-overhead: runtime/dist/index.js is missing or broken; run \`npm run build\` first`, {
      cause: error,
    });
  }
}

const ROUNDS = Number(process.env.ROUNDS ?? 3);
const SECONDS = Number(process.env.SECONDS ?? 5);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 10);

const ARMS = ['bare', 'handwritten', 'wrapped'] as const;
type Arm = (typeof ARMS)[number];
type Logger = Quickwins.AuthLogger;

// ---- server side (child process) ----

function loginHandler(
  req: express.Request,
  res: express.Response,
  setFailure: (req: express.Request, reason: string) => void,
): void {
  const { email, password } = req.body as { email?: string; password?: string };
  if (email !== 'alice@example.com' || password !== 'correct-horse') {
    setFailure(req, 'invalid_credentials');
    res.status(401).json({ error: 'invalid_credentials' });
    return;
  }
  res.json({ user: { id: 'u-1' } });
}

/** The line written by hand, the way a careful team would: on `close`, the same fields withAuthLogging writes for this
 *  request (event, outcome, elapsed_ms, status, user id, masked email, method, route, request id). */
function handwrittenLogin(logger: Logger): express.RequestHandler {
  return (req, res) => {
    const start = performance.now();
    const email = (req.body as { email?: string }).email ?? '';
    res.on('close', () => {
      const ok = res.statusCode < 400;
      const at = email.lastIndexOf('@');
      logger[ok ? 'info' : 'warn'](
        {
          event: ok ? 'authn_login_success' : 'authn_login_fail',
          action: 'login',
          outcome: ok ? 'success' : 'failure',
          elapsed_ms: Math.round((performance.now() - start) * 100) / 100,
          status_code: res.statusCode,
          user_id: ok ? 'u-1' : undefined,
          email: at > 0 ? `${email[0]}***${email.slice(at).toLowerCase()}` : undefined,
          method: req.method,
          route: '/login',
          request_id: req.headers['x-request-id'],
        },
        ok ? 'auth login success' : 'auth login failure',
      );
    });
    loginHandler(req, res, () => {});
  };
}

async function serve(arm: Arm): Promise<void> {
  const { configureAuthLogging, setAuthFailure, withAuthLogging } = await loadQuickwins();
  // Same logger in every arm; the bare arm writes no line.
  // pino's high-throughput setting by default (asynchronous, flushed in 4 KiB writes); DEST=sync writes every line
  // with its own write(2) (pino's default destination).
  const mode = process.env.DEST ?? 'buffered';
  const destination =
    mode === 'sync'
      ? pino.destination({ dest: '/dev/null', sync: true })
      : pino.destination({ dest: '/dev/null', sync: false, minLength: 4096 });
  // LOGGER=noop isolates the wrapper's own cost from pino's; LOGGER=serialize keeps pino's serialization but drops the
  // finished line instead of writing it (pino's cost without the destination's I/O). Diagnostics only.
  const noop = { info() {}, warn() {}, error() {} };
  // (`pino({}, stream)`: a lone `{ write }` object is taken for pino's options, and the line goes to stdout.)
  const logger: Logger =
    process.env.LOGGER === 'noop'
      ? noop
      : process.env.LOGGER === 'serialize'
        ? pino({}, { write() {} })
        : pino(destination);
  configureAuthLogging({ logger });
  const app = express();
  app.use(express.json());
  const bare: express.RequestHandler = (req, res) => loginHandler(req, res, setAuthFailure);
  const handlers: Record<Arm, express.RequestHandler> = {
    bare,
    handwritten: handwrittenLogin(logger),
    wrapped: withAuthLogging('login', bare),
  };
  app.post('/login', handlers[arm]);
  serveArm(createServer(app));
}

// ---- load side ----

function startServer(arm: Arm): Promise<{ child: ChildProcess; port: number }> {
  return startArmServer(
    fileURLToPath(import.meta.url),
    arm,
    process.env.PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.PROFILE_DIR}`] : [],
  );
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

function armsToRun(): Arm[] {
  const asked = (process.env.ARMS ?? ARMS.join(',')).split(',').map((name) => name.trim());
  for (const name of asked) {
    if (!(ARMS as readonly string[]).includes(name))
      throw new Error(`bench/auth-overhead: ARMS: unknown arm ${JSON.stringify(name)} (arms: ${ARMS.join(', ')})`);
  }
  return ARMS.filter((arm) => asked.includes(arm));
}

interface Samples {
  throughput: number[];
  p99: number[];
  cpuPerRequest: number[];
}

const median = (values: number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
const mean = (values: number[]): number => values.reduce((sum, value) => sum + value, 0) / values.length;

function record(samples: Samples, result: AutocannonResult, cpuBefore: number, cpuAfter: number): void {
  samples.throughput.push(result.requests.average);
  samples.p99.push(result.latency.p99);
  samples.cpuPerRequest.push((cpuAfter - cpuBefore) / result.requests.total);
}

function checkResult(arm: Arm, result: AutocannonResult): void {
  if (result.errors > 0 || result.non2xx > 0)
    throw new Error(`${arm}: ${result.errors} errors, ${result.non2xx} non-2xx`);
}

const LABELS: Record<Arm, string> = {
  bare: 'bare handler',
  handwritten: 'hand-written line',
  wrapped: 'withAuthLogging',
};

function ratioLine(label: string, numerator: number, denominator: number, target?: string): string {
  return `  ${label.padEnd(34)}${(numerator / denominator).toFixed(3)}${target ? `  (${target})` : ''}`;
}

async function main(): Promise<void> {
  const autocannon = loadAutocannon(import.meta.url);
  const arms = armsToRun();
  const servers = new Map<Arm, { child: ChildProcess; port: number }>();
  try {
    for (const arm of arms) servers.set(arm, await startServer(arm));
    const server = (arm: Arm) => servers.get(arm)!;
    // Warm every arm (JIT, sockets) before measuring.
    for (const arm of arms) checkResult(arm, await load(autocannon, server(arm).port, 2));
    const samples = new Map<Arm, Samples>(arms.map((arm) => [arm, { throughput: [], p99: [], cpuPerRequest: [] }]));
    const parallel = process.env.MODE === 'parallel';
    for (let round = 0; round < ROUNDS; round++) {
      if (parallel) {
        // Every arm at once: whatever else runs on the machine hits them alike, and on a CPU-bound box the servers
        // share the CPU, so the throughput ratios are the inverse of the CPU cost ratios.
        const before = await Promise.all(arms.map((arm) => cpuMicros(server(arm).child)));
        const results = await Promise.all(arms.map((arm) => load(autocannon, server(arm).port, SECONDS)));
        const after = await Promise.all(arms.map((arm) => cpuMicros(server(arm).child)));
        arms.forEach((arm, index) => {
          checkResult(arm, results[index]!);
          record(samples.get(arm)!, results[index]!, before[index]!, after[index]!);
        });
        console.log(
          `round ${round + 1} all at once: ${arms.map((arm) => `${arm} ${samples.get(arm)!.throughput.at(-1)!.toFixed(0)} req/s ${samples.get(arm)!.cpuPerRequest.at(-1)!.toFixed(1)} µs/req`).join(', ')}`,
        );
        continue;
      }
      // Rotate which arm goes first so a drift in machine load hits every arm alike.
      const order = arms.map((_, index) => arms[(index + round) % arms.length]!);
      for (const arm of order) {
        const cpuBefore = await cpuMicros(server(arm).child);
        const result = await load(autocannon, server(arm).port, SECONDS);
        const cpuAfter = await cpuMicros(server(arm).child);
        checkResult(arm, result);
        record(samples.get(arm)!, result, cpuBefore, cpuAfter);
        console.log(
          `round ${round + 1} ${arm.padEnd(11)} ${result.requests.average.toFixed(0).padStart(7)} req/s  p50 ${result.latency.p50} ms  p99 ${result.latency.p99} ms  server CPU ${samples.get(arm)!.cpuPerRequest.at(-1)!.toFixed(1)} µs/req`,
        );
      }
    }
    console.log(
      `\nExpress 5 POST /login, ${CONNECTIONS} connections, ${ROUNDS} × ${SECONDS} s per arm, ${parallel ? 'all arms at once' : 'in turn'}, destination ${process.env.DEST ?? 'buffered'} (medians)`,
    );
    console.log(
      `  load average        ${loadavg()
        .map((value) => value.toFixed(2))
        .join(' ')} on ${cpus().length} CPUs`,
    );
    const throughput = (arm: Arm): number => median(samples.get(arm)!.throughput);
    const cpu = (arm: Arm): number => median(samples.get(arm)!.cpuPerRequest);
    for (const arm of arms) {
      console.log(
        `  ${LABELS[arm].padEnd(18)}${throughput(arm).toFixed(0).padStart(7)} req/s  p99 ${mean(samples.get(arm)!.p99).toFixed(1)} ms  server CPU ${cpu(arm).toFixed(1)} µs/req`,
      );
    }
    if (servers.has('bare') && servers.has('wrapped')) {
      console.log(ratioLine('throughput wrapped / bare', throughput('wrapped'), throughput('bare'), 'target ≥ 0.95'));
    }
    if (servers.has('bare') && servers.has('handwritten'))
      console.log(ratioLine('throughput hand-written / bare', throughput('handwritten'), throughput('bare')));
    if (servers.has('handwritten') && servers.has('wrapped'))
      console.log(ratioLine('throughput wrapped / hand-written', throughput('wrapped'), throughput('handwritten')));
    if (servers.has('bare')) {
      for (const arm of arms.filter((other) => other !== 'bare')) {
        console.log(
          `  CPU per request, ${arm.padEnd(12)} +${(cpu(arm) - cpu('bare')).toFixed(1)} µs (${((cpu(arm) / cpu('bare') - 1) * 100).toFixed(1)} %) over bare`,
        );
      }
    }
    if (loadavg()[0]! > cpus().length) {
      console.log(
        `  note: the load average exceeds the CPU count, so throughput swings with other work; the CPU lines are the steadier figures`,
      );
    }
  } finally {
    for (const { child } of servers.values()) child.kill('SIGINT');
  }
}

if (process.argv[2] === 'serve') {
  // Exit cleanly on SIGINT so --cpu-prof can write its profile.
  process.once('SIGINT', () => process.exit(0));
  await serve(process.argv[3] as Arm);
} else await main();
