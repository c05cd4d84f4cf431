// Plain functions like the plan's `login(input)`: outcome from the return value or the throw; a real pino logger
// writing to a stream the test reads.
import { execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import {
  configureAuthLogging,
  resetAuthLoggingConfig,
  setAuthFailure,
  setAuthUser,
  withAuthLogging,
} from '../../../runtime/src/index.js';
import { ALICE, ALICE_JWT, decideLogin, expectNoSecrets, LogCapture } from './support.js';

afterEach(() => resetAuthLoggingConfig());

function capturing(): LogCapture {
  const capture = new LogCapture();
  configureAuthLogging({ logger: pino(capture) });
  return capture;
}

class UnauthorizedError extends Error {
  override name = 'UnauthorizedError';
}

// The service function of the plan: returns the session or null, throws when the store is down.
const login = withAuthLogging(
  'login',
  async (input: { email?: string; password?: string; headers?: Record<string, string> }) => {
    const decision = decideLogin(input);
    if (decision.kind === 'explode') throw decision.error;
    if (decision.kind !== 'ok') {
      if (decision.kind === 'invalid' && decision.logReason) setAuthFailure(input, decision.logReason);
      return null;
    }
    return { user: { id: decision.userId }, accessToken: decision.token };
  },
);

describe('withAuthLogging on plain functions', () => {
  it('logs success, falsy result, thrown error, with the caller seeing the same results', async () => {
    const capture = capturing();
    const session = await login({
      email: ALICE.email,
      password: ALICE.password,
      headers: { 'x-request-id': 'plain-1' },
    });
    expect(session).toEqual({ user: { id: ALICE.id }, accessToken: ALICE_JWT });
    expect(
      await login({ email: ALICE.email, password: 'wrong-horse', headers: { 'x-request-id': 'plain-2' } }),
    ).toBeNull();
    expect(
      await login({ email: 'mallory@example.com', password: 'wrong-horse', headers: { 'x-request-id': 'plain-3' } }),
    ).toBeNull();
    await expect(
      login({ email: ALICE.email, password: 'explode-now', headers: { 'x-request-id': 'plain-4' } }),
    ).rejects.toThrow('user store unavailable');
    expect(capture.byRequestId('plain-1')).toMatchObject([
      { level: 30, event: 'authn_login_success', outcome: 'success', user_id: ALICE.id, email: 'a***@example.com' },
    ]);
    expect(capture.byRequestId('plain-2')).toMatchObject([
      { level: 40, outcome: 'failure', email: 'a***@example.com' },
    ]);
    expect(capture.byRequestId('plain-2')[0]).not.toHaveProperty('reason');
    expect(capture.byRequestId('plain-3')).toMatchObject([{ level: 40, outcome: 'failure', reason: 'unknown_user' }]);
    expect(capture.byRequestId('plain-4')).toMatchObject([{ level: 50, outcome: 'error', error: { type: 'Error' } }]);
    for (const line of capture.outcomes()) {
      expect(typeof line.elapsed_ms).toBe('number');
      expect(line).not.toHaveProperty('status_code');
    }
    expect(capture.outcomes()).toHaveLength(4);
    expectNoSecrets(capture.text);
  });

  it('handles sync functions, auth-ish thrown errors, setAuthUser and a bare email argument', () => {
    const capture = capturing();
    const verifyOtp = withAuthLogging('mfa', (input: { code: string; account: object }) => {
      if (input.code !== '424242') throw new UnauthorizedError('one-time code rejected');
      setAuthUser(input, 'acct-5');
      return true;
    });
    const requestReset = withAuthLogging('password_reset', (email: string) => email.length > 0);
    expect(verifyOtp({ code: '424242', account: {} })).toBe(true);
    expect(() => verifyOtp({ code: '000000', account: {} })).toThrow(UnauthorizedError);
    expect(requestReset('carol@example.com')).toBe(true);
    const [ok, rejected, reset] = capture.outcomes();
    expect(ok).toMatchObject({ level: 30, event: 'authn_mfa_success', user_id: 'acct-5' });
    expect(rejected).toMatchObject({
      level: 40,
      event: 'authn_mfa_fail',
      outcome: 'failure',
      reason: 'UnauthorizedError',
    });
    expect(reset).toMatchObject({ level: 30, event: 'authn_password_reset', email: 'c***@example.com' });
    expect(capture.text).not.toContain('424242');
    expect(capture.text).not.toContain('carol@example.com');
  });

  it('keeps untrusted input away from level, msg and time, and on one line', async () => {
    const capture = capturing();
    const forged = {
      email: 'eve@example.com\n{"level":60,"msg":"forged"}',
      password: ALICE.password,
      level: 99,
      msg: 'forged',
      time: 0,
    };
    await login(forged as never);
    const lines = capture.lines();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 40, msg: 'auth login failure' });
    expect(lines[0]!.time).not.toBe(0);
    expect(capture.text).not.toContain('forged');
  });

  it('writes a keyed hash in hash mode, the raw address only by opt-in, and refuses hash mode without a key', async () => {
    const key = 'a-very-secret-hmac-key';
    const capture = capturing();
    configureAuthLogging({ email: 'hash', emailHashKey: key });
    await login({ email: ' Alice@Example.com ', password: ALICE.password });
    configureAuthLogging({ email: 'raw' });
    await login({ email: ALICE.email, password: ALICE.password });
    const [hashed, raw] = capture.outcomes();
    expect(hashed!.email).toBe(createHmac('sha256', key).update('alice@example.com').digest('hex'));
    expect(raw!.email).toBe(ALICE.email);
    resetAuthLoggingConfig();
    expect(() => configureAuthLogging({ email: 'hash' })).toThrow(/emailHashKey/);
    expect(() => withAuthLogging('login', () => true, { email: 'hash', emailHashKey: 'short' })).toThrow(/at least 16/);
    expect(() => withAuthLogging('signin' as never, () => true)).toThrow(/unknown auth action/);
  });

  it('takes the wrapper logger option over the configured one and does not double-wrap', async () => {
    const configured = capturing();
    const own = new LogCapture();
    const wrapped = withAuthLogging('token', async () => ({ access_token: ALICE_JWT }), { logger: pino(own) });
    expect(withAuthLogging('token', wrapped)).toBe(wrapped);
    await wrapped();
    expect(configured.outcomes()).toHaveLength(0);
    expect(own.outcomes()).toMatchObject([{ event: 'authn_token_created', user_id: ALICE.id }]);
    expectNoSecrets(own.text);
  });

  it('writes to stdout through the default pino logger when nothing is configured (child process)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'quickwins-auth-'));
    try {
      const root = pathToFileURL(join(import.meta.dirname, '../../../runtime/src/index.ts')).href;
      const script = join(dir, 'default-logger.mts');
      writeFileSync(
        script,
        [
          `import { withAuthLogging } from ${JSON.stringify(root)};`,
          `const login = withAuthLogging('login', (input) => input.password === 'correct-horse' ? { userId: 3 } : null);`,
          `login({ email: 'alice@example.com', password: 'correct-horse', token: 'tok-secret-1', headers: { authorization: 'Bearer abcdef123456' } });`,
          `login({ email: 'alice@example.com', password: 'wrong-horse' });`,
        ].join('\n'),
      );
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script], {
        cwd: join(import.meta.dirname, '../../..'),
      });
      const lines = stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(lines).toMatchObject([
        { level: 30, event: 'authn_login_success', user_id: 3, email: 'a***@example.com' },
        { level: 40, event: 'authn_login_fail', outcome: 'failure' },
      ]);
      for (const secret of ['correct-horse', 'wrong-horse', 'tok-secret-1', 'abcdef123456', 'alice@example.com'])
        expect(stdout).not.toContain(secret);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
