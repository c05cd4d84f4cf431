// One cleaner per field type: every value the auth line carries goes through exactly one of these before it is
// written. Each returns `undefined` to drop a value it cannot vouch for, never throws (whatever it is handed: a
// number, an object, a getter that throws), and caps the size. The record (record.ts) picks the cleaner by field.
import { looksLikeEmail, maskIdentifier } from './email.js';
import { containsKnownSecret, scrubFreeText } from './redact.js';

/** What the cleaners know about the request being logged. */
export interface CleanContext {
  /** Secret values the request carried (password, codes, credential headers): no written value may hold one. */
  readonly secrets: ReadonlySet<string>;
  /** The application opted in to free text (reasons that are not codes, error messages and stacks). */
  readonly freeText: boolean;
}

export const MAX_ID = 128;
export const MAX_REQUEST_ID = 64;
export const MAX_CODE = 64;
export const MAX_REASON = 160;
export const MAX_MESSAGE = 300;
export const MAX_STACK = 2000;
export const MAX_ROUTE = 200;

const JWT_ANYWHERE = /eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}/;
// A value that names a credential scheme or a secret is one (`Bearer_<token>`, `Basic:<b64>`, `apikey-...`); words like
// `token` or `session` alone are not (`token-1` is a fine request id).
const CREDENTIAL_WORD = /bearer|basic[\s_:=-]|secret|passw|pwd|api.?key|private.?key/i;
// A request id names no credential scheme or key (`Bearer_<token>`, `apikey-…`); a word like `password` in a test's
// request id (`wrong-password`) is a label, and a password value in it is caught by the request's known secrets.
const CREDENTIAL_SCHEME = /bearer|basic[\s_:=-]|api.?key|private.?key/i;
// eslint-disable-next-line no-control-regex -- control characters would forge lines in text sinks
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const EMAIL_IN_TEXT = /[^\s@<>()[\]"'`,;:\\/]{1,64}@[^\s@<>()[\]"'`,;:\\/?#]{1,255}/gu;

function safely<T>(clean: () => T | undefined): T | undefined {
  try {
    return clean();
  } catch {
    return undefined;
  }
}

/**
 * A user id: a finite number, or a printable string up to 128 characters that is no JWT and no credential; an email
 * in it (whole or inside, in any form) is masked. Objects give their `id` / `_id` / `userId` / `user_id` / `sub`
 * (never the object: a user record holds password hashes and reset tokens); ObjectIds their hex.
 */
export function cleanUserId(value: unknown, context: CleanContext, depth = 0): string | number | undefined {
  return safely(() => {
    if (typeof value === 'number')
      return Number.isFinite(value) && Math.abs(value) < Number.MAX_SAFE_INTEGER ? value : undefined;
    if (typeof value === 'bigint') return cleanUserId(value.toString(), context, depth + 1);
    if (value !== null && typeof value === 'object' && depth < 2) {
      const toHex = (value as { toHexString?: unknown }).toHexString;
      if (typeof toHex === 'function') return cleanUserId((toHex as () => unknown).call(value), context, depth + 1);
      for (const key of Object.keys(value)) {
        if (!/^(?:id|_id|userid|user_id|sub)$/i.test(key)) continue;
        const id = cleanUserId((value as Record<string, unknown>)[key], context, depth + 1);
        if (id !== undefined) return id;
      }
      return undefined;
    }
    if (typeof value !== 'string') return undefined;
    const text = value.normalize('NFKC').trim();
    if (text === '' || text.length > MAX_ID || CONTROL.test(text) || JWT_ANYWHERE.test(text)) return undefined;
    if (CREDENTIAL_WORD.test(text) || containsKnownSecret(text, context.secrets)) return undefined;
    const decoded = text.replace(/%40/gi, '@');
    if (!decoded.includes('@')) return text;
    return looksLikeEmail(decoded)
      ? maskIdentifier(decoded)
      : decoded.replace(EMAIL_IN_TEXT, (email) => maskIdentifier(email));
  });
}

const REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

/** A request or trace id: identifier characters only (no `@`, `/`, `+`, `=`, spaces), at most 64, no credential
 *  words, no JWT. `x-request-id: alice@example.com` or `Bearer_<token>` is dropped, not logged. */
export function cleanRequestId(value: unknown, context?: CleanContext): string | undefined {
  return safely(() => {
    const text = typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : value;
    if (typeof text !== 'string' || !REQUEST_ID.test(text)) return undefined;
    if (CREDENTIAL_SCHEME.test(text) || JWT_ANYWHERE.test(text)) return undefined;
    if (context !== undefined && containsKnownSecret(text, context.secrets)) return undefined;
    return text;
  });
}

// A code or a type: an identifier (`ECONNREFUSED`, `P2002`, `23505`, `TokenExpiredError`, `invalid_grant`), with no
// run of six digits or more (one-time codes) and no secret word as a value.
const CODE = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;
const LONG_DIGITS = /\d{6,}/;

/** An error code or type, identifier-shaped, else dropped. Numbers below 100,000 (HTTP and errno codes) are kept. */
export function cleanCode(value: unknown, context: CleanContext): string | number | undefined {
  return safely(() => {
    if (typeof value === 'number') return Number.isInteger(value) && Math.abs(value) < 100_000 ? value : undefined;
    if (typeof value !== 'string') return undefined;
    if (!CODE.test(value) || LONG_DIGITS.test(value) || JWT_ANYWHERE.test(value)) return undefined;
    if (containsKnownSecret(value, context.secrets)) return undefined;
    return value;
  });
}

// A reason a program wrote (`wrong_password`, `ACCOUNT_LOCKED`, `invalid-grant`, `mfa.required`): words of letters
// (a few digits allowed, `E401`, `v2`) joined by `_ . - :`, at most 64 characters.
const CODE_SHAPED_REASON = /^[A-Za-z][A-Za-z0-9]*(?:[_.:-][A-Za-z0-9]+)*$/;
// Digits inside a word (`H0rse`, `p4ss`) read as a password, not a code (`E401`, `oauth2_failed` keep theirs at an end).
const DIGIT_INSIDE_WORD = /[A-Za-z]\d+[A-Za-z]/;

/** True when `text` reads as a code, not as prose or a value. */
export function isCodeShaped(text: string): boolean {
  return (
    text.length <= MAX_CODE &&
    CODE_SHAPED_REASON.test(text) &&
    !/\d{4,}/.test(text) &&
    !DIGIT_INSIDE_WORD.test(text) &&
    !isSensitiveValueWord(text)
  );
}

// `token_abc123def` or `sk_live_...` are code-shaped but are values: a code has at most a few digits in total.
function isSensitiveValueWord(text: string): boolean {
  const digits = text.replace(/\D/g, '').length;
  return digits > 3 || /^(?:sk|pk|rk|ghp|gho|xox[abp]|AKIA)[_-]/i.test(text);
}

/**
 * A failure reason (setAuthFailure, a 4xx body's `error`/`message`, an HttpException): kept when it is code-shaped;
 * otherwise, only with `freeText`, scrubbed; otherwise dropped (the caller falls back to the status's name).
 * Numbers are read as their digits; anything else is dropped.
 */
export function cleanReason(value: unknown, context: CleanContext): string | undefined {
  return safely(() => {
    const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
    if (typeof text !== 'string') return undefined;
    const trimmed = text.trim();
    if (trimmed === '') return undefined;
    if (isCodeShaped(trimmed) && !containsKnownSecret(trimmed, context.secrets)) return trimmed;
    return context.freeText ? cleanFreeText(trimmed, context, MAX_REASON) : undefined;
  });
}

/** Free text (opt-in): the whole text scrubbed, the request's own secrets replaced, capped. */
export function cleanFreeText(value: unknown, context: CleanContext, max: number): string | undefined {
  return safely(() => {
    if (typeof value !== 'string') return undefined;
    let text = value;
    for (const secret of context.secrets) {
      if (text.toLowerCase().includes(secret.toLowerCase())) text = text.split(secret).join('[Redacted]');
    }
    // A case-variant of a secret survives `split`: drop the text rather than risk it.
    if (containsKnownSecret(text, context.secrets)) return undefined;
    const scrubbed = scrubFreeText(text, max).trim();
    return scrubbed === '' ? undefined : scrubbed;
  });
}

/** An HTTP method: upper-case letters, at most 16. */
export function cleanMethod(value: unknown): string | undefined {
  return typeof value === 'string' && /^[A-Za-z]{1,16}$/.test(value) ? value.toUpperCase() : undefined;
}

// A route segment kept as it is: a word (letters, `_`, `-`, `.`, no digits), or a pattern (`:id`, `[slug]`, `*`).
const PLAIN_SEGMENT =
  /^(?:[A-Za-z][A-Za-z_.-]{0,39}|:[A-Za-z_][A-Za-z0-9_]{0,39}\??|\[{1,2}(?:\.\.\.)?[A-Za-z_][A-Za-z0-9_]*\]{1,2}|\*{1,2}|v\d{1,2}|api)$/;

/** A route (pattern or path): every segment that is not a plain word or a pattern becomes `:param` (a magic-link
 *  token, an email, an id in the path); the query string is dropped; at most 200 characters. */
export function cleanRoute(value: unknown): string | undefined {
  return safely(() => {
    if (typeof value !== 'string' || value === '') return undefined;
    const path = value.split(/[?#]/, 1)[0]!;
    const cleaned = path
      .split('/')
      .map((segment) => (segment === '' || PLAIN_SEGMENT.test(segment) ? segment : ':param'))
      .join('/');
    return cleaned.length > MAX_ROUTE ? cleaned.slice(0, MAX_ROUTE) : cleaned;
  });
}
