// Calling the wrapped handler, shared by the adapters.
import type { AuthCall } from './record.js';

export type AnyFunction = (...args: unknown[]) => unknown;

export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && (typeof value === 'object' || typeof value === 'function') && typeof (value as { then?: unknown }).then === 'function';
}

/** Runs the handler; a synchronous throw is recorded on the call, then rethrown to the framework. */
export function invokeHandler(call: AuthCall, handler: AnyFunction, self: unknown, args: unknown[]): unknown {
  try {
    return handler.apply(self, args);
  } catch (error) {
    call.recordError(error);
    throw error;
  }
}
