// One auth call from entry to its single outcome line. Adapters create it at handler entry, feed it what they see
// (status, error, body, abort) and call finishAuthCall when the response is done; a second call is ignored, so
// "exactly one line" holds even when `finish`, `close` and an error path all fire.
//
// The record is built from an allow-list of our own keys. Nothing from the request or response is copied
// wholesale: untrusted values (user id, reason, request id, email) are checked or scrubbed and sit under fixed keys,
// so they cannot overwrite pino's `level`, `msg` or `time`.
import {
  cleanCode,
  cleanFreeText,
  cleanMethod,
  cleanReason,
  cleanRequestId,
  cleanRoute,
  cleanUserId,
  MAX_MESSAGE,
  MAX_STACK,
  type CleanContext,
} from './clean.js';
import { globalAuthLogger } from './config.js';
import type { Correlation } from './context.js';
import { AUTH_ACTIONS, eventName } from './events.js';
import { defaultAuthLogger, pickLogger, requestIdOfLogger } from './logger.js';
import { classify, type Observed, type Verdict } from './outcome.js';
import { secretsOfRequest } from './redact.js';
import type { AuthAction, AuthLogger, AuthOutcome, ResolvedAuthOptions } from './types.js';
import { explicitOf, userIdFromBody, userIdFromUser } from './user-id.js';

export interface AuthCallInit {
  action: AuthAction;
  options: ResolvedAuthOptions;
  /** Objects the handler may pass to setAuthUser / setAuthFailure. */
  targets: readonly unknown[];
  correlation: Correlation;
  /** Formatted identifier (masked / hashed / raw per options). */
  email?: string | undefined;
  route?: string | undefined;
  method?: string | undefined;
  requestLogger?: unknown;
  /** The framework's authenticated user when the handler started (req.user, res.locals.user, ctx.state.user). */
  userAtEntry?: unknown;
}

export interface AuthCallEnd extends Observed {
  /** The framework's user when the response finished (preferred over userAtEntry). */
  userAtEnd?: unknown;
}

/** One call's state. A class with a fixed shape: it is created on every auth request (the hot path). */
export class AuthCall {
  readonly action: AuthAction;
  readonly options: ResolvedAuthOptions;
  readonly targets: readonly unknown[];
  readonly correlation: Correlation;
  email: string | undefined;
  readonly route: string | undefined;
  readonly method: string | undefined;
  readonly requestLogger: unknown;
  readonly userAtEntry: unknown;
  readonly start: number;
  done = false;
  /** What the adapter saw on the way: the first error and the first response body. */
  threw = false;
  error: unknown = undefined;
  body: unknown = undefined;
  /** The result of a wrapped plain function called inside this request (`login(req)`): a user-id fallback. */
  innerResult: unknown = undefined;
  /** A request body the adapter read itself (Next.js clones the Request): its secret fields are known secrets too. */
  readBody: unknown = undefined;

  constructor(init: AuthCallInit) {
    this.action = init.action;
    this.options = init.options;
    this.targets = init.targets;
    this.correlation = init.correlation;
    this.email = init.email;
    this.route = init.route;
    this.method = init.method;
    this.requestLogger = init.requestLogger;
    this.userAtEntry = init.userAtEntry;
    this.start = performance.now();
  }

  recordError(error: unknown): void {
    if (this.threw) return;
    this.threw = true;
    this.error = error;
  }

  captureBody(body: unknown): void {
    if (this.body === undefined) this.body = body;
  }
}

export function startAuthCall(init: AuthCallInit): AuthCall {
  return new AuthCall(init);
}

// The call in progress per request object (Express/Node req, Fastify request, Koa ctx, fetch Request). A second
// wrapper on the same request (two wrapped handlers in one chain, or a wrapped `login(req)` called by a wrapped
// route) joins that call instead of writing a second line.
//
// Express/Node requests and responses are found through `liveHttpCalls`, a plain Map the adapter empties when the
// response closes (Node emits `close` on every response, finished or aborted; a hand-made response that never emits
// it stays in the Map), and nothing is added to them: Express re-links the prototype of every req and res, so each
// one has a hidden class of its own; a property added to it copies that class (the entry function allocated ~1.1 KB
// per request in a heap profile), and every property read on it misses V8's caches (measured: ~2 µs a request for
// the property in a CPU profile, more in GC). Not a WeakMap: an entry
// whose value references its key is an ephemeron the garbage collector traces specially (measured: ~25 µs of GC
// per request under load).
//
// The other adapters keep the call under a symbol on their own request object (their objects share hidden
// classes); a non-extensible target (a frozen input object) falls back to a WeakMap.
const kActiveCall = Symbol('quickwins.authCall');
const activeCallsOfFrozen = new WeakMap<object, AuthCall>();
const liveHttpCalls = new Map<object, AuthCall>();
// Until some adapter stores a call under the symbol, looking for it is skipped (a miss walks the whole prototype
// chain of the request, which on an Express request is never cached).
let symbolCallsStored = false;

type WithActiveCall = { [kActiveCall]?: AuthCall };

export function activeCallFor(target: unknown): AuthCall | undefined {
  if (target === null || typeof target !== 'object') return undefined;
  const live = liveHttpCalls.get(target);
  if (live !== undefined || !symbolCallsStored) return live;
  return (target as WithActiveCall)[kActiveCall] ?? activeCallsOfFrozen.get(target);
}

export function activateCall(target: object, call: AuthCall): void {
  symbolCallsStored = true;
  try {
    (target as WithActiveCall)[kActiveCall] = call;
  } catch {
    activeCallsOfFrozen.set(target, call); // frozen or sealed: assigning throws in strict mode
  }
}

/** Express/Node: the call of this req and res until `releaseHttpCall` (the response's `close`). */
export function activateHttpCall(req: object, res: object, call: AuthCall): void {
  liveHttpCalls.set(req, call);
  liveHttpCalls.set(res, call);
}

/** The call of an Express/Node request or response, while it is open. */
export function liveHttpCall(target: object): AuthCall | undefined {
  return liveHttpCalls.get(target);
}

export function releaseHttpCall(req: object, res: object): void {
  liveHttpCalls.delete(req);
  liveHttpCalls.delete(res);
}

// `auth <action> <outcome>`, built once per pair rather than per request.
const MESSAGES = Object.fromEntries(
  AUTH_ACTIONS.map((action) => [
    action,
    { success: `auth ${action} success`, failure: `auth ${action} failure`, error: `auth ${action} error` },
  ]),
) as Record<AuthAction, Record<AuthOutcome, string>>;

function errorType(error: unknown, context: CleanContext): string | undefined {
  if (!(error instanceof Error)) return undefined;
  let type: string | number | undefined;
  try {
    type = cleanCode(error.name, context) ?? cleanCode(error.constructor?.name, context);
  } catch {
    return undefined; // a throwing `name` getter
  }
  return typeof type === 'string' ? type : undefined;
}

// The error of an `error` line: its type and code when they are identifier-shaped; its message and stack only with
// `freeText`, scrubbed as whole texts. Property reads are guarded: an error's getters are application code.
function errorFields(error: unknown, context: CleanContext): Record<string, unknown> | undefined {
  if (error === undefined || error === null) return undefined;
  if (!(error instanceof Error)) return { type: typeof error };
  const fields: Record<string, unknown> = {};
  const read = (key: string): unknown => {
    try {
      return (error as unknown as Record<string, unknown>)[key];
    } catch {
      return undefined;
    }
  };
  fields.type = errorType(error, context) ?? 'Error';
  const code = cleanCode(read('code'), context);
  if (code !== undefined) fields.code = code;
  if (context.freeText) {
    const message = cleanFreeText(read('message'), context, MAX_MESSAGE);
    if (message !== undefined) fields.message = message;
    const stack = cleanFreeText(read('stack'), context, MAX_STACK);
    if (stack !== undefined) fields.stack = stack;
  }
  return fields;
}

function userIdCandidate(call: AuthCall, end: AuthCallEnd, explicitUser: unknown): unknown {
  return (
    explicitUser ??
    userIdFromUser(end.userAtEnd) ??
    userIdFromUser(call.userAtEntry) ??
    userIdFromBody(end.body) ??
    (call.innerResult !== undefined ? userIdFromBody(call.innerResult) : undefined)
  );
}

/** The outcome record: our own keys only, every value through its field's cleaner. May throw (application getters
 *  run inside classify and the user-id readers); finishAuthCall then writes the fixed minimal line. */
function buildRecord(
  call: AuthCall,
  end: AuthCallEnd,
  finishedAt: number,
): { record: Record<string, unknown>; verdict: Verdict } {
  const explicit = explicitOf(call.targets);
  const observed: Observed = explicit?.reason !== undefined ? { ...end, explicitReason: explicit.reason } : end;
  const verdict = classify(observed);
  const context: CleanContext = {
    secrets: secretsOfRequest(call.readBody === undefined ? call.targets : [...call.targets, { body: call.readBody }]),
    freeText: call.options.freeText,
  };
  const record: Record<string, unknown> = {
    event: eventName(call.action, verdict.outcome, call.options.event),
    action: call.action,
    outcome: verdict.outcome,
    elapsed_ms: Math.round((finishedAt - call.start) * 100) / 100,
  };
  if (typeof end.statusCode === 'number' && !end.aborted) record.status_code = end.statusCode;
  if (verdict.outcome === 'success') {
    const userId = cleanUserId(userIdCandidate(call, end, explicit?.userId), context);
    if (userId !== undefined) record.user_id = userId;
  }
  // A reason that is not a code is free text: without `freeText`, the status's name stands in, or for a thrown error
  // without a status (a plain function's `UnauthorizedError`), the error's type when it is identifier-shaped.
  const reason =
    cleanReason(verdict.reason, context) ??
    verdict.statusReason ??
    (verdict.outcome === 'failure' && end.threw ? errorType(end.error, context) : undefined);
  if (reason !== undefined) record.reason = reason;
  if (call.email !== undefined) record.email = call.email;
  const method = cleanMethod(call.method);
  if (method !== undefined) record.method = method;
  const route = cleanRoute(call.route);
  if (route !== undefined) record.route = route;
  const requestId =
    cleanRequestId(call.correlation.request_id, context) ??
    cleanRequestId(requestIdOfLogger(call.requestLogger), context);
  if (requestId !== undefined) record.request_id = requestId;
  if (call.correlation.trace_id !== undefined) {
    record.trace_id = call.correlation.trace_id;
    record.span_id = call.correlation.span_id;
  }
  if (verdict.outcome === 'error' && end.threw) {
    const err = errorFields(end.error, context);
    if (err !== undefined) record.error = err;
  }
  return { record, verdict };
}

function write(logger: AuthLogger, outcome: AuthOutcome, record: Record<string, unknown>, msg: string): void {
  if (outcome === 'success') logger.info(record, msg);
  else if (outcome === 'failure') logger.warn(record, msg);
  else logger.error(record, msg);
}

/** Writes the outcome line. Idempotent; never throws (a logging failure must not become a login failure), and never
 *  loses the line: when the record cannot be built, a fixed minimal line says so; when the chosen logger throws,
 *  the default logger writes it. */
export function finishAuthCall(call: AuthCall, end: AuthCallEnd, finishedAt = performance.now()): void {
  if (call.done) return;
  call.done = true;
  let built: { record: Record<string, unknown>; verdict: Verdict };
  try {
    built = buildRecord(call, end, finishedAt);
  } catch {
    const outcome: AuthOutcome = 'error';
    built = {
      record: {
        event: eventName(call.action, outcome, undefined),
        action: call.action,
        outcome,
        reason: 'log_record_failed',
      },
      verdict: { outcome },
    };
  }
  const msg = MESSAGES[call.action][built.verdict.outcome];
  try {
    write(pickLogger(call.options, globalAuthLogger(), call.requestLogger), built.verdict.outcome, built.record, msg);
  } catch {
    try {
      write(defaultAuthLogger(), built.verdict.outcome, built.record, msg);
    } catch {
      // Nothing left to write with.
    }
  }
}
