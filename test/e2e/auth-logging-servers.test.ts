/**
 * Issue 4's proof: real servers (Express 5, Express 4 + CommonJS, Fastify, Koa, NestJS, a Next.js route handler
 * behind a node:http adapter, a plain `login(req)` function) with no logging, migrated by the real quickwins
 * command (`quickwins auth-logging <dir>`, its `main` run in process), started on 127.0.0.1 and sent real requests. Their stdout must hold
 * exactly one outcome line per auth request, with the right fields, none for other routes, and no secret.
 *
 * The servers are fixtures (fixtures/auth-logging-e2e/). They run under tsx with `@quickwins/runtime` mapped to this
 * repository's src/index.ts through a tsconfig `paths` entry in the temporary copy, so no build is needed.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '../..');
const FIXTURES = join(REPO, 'fixtures/auth-logging-e2e');

const PASSWORD = 'correct horse battery staple';
const WRONG_PASSWORD = 'wrong-password-123';
const BEARER = 'Bearer e2e-secret-bearer-token';
const COOKIE = 'sid=e2e-secret-session-cookie';
/** Strings that must never reach the output: passwords, tokens, credentials in headers, raw emails. */
const SECRETS = [
  PASSWORD,
  WRONG_PASSWORD,
  'tok_live_',
  'e2e-secret-bearer-token',
  'e2e-secret-session-cookie',
  'e2e-api-key',
  'alice@example.com',
  'nobody@example.com',
  'boom@example.com',
  'slow@example.com',
];

interface Server {
  readonly name: string;
  readonly entry: string;
  readonly loginPath: string;
  /** Plain functions know nothing of HTTP: no status_code, and a client abort is invisible to them. */
  readonly http: boolean;
  readonly otherRoutes: readonly (readonly [method: string, path: string])[];
  readonly registerPath?: string;
}

const SERVERS: readonly Server[] = [
  {
    name: 'express 5 (ESM, imported handlers)',
    entry: 'express/server.js',
    loginPath: '/auth/login',
    http: true,
    otherRoutes: [
      ['GET', '/health'],
      ['POST', '/orders'],
    ],
    registerPath: '/auth/register',
  },
  {
    name: 'express 4 (CommonJS, Router)',
    entry: 'express4/server.cjs',
    loginPath: '/auth/login',
    http: true,
    otherRoutes: [
      ['GET', '/health'],
      ['POST', '/orders'],
    ],
  },
  {
    name: 'fastify',
    entry: 'fastify/server.ts',
    loginPath: '/auth/login',
    http: true,
    otherRoutes: [
      ['GET', '/health'],
      ['POST', '/orders'],
    ],
    registerPath: '/auth/register',
  },
  {
    name: 'koa',
    entry: 'koa/server.js',
    loginPath: '/auth/login',
    http: true,
    otherRoutes: [
      ['GET', '/health'],
      ['POST', '/orders'],
    ],
  },
  {
    name: 'nestjs',
    entry: 'nestjs/server.ts',
    loginPath: '/auth/login',
    http: true,
    otherRoutes: [
      ['GET', '/health'],
      ['POST', '/orders'],
    ],
  },
  {
    name: 'next route handler',
    entry: 'next/server.ts',
    loginPath: '/api/auth/login',
    http: true,
    otherRoutes: [
      ['GET', '/api/health'],
      ['POST', '/orders'],
    ],
  },
  {
    name: 'plain login(req)',
    entry: 'plain/server.ts',
    loginPath: '/auth/login',
    http: false,
    otherRoutes: [
      ['GET', '/health'],
      ['POST', '/orders'],
    ],
  },
];

/** What the codemod must rewrite in the fixture tree, per file: sites wrapped and sites reported as left. */
const EXPECTED_SITES: Readonly<Record<string, { rewritten: number; left: number; covered?: number }>> = {
  'express/server.js': { rewritten: 2, left: 0 },
  // Its (req, res) exports are wrapped where server.js registers them, in the same run: covered there, not left.
  'express/auth-controller.js': { rewritten: 0, left: 0, covered: 2 },
  'express4/server.cjs': { rewritten: 1, left: 0 },
  'fastify/server.ts': { rewritten: 2, left: 0 },
  'koa/server.js': { rewritten: 1, left: 0 },
  'nestjs/server.ts': { rewritten: 2, left: 0 },
  'next/app/api/auth/login/route.ts': { rewritten: 1, left: 0 },
  'plain/login.ts': { rewritten: 1, left: 0 },
};

/** A write stream stand-in that keeps what the command prints. */
function capture(): { stream: NodeJS.WriteStream; text: () => string } {
  let text = '';
  const stream = { isTTY: false, write: (chunk: string | Uint8Array) => ((text += String(chunk)), true) };
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => text };
}

let root: string;
interface FileReport {
  path: string;
  status: string;
  rewritten: unknown[];
  left: unknown[];
  covered?: unknown[];
}
let report: { files: FileReport[] };

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'qw-auth-e2e-'));
  cpSync(FIXTURES, root, { recursive: true });
  // The servers' own dependencies (express, fastify, ...) and tsx come from this repository.
  symlinkSync(join(REPO, 'node_modules'), join(root, 'node_modules'), 'dir');
  // The quickwins command's own entry (argument parsing, file walk, transform, write), run in this process
  // on the repository's source so that no build is needed.
  const stdout = capture();
  const stderr = capture();
  // `--plain-functions`: the plain server's `login(req)` is named for its action and registered nowhere, a candidate by default.
  const code = await main(
    [
      'auth-logging',
      '.',
      '--plain-functions',
      '--json',
      '--no-types',
      '--workers',
      '0',
      '--allow-dirty',
      '--allow-no-git',
    ],
    {
      cwd: root,
      stdout: stdout.stream,
      stderr: stderr.stream,
      env: { ...process.env, NO_COLOR: '1' },
    },
  );
  if (code !== 0) throw new Error(`quickwins auth-logging exited with ${code}: ${stderr.text()}`);
  const cli = { stdout: stdout.text() };
  report = JSON.parse(cli.stdout) as typeof report;
  writeFileSync(join(root, 'package.json'), JSON.stringify({ type: 'module', private: true }));
  writeFileSync(
    join(root, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        target: 'ES2022',
        strict: true,
        experimentalDecorators: true,
        paths: { '@quickwins/runtime': [join(REPO, 'runtime/src/index.ts')] },
      },
    }),
  );
  writeFileSync(
    join(root, 'harness.mjs'),
    [
      'const entry = new URL(process.argv[2], `file://${process.cwd()}/`);',
      'const loaded = await import(entry.href);',
      'const server = await (loaded.start ?? loaded.default.start)(0);',
      'process.stderr.write(`QW_READY ${server.port}\\n`);',
      'process.stdin.resume();',
      "process.stdin.on('end', () => void server.close().then(() => process.exit(0)));",
      '',
    ].join('\n'),
  );
}, 120_000);

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('quickwins auth-logging over the fixture servers', () => {
  it('wraps the auth handlers of every server, and reports the controllers it leaves to their routes as covered by them', () => {
    const byPath = new Map(report.files.map((file) => [file.path.replace(/\\/g, '/'), file]));
    for (const [path, expected] of Object.entries(EXPECTED_SITES)) {
      const file = byPath.get(path);
      expect(file?.rewritten.length ?? 0, path).toBe(expected.rewritten);
      expect(file?.left.length ?? 0, path).toBe(expected.left);
      expect(file?.covered?.length ?? 0, path).toBe(expected.covered ?? 0);
    }
    const otherRewrites = report.files.filter(
      (file) => !(file.path.replace(/\\/g, '/') in EXPECTED_SITES) && file.rewritten.length > 0,
    );
    expect(otherRewrites.map((file) => file.path)).toEqual([]);
    expect(readFileSync(join(root, 'express/server.js'), 'utf8')).toContain(
      "app.post('/auth/login', withAuthLogging('login', login));",
    );
  });

  it('changes nothing when run a second time', async () => {
    const stdout = capture();
    const code = await main(['auth-logging', '.', '--check', '--no-types', '--workers', '0'], {
      cwd: root,
      stdout: stdout.stream,
      stderr: capture().stream,
      env: { ...process.env, NO_COLOR: '1' },
    });
    expect(stdout.text()).toBe('');
    expect(code).toBe(0);
  });
});

interface Line {
  readonly [key: string]: unknown;
}

class RunningServer {
  private stdout = '';
  private stderr = '';
  port = 0;

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (this.stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
  }

  static async start(entry: string): Promise<RunningServer> {
    const child = spawn(process.execPath, ['--import', 'tsx', 'harness.mjs', `./${entry}`], {
      cwd: root,
      stdio: 'pipe',
    });
    const server = new RunningServer(child);
    server.port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${entry} did not start: ${server.stderr}`)), 30_000);
      const check = (): void => {
        const match = /QW_READY (\d+)/.exec(server.stderr);
        if (match) {
          clearTimeout(timer);
          resolve(Number(match[1]));
        }
      };
      child.stderr.on('data', check);
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${entry} exited with ${code}: ${server.stderr}`));
      });
    });
    return server;
  }

  /** Every JSON line on stdout that is an auth outcome line. */
  outcomeLines(): Line[] {
    return this.stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Line)
      .filter((line) => 'event' in line);
  }

  output(): string {
    return this.stdout + this.stderr;
  }

  async waitForRequestIds(ids: readonly string[], timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const seen = new Set(this.outcomeLines().map((line) => line.request_id));
      if (ids.every((id) => seen.has(id))) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  async stop(): Promise<void> {
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
}

interface Sent {
  readonly status: number | 'aborted';
}

/** One request on loopback; `abortAfterMs` destroys the socket before the answer comes. */
function send(
  port: number,
  method: string,
  path: string,
  requestId: string,
  body?: unknown,
  abortAfterMs?: number,
  headers: Record<string, string> = {},
): Promise<Sent> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        headers: {
          'x-request-id': requestId,
          authorization: BEARER,
          cookie: COOKIE,
          ...(payload === undefined
            ? {}
            : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
          ...headers,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
      },
    );
    req.on('error', (error) => (abortAfterMs === undefined ? reject(error) : resolve({ status: 'aborted' })));
    if (abortAfterMs !== undefined) setTimeout(() => req.destroy(), abortAfterMs);
    req.end(payload);
  });
}

for (const server of SERVERS) {
  describe(`after the codemod: ${server.name}`, () => {
    let running: RunningServer;
    const sent = new Map<string, Sent>();
    const id = (name: string): string => `e2e-${server.entry.split('/')[0]}-${name}`;
    const authIds: string[] = [];

    beforeAll(async () => {
      running = await RunningServer.start(server.entry);
      const login = async (name: string, body: unknown, abortAfterMs?: number): Promise<void> => {
        authIds.push(id(name));
        sent.set(name, await send(running.port, 'POST', server.loginPath, id(name), body, abortAfterMs));
      };
      await login('success', { email: 'alice@example.com', password: PASSWORD });
      await login('wrong-password', { email: 'alice@example.com', password: WRONG_PASSWORD });
      await login('unknown-user', { email: 'nobody@example.com', password: PASSWORD });
      await login('validation', { email: 'alice@example.com' });
      await login('thrown', { email: 'boom@example.com', password: PASSWORD });
      await login('abort', { email: 'slow@example.com', password: PASSWORD }, 60);
      if (server.registerPath) {
        authIds.push(id('register'));
        sent.set(
          'register',
          await send(running.port, 'POST', server.registerPath, id('register'), {
            email: 'new@example.com',
            password: PASSWORD,
          }),
        );
      }
      if (server.entry.startsWith('nestjs/')) {
        authIds.push(id('guard-denied'), id('guard-allowed'));
        sent.set('guard-denied', await send(running.port, 'POST', '/auth/token', id('guard-denied'), {}));
        sent.set(
          'guard-allowed',
          await send(running.port, 'POST', '/auth/token', id('guard-allowed'), {}, undefined, {
            'x-api-key': 'e2e-api-key',
          }),
        );
      }
      for (const [index, [method, path]] of server.otherRoutes.entries()) {
        sent.set(
          `other-${index}`,
          await send(running.port, method, path, id(`other-${index}`), method === 'GET' ? undefined : { items: [] }),
        );
      }
      await running.waitForRequestIds(authIds);
      // The aborted handler still runs to its end; give it time to (not) write a second line.
      await new Promise((resolve) => setTimeout(resolve, 500));
      await running.stop();
    }, 60_000);

    const linesFor = (name: string): Line[] => running.outcomeLines().filter((line) => line.request_id === id(name));
    const only = (name: string): Line => {
      const lines = linesFor(name);
      expect(lines, `${name}: ${JSON.stringify(lines)}`).toHaveLength(1);
      return lines[0] as Line;
    };
    const http = (status: number): Record<string, unknown> => (server.http ? { status_code: status } : {});

    it('the server answered as it did before the migration', () => {
      expect(sent.get('success')?.status).toBe(200);
      expect(sent.get('wrong-password')?.status).toBe(401);
      expect(sent.get('unknown-user')?.status).toBe(401);
      expect(sent.get('validation')?.status).toBe(400);
      expect(sent.get('thrown')?.status).toBe(500);
      expect(sent.get('abort')?.status).toBe('aborted');
    });

    it('logs a success with user_id, elapsed_ms and the masked email', () => {
      const line = only('success');
      expect(line).toMatchObject({
        level: 30,
        event: 'authn_login_success',
        outcome: 'success',
        user_id: 'u1',
        email: 'a***@example.com',
        ...http(200),
      });
      expect(typeof line.elapsed_ms).toBe('number');
      expect(line.elapsed_ms as number).toBeGreaterThanOrEqual(0);
    });

    it('logs a wrong password and an unknown user as failures without a user_id', () => {
      for (const name of ['wrong-password', 'unknown-user']) {
        const line = only(name);
        expect(line).toMatchObject({ level: 40, event: 'authn_login_fail', outcome: 'failure', ...http(401) });
        expect(line).not.toHaveProperty('user_id');
        expect(typeof line.elapsed_ms).toBe('number');
      }
      expect(only('unknown-user').email).toBe('n***@example.com');
    });

    it('logs a validation failure', () => {
      expect(only('validation')).toMatchObject({
        level: 40,
        event: 'authn_login_fail',
        outcome: 'failure',
        ...http(400),
      });
    });

    it('logs a thrown error at error level', () => {
      const line = only('thrown');
      expect(line).toMatchObject({ level: 50, event: 'authn_login_fail', outcome: 'error', ...http(500) });
      expect(line).not.toHaveProperty('user_id');
    });

    it('logs a client abort once', () => {
      const line = only('abort');
      if (server.http) {
        expect(line).toMatchObject({ outcome: 'failure', reason: 'client_aborted' });
        expect(line).not.toHaveProperty('status_code');
      } else {
        // A plain function cannot see the socket: it finished, and says so.
        expect(line).toMatchObject({ outcome: 'success', user_id: 'u2' });
      }
    });

    if (server.registerPath) {
      it('logs a registration as user_created', () => {
        expect(only('register')).toMatchObject({ event: 'user_created', outcome: 'success', ...http(201) });
      });
    }

    if (server.entry.startsWith('nestjs/')) {
      it('logs a guard failure, which never reaches an interceptor', () => {
        expect(sent.get('guard-denied')?.status).toBe(403);
        expect(only('guard-denied')).toMatchObject({ event: 'authn_token_fail', outcome: 'failure', status_code: 403 });
        expect(only('guard-allowed')).toMatchObject({ event: 'authn_token_created', outcome: 'success' });
      });
    }

    it('writes no line for other routes, and one line per auth request in all', () => {
      for (const index of server.otherRoutes.keys()) {
        expect(sent.get(`other-${index}`)?.status).toBeLessThan(300);
        expect(linesFor(`other-${index}`)).toEqual([]);
      }
      expect(running.outcomeLines()).toHaveLength(authIds.length);
    });

    it('prints no password, token, credential header or raw email anywhere', () => {
      const output = running.output();
      for (const secret of SECRETS) expect(output, secret).not.toContain(secret);
    });
  });
}
