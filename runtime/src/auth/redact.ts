// What may never reach the log, and the scrubbing of the few free-text values that do (reasons, error messages).
// The outcome record itself is built from an allow-list (record.ts): no request body, header or response body is
// ever copied wholesale, and untrusted values sit under fixed keys of ours, so they cannot overwrite level/msg/time.
// Free text is still scrubbed because handlers put surprising things in error messages.
import { maskIdentifier } from './email.js';

/** Field names that say "secret": passwords in any spelling, tokens of every kind, one-time codes, auth headers. */
const SENSITIVE_KEY =
  /pass(?:word|wd|phrase|code)?$|passw|pwd|secret|token|jwt|otp|one.?time|^code$|mfa.?code|verification.?code|pin$|authorization|cookie|session.?id|api.?key|credential|private.?key/i;

export function isSensitiveKey(key: string): boolean {
  return SENSITIVE_KEY.test(key);
}

const JWT = /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g;
// A credential after an auth scheme: 8+ characters with at least one non-letter (so "basic authentication" or
// "token expired" stay readable).
const AUTH_SCHEME = /\b(Bearer|Basic|Token)\s+(?=[A-Za-z]*[^A-Za-z\s])[A-Za-z0-9._~+/=-]{8,}/gi;
// `password=hunter2`, `token: abc`, `"otp":"123456"`: keep the name, drop the value.
const KEY_VALUE_SECRET =
  /((?:pass(?:word|wd|phrase)?|pwd|secret|token|otp|code|api[_-]?key|authorization|cookie)["']?\s*[:=]\s*)("[^"]*"|'[^']*'|[^\s,;&}]+)/gi;
const EMAIL_IN_TEXT = /[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,255}\.[A-Za-z]{2,}/g;
// Long opaque strings (reset tokens, API keys, session ids) in free text.
const OPAQUE = /\b[A-Za-z0-9_-]{32,}\b/g;
// eslint-disable-next-line no-control-regex -- removing control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]+/g;

export const REDACTED = '[Redacted]';

/** Free text (a reason, an error message or stack) made safe: no tokens, credentials, raw emails or control
 *  characters (no forged log lines in text sinks), at most `max` characters. */
export function scrubText(text: string, max = 200): string {
  const clipped = text.length > max * 4 ? text.slice(0, max * 4) : text;
  const scrubbed = clipped
    .replace(JWT, REDACTED)
    .replace(AUTH_SCHEME, `$1 ${REDACTED}`)
    .replace(KEY_VALUE_SECRET, `$1${REDACTED}`)
    .replace(EMAIL_IN_TEXT, (email) => maskIdentifier(email))
    .replace(OPAQUE, REDACTED)
    .replace(CONTROL, ' ');
  return scrubbed.length > max ? `${scrubbed.slice(0, max)}…` : scrubbed;
}

/** A stack trace scrubbed the same way, line breaks kept. */
export function scrubStack(stack: string, max = 2000): string {
  return stack
    .split('\n')
    .slice(0, 20)
    .map((line) => scrubText(line, 300))
    .join('\n')
    .slice(0, max);
}

/** True when a logger's bindings (e.g. pino-http's default `req` binding with all headers) would print a secret:
 *  a sensitive key whose value is not already censored. Such a logger is not used for the outcome line. */
export function hasUnredactedSecret(value: unknown, depth = 0): boolean {
  if (value === null || typeof value !== 'object' || depth > 4) return false;
  for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
    if (isSensitiveKey(key) && inner !== undefined && inner !== null && inner !== REDACTED && inner !== '') return true;
    if (hasUnredactedSecret(inner, depth + 1)) return true;
  }
  return false;
}

/** pino `redact` paths for the default logger: belt and braces around the allow-listed record, in case an
 *  application passes the same logger to its own code. */
export const DEFAULT_REDACT_PATHS = [
  'password',
  '*.password',
  'passwd',
  '*.passwd',
  'token',
  '*.token',
  'accessToken',
  '*.accessToken',
  'refreshToken',
  '*.refreshToken',
  'resetToken',
  '*.resetToken',
  'otp',
  '*.otp',
  'code',
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'headers["set-cookie"]',
  'body',
  'req.body',
];
