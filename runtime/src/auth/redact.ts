// What may never reach the log. The outcome record is built from an allow-list of our own keys (record.ts) and every
// value in it goes through a cleaner by field type (clean.ts); free text (a reason that is not a code, an error
// message or stack) is written only when the application opts in (`freeText: true`), and then through
// `scrubFreeText` below, which sees the whole text at once.
//
// This module holds the two things both need: the vocabulary of secret field names (the body filter), and the
// scrubber.
import { maskIdentifier } from './email.js';

export const REDACTED = '[Redacted]';

// Secret field names after `normalizeKey` (lower case, look-alike digits and symbols mapped to letters, separators
// removed): passwords in several languages and spellings, tokens of every kind, one-time and backup codes, PINs,
// national ids, private keys, session ids, API keys, credentials, auth headers.
const SECRET_KEY_WORDS = [
  'password',
  'passwd',
  'passw',
  'passphrase',
  'passcode',
  'pwd',
  'pswd',
  'pword',
  'secret',
  'token',
  'jwt',
  'otp',
  'totp',
  'hotp',
  'onetime',
  'mfacode',
  'twofactor',
  'verificationcode',
  'authcode',
  'backupcode',
  'recoverycode',
  'pin',
  'ssn',
  'socialsecurity',
  'privatekey',
  'sessionid',
  'sessid',
  'sid',
  'apikey',
  'accesskey',
  'credential',
  'authorization',
  'cookie',
  'signature',
  'nonce',
  'cvv',
  'cvc',
  'cardnumber',
  'iban',
  // passwords in other languages (accents removed by normalizeKey)
  'passwort',
  'kennwort',
  'contrasena',
  'contrasenya',
  'motdepasse',
  'senha',
  'parola',
  'wachtwoord',
  'losenord',
  'haslo',
  'salasana',
  'jelszo',
  'sifre',
  'heslo',
  'lozinka',
  'geslo',
  'adgangskode',
  'passord',
  'parool',
  'пароль',
  '密码',
  '密碼',
  'パスワード',
  '비밀번호',
  'كلمةالمرور',
  'סיסמה',
  'κωδικος',
];
// Whole-key matches only (a word this short inside a longer name means something else: `spin`, `opinion`).
const SECRET_KEY_EXACT = new Set(['code', 'pin', 'sid', 'key', 'otc', 'mfa', '2fa']);
const SECRET_KEY = new RegExp(SECRET_KEY_WORDS.filter((word) => !SECRET_KEY_EXACT.has(word)).join('|'), 'u');

const LOOK_ALIKES: Record<string, string> = {
  '0': 'o',
  '1': 'i',
  '3': 'e',
  '4': 'a',
  '5': 's',
  '7': 't',
  '@': 'a',
  $: 's',
  '!': 'i',
};

/** `Pa55_W0rd`, `PASSWORT`, `contraseña` → `password`, `passwort`, `contrasena`: the form SECRET_KEY matches. */
export function normalizeKey(key: string): string {
  return key
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '') // accents
    .toLowerCase()
    .replace(/[013457@$!]/g, (char) => LOOK_ALIKES[char] ?? char)
    .replace(/[^\p{L}\p{N}]+/gu, '');
}

/** True for a field name that holds a secret, in any case, spelling or separator style. */
export function isSensitiveKey(key: string): boolean {
  const normalized = normalizeKey(key);
  if (normalized === '') return false;
  return (
    SECRET_KEY_EXACT.has(normalized) ||
    SECRET_KEY.test(normalized) ||
    (/codes?$/.test(normalized) && /backup|recovery|otp|mfa|auth|verif/.test(normalized))
  );
}

// ---- the scrubber (opt-in free text only) ----

// eslint-disable-next-line no-control-regex -- control characters would forge lines in text sinks
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028\u2029\u2060\ufeff]+/g;
// Any userinfo in a URL: `postgres://admin:pw@db`, `https://bob:pw@host`, `https://ghp_token@github.com`.
const URL_USERINFO = /\b([a-z][a-z0-9+.-]{1,20}:\/\/)[^\s@]+@/giu;
const JWT = /\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}(?:\.[A-Za-z0-9_-]*)?/g;
// A credential after an auth scheme: 8+ characters with at least one non-letter (so "token expired" stays readable).
const AUTH_SCHEME = /\b(Bearer|Basic|Token|Digest|Negotiate)\b[\s:=_]+(?=[A-Za-z]*[^A-Za-z\s])[^\s,;]{8,}/giu;
// Every email form: Unicode local parts and domains, no TLD (`root@localhost`), quoted-local parts are rare enough
// to fall under the opaque rule. Percent-encoded `@` is decoded before this runs.
const EMAIL = /[^\s@<>()[\]"'`,;:\\/]{1,64}@[^\s@<>()[\]"'`,;:\\/?#]{1,255}/gu;
// Digit codes (OTPs, PINs, card and national numbers): four digits or more, or groups of digits.
const DIGIT_CODE = /(?<![:\d.])(?:\d{3,}(?:[ -]?\d{2,})+|\d{4,})(?![.\d])/g;
// Opaque strings (reset and API tokens, base64 with + / =, hex, magic-link path segments): 16+ characters with
// letters and digits mixed, or 32+ of any token alphabet.
const OPAQUE = /[A-Za-z0-9_+/=.~-]{16,}/g;
// Words after which the next word is not a value: "token expired", "password is incorrect".
const NOT_A_VALUE = new Set([
  'expired',
  'invalid',
  'missing',
  'required',
  'revoked',
  'incorrect',
  'wrong',
  'mismatch',
  'not',
  'does',
  'did',
  'failed',
  'reset',
  'expected',
  'too',
  'must',
  'cannot',
  'empty',
  'provided',
  'format',
  'length',
  'needed',
  'and',
  'or',
  'for',
  'has',
  'have',
  'had',
  'the',
  'a',
  'an',
  'in',
  'on',
  'to',
  'was',
  'were',
  'be',
  'been',
  'no',
  'check',
  'verification',
  'validation',
  'change',
  'changed',
  'update',
  'updated',
  'rotation',
  'refresh',
  'login',
  'auth',
  'authentication',
  'error',
  'errors',
  'policy',
  'hash',
  'strength',
  'weak',
  'short',
  'long',
  'unknown',
  'used',
  'reuse',
  'locked',
]);
// A secret word, then (optionally) `is` / `was` / `:` / `=` / `of`, then a value: quoted (any length) or one token.
// The word list is the key vocabulary, as words in text (look-alike spellings included through the class).
const SECRET_WORD =
  /(p[a@4][s$5]{1,2}(?:w[o0]rd|wd|phrase|code)?|pwd|secret|token|jwt|otp|one[- ]?time(?: code)?|code|pin|ssn|api[ _-]?key|private[ _-]?key|session[ _-]?id|credentials?|cookie|passwort|kennwort|contrase(?:ñ|n)a|mot de passe|senha|parola|пароль)/iu;
// The rest of an identifier after the word belongs to the key (`passwordHash`, `otp_code`, `mot_de_passe`).
const SECRET_THEN_VALUE = new RegExp(
  `(${SECRET_WORD.source}[\\p{L}\\p{N}_-]*)(["'\`]?\\s*(?:[:=]|\\bis\\b|\\bwas\\b|\\bof\\b)?\\s*)("[^"]*"|'[^']*'|“[^”]*”|\`[^\`]*\`|[^\\s,;)}\\]]+)`,
  'giu',
);

function redactSecretValues(text: string): string {
  return text.replace(SECRET_THEN_VALUE, (whole, word: string, _secretWord: string, between: string, value: string) => {
    const bare = value.replace(/^["'`“]|["'`”]$/g, '');
    if (bare.startsWith('[Redacted') || bare === '') return whole;
    const quoted = value !== bare;
    if (!quoted && NOT_A_VALUE.has(bare.toLowerCase().replace(/[.!?]+$/, ''))) return whole;
    return `${word}${between}${REDACTED}`;
  });
}

function hasLettersAndDigits(text: string): boolean {
  return /\d/.test(text) && /[A-Za-z]/.test(text);
}

/**
 * Free text made safe, as a whole (never line by line: a secret split over lines is still one secret): Unicode
 * normalised (NFKC: full-width and compatibility forms read as ASCII), percent-encoded `@` decoded, then every
 * credential shape replaced: URL userinfo, JWTs, auth-scheme credentials, secret-word-then-value (every key name the
 * body filter knows), emails in any form (masked), digit codes, opaque tokens; control characters become spaces so
 * no line can be forged in a text sink. At most `max` characters.
 */
export function scrubFreeText(text: string, max = 200): string {
  const clipped = text.length > max * 8 ? text.slice(0, max * 8) : text;
  const normalized = clipped.normalize('NFKC').replace(/%40/gi, '@').replace(CONTROL, ' ');
  const scrubbed = redactSecretValues(
    normalized
      .replace(URL_USERINFO, `$1${REDACTED}@`)
      .replace(JWT, REDACTED)
      .replace(AUTH_SCHEME, (_, scheme: string) => `${scheme} ${REDACTED}`),
  )
    .replace(EMAIL, (email) => maskIdentifier(email))
    .replace(OPAQUE, (run) => (!hasLettersAndDigits(run) && run.length < 32 ? run : REDACTED))
    .replace(DIGIT_CODE, REDACTED);
  return scrubbed.length > max ? `${scrubbed.slice(0, max)}…` : scrubbed;
}

// ---- secrets the request itself carried ----

const MIN_KNOWN_SECRET = 4;

function collectSecretValues(value: unknown, into: Set<string>, depth: number, underSecretKey: boolean): void {
  if (typeof value === 'string') {
    if (underSecretKey && value.length >= MIN_KNOWN_SECRET)
      into.add(value.length > 4096 ? value.slice(0, 4096) : value);
    return;
  }
  if (typeof value === 'number' && underSecretKey && Number.isFinite(value)) {
    const text = String(value);
    if (text.length >= MIN_KNOWN_SECRET) into.add(text);
    return;
  }
  if (value === null || typeof value !== 'object' || depth > 3 || into.size > 64) return;
  if (Array.isArray(value)) {
    for (const item of value.slice(0, 32)) collectSecretValues(item, into, depth + 1, underSecretKey);
    return;
  }
  let seen = 0;
  for (const key in value as Record<string, unknown>) {
    if (!Object.prototype.hasOwnProperty.call(value, key)) continue;
    if (++seen > 64) break;
    collectSecretValues(
      (value as Record<string, unknown>)[key],
      into,
      depth + 1,
      underSecretKey || isSensitiveKey(key),
    );
  }
}

function headerSecrets(headers: unknown, into: Set<string>): void {
  if (headers === null || typeof headers !== 'object') return;
  const read = (name: string): unknown =>
    typeof (headers as { get?: unknown }).get === 'function'
      ? (headers as { get(name: string): string | null }).get(name)
      : (headers as Record<string, unknown>)[name];
  for (const name of ['authorization', 'cookie', 'x-api-key', 'proxy-authorization']) {
    const value = read(name);
    if (typeof value !== 'string' || value.length < MIN_KNOWN_SECRET) continue;
    // The credential itself, without its scheme (`Bearer abc` → `abc`), and each cookie value.
    for (const part of value.split(/[;,]\s*|\s+/)) {
      const credential = part.includes('=') ? part.slice(part.indexOf('=') + 1) : part;
      if (credential.length >= 8) into.add(credential);
    }
  }
}

/**
 * The secret values the request carried (request body fields with secret names, credential headers), read from the
 * objects the adapter holds (Express/Node req, Fastify request, Koa ctx, a plain function's input). No value the log
 * writes may contain one of them, whatever path it took into an error message or a reason.
 */
export function secretsOfRequest(targets: readonly unknown[]): ReadonlySet<string> {
  const secrets = new Set<string>();
  for (const target of targets) {
    if (target === null || typeof target !== 'object') continue;
    const candidate = target as {
      body?: unknown;
      headers?: unknown;
      request?: { body?: unknown; headers?: unknown };
      raw?: { headers?: unknown };
      req?: { headers?: unknown };
    };
    collectSecretValues(candidate.body, secrets, 0, false);
    collectSecretValues(candidate.request?.body, secrets, 0, false);
    headerSecrets(candidate.headers, secrets);
    headerSecrets(candidate.request?.headers, secrets);
    headerSecrets(candidate.raw?.headers, secrets);
    headerSecrets(candidate.req?.headers, secrets);
    if (isPlainObject(candidate) && !('headers' in candidate) && !('body' in candidate) && !('request' in candidate)) {
      // A plain function's input object: its own fields are the body. Only a plain object: a framework's response
      // (Express `res`, a Fastify reply) is no input, and walking its sockets and timers cost ~1 ms a request.
      collectSecretValues(candidate, secrets, 0, false);
    }
  }
  return secrets;
}

function isPlainObject(value: object): boolean {
  const prototype = Object.getPrototypeOf(value) as object | null;
  return prototype === null || prototype === Object.prototype;
}

/** True when `text` contains one of the request's secrets (case-insensitively). */
export function containsKnownSecret(text: string, secrets: ReadonlySet<string>): boolean {
  if (secrets.size === 0) return false;
  const lower = text.toLowerCase();
  for (const secret of secrets) if (lower.includes(secret.toLowerCase())) return true;
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
