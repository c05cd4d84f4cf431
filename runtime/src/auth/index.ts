// The auth-logging runtime: one structured outcome line per authentication request, on pino.
// Agreed with the `auth-logging` codemod: withAuthLogging(action, handler, options?), AuthLogged(action, options?),
// setAuthUser(target, userId), configureAuthLogging(options). Everything else here is additive.
export type { AuthAction, AuthLogger, AuthLoggingOptions, AuthOutcome, EmailMode } from './types.js';
export { withAuthLogging } from './wrap.js';
export { AuthLogged } from './nest.js';
export { AuthLoggedResolver } from './graphql.js';
export { AuthLoggedMethod } from './method.js';
export { setAuthUser, setAuthFailure } from './user-id.js';
export { configureAuthLogging, resetAuthLoggingConfig } from './config.js';
export { createDefaultAuthLogger } from './logger.js';
export { AUTH_ACTIONS, eventName } from './events.js';
export { maskIdentifier, hashIdentifier } from './email.js';
