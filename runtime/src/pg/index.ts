// The pg backpressure runtime: fail-fast pool acquisition with typed errors and prom-client metrics.
export { acquireWithBackpressure, type AcquireCallback, type ReleaseFn } from './acquire.js';
export { queryWithBackpressure, type QueryableClient } from './query.js';
export {
  PoolBackpressureError,
  PoolExhaustedError,
  AcquireTimeoutError,
  isPoolBackpressureError,
  type PoolBackpressureCode,
} from './errors.js';
export {
  poolUtilization,
  poolSnapshot,
  type PoolLike,
  type PoolSnapshot,
  type ConnectCallback,
} from './utilization.js';
export { DEFAULT_THRESHOLD, DEFAULT_ACQUIRE_TIMEOUT_MS, type BackpressureOptions } from './options.js';
export { backpressureResponse, type BackpressureResponse } from './http.js';
export { METRIC_NAMES as POOL_METRIC_NAMES } from './metrics.js';
