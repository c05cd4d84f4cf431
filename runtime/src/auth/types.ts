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
  /** Use the framework's request logger (Fastify `request.log`, Koa `ctx.log`, pino-http `req.log`) when its bindings
   *  hold only a request id; a logger whose bindings carry request data (pino-http's default `req`) is never used.
   *  Default true. */
  useRequestLogger?: boolean;
  /** Extra binding keys (with short scalar values) a request logger may carry and still be used, e.g. `['service']`. */
  requestLoggerBindings?: readonly string[];
  /** Also write free text: failure reasons that are not code-shaped, and error messages and stacks, each through the
   *  scrubber (credentials, codes, tokens, emails replaced). Default false: a reason is written only when it reads
   *  as a code (`wrong_password`), else the status's name; errors only with their type and code. */
  freeText?: boolean;
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
  requestLoggerBindings: readonly string[];
  freeText: boolean;
  email: EmailMode;
  emailHashKey: string | Uint8Array | undefined;
  event: string | Partial<Record<AuthOutcome, string>> | undefined;
  getIdentifier: ((input: unknown) => unknown) | undefined;
  nestExceptionFilter: boolean;
}
