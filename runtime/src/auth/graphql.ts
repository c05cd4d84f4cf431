// GraphQL resolvers: `login(parent, args, context, info)` in a resolver map (graphql-js, Apollo, Yoga, Mercurius), and
// resolver class methods (NestJS `@Mutation()`, type-graphql `@Mutation()`) through the AuthLoggedResolver decorator.
// A resolver answers through its return value, not an HTTP status (GraphQL answers 200 either way), so the outcome is
// read from the value: a payload with a non-empty `errors` list, `ok: false` or a null result is a failure; a throw is
// a failure when it says so (`extensions.code` UNAUTHENTICATED / FORBIDDEN / BAD_USER_INPUT, a 4xx status, an
// auth-ish name) and an error otherwise. One line per resolver call; inside a request an outer wrapper already logs,
// the resolver's result only helps that line find the user id.
import { correlationOf } from './context.js';
import { findIdentifier, formatIdentifier } from './email.js';
import { isThenable, runningHttpCall, type AnyFunction } from './handler.js';
import { optionsGetter } from './config.js';
import { activeCallFor, finishAuthCall, startAuthCall, type AuthCall } from './record.js';
import type { AuthAction, AuthLoggingOptions, ResolvedAuthOptions } from './types.js';
import { copyOwnMetadata } from './method.js';
import { runInside } from './plain.js';
import { assertAuthAction } from './wrap.js';

/** The part of graphql-js's GraphQLResolveInfo the adapter reads. */
interface ResolveInfoLike {
  fieldName: string;
  parentType: { name: string };
  operation: { operation: string };
}

interface ContextLike {
  req?: { headers?: unknown; log?: unknown; id?: unknown; user?: unknown };
  request?: { headers?: unknown; log?: unknown; id?: unknown };
  log?: unknown;
  logger?: unknown;
  user?: unknown;
}

/** Codes (Apollo and the GraphQL ecosystem) a client error carries; they are the user's failure, not the server's. */
const FAILURE_CODES: ReadonlyMap<string, string> = new Map([
  ['UNAUTHENTICATED', 'unauthenticated'],
  ['FORBIDDEN', 'forbidden'],
  ['BAD_USER_INPUT', 'bad_request'],
  ['GRAPHQL_VALIDATION_FAILED', 'bad_request'],
]);

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object';
}

function isResolveInfo(value: unknown): value is ResolveInfoLike {
  return (
    isObject(value) &&
    typeof value.fieldName === 'string' &&
    isObject(value.parentType) &&
    typeof value.parentType.name === 'string' &&
    isObject(value.operation) &&
    typeof value.operation.operation === 'string'
  );
}

/** `(parent, args, context, info)` as graphql-js calls a field resolver. */
export function isGraphQLResolverCall(args: readonly unknown[]): boolean {
  return args.length >= 4 && isResolveInfo(args[3]);
}

/** Plain header records as they are; a Fetch `Headers` (Yoga, Apollo on fetch) turned into one. */
function headersOf(context: ContextLike | undefined): Parameters<typeof correlationOf>[0] {
  const headers = context?.req?.headers ?? context?.request?.headers;
  if (!isObject(headers)) return undefined;
  const entries = (headers as { entries?: unknown }).entries;
  if (typeof entries === 'function' && typeof (headers as { get?: unknown }).get === 'function') {
    return Object.fromEntries((entries as () => Iterable<[string, string]>).call(headers)) as Parameters<
      typeof correlationOf
    >[0];
  }
  return headers as Parameters<typeof correlationOf>[0];
}

/** A resolver payload that reports failure in-band: `{ errors: [{ field, message }] }`, `{ ok: false }`. */
function payloadFailed(value: unknown): boolean {
  if (!isObject(value)) return !value;
  const errors = value.errors;
  return (Array.isArray(errors) && errors.length > 0) || value.ok === false || value.success === false;
}

function failureCodeOf(error: unknown): string | undefined {
  if (!isObject(error) || !isObject(error.extensions)) return undefined;
  const code = error.extensions.code;
  return typeof code === 'string' ? FAILURE_CODES.get(code) : undefined;
}

function identifierOf(inputs: readonly unknown[], options: ResolvedAuthOptions): string | undefined {
  for (const input of inputs) {
    let raw: unknown;
    try {
      raw = options.getIdentifier
        ? options.getIdentifier(input)
        : (findIdentifier(input) ?? (isObject(input) ? findIdentifier(input.input) : undefined));
    } catch {
      raw = undefined;
    }
    if (typeof raw === 'string') return formatIdentifier(raw, options.email, options.emailHashKey);
  }
  return undefined;
}

interface ResolverCallShape {
  readonly inputs: readonly unknown[];
  readonly context: ContextLike | undefined;
  readonly route: string | undefined;
}

function finishWith(call: AuthCall, value: unknown): void {
  finishAuthCall(call, { threw: false, plainResult: !payloadFailed(value), body: value });
}

function finishThrown(call: AuthCall, error: unknown): void {
  const reason = failureCodeOf(error);
  if (reason !== undefined) finishAuthCall(call, { threw: false, plainResult: false, explicitReason: reason });
  else finishAuthCall(call, { threw: true, error, plainResult: false });
}

function runResolver(
  action: AuthAction,
  options: ResolvedAuthOptions,
  handler: AnyFunction,
  self: unknown,
  args: unknown[],
  shape: ResolverCallShape,
): unknown {
  const outer = (shape.context?.req ? activeCallFor(shape.context.req) : undefined) ?? runningHttpCall();
  // The HTTP route around the GraphQL endpoint is itself wrapped: its line is the one; keep the user id.
  if (outer !== undefined) return runInside(outer, handler, self, args);
  const context = shape.context;
  const call = startAuthCall({
    action,
    options,
    targets: [...shape.inputs.filter(isObject), ...(context ? [context] : [])],
    correlation: correlationOf(headersOf(context), context?.req?.id ?? context?.request?.id),
    email: identifierOf(shape.inputs, options),
    route: shape.route,
    requestLogger: context?.req?.log ?? context?.request?.log ?? context?.log ?? context?.logger,
    userAtEntry: isObject(context?.req?.user)
      ? context?.req?.user
      : isObject(context?.user)
        ? context?.user
        : undefined,
  });
  let result: unknown;
  try {
    result = handler.apply(self, args);
  } catch (error) {
    finishThrown(call, error);
    throw error;
  }
  if (isThenable(result)) {
    return Promise.resolve(result).then(
      (value) => {
        finishWith(call, value);
        return value;
      },
      (error: unknown) => {
        finishThrown(call, error);
        throw error;
      },
    );
  }
  finishWith(call, result);
  return result;
}

/** withAuthLogging's adapter for `(parent, args, context, info)`: identifier from `args`, correlation from `context`. */
export function runGraphQLResolver(
  action: AuthAction,
  options: ResolvedAuthOptions,
  handler: AnyFunction,
  self: unknown,
  args: unknown[],
): unknown {
  const info = args[3] as ResolveInfoLike;
  return runResolver(action, options, handler, self, args, {
    inputs: [args[1]],
    context: isObject(args[2]) ? (args[2] as ContextLike) : undefined,
    route: `${info.parentType.name}.${info.fieldName}`,
  });
}

/** Of a resolver method's arguments (`@Args('data')`, `@Arg('options')`, `@Ctx()`), the one that is the request context. */
function isContextArgument(value: unknown): value is ContextLike {
  return isObject(value) && (isObject(value.req) || isObject(value.request));
}

/**
 * A method decorator for resolver classes (NestJS `@Mutation()`, type-graphql `@Mutation()`): one outcome line per
 * call, read from the returned payload. Put it right above the method, below the framework's decorators, so their
 * metadata lands on the wrapped method (the codemod does).
 */
export function AuthLoggedResolver(action: AuthAction, options?: AuthLoggingOptions): MethodDecorator {
  assertAuthAction(action, 'AuthLoggedResolver');
  const getOptions = optionsGetter(options, 'AuthLoggedResolver');
  getOptions();
  return (_target, key, descriptor) => {
    const original = descriptor.value as unknown;
    if (typeof original !== 'function') throw new TypeError(`AuthLoggedResolver: ${String(key)} is not a method`);
    const inner = original as AnyFunction;
    const wrapped = function authLoggedResolver(this: unknown, ...args: unknown[]): unknown {
      const context = args.find(isContextArgument);
      const inputs = args.filter((arg) => arg !== context && !isResolveInfo(arg));
      return runResolver(action, getOptions(), inner, this, args, { inputs, context, route: String(key) });
    };
    Object.defineProperty(wrapped, 'length', { value: inner.length });
    Object.defineProperty(wrapped, 'name', { value: inner.name });
    copyOwnMetadata(inner, wrapped);
    (descriptor as { value?: unknown }).value = wrapped;
    return descriptor;
  };
}
