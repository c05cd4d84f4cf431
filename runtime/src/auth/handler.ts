// Calling the wrapped handler, shared by the adapters.
import type { AuthCall } from './record.js';

export type AnyFunction = (...args: unknown[]) => unknown;

export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

// The call of the HTTP handler that is running right now, synchronously. A wrapped service that the handler calls
// with something other than the request (`login(email, password)`) finds no call from its arguments; while the
// handler's synchronous part runs, it joins this one instead of writing a second line for the request. After the
// handler's first `await` nothing says which request is running: AsyncLocalStorage would, but on Node 20 it puts a
// hook on every promise of the application.
let runningCall: AuthCall | undefined;

/** The HTTP call whose handler is on the stack, if any (see above). */
export function runningHttpCall(): AuthCall | undefined {
  return runningCall;
}

/** Runs `handler` with `call` as the running HTTP call; returns what it returns and lets its throw through. */
export function applyAsRunning(call: AuthCall, handler: AnyFunction, self: unknown, args: unknown[]): unknown {
  const outer = runningCall;
  runningCall = call;
  try {
    return handler.apply(self, args);
  } finally {
    runningCall = outer;
  }
}

/** Runs the handler; a synchronous throw is recorded on the call, then rethrown to the framework. */
export function invokeHandler(call: AuthCall, handler: AnyFunction, self: unknown, args: unknown[]): unknown {
  try {
    return applyAsRunning(call, handler, self, args);
  } catch (error) {
    call.recordError(error);
    throw error;
  }
}
