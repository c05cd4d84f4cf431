// Which logger writes the outcome line: the wrapper's own `logger` option, else the request's logger (Fastify
// `request.log`, a pino child made for the request) when its bindings are a known small allow-list (a request id),
// else the process-wide logger from configureAuthLogging, else a default pino logger to stdout (created on first use).
//
// A request logger whose bindings carry request data is never used: pino-http, set up as its docs suggest, binds the
// whole `req` (URL with `/reset/<token>`, query strings, identity headers set by proxies) into every line its child
// writes. The line then goes through the configured logger, and only the request id is copied from the bindings.
import { pino } from 'pino';
import { cleanRequestId } from './clean.js';
import { DEFAULT_REDACT_PATHS } from './redact.js';
import type { AuthLogger, ResolvedAuthOptions } from './types.js';

let defaultLogger: AuthLogger | undefined;

export function createDefaultAuthLogger(destination?: pino.DestinationStream): pino.Logger {
  const options: pino.LoggerOptions = { redact: { paths: DEFAULT_REDACT_PATHS, censor: '[Redacted]' } };
  return destination ? pino(options, destination) : pino(options);
}

function getDefaultLogger(): AuthLogger {
  defaultLogger ??= createDefaultAuthLogger();
  return defaultLogger;
}

export function isAuthLogger(value: unknown): value is AuthLogger {
  if (value === null || typeof value !== 'object') return false;
  const log = value as Record<string, unknown>;
  return typeof log.info === 'function' && typeof log.warn === 'function' && typeof log.error === 'function';
}

// Binding keys a request logger may carry for its line to be used: ids, nothing else.
const ALLOWED_BINDINGS = new Set([
  'reqId',
  'req_id',
  'requestId',
  'request_id',
  'traceId',
  'trace_id',
  'spanId',
  'span_id',
  'correlationId',
  'correlation_id',
]);

// Verdict per request-logger instance: pino-http makes one child per request, Fastify reuses them.
const requestLoggerVerdict = new WeakMap<object, boolean>();

function bindingsOf(candidate: unknown): Record<string, unknown> | undefined {
  const log = candidate as { bindings?: () => unknown };
  if (typeof log.bindings !== 'function') return undefined;
  try {
    const bindings = log.bindings();
    return bindings !== null && typeof bindings === 'object' ? (bindings as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** True when every binding is an allow-listed id key with an identifier-shaped value (or the application's own
 *  extra keys, `requestLoggerBindings`, with short scalar values). A logger that cannot show its bindings is not used. */
export function hasOnlyIdBindings(
  bindings: Record<string, unknown> | undefined,
  extraKeys: readonly string[] = [],
): boolean {
  if (bindings === undefined) return false;
  for (const [key, value] of Object.entries(bindings)) {
    if (ALLOWED_BINDINGS.has(key)) {
      if (cleanRequestId(value) === undefined) return false;
    } else if (
      !extraKeys.includes(key) ||
      !(typeof value === 'string' ? value.length <= 64 : typeof value === 'number' || typeof value === 'boolean')
    ) {
      return false;
    }
  }
  return true;
}

/** A request logger is used when it is a real logger (Fastify's disabled logger is a no-op object without a
 *  `level`) and its bindings hold ids only. */
function usableRequestLogger(candidate: unknown, extraKeys: readonly string[]): candidate is AuthLogger {
  if (!isAuthLogger(candidate)) return false;
  const cached = requestLoggerVerdict.get(candidate);
  if (cached !== undefined) return cached;
  const level = (candidate as unknown as { level?: unknown }).level;
  const usable = typeof level === 'string' && level !== 'silent' && hasOnlyIdBindings(bindingsOf(candidate), extraKeys);
  requestLoggerVerdict.set(candidate, usable);
  return usable;
}

/** The request id a request logger carries (pino-http's `req.id`, Fastify's `reqId`), for the line written through
 *  another logger. Not cleaned here: the record cleans it as every request id. */
export function requestIdOfLogger(requestLogger: unknown): unknown {
  if (!isAuthLogger(requestLogger)) return undefined;
  const bindings = bindingsOf(requestLogger);
  if (bindings === undefined) return undefined;
  for (const key of ['reqId', 'req_id', 'requestId', 'request_id'])
    if (bindings[key] !== undefined) return bindings[key];
  const req = bindings.req as { id?: unknown } | undefined;
  return req !== null && typeof req === 'object' ? req.id : undefined;
}

export function defaultAuthLogger(): AuthLogger {
  return getDefaultLogger();
}

export function pickLogger(
  options: ResolvedAuthOptions,
  global: AuthLogger | undefined,
  requestLogger: unknown,
): AuthLogger {
  if (options.logger) return options.logger;
  if (
    options.useRequestLogger &&
    requestLogger !== undefined &&
    usableRequestLogger(requestLogger, options.requestLoggerBindings)
  )
    return requestLogger;
  return global ?? getDefaultLogger();
}
