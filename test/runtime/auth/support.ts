// Shared by the per-framework auth-logging tests: one login scenario, real HTTP on loopback, log capture, and the
// assertions every framework must pass (one outcome line per auth request, right fields, no secret anywhere).
import { request as httpRequest } from 'node:http';
import { Writable } from 'node:stream';
import { expect } from 'vitest';

// ---- the application under test (same rules in every framework) ----

export const ALICE = { email: 'alice@example.com', id: 'u-1', password: 'correct-horse' };
/** A JWT whose `sub` is ALICE.id (unsigned; the runtime never verifies, only reads `sub`). */
export const ALICE_JWT = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: ALICE.id, iat: 1 })}.c2lnbmF0dXJlLXNlY3JldA`;
export const SESSION_COOKIE = 'sid=cookie-secret-value-123';
export const BEARER = 'Bearer client-bearer-secret-456';

function b64(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

export type LoginDecision =
  | { kind: 'ok'; userId: string; token: string }
  /** `logReason`: what only the log may know (the client gets the same answer for unknown user and wrong password). */
  | { kind: 'invalid'; status: 400 | 401; error: string; logReason?: string }
  | { kind: 'explode'; error: Error }
  | { kind: 'slow' };

/** The login rules: validation, unknown user, wrong password, a crash, a slow path (for client aborts). */
export function decideLogin(body: unknown): LoginDecision {
  const { email, password } = (body ?? {}) as { email?: unknown; password?: unknown };
  if (typeof email !== 'string' || typeof password !== 'string' || password.length === 0) {
    return { kind: 'invalid', status: 400, error: 'validation_failed' };
  }
  if (password === 'explode-now') return { kind: 'explode', error: new Error('user store unavailable') };
  if (password === 'slow-horse') return { kind: 'slow' };
  if (email !== ALICE.email)
    return { kind: 'invalid', status: 401, error: 'invalid_credentials', logReason: 'unknown_user' };
  if (password !== ALICE.password) return { kind: 'invalid', status: 401, error: 'invalid_credentials' };
  return { kind: 'ok', userId: ALICE.id, token: ALICE_JWT };
}

export const SLOW_MS = 400;
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

// ---- log capture ----

export class LogCapture extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, callback: () => void): void {
    this.text += chunk.toString();
    callback();
  }
  lines(): Record<string, unknown>[] {
    return this.text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }
  outcomes(): Record<string, unknown>[] {
    return this.lines().filter((line) => 'outcome' in line);
  }
  byRequestId(id: string): Record<string, unknown>[] {
    return this.outcomes().filter((line) => line.request_id === id);
  }
  async waitFor(predicate: (lines: Record<string, unknown>[]) => boolean, timeoutMs = 3000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.outcomes())) {
      if (Date.now() > deadline) throw new Error(`log lines did not arrive:\n${this.text}`);
      await sleep(10);
    }
  }
}

// ---- HTTP client ----

export interface SentRequest {
  status?: number;
  body?: string;
  aborted: boolean;
}

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';

/** POSTs JSON with a request id, a traceparent, a bearer token and a cookie (which must never reach the log). */
export function send(
  baseUrl: string,
  path: string,
  options: {
    body?: unknown;
    requestId: string | null;
    method?: string;
    abortAfterMs?: number;
    headers?: Record<string, string>;
    rawBody?: string;
  },
): Promise<SentRequest> {
  const url = new URL(path, baseUrl);
  const payload = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method: options.method ?? 'POST',
        agent: false,
        headers: {
          ...(payload !== undefined
            ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
            : {}),
          ...(options.requestId !== null ? { 'x-request-id': options.requestId } : {}),
          traceparent: `00-${TRACE_ID}-${SPAN_ID}-01`,
          authorization: BEARER,
          cookie: SESSION_COOKIE,
          ...options.headers,
        },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode, body, aborted: false }));
      },
    );
    req.on('error', (error) => (options.abortAfterMs !== undefined ? resolve({ aborted: true }) : reject(error)));
    if (options.abortAfterMs !== undefined) {
      setTimeout(() => {
        req.destroy();
        resolve({ aborted: true });
      }, options.abortAfterMs);
    }
    req.end(payload);
  });
}

// ---- the scenario every HTTP framework runs ----

export interface ScenarioOptions {
  baseUrl: string;
  capture: LogCapture;
  loginPath?: string;
  otherPath?: string;
  /** Status the framework answers for a thrown error (500 everywhere by default). */
  errorStatus?: number;
  /** False for frameworks that cannot observe a client abort. */
  abort?: boolean;
}

export const SECRETS = [
  ALICE.password,
  'wrong-horse',
  'explode-now',
  'slow-horse',
  ALICE_JWT,
  'c2lnbmF0dXJlLXNlY3JldA',
  'cookie-secret-value-123',
  'client-bearer-secret-456',
  'session-cookie-secret',
  ALICE.email,
  'mallory@example.com',
];

export function expectNoSecrets(text: string): void {
  for (const secret of SECRETS) expect(text, `log output leaks ${secret}`).not.toContain(secret);
}

function expectCommon(line: Record<string, unknown>, requestId: string): void {
  expect(line.action).toBe('login');
  expect(typeof line.elapsed_ms).toBe('number');
  expect(line.elapsed_ms as number).toBeGreaterThanOrEqual(0);
  expect(line.request_id).toBe(requestId);
  expect(line.trace_id).toBe(TRACE_ID);
  expect(line.span_id).toBe(SPAN_ID);
  expect(typeof line.msg).toBe('string');
  expect(typeof line.time).toBe('number');
}

function only(capture: LogCapture, requestId: string): Record<string, unknown> {
  const lines = capture.byRequestId(requestId);
  expect(lines, `outcome lines for ${requestId}:\n${capture.text}`).toHaveLength(1);
  return lines[0]!;
}

/** Sends success, wrong password, unknown user, validation failure, thrown error, client abort and a non-auth
 *  request; asserts the outcome lines. Returns the lines by case for framework-specific checks. */
export async function runLoginScenario(options: ScenarioOptions): Promise<Record<string, Record<string, unknown>>> {
  const { baseUrl, capture } = options;
  const loginPath = options.loginPath ?? '/login';
  const otherPath = options.otherPath ?? '/health';
  const run = (requestId: string, body: unknown) => send(baseUrl, loginPath, { body, requestId });

  const ok = await run('req-success', { email: ALICE.email, password: ALICE.password });
  expect(ok.status).toBe(200);
  const wrong = await run('req-wrong', { email: ALICE.email, password: 'wrong-horse' });
  expect(wrong.status).toBe(401);
  const unknown = await run('req-unknown', { email: 'mallory@example.com', password: 'wrong-horse' });
  expect(unknown.status).toBe(401);
  const invalid = await run('req-invalid', { email: ALICE.email });
  expect(invalid.status).toBe(400);
  const boom = await run('req-error', { email: ALICE.email, password: 'explode-now' });
  expect(boom.status).toBe(options.errorStatus ?? 500);
  const other = await send(baseUrl, otherPath, { method: 'GET', requestId: 'req-other' });
  expect(other.status).toBe(200);
  const ids = ['req-success', 'req-wrong', 'req-unknown', 'req-invalid', 'req-error'];
  if (options.abort !== false) {
    const aborted = await send(baseUrl, loginPath, {
      body: { email: ALICE.email, password: 'slow-horse' },
      requestId: 'req-abort',
      abortAfterMs: 60,
    });
    expect(aborted.aborted).toBe(true);
    ids.push('req-abort');
  }
  await capture.waitFor((lines) => ids.every((id) => lines.some((line) => line.request_id === id)), SLOW_MS + 3000);
  // Late lines (a second line for the aborted request once the slow handler finishes) must not appear either.
  if (options.abort !== false) await sleep(SLOW_MS);

  const success = only(capture, 'req-success');
  expectCommon(success, 'req-success');
  expect(success).toMatchObject({
    level: 30,
    event: 'authn_login_success',
    outcome: 'success',
    status_code: 200,
    user_id: ALICE.id,
    email: 'a***@example.com',
  });
  expect(success).not.toHaveProperty('reason');

  const wrongLine = only(capture, 'req-wrong');
  expectCommon(wrongLine, 'req-wrong');
  expect(wrongLine).toMatchObject({
    level: 40,
    event: 'authn_login_fail',
    outcome: 'failure',
    status_code: 401,
    reason: 'invalid_credentials',
    email: 'a***@example.com',
  });
  expect(wrongLine).not.toHaveProperty('user_id');

  const unknownLine = only(capture, 'req-unknown');
  expect(unknownLine).toMatchObject({
    level: 40,
    outcome: 'failure',
    status_code: 401,
    reason: 'unknown_user',
    email: 'm***@example.com',
  });

  const invalidLine = only(capture, 'req-invalid');
  expect(invalidLine).toMatchObject({ level: 40, outcome: 'failure', status_code: 400, reason: 'validation_failed' });

  const errorLine = only(capture, 'req-error');
  expectCommon(errorLine, 'req-error');
  expect(errorLine).toMatchObject({
    level: 50,
    event: 'authn_login_fail',
    outcome: 'error',
    status_code: options.errorStatus ?? 500,
  });
  // Error text is free text: without `freeText` only the type (and an identifier-shaped code) is written.
  expect(errorLine.error).toEqual({ type: 'Error' });

  const lines: Record<string, Record<string, unknown>> = {
    success,
    wrong: wrongLine,
    unknown: unknownLine,
    invalid: invalidLine,
    error: errorLine,
  };
  if (options.abort !== false) {
    const abortLine = only(capture, 'req-abort');
    expect(abortLine).toMatchObject({ level: 40, outcome: 'failure', reason: 'client_aborted' });
    expect(abortLine).not.toHaveProperty('user_id');
    lines.abort = abortLine;
  }
  expect(capture.byRequestId('req-other')).toHaveLength(0);
  expectNoSecrets(capture.text);
  return lines;
}

export function baseUrlOf(address: unknown): string {
  const port = (address as { port: number }).port;
  return `http://127.0.0.1:${port}`;
}
