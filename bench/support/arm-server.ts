/**
 * The server side and the parent side of a bench that loads one HTTP server per arm in a child process (forked under
 * tsx) with autocannon, and reads the child's CPU time around each run: CPU per request is steadier than throughput on
 * a busy machine. Shared by bench/auth-overhead.ts and bench/graphql-cache.ts.
 */
import { fork, type ChildProcess } from 'node:child_process';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';

export interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  errors: number;
  non2xx: number;
}
export type Autocannon = (options: object) => Promise<AutocannonResult>;

/** autocannon, loaded by require (it is CommonJS and only the parent needs it). */
export function loadAutocannon(from: string): Autocannon {
  return createRequire(from)('autocannon') as Autocannon;
}

/** In the child: answer each CPU query with the process's CPU time, and report the port once listening. */
export function serveArm(server: Server): void {
  process.on('message', () => {
    const usage = process.cpuUsage();
    process.send?.({ cpuMicros: usage.user + usage.system });
  });
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    process.send?.({ port: typeof address === 'object' && address ? address.port : 0 });
  });
}

/** In the parent: fork `script` with `serve <arm>` and wait for its port. */
export function startArmServer(
  script: string,
  arm: string,
  execArgv: readonly string[] = [],
): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(script, ['serve', arm], {
    execArgv: ['--import', 'tsx', ...execArgv],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', (message) => resolve({ child, port: (message as { port: number }).port }));
    child.once('exit', (code) => reject(new Error(`${arm} server exited with ${code}`)));
  });
}

/** In the parent: the child's CPU time so far, in microseconds. */
export function cpuMicros(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    child.once('message', (message) => resolve((message as { cpuMicros: number }).cpuMicros));
    child.send('cpu');
  });
}
