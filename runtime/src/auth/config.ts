// Options: validated up front (a wrong email mode or a missing hash key throws at configure / wrap time, not on the
// first login at 3 a.m.), merged per wrapper with the process-wide defaults, re-read when those change.
import { isAuthLogger } from './logger.js';
import type { AuthLogger, AuthLoggingOptions, ResolvedAuthOptions } from './types.js';

const EMAIL_MODES = new Set(['mask', 'hash', 'raw']);
const MIN_HASH_KEY = 16;

// Shared through globalThis: each subpath bundle (`/auth`, `/graphql`, the root) has its own copy of this module, and
// the GraphQL operation lines must go to the logger configureAuthLogging set, whichever bundle set it.
interface ConfigState {
  options: AuthLoggingOptions;
  version: number;
}
const STATE_KEY = Symbol.for('quickwins.runtime.auth.config.v1');
const state: ConfigState = ((globalThis as Record<symbol, ConfigState | undefined>)[STATE_KEY] ??= {
  options: {},
  version: 0,
});

export function validateAuthOptions(options: AuthLoggingOptions | undefined, where: string): void {
  if (options === undefined) return;
  if (options === null || typeof options !== 'object') throw new TypeError(`${where}: options must be an object`);
  if (options.logger !== undefined && !isAuthLogger(options.logger)) {
    throw new TypeError(`${where}: logger must have info/warn/error methods (a pino logger)`);
  }
  if (options.email !== undefined && !EMAIL_MODES.has(options.email)) {
    throw new TypeError(`${where}: email must be 'mask', 'hash' or 'raw', got ${String(options.email)}`);
  }
  const key = options.emailHashKey;
  if (key !== undefined && !(typeof key === 'string' || key instanceof Uint8Array)) {
    throw new TypeError(`${where}: emailHashKey must be a string or bytes`);
  }
  if (key !== undefined && (typeof key === 'string' ? key.length : key.byteLength) < MIN_HASH_KEY) {
    throw new TypeError(`${where}: emailHashKey must be at least ${MIN_HASH_KEY} characters`);
  }
  if (options.freeText !== undefined && typeof options.freeText !== 'boolean') {
    throw new TypeError(`${where}: freeText must be true or false`);
  }
  const extra = options.requestLoggerBindings;
  if (extra !== undefined && !(Array.isArray(extra) && extra.every((key) => typeof key === 'string'))) {
    throw new TypeError(`${where}: requestLoggerBindings must be a list of binding names`);
  }
  if (options.getIdentifier !== undefined && typeof options.getIdentifier !== 'function') {
    throw new TypeError(`${where}: getIdentifier must be a function`);
  }
  if (
    options.event !== undefined &&
    typeof options.event !== 'string' &&
    (options.event === null || typeof options.event !== 'object')
  ) {
    throw new TypeError(`${where}: event must be a string or { success, failure, error }`);
  }
}

function checkHashKey(resolved: ResolvedAuthOptions, where: string): void {
  if (resolved.email === 'hash' && resolved.emailHashKey === undefined) {
    throw new TypeError(`${where}: email: 'hash' needs emailHashKey (a secret of at least ${MIN_HASH_KEY} characters)`);
  }
}

/** Process-wide defaults: the application's pino logger, the email mode and hash key, ... Merges into what was
 *  configured before; applies to wrappers created earlier too. */
export function configureAuthLogging(options: AuthLoggingOptions): void {
  validateAuthOptions(options, 'configureAuthLogging');
  const next = { ...state.options, ...options };
  checkHashKey(resolve(next, undefined), 'configureAuthLogging');
  state.options = next;
  state.version += 1;
}

/** Back to the built-in defaults (for tests and for apps that reconfigure at runtime). */
export function resetAuthLoggingConfig(): void {
  state.options = {};
  state.version += 1;
}

export function globalAuthLogger(): AuthLogger | undefined {
  return state.options.logger;
}

function resolve(global: AuthLoggingOptions, own: AuthLoggingOptions | undefined): ResolvedAuthOptions {
  const merged = own ? { ...global, ...own } : global;
  return {
    // Only the wrapper's own logger beats the request's logger; the global one is the fallback (see logger.ts).
    logger: own?.logger,
    useRequestLogger: merged.useRequestLogger ?? true,
    requestLoggerBindings: merged.requestLoggerBindings ?? [],
    freeText: merged.freeText ?? false,
    email: merged.email ?? 'mask',
    emailHashKey: merged.emailHashKey,
    event: merged.event,
    getIdentifier: merged.getIdentifier,
    nestExceptionFilter: merged.nestExceptionFilter ?? false,
  };
}

/** Returns a getter of the resolved options for one wrapper: recomputed only when configureAuthLogging ran. */
export function optionsGetter(own: AuthLoggingOptions | undefined, where: string): () => ResolvedAuthOptions {
  validateAuthOptions(own, where);
  let seen = -1;
  let resolved: ResolvedAuthOptions | undefined;
  return () => {
    if (seen !== state.version || resolved === undefined) {
      resolved = resolve(state.options, own);
      checkHashKey(resolved, where);
      seen = state.version;
    }
    return resolved;
  };
}
