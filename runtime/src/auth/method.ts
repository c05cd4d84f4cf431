// AuthLoggedMethod: withAuthLogging as a method decorator, for controllers routed by decorators that are not NestJS
// (Koa or Express with inversify, routing-controllers, ...): the method is called with `(ctx)` or `(req, res)`, which
// withAuthLogging's adapters already read. Put it right above the method, below the framework's own decorators, so
// their metadata lands on the wrapped method (the codemod does).
import type { AuthAction, AuthLoggingOptions } from './types.js';
import { assertAuthAction, withAuthLogging } from './wrap.js';

export function AuthLoggedMethod(action: AuthAction, options?: AuthLoggingOptions): MethodDecorator {
  assertAuthAction(action, 'AuthLoggedMethod');
  return (_target, key, descriptor) => {
    const original = descriptor.value as unknown;
    if (typeof original !== 'function') throw new TypeError(`AuthLoggedMethod: ${String(key)} is not a method`);
    const wrapped = withAuthLogging(action, original as (...args: unknown[]) => unknown, options);
    copyOwnMetadata(original, wrapped);
    (descriptor as { value?: unknown }).value = wrapped;
    return descriptor;
  };
}

/** Metadata decorators applied below this one put their keys on the original function: carry them over. */
export function copyOwnMetadata(from: object, to: object): void {
  const reflect = Reflect as unknown as {
    getOwnMetadataKeys?: (target: object) => unknown[];
    getOwnMetadata?: (key: unknown, target: object) => unknown;
    defineMetadata?: (key: unknown, value: unknown, target: object) => void;
  };
  if (!reflect.getOwnMetadataKeys || !reflect.getOwnMetadata || !reflect.defineMetadata) return;
  for (const key of reflect.getOwnMetadataKeys(from))
    reflect.defineMetadata(key, reflect.getOwnMetadata(key, from), to);
}
