/**
 * The HTTP mapping of backpressure errors: 503 Service Unavailable with Retry-After, never a 500.
 * Both errors mean "saturated right now, the request itself was fine": clients and load balancers may retry later.
 */
import { isPoolBackpressureError } from './errors.js';

export interface BackpressureResponse {
  readonly status: 503;
  readonly headers: { readonly 'Retry-After': string };
  readonly body: { readonly error: 'POOL_EXHAUSTED' | 'ACQUIRE_TIMEOUT'; readonly message: string };
}

/**
 * The response for a backpressure error, or undefined for any other error (let those take their usual path).
 * `retryAfterSeconds` defaults to 1: pool pressure changes within a second; add jitter upstream if clients sync up.
 */
export function backpressureResponse(error: unknown, retryAfterSeconds = 1): BackpressureResponse | undefined {
  if (typeof retryAfterSeconds !== 'number' || !Number.isFinite(retryAfterSeconds)) {
    throw new TypeError(
      `backpressureResponse: retryAfterSeconds must be a finite number of seconds, got ${String(retryAfterSeconds)}`,
    );
  }
  if (!isPoolBackpressureError(error)) return undefined;
  return {
    status: 503,
    headers: { 'Retry-After': String(Math.max(0, Math.ceil(retryAfterSeconds))) },
    // The message names pool counters only, nothing from the request: safe to send.
    body: { error: error.code, message: 'database busy, retry later' },
  };
}
