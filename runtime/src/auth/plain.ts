// Plain functions like the plan's `login(input)`: the outcome is the return value (sync or a promise). A truthy
// result is a success (unless it says `ok: false` / `success: false`), a falsy one a failure; a throw is an error,
// or a failure when it carries a 4xx status or an auth-ish name (UnauthorizedError, InvalidCredentials...).
// The first argument is the input: the identifier is read from it, setAuthUser/setAuthFailure take it, and when it
// is a request object its headers give the request id and trace.
import { correlationOf } from './context.js';
import { identifierFrom } from './email.js';
import { activeCallFor, finishAuthCall, startAuthCall, type AuthCall } from './record.js';
import type { AuthAction, ResolvedAuthOptions } from './types.js';
import { isThenable, runningHttpCall, type AnyFunction } from './handler.js';

interface InputLike {
  headers?: unknown;
  id?: unknown;
  user?: unknown;
  log?: unknown;
  body?: unknown;
}

function headersOf(input: InputLike | undefined): Parameters<typeof correlationOf>[0] {
  const headers = input?.headers;
  if (headers === null || typeof headers !== 'object') return undefined;
  return headers as Parameters<typeof correlationOf>[0];
}

/** `login(req)` called from a wrapped route handler with the same request, or `login(email, password)` called while
 *  the handler runs synchronously: no line of its own; its result only helps the request's line find the user id. */
export function runInside(outer: AuthCall, handler: AnyFunction, self: unknown, args: unknown[]): unknown {
  const result = handler.apply(self, args);
  if (isThenable(result)) {
    return Promise.resolve(result).then((value) => {
      if (value) outer.innerResult ??= value;
      return value;
    });
  }
  if (result) outer.innerResult ??= result;
  return result;
}

export function runPlain(
  action: AuthAction,
  options: ResolvedAuthOptions,
  handler: AnyFunction,
  self: unknown,
  args: unknown[],
): unknown {
  const first = args[0];
  const outer = activeCallFor(first) ?? runningHttpCall();
  if (outer !== undefined) return runInside(outer, handler, self, args);
  const input = first !== null && typeof first === 'object' ? (first as InputLike) : undefined;
  const call = startAuthCall({
    action,
    options,
    targets: input ? [input] : [],
    correlation: correlationOf(headersOf(input), input?.id),
    email: identifierFrom(first, options),
    requestLogger: input?.log,
    // Only an object counts as an authenticated user: `{ user: 'alice' }` is typed input, not a session.
    userAtEntry: input?.user !== null && typeof input?.user === 'object' ? input.user : undefined,
  });
  let result: unknown;
  try {
    result = handler.apply(self, args);
  } catch (error) {
    finishAuthCall(call, { threw: true, error, plainResult: false });
    throw error;
  }
  if (isThenable(result)) {
    return Promise.resolve(result).then(
      (value) => {
        finishAuthCall(call, { threw: false, plainResult: Boolean(value), body: value });
        return value;
      },
      (error: unknown) => {
        finishAuthCall(call, { threw: true, error, plainResult: false });
        throw error;
      },
    );
  }
  finishAuthCall(call, { threw: false, plainResult: Boolean(result), body: result });
  return result;
}
