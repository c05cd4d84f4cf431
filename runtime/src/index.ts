// The package root: what production services load with `import '@quickwins/runtime'`.
// Runtime only (runtime/src/): never typescript, ts-morph, jscodeshift or eslint.
export {};

// --- runtime/pg: fail-fast pool acquisition ---
export {
  acquireWithBackpressure,
  queryWithBackpressure,
  PoolBackpressureError,
  PoolExhaustedError,
  AcquireTimeoutError,
  isPoolBackpressureError,
  poolUtilization,
  poolSnapshot,
  backpressureResponse,
  DEFAULT_THRESHOLD,
  DEFAULT_ACQUIRE_TIMEOUT_MS,
  POOL_METRIC_NAMES,
} from './pg/index.js';
export type {
  AcquireCallback,
  ReleaseFn,
  QueryableClient,
  PoolBackpressureCode,
  PoolLike,
  PoolSnapshot,
  ConnectCallback,
  BackpressureOptions,
  BackpressureResponse,
} from './pg/index.js';
// --- end runtime/pg ---

// --- runtime/auth: structured auth logging on pino ---
export {
  withAuthLogging,
  AuthLogged,
  AuthLoggedResolver,
  AuthLoggedMethod,
  setAuthUser,
  setAuthFailure,
  configureAuthLogging,
  resetAuthLoggingConfig,
  createDefaultAuthLogger,
  AUTH_ACTIONS,
  eventName,
  maskIdentifier,
  hashIdentifier,
} from './auth/index.js';
export type { AuthAction, AuthLogger, AuthLoggingOptions, AuthOutcome, EmailMode } from './auth/index.js';
// --- end runtime/auth ---
