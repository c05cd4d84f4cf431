// The identifier the user typed (email or username): found in the request body, written masked by default.
// Masked keeps enough to recognise a user in an incident (`a***@example.com`) without the log holding an address
// book; hash mode gives a stable keyed pseudonym to join lines on; raw is an explicit opt-in.
import { createHmac } from 'node:crypto';
import type { EmailMode, ResolvedAuthOptions } from './types.js';

// Body fields that hold the typed identifier, in order of preference, matched case-insensitively (`Email`, `EMAIL`,
// `UserName`) with `_` and `-` ignored.
const IDENTIFIER_FIELDS = ['email', 'username', 'login', 'identifier', 'emailaddress', 'mail', 'user'];
const IDENTIFIER_RANK = new Map(IDENTIFIER_FIELDS.map((field, rank) => [field, rank]));

function identifierFieldRank(key: string): number | undefined {
  return IDENTIFIER_RANK.get(key.toLowerCase().replace(/[_-]/g, ''));
}

const LETTER_OR_DIGIT = /^[\p{L}\p{N}]$/u;
const EMAIL_SHAPE = /^[^\s@]{1,200}@[^\s@]{1,200}$/;
const MAX_IDENTIFIER = 320;

export function looksLikeEmail(value: string): boolean {
  return EMAIL_SHAPE.test(value);
}

function isAsciiLetterOrDigit(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

/** The first character when it is a letter or digit, else `*`. ASCII is decided by its code (this runs on every
 *  logged request); anything else goes through the Unicode property regex. */
function safeFirstCharacter(text: string): string {
  const code = text.charCodeAt(0);
  if (code < 128) return isAsciiLetterOrDigit(code) ? text[0]! : '*';
  const codePoint = text.codePointAt(0);
  const first = codePoint === undefined ? '' : String.fromCodePoint(codePoint);
  return LETTER_OR_DIGIT.test(first) ? first : '*';
}

/** `alice@example.com` → `a***@example.com`; `alice` → `a***`. Never reveals more than the first character of the
 *  local part; keeps the domain (it tells an on-call which tenant or provider). */
export function maskIdentifier(value: string): string {
  const trimmed = value.trim();
  if (trimmed === '') return '';
  const safeFirst = safeFirstCharacter(trimmed);
  // Anything not shaped like an address (spaces, control characters, several lines) keeps only its first letter.
  const at = trimmed.lastIndexOf('@');
  if (at <= 0 || !looksLikeEmail(trimmed)) return `${safeFirst}***`;
  const domain = trimmed.slice(at + 1).toLowerCase();
  return /^[a-z0-9.-]{1,253}$/.test(domain) ? `${safeFirst}***@${domain}` : `${safeFirst}***`;
}

/** Keyed HMAC-SHA256 of the normalised identifier (trimmed, lower-cased), hex. Same user → same value, and without
 *  the key nobody can test guesses against the log. */
export function hashIdentifier(value: string, key: string | Uint8Array): string {
  return createHmac('sha256', key).update(value.trim().toLowerCase()).digest('hex');
}

export function formatIdentifier(
  value: string,
  mode: EmailMode,
  key: string | Uint8Array | undefined,
): string | undefined {
  const trimmed = value.trim().slice(0, MAX_IDENTIFIER);
  if (trimmed === '') return undefined;
  if (mode === 'hash') return key === undefined ? undefined : hashIdentifier(trimmed, key);
  // eslint-disable-next-line no-control-regex -- control characters would forge lines in text sinks
  if (mode === 'raw') return trimmed.replace(/[\u0000-\u001f\u007f]/g, '');
  return maskIdentifier(trimmed);
}

/** The typed identifier in a request body or plain-function input: `{ email }`, `{ username }`, ..., one level of
 *  `body` / `user` nesting, or a bare string argument that looks like an email. */
export function findIdentifier(input: unknown, depth = 0): string | undefined {
  if (typeof input === 'string') return depth === 0 && looksLikeEmail(input.trim()) ? input : undefined;
  if (input === null || typeof input !== 'object' || depth > 1) return undefined;
  const record = input as Record<string, unknown>;
  let best: string | undefined;
  let bestRank = Number.POSITIVE_INFINITY;
  let seen = 0;
  for (const key in record) {
    if (++seen > 64) break; // a body with thousands of keys is not a login form
    const rank = identifierFieldRank(key);
    if (rank === undefined || rank >= bestRank) continue;
    const value = record[key];
    if (typeof value === 'string' && value.trim() !== '') {
      best = value;
      bestRank = rank;
    }
  }
  if (best !== undefined) return best;
  if (depth === 0) {
    for (const nested of ['body', 'user', 'credentials', 'data']) {
      const found = findIdentifier(record[nested], depth + 1);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/** Reads and formats the identifier from `input` with the options' reader, mode and key. Never throws. */
export function identifierFrom(input: unknown, options: ResolvedAuthOptions): string | undefined {
  let raw: unknown;
  try {
    raw = options.getIdentifier ? options.getIdentifier(input) : findIdentifier(input);
  } catch {
    return undefined;
  }
  if (typeof raw !== 'string') return undefined;
  return formatIdentifier(raw, options.email, options.emailHashKey);
}
