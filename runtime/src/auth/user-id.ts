// Who logged in. In order: what the handler said explicitly (setAuthUser), the framework's user (`req.user`,
// `res.locals.user`, Koa `ctx.state.user`), the response body (`user.id`, `userId`, `id`), then the `sub` claim of a
// JWT in the response body (decoded without verifying: we only read the claim, never log the token).
import { looksLikeEmail, maskIdentifier } from './email.js';

export type UserId = string | number;

// What the handler said, as it said it: untrusted values of any type, cleaned when the line is written (clean.ts).
interface Explicit {
  userId?: unknown;
  reason?: unknown;
}

// Keyed by whatever object the handler holds (req, res, Fastify request/reply, Koa ctx, plain-function input):
// the adapter checks every object of its request. A WeakMap so nothing outlives the request.
const explicitByTarget = new WeakMap<object, Explicit>();
// Most apps never call setAuthUser / setAuthFailure: then the lookups at the end of each request are skipped.
let explicitEverSet = false;

function explicitFor(target: object): Explicit {
  explicitEverSet = true;
  let entry = explicitByTarget.get(target);
  if (!entry) {
    entry = {};
    explicitByTarget.set(target, entry);
  }
  return entry;
}

/** Sets the user id explicitly from inside a handler (req, res, Fastify request or reply, Koa ctx, Next `Request`,
 *  or the plain function's input object). Wins over every other source. The value is cleaned like every logged id:
 *  an email is masked, a JWT or a credential dropped, a user object reduced to its `id`. */
export function setAuthUser(target: object, userId: string | number | object): void {
  if (target === null || typeof target !== 'object') return;
  explicitFor(target).userId = userId;
}

/** Marks the request as a failure with a reason (e.g. 'unknown_user', 'wrong_password', 'locked'), whatever the
 *  status code. The reason is logged; the client never sees it. */
export function setAuthFailure(target: object, reason: string): void {
  // `reason` is typed as a string, but JavaScript callers pass anything: it is stored as given and cleaned (or
  // replaced by the status's name) when the line is written, so a number or an object never costs the line.
  if (target === null || typeof target !== 'object') return;
  explicitFor(target).reason = reason;
}

export function explicitOf(targets: readonly unknown[]): Explicit | undefined {
  if (!explicitEverSet) return undefined;
  let found: Explicit | undefined;
  for (const target of targets) {
    if (target === null || typeof target !== 'object') continue;
    const entry = explicitByTarget.get(target);
    if (!entry) continue;
    found = found ? { userId: found.userId ?? entry.userId, reason: found.reason ?? entry.reason } : entry;
  }
  return found;
}

const MAX_ID = 128;
const JWT_SHAPE = /^eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
// eslint-disable-next-line no-control-regex -- control characters would forge lines in text sinks
const HAS_CONTROL = /[\u0000-\u001f\u007f]/;
// eslint-disable-next-line no-control-regex -- control characters would forge lines in text sinks
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/g;

/** A user id fit for the log: a finite number or a short printable string; emails are masked, tokens dropped. */
export function sanitizeUserId(value: unknown): UserId | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value !== 'string') {
    // ObjectId and friends stringify to their hex id.
    if (
      value !== null &&
      typeof value === 'object' &&
      typeof (value as { toHexString?: unknown }).toHexString === 'function'
    ) {
      return sanitizeUserId((value as { toHexString(): string }).toHexString());
    }
    return undefined;
  }
  const trimmed = value.trim();
  // Test before replacing: ids almost never hold control characters, and a replace always builds a new string.
  const text = HAS_CONTROL.test(trimmed) ? trimmed.replace(CONTROL_CHARS, '') : trimmed;
  if (text === '' || text.length > MAX_ID || JWT_SHAPE.test(text)) return undefined;
  // No `@`, no email: skips the email regex for the usual opaque or numeric id.
  return text.includes('@') && looksLikeEmail(text) ? maskIdentifier(text) : text;
}

/** `req.user`-style objects: the id itself, or its `id` / `_id` / `userId` / `sub`. */
export function userIdFromUser(user: unknown): UserId | undefined {
  if (user === null || user === undefined || user === false) return undefined;
  if (typeof user !== 'object') return sanitizeUserId(user);
  const record = user as Record<string, unknown>;
  for (const key of ['id', '_id', 'userId', 'user_id', 'sub']) {
    const id = sanitizeUserId(record[key]);
    if (id !== undefined) return id;
  }
  return undefined;
}

/** The `sub` claim of a compact JWT, decoded without verification. Undefined for anything else. */
export function jwtSubject(token: string): UserId | undefined {
  if (token.length > 8192 || !JWT_SHAPE.test(token)) return undefined;
  const payload = token.split('.')[1];
  if (payload === undefined) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    if (claims === null || typeof claims !== 'object') return undefined;
    return sanitizeUserId((claims as Record<string, unknown>).sub);
  } catch {
    return undefined;
  }
}

function jwtSubjectIn(body: Record<string, unknown>, depth: number): UserId | undefined {
  for (const value of Object.values(body)) {
    if (typeof value === 'string') {
      const sub = jwtSubject(value);
      if (sub !== undefined) return sub;
    } else if (depth < 1 && value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const sub = jwtSubjectIn(value as Record<string, unknown>, depth + 1);
      if (sub !== undefined) return sub;
    }
  }
  return undefined;
}

/** The user id in a response body: `user.id`, `userId`, `id`, then a JWT's `sub`. JSON strings are parsed (up to 64 KiB). */
export function userIdFromBody(body: unknown): UserId | undefined {
  let value = body;
  if (typeof value === 'string') {
    const text = value.trim();
    if (text.length > 65_536) return undefined;
    if (JWT_SHAPE.test(text)) return jwtSubject(text);
    if (!text.startsWith('{')) return undefined;
    try {
      value = JSON.parse(text);
    } catch {
      return undefined;
    }
  } else if (value instanceof Uint8Array) {
    if (value.byteLength > 65_536) return undefined;
    return userIdFromBody(Buffer.from(value).toString('utf8'));
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const record = value as Record<string, unknown>;
  const fromUser = record.user !== null && typeof record.user === 'object' ? userIdFromUser(record.user) : undefined;
  return (
    fromUser ??
    sanitizeUserId(record.userId) ??
    sanitizeUserId(record.user_id) ??
    sanitizeUserId(record.id) ??
    (record.data !== null && typeof record.data === 'object' ? userIdFromBody(record.data) : undefined) ??
    jwtSubjectIn(record, 0)
  );
}
