// Which logger writes the outcome line: the wrapper's own `logger` option, else the request's logger (pino-http
// `req.log`, Fastify `request.log`, koa-pino-logger `ctx.log`) unless its bindings would print a secret, else the
// process-wide logger from configureAuthLogging, else a default pino logger to stdout (created on first use).
import { pino } from 'pino';
import { DEFAULT_REDACT_PATHS, hasUnredactedSecret } from './redact.js';
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

// Verdict per request-logger instance: pino-http makes one child per request, Fastify reuses them.
const requestLoggerVerdict = new WeakMap<object, boolean>();

/** A request logger is used when it is a real logger (Fastify's disabled logger is a no-op object without a
 *  `level`) and its bindings carry no raw secret (pino-http binds the whole `req`, headers included, by default). */
function usableRequestLogger(candidate: unknown): candidate is AuthLogger {
  if (!isAuthLogger(candidate)) return false;
  const cached = requestLoggerVerdict.get(candidate);
  if (cached !== undefined) return cached;
  const log = candidate as unknown as { level?: unknown; bindings?: () => unknown };
  let usable = typeof log.level === 'string' && log.level !== 'silent';
  if (usable && typeof log.bindings === 'function') {
    try {
      usable = !hasUnredactedSecret(log.bindings());
    } catch {
      usable = false;
    }
  }
  requestLoggerVerdict.set(candidate, usable);
  return usable;
}

export function pickLogger(options: ResolvedAuthOptions, global: AuthLogger | undefined, requestLogger: unknown): AuthLogger {
  if (options.logger) return options.logger;
  if (options.useRequestLogger && requestLogger !== undefined && usableRequestLogger(requestLogger)) return requestLogger;
  return global ?? getDefaultLogger();
}
