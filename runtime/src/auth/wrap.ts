// withAuthLogging: one wrapper for every framework. The framework is recognised from the arguments at call time,
// so the codemod can write the same `withAuthLogging('<action>', handler)` everywhere, and the runtime imports
// none of the frameworks.
import { optionsGetter } from './config.js';
import { isAuthAction } from './events.js';
import { isNodeHttpPair, runNodeHttp } from './express.js';
import { isFastifyPair, runFastify } from './fastify.js';
import { isGraphQLResolverCall, runGraphQLResolver } from './graphql.js';
import { isKoaContext, runKoa } from './koa.js';
import { isFetchRequest, runNextRoute } from './next.js';
import { runPlain } from './plain.js';
import type { AuthAction, AuthLoggingOptions } from './types.js';
import type { AnyFunction } from './handler.js';

const WRAPPED = Symbol.for('quickwins.authLogging');

type Adapter = typeof runNodeHttp;

function httpAdapterFor(args: readonly unknown[]): Adapter | undefined {
  if (isFastifyPair(args)) return runFastify;
  if (isNodeHttpPair(args)) return runNodeHttp;
  if (isKoaContext(args)) return runKoa;
  return undefined;
}

export function assertAuthAction(action: unknown, where: string): asserts action is AuthAction {
  if (!isAuthAction(action)) throw new TypeError(`${where}: unknown auth action ${JSON.stringify(action)}`);
}

/** Wraps one auth handler; returns a function of the same signature (and `length`, which Express reads). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the agreed signature: any handler shape
export function withAuthLogging<F extends (...args: any[]) => any>(
  action: AuthAction,
  handler: F,
  options?: AuthLoggingOptions,
): F {
  assertAuthAction(action, 'withAuthLogging');
  if (typeof handler !== 'function') throw new TypeError('withAuthLogging: handler must be a function');
  // Idempotent at runtime too: wrapping a wrapped handler would log twice.
  if ((handler as unknown as Record<symbol, unknown>)[WRAPPED] === true) return handler;
  const getOptions = optionsGetter(options, 'withAuthLogging');
  getOptions(); // validate now, not on the first request
  const inner = handler as unknown as AnyFunction;
  // A handler registered on a framework is always called by that framework: the HTTP adapter found on the first
  // call is kept, so the shape checks run once. Plain / Next.js detection stays per call (it is one instanceof).
  let httpAdapter: Adapter | undefined;
  const wrapped = function authLogged(this: unknown, ...args: unknown[]): unknown {
    const resolved = getOptions();
    if (httpAdapter === undefined) {
      httpAdapter = httpAdapterFor(args);
      if (httpAdapter === undefined) {
        if (isFetchRequest(args)) return runNextRoute(action, resolved, inner, this, args);
        if (isGraphQLResolverCall(args)) return runGraphQLResolver(action, resolved, inner, this, args);
        return runPlain(action, resolved, inner, this, args);
      }
    }
    return httpAdapter(action, resolved, inner, this, args);
  };
  Object.defineProperty(wrapped, 'length', { value: handler.length });
  Object.defineProperty(wrapped, 'name', { value: handler.name || 'authLogged' });
  Object.defineProperty(wrapped, WRAPPED, { value: true });
  return wrapped as unknown as F;
}
