// Properties of the field cleaners and the free-text scrubber over generated secrets, field names and hostile
// values: what they return is always of its field's shape, and no secret survives.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  cleanCode,
  cleanFreeText,
  cleanReason,
  cleanRequestId,
  cleanRoute,
  cleanUserId,
  isCodeShaped,
  type CleanContext,
} from '../../../runtime/src/auth/clean.js';
import { isSensitiveKey, scrubFreeText, secretsOfRequest } from '../../../runtime/src/auth/redact.js';

const NONE: CleanContext = { secrets: new Set(), freeText: false };
const FREE: CleanContext = { secrets: new Set(), freeText: true };

/** A secret as apps make them: 8–40 characters of letters, digits and token punctuation, with at least one digit. */
const secret = fc
  .stringMatching(/^[A-Za-z0-9_+/=.~-]{7,39}$/)
  .map((body) => `${body}7`)
  .filter((value) => !/^[.~_=+/-]/.test(value));

// Secret field names in the spellings apps use: camelCase, snake_case, UPPER, other languages, look-alikes.
const SECRET_KEYS = [
  'password',
  'Password',
  'PASSWORD',
  'newPassword',
  'current_password',
  'passwd',
  'pwd',
  'passphrase',
  'pa55word',
  'p@ssw0rd',
  'passwort',
  'Kennwort',
  'contraseña',
  'mot_de_passe',
  'senha',
  'parola',
  'пароль',
  'token',
  'accessToken',
  'refresh_token',
  'apiKey',
  'API_KEY',
  'secret',
  'client_secret',
  'otp',
  'otpCode',
  'pin',
  'PIN',
  'ssn',
  'privateKey',
  'private_key',
  'sessionId',
  'session_id',
  'backup_codes',
  'recoveryCodes',
  'credential',
];
const secretKey = fc.constantFrom(...SECRET_KEYS);

describe('the body filter vocabulary', () => {
  it('knows every secret field name, in any case and spelling', () => {
    for (const key of SECRET_KEYS) expect(isSensitiveKey(key), key).toBe(true);
    for (const key of [
      'email',
      'Email',
      'username',
      'userId',
      'status',
      'reason',
      'passport',
      'country_code_label',
      'spinner',
    ]) {
      expect(isSensitiveKey(key), key).toBe(false);
    }
  });
});

describe('scrubFreeText (opt-in free text)', () => {
  it('drops the value after any secret key, in key=value, key: value and JSON forms', () => {
    fc.assert(
      fc.property(secretKey, secret, fc.constantFrom('=', ': ', '":"', ' is '), (key, value, separator) => {
        const text =
          separator === '":"' ? `body ${JSON.stringify({ [key]: value })}` : `failed: ${key}${separator}${value} (x)`;
        expect(scrubFreeText(text, 1000)).not.toContain(value);
      }),
    );
  });

  it('masks every email form: Unicode, no TLD, percent-encoded', () => {
    const local = fc.stringMatching(/^[a-zà-ÿ][a-z0-9à-ÿ._-]{2,15}$/);
    const domain = fc.stringMatching(/^[a-zà-ÿ][a-z0-9à-ÿ-]{1,12}(\.[a-z]{2,6})?$/);
    fc.assert(
      fc.property(local, domain, fc.boolean(), fc.string({ maxLength: 30 }), (user, host, encoded, around) => {
        const email = `${user}${encoded ? '%40' : '@'}${host}`;
        const out = scrubFreeText(`${around} ${email} ${around}`, 1000);
        expect(out).not.toContain(`${user}@`);
        expect(out).not.toContain(`${user}%40`);
      }),
    );
  });

  it('removes credentials in URLs, JWTs, digit codes and opaque tokens wherever they stand', () => {
    fc.assert(
      fc.property(secret, fc.constantFrom('postgres', 'https', 'redis', 'amqp'), (value, scheme) => {
        expect(scrubFreeText(`down: ${scheme}://admin:${value}@db.internal:5432/app`, 1000)).not.toContain(value);
      }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1000, max: 99_999_999 }), fc.string({ maxLength: 20 }), (code, around) => {
        expect(scrubFreeText(`${around} code ${code} ${around}`, 1000)).not.toMatch(
          new RegExp(`(^|\\D)${code}(\\D|$)`),
        );
      }),
    );
  });

  it('never emits a control character and respects its bound', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 2000 }), fc.integer({ min: 10, max: 500 }), (text, max) => {
        const out = scrubFreeText(text, max);
        // eslint-disable-next-line no-control-regex -- the property is about control characters
        expect(out).not.toMatch(/[\u0000-\u001f\u007f]/);
        expect(out.length).toBeLessThanOrEqual(max + 1);
      }),
    );
  });
});

describe('the field cleaners', () => {
  it('never throw and always return their field shape, whatever they are given', () => {
    fc.assert(
      fc.property(fc.anything(), fc.boolean(), (value, freeText) => {
        const context = freeText ? FREE : NONE;
        const requestId = cleanRequestId(value);
        if (requestId !== undefined) expect(requestId).toMatch(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/);
        const userId = cleanUserId(value, context);
        if (typeof userId === 'string') expect(userId.length).toBeLessThanOrEqual(128);
        const code = cleanCode(value, context);
        if (typeof code === 'string') expect(code).toMatch(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/);
        const reason = cleanReason(value, NONE);
        if (reason !== undefined) expect(isCodeShaped(reason)).toBe(true);
        cleanRoute(value);
      }),
    );
  });

  it('user ids: no JWT, no raw email, bounded; objects give their id and never their secrets', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z][a-z0-9.]{1,20}$/),
        fc.stringMatching(/^[a-z]{2,12}\.[a-z]{2,5}$/),
        (user, domain) => {
          const id = cleanUserId(`${user}@${domain}`, NONE);
          expect(String(id)).not.toContain(`${user}@`);
          // undefined (a domain that reads as a credential word, e.g. `pwd…`, drops the id) contains no email either
          expect(String(cleanUserId(`tenant:${user}@${domain}`, NONE))).not.toContain(`${user}@`);
        },
      ),
    );
    expect(cleanUserId({ id: 'u-1', passwordHash: '$2b$10$x', resetToken: 'r' }, NONE)).toBe('u-1');
    expect(cleanUserId({ passwordHash: '$2b$10$x' }, NONE)).toBeUndefined();
    expect(cleanUserId('eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig', NONE)).toBeUndefined();
    expect(cleanUserId('x'.repeat(1_000_000), NONE)).toBeUndefined();
    expect(cleanUserId(42, NONE)).toBe(42);
  });

  it('request ids: identifier characters only, no email, JWT or credential', () => {
    expect(cleanRequestId('req-1')).toBe('req-1');
    expect(cleanRequestId('4bf92f35-77b3-4da6-a3ce-929d0e0e4736')).toBe('4bf92f35-77b3-4da6-a3ce-929d0e0e4736');
    expect(cleanRequestId('alice@example.com')).toBeUndefined();
    expect(cleanRequestId('eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig')).toBeUndefined();
    expect(cleanRequestId('Bearer_abcdef123456')).toBeUndefined();
    expect(cleanRequestId('a/b+c=')).toBeUndefined();
  });

  it('reasons: kept when code-shaped, else dropped unless free text is on; the request own secrets never', () => {
    expect(cleanReason('wrong_password', NONE)).toBe('wrong_password');
    expect(cleanReason('ACCOUNT_LOCKED', NONE)).toBe('ACCOUNT_LOCKED');
    expect(cleanReason('Invalid OTP 123456', NONE)).toBeUndefined();
    expect(cleanReason('Invalid OTP 123456', FREE)).toBe('Invalid OTP [Redacted]');
    expect(cleanReason(42, NONE)).toBeUndefined(); // not a code: the line gets the status's name instead
    expect(cleanReason({ message: 'x' }, FREE)).toBeUndefined();
    fc.assert(
      fc.property(secretKey, secret, fc.boolean(), (key, value, freeText) => {
        const context: CleanContext = {
          secrets: secretsOfRequest([{ body: { email: 'a@b.c', [key]: value } }]),
          freeText,
        };
        for (const text of [value, `failed with ${value}`, `x${value}y`]) {
          expect(cleanReason(text, context) ?? '').not.toContain(value);
          expect(cleanFreeText(text, context, 300) ?? '').not.toContain(value);
        }
      }),
    );
  });

  it('routes: tokens, ids and emails in paths become :param; the query is dropped', () => {
    expect(cleanRoute('/reset/:token')).toBe('/reset/:token');
    expect(cleanRoute('/reset/abcdef0123456789?token=x')).toBe('/reset/:param');
    expect(cleanRoute('/users/alice@example.com/login')).toBe('/users/:param/login');
    expect(cleanRoute('/api/v1/auth/[...nextauth]')).toBe('/api/v1/auth/[...nextauth]');
  });
});
