// Unit tests of the pure parts: redaction, identifier masking/hashing, user-id resolution, outcome rules,
// correlation headers, logger choice.
import fc from 'fast-check';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { correlationOf } from '../../../runtime/src/auth/context.js';
import { findIdentifier, formatIdentifier, hashIdentifier, maskIdentifier } from '../../../runtime/src/auth/email.js';
import { AUTH_ACTIONS, eventName } from '../../../runtime/src/auth/events.js';
import { pickLogger } from '../../../runtime/src/auth/logger.js';
import { nextControlFlow } from '../../../runtime/src/auth/next.js';
import { classify, reasonFromBody, statusOfError } from '../../../runtime/src/auth/outcome.js';
import { hasOnlyIdBindings } from '../../../runtime/src/auth/logger.js';
import { isSensitiveKey, scrubFreeText as scrubText } from '../../../runtime/src/auth/redact.js';
import type { ResolvedAuthOptions } from '../../../runtime/src/auth/types.js';
import { jwtSubject, sanitizeUserId, userIdFromBody, userIdFromUser } from '../../../runtime/src/auth/user-id.js';
import { ALICE, ALICE_JWT, LogCapture } from './support.js';

const OPTIONS: ResolvedAuthOptions = {
  logger: undefined,
  useRequestLogger: true,
  email: 'mask',
  emailHashKey: undefined,
  event: undefined,
  getIdentifier: undefined,
  nestExceptionFilter: true,
  requestLoggerBindings: [],
  freeText: false,
};

describe('redaction', () => {
  it('recognises secret field names in their usual spellings', () => {
    for (const key of [
      'password',
      'newPassword',
      'current_password',
      'passwd',
      'pwd',
      'passphrase',
      'token',
      'accessToken',
      'refresh_token',
      'resetToken',
      'otp',
      'otpCode',
      'code',
      'mfaCode',
      'client_secret',
      'authorization',
      'Cookie',
      'set-cookie',
      'apiKey',
      'pin',
    ]) {
      expect(isSensitiveKey(key), key).toBe(true);
    }
    for (const key of ['email', 'username', 'userId', 'status', 'reason', 'passport', 'country_code_label']) {
      expect(isSensitiveKey(key), key).toBe(false);
    }
  });

  it('scrubs tokens, credentials, key=value secrets, emails and control characters from free text', () => {
    expect(scrubText(`bad token ${ALICE_JWT}`)).toBe('bad token [Redacted]');
    expect(scrubText('header was Bearer abc.def-123456')).toBe('header was Bearer [Redacted]');
    expect(scrubText('login failed: password=hunter2, otp: 123456')).toBe(
      'login failed: password=[Redacted], otp: [Redacted]',
    );
    expect(scrubText('bad password hunter2')).toBe('bad password [Redacted]');
    expect(scrubText('postgres://admin:s3cr3t@db:5432/app is down')).toBe('postgres://[Redacted]@db:5432/app is down');
    expect(scrubText('no user bob.smith@corp.example.org')).toBe('no user b***@corp.example.org');
    expect(scrubText('line1\nline2\r{"level":60}')).toBe('line1 line2 {"level":60}');
    expect(scrubText('reset link 3f9a1c0e7b6d4a2f9e8c7b6a5d4c3b2a1f0e9d8c expired')).toBe(
      'reset link [Redacted] expired',
    );
    expect(scrubText('refresh token expired')).toBe('refresh token expired');
    expect(scrubText('ab '.repeat(200), 50)).toHaveLength(51);
  });

  it('never lets an email or a JWT through, whatever surrounds it (property)', () => {
    const word = fc.stringMatching(/^[a-z]{1,12}$/);
    fc.assert(
      fc.property(
        fc.string({ maxLength: 40 }),
        word,
        word,
        fc.string({ maxLength: 40 }),
        (before, local, domain, after) => {
          const email = `${local}@${domain}.com`;
          const out = scrubText(`${before} ${email} ${ALICE_JWT} ${after}`, 1000);
          expect(out).not.toContain(email);
          expect(out).not.toContain(ALICE_JWT.split('.')[1]!);
        },
      ),
    );
  });

  it('uses a request logger only when its bindings are ids (pino-http binds the whole request)', () => {
    expect(hasOnlyIdBindings({ req: { id: 1, url: '/reset/abc', headers: {} } })).toBe(false);
    expect(hasOnlyIdBindings({ req: { headers: { authorization: '[Redacted]', host: 'h' } } })).toBe(false);
    expect(hasOnlyIdBindings({ reqId: 'req-1' })).toBe(true);
    expect(hasOnlyIdBindings({ reqId: 'alice@example.com' })).toBe(false);
    expect(hasOnlyIdBindings({})).toBe(true);
    expect(hasOnlyIdBindings(undefined)).toBe(false);
    expect(hasOnlyIdBindings({ reqId: 'req-1', service: 'auth' })).toBe(false);
    expect(hasOnlyIdBindings({ reqId: 'req-1', service: 'auth' }, ['service'])).toBe(true);
  });
});

describe('identifier (email)', () => {
  it('masks addresses and usernames, keeping only the first character and the domain', () => {
    expect(maskIdentifier('alice@example.com')).toBe('a***@example.com');
    expect(maskIdentifier(' Bob.Smith@Corp.Example.ORG ')).toBe('B***@corp.example.org');
    expect(maskIdentifier('carol')).toBe('c***');
    expect(maskIdentifier('a@b@example.com')).toBe('a***');
    expect(maskIdentifier('"quoted"@example.com')).toBe('****@example.com');
    expect(maskIdentifier('')).toBe('');
  });

  it('hashes with a key: stable for the same user, different per key', () => {
    const key = 'k'.repeat(16);
    expect(hashIdentifier('Alice@Example.com ', key)).toBe(hashIdentifier('alice@example.com', key));
    expect(hashIdentifier('alice@example.com', key)).not.toBe(hashIdentifier('alice@example.com', 'j'.repeat(16)));
    expect(hashIdentifier('alice@example.com', key)).toMatch(/^[0-9a-f]{64}$/);
    expect(formatIdentifier('alice@example.com', 'hash', undefined)).toBeUndefined();
    expect(formatIdentifier('alice@example.com', 'raw', undefined)).toBe('alice@example.com');
  });

  it('finds the typed identifier in common body shapes, never in a secret field', () => {
    expect(findIdentifier({ email: 'a@x.io', password: 'p' })).toBe('a@x.io');
    expect(findIdentifier({ username: 'alice' })).toBe('alice');
    expect(findIdentifier({ user: { email: 'n@x.io' } })).toBe('n@x.io');
    expect(findIdentifier({ body: { login: 'l@x.io' } })).toBe('l@x.io');
    expect(findIdentifier('d@x.io')).toBe('d@x.io');
    expect(findIdentifier('not-an-email-token')).toBeUndefined();
    expect(findIdentifier({ password: 'a@x.io', token: 't' })).toBeUndefined();
  });
});

describe('user id', () => {
  it('reads ids from user objects and bodies in the documented order', () => {
    expect(userIdFromUser({ id: 7, email: 'a@x.io' })).toBe(7);
    expect(userIdFromUser({ _id: { toHexString: () => '64b7f0' } })).toBe('64b7f0');
    expect(userIdFromUser('u-9')).toBe('u-9');
    expect(userIdFromBody({ user: { id: 'a' }, userId: 'b', id: 'c' })).toBe('a');
    expect(userIdFromBody({ userId: 'b', id: 'c' })).toBe('b');
    expect(userIdFromBody({ id: 'c', token: ALICE_JWT })).toBe('c');
    expect(userIdFromBody({ data: { user: { id: 'nested' } } })).toBe('nested');
    expect(userIdFromBody({ tokens: { access: ALICE_JWT } })).toBe(ALICE.id);
    expect(userIdFromBody(JSON.stringify({ access_token: ALICE_JWT }))).toBe(ALICE.id);
    expect(userIdFromBody(ALICE_JWT)).toBe(ALICE.id);
    expect(userIdFromBody({ ok: true })).toBeUndefined();
    expect(userIdFromBody('<html>')).toBeUndefined();
  });

  it('never returns a token or a raw email as the user id', () => {
    expect(sanitizeUserId(ALICE_JWT)).toBeUndefined();
    expect(sanitizeUserId('alice@example.com')).toBe('a***@example.com');
    expect(sanitizeUserId('x'.repeat(200))).toBeUndefined();
    expect(sanitizeUserId(Number.NaN)).toBeUndefined();
    expect(jwtSubject('eyJhbGciOiJub25lIn0.bm90LWpzb24.')).toBeUndefined();
  });
});

describe('outcome rules', () => {
  it('classifies HTTP outcomes', () => {
    expect(classify({ statusCode: 200, threw: false })).toEqual({ outcome: 'success' });
    expect(classify({ statusCode: 302, threw: false })).toEqual({ outcome: 'success' });
    expect(classify({ statusCode: 401, threw: false, body: { error: 'invalid_credentials' } })).toEqual({
      outcome: 'failure',
      reason: 'invalid_credentials',
      statusReason: 'unauthorized',
    });
    expect(classify({ statusCode: 429, threw: false })).toEqual({ outcome: 'failure', statusReason: 'rate_limited' });
    expect(classify({ statusCode: 200, threw: false, body: { ok: false, message: 'locked' } })).toEqual({
      outcome: 'failure',
      reason: 'locked',
    });
    expect(classify({ statusCode: 200, threw: false, explicitReason: 'wrong_password' })).toEqual({
      outcome: 'failure',
      reason: 'wrong_password',
    });
    expect(classify({ statusCode: 503, threw: false })).toEqual({ outcome: 'error' });
    expect(classify({ statusCode: 500, threw: true, error: new Error('x') })).toEqual({ outcome: 'error' });
    expect(
      classify({ statusCode: 401, threw: true, error: Object.assign(new Error('expired'), { status: 401 }) }),
    ).toEqual({ outcome: 'failure', reason: 'expired', statusReason: 'unauthorized' });
    expect(classify({ threw: false, aborted: true })).toEqual({ outcome: 'failure', reason: 'client_aborted' });
    expect(classify({ statusCode: 404, threw: false, controlFlow: true })).toEqual({ outcome: 'success' });
  });

  it('classifies plain-function outcomes', () => {
    expect(classify({ threw: false, plainResult: true, body: { id: 1 } })).toEqual({ outcome: 'success' });
    expect(classify({ threw: false, plainResult: false, body: null })).toEqual({ outcome: 'failure' });
    expect(classify({ threw: true, plainResult: false, error: new TypeError('boom') })).toEqual({ outcome: 'error' });
    class InvalidCredentialsError extends Error {}
    expect(classify({ threw: true, plainResult: false, error: new InvalidCredentialsError('nope') })).toEqual({
      outcome: 'failure',
      reason: 'nope',
    });
  });

  it('reads statuses and reasons from the usual error and body shapes', () => {
    expect(statusOfError({ statusCode: 409 })).toBe(409);
    expect(statusOfError({ getStatus: () => 403 })).toBe(403);
    expect(statusOfError(new Error('x'))).toBeUndefined();
    expect(reasonFromBody({ message: ['email must be an email', 'password should not be empty'] })).toBe(
      'email must be an email; password should not be empty',
    );
    expect(reasonFromBody('{"error":{"message":"nested"}}')).toBe('nested');
  });

  it('recognises Next.js control-flow throws by digest', () => {
    expect(nextControlFlow({ digest: 'NEXT_REDIRECT;replace;/home;307;' })).toEqual({ kind: 'redirect', status: 307 });
    expect(nextControlFlow({ digest: 'NEXT_REDIRECT;push;/x;308;' })).toEqual({ kind: 'redirect', status: 308 });
    expect(nextControlFlow({ digest: 'NEXT_NOT_FOUND' })).toEqual({ kind: 'http-fallback', status: 404 });
    expect(nextControlFlow({ digest: 'NEXT_HTTP_ERROR_FALLBACK;403' })).toEqual({ kind: 'http-fallback', status: 403 });
    expect(nextControlFlow(new Error('NEXT_REDIRECT'))).toBeUndefined();
  });

  it('names events from the OWASP vocabulary, with overrides', () => {
    expect(eventName('login', 'success')).toBe('authn_login_success');
    expect(eventName('login', 'error')).toBe('authn_login_fail');
    expect(eventName('register', 'success')).toBe('user_created');
    expect(eventName('password_change', 'failure')).toBe('authn_password_change_fail');
    expect(eventName('login', 'success', { success: 'custom_ok' })).toBe('custom_ok');
    expect(eventName('login', 'failure', 'all_the_same')).toBe('all_the_same');
    for (const action of AUTH_ACTIONS) expect(eventName(action, 'success')).toMatch(/^[a-z_]+$/);
  });
});

describe('correlation', () => {
  it('reads x-request-id and a W3C traceparent, rejecting malformed values', () => {
    expect(
      correlationOf({
        'x-request-id': 'abc-1',
        traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      }),
    ).toEqual({
      request_id: 'abc-1',
      trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
      span_id: '00f067aa0ba902b7',
    });
    expect(
      correlationOf({
        'x-request-id': 'bad id\n{"level":60}',
        traceparent: '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
      }),
    ).toEqual({});
    expect(correlationOf(new Headers({ 'x-request-id': 'h-1' }))).toEqual({ request_id: 'h-1' });
    expect(correlationOf({}, 'req-7')).toEqual({ request_id: 'req-7' });
  });
});

describe('logger choice', () => {
  it('prefers the wrapper logger, then a safe request logger, then the configured one', () => {
    const configured = pino(new LogCapture());
    const own = pino(new LogCapture());
    const request = pino(new LogCapture()).child({ reqId: 'r1' });
    const leaky = pino(new LogCapture()).child({ req: { headers: { authorization: 'Bearer abcdefgh1' } } });
    const fastifyDisabled = {
      info() {},
      warn() {},
      error() {},
      child() {
        return this;
      },
    };
    expect(pickLogger({ ...OPTIONS, logger: own }, configured, request)).toBe(own);
    expect(pickLogger(OPTIONS, configured, request)).toBe(request);
    expect(pickLogger(OPTIONS, configured, leaky)).toBe(configured);
    expect(pickLogger(OPTIONS, configured, fastifyDisabled)).toBe(configured);
    expect(pickLogger({ ...OPTIONS, useRequestLogger: false }, configured, request)).toBe(configured);
  });
});
