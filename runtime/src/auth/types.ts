// Shared types of the auth-logging runtime. The names and argument orders of the public functions are agreed with the
// `auth-logging` codemod; options may grow, never change meaning.

export type AuthAction =
  | 'login'
  | 'logout'
  | 'register'
  | 'token'
  | 'refresh'
  | 'password_reset'
  | 'password_change'
  | 'verify'
  | 'mfa'
  | 'session';

export type AuthOutcome = 'success' | 'failure' | 'error';

/** How the identifier the user typed (email or username) is written: masked (`a***@example.com`, the default),
 *  a keyed HMAC-SHA256 hash (needs `emailHashKey`), or raw (explicit opt-in only). */
export type EmailMode = 'mask' | 'hash' | 'raw';

/** The part of a pino logger the runtime uses. Any pino logger (or pino child) fits. */
export interface AuthLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface AuthLoggingOptions {
  /** The application's logger. Per-wrapper option beats the request's own logger; the process-wide one
   *  (configureAuthLogging) is used when the request has none. */
  logger?: AuthLogger;
  /** Use the framework's request logger (pino-http `req.log`, Fastify `request.log`, Koa `ctx.log`). Default true. */
  useRequestLogger?: boolean;
  /** Default 'mask'. */
  email?: EmailMode;
  /** Secret for email: 'hash'. At least 16 characters. */
  emailHashKey?: string | Uint8Array;
  /** Overrides the OWASP event name: one string for every outcome, or per outcome. */
  event?: string | Partial<Record<AuthOutcome, string>>;
  /** Reads the identifier the user typed from the request body (or plain-function input). Default: the first string
   *  among `email`, `username`, `login`, `identifier`, ... */
  getIdentifier?: (input: unknown) => unknown;
  /** NestJS only: also log failures of global and controller guards, through a method-scoped exception filter that
   *  answers them as Nest does by default (your own filters no longer do). Default false. */
  nestExceptionFilter?: boolean;
}

/** The options after defaults and validation; what the hot path reads. */
export interface ResolvedAuthOptions {
  logger: AuthLogger | undefined;
  useRequestLogger: boolean;
  email: EmailMode;
  emailHashKey: string | Uint8Array | undefined;
  event: string | Partial<Record<AuthOutcome, string>> | undefined;
  getIdentifier: ((input: unknown) => unknown) | undefined;
  nestExceptionFilter: boolean;
}
