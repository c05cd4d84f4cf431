/**
 * Options of acquireWithBackpressure / queryWithBackpressure, validated up front (a bad option is a programming error:
 * it throws a TypeError that names the option and the value, instead of silently acting as "no limit").
 */
import type { Registry } from 'prom-client';

export interface BackpressureOptions {
  /**
   * Threshold admission (the plan's rule) instead of the adaptive default: reject at once when utilization is above
   * the threshold. 0 < threshold ≤ 1 (the plan's value is 0.85, also what a bare number means). With max 10 that admits while at most 8 clients are claimed, keeping one in reserve. `1` admits
   * while no caller waits: every client can be used and a request arriving when all are busy waits (up to
   * `acquireTimeoutMs`); once one waits (utilization above 1) the next are refused, as with `maxWaiting: 1`.
   */
  threshold?: number;
  /**
   * Bounded-queue admission instead of the threshold (like generic-pool's `maxWaitingClients`): admit while a client
   * is free, or while fewer than `maxWaiting` callers wait beyond the pool's capacity; reject only past that.
   * An integer ≥ 0; 0 means "never wait for a busy pool". Cannot be combined with `threshold`.
   */
  maxWaiting?: number;
  /** Deadline for getting a client once admitted, in ms. Default 2000. An integer ≥ 1. */
  acquireTimeoutMs?: number;
  /** Gives up waiting when aborted (rejects with `signal.reason`); the queued request is withdrawn. */
  signal?: AbortSignal;
  /** Pool label for metrics and error messages. Default 'default'. */
  name?: string;
  /** prom-client registry for the metrics. Default: prom-client's global registry. */
  registry?: Registry;
  /** false turns the metrics off. Default true (when prom-client is installed). */
  metrics?: boolean;
}

/**
 * How requests are admitted. adaptive (the default, see adaptive.ts): a queue whose allowed delay follows the pool's
 * measured hold times; threshold and bounded-queue: the fixed rules, chosen by their options.
 */
export type Admission =
  | { readonly mode: 'adaptive' }
  | { readonly mode: 'threshold'; readonly threshold: number }
  | { readonly mode: 'bounded-queue'; readonly maxWaiting: number };

export interface ResolvedOptions {
  readonly admission: Admission;
  readonly acquireTimeoutMs: number;
  readonly signal: AbortSignal | undefined;
  readonly name: string;
  readonly registry: Registry | undefined;
  readonly metrics: boolean;
}

/** The plan's threshold: what `threshold` admission uses when a caller passes 0.85 (older codemod output). */
export const DEFAULT_THRESHOLD = 0.85;
export const DEFAULT_ACQUIRE_TIMEOUT_MS = 2000;
export const DEFAULT_POOL_NAME = 'default';

const ADAPTIVE: Admission = Object.freeze({ mode: 'adaptive' });

const DEFAULTS: ResolvedOptions = Object.freeze({
  admission: ADAPTIVE,
  acquireTimeoutMs: DEFAULT_ACQUIRE_TIMEOUT_MS,
  signal: undefined,
  name: DEFAULT_POOL_NAME,
  registry: undefined,
  metrics: true,
});

const PLAN_THRESHOLD: ResolvedOptions = Object.freeze({
  ...DEFAULTS,
  admission: Object.freeze({ mode: 'threshold', threshold: DEFAULT_THRESHOLD }),
});

const KNOWN_OPTIONS = new Set(['threshold', 'maxWaiting', 'acquireTimeoutMs', 'signal', 'name', 'registry', 'metrics']);

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (value === null || typeof value !== 'object') return String(value);
  try {
    return JSON.stringify(value) ?? Object.prototype.toString.call(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

function invalid(option: string, value: unknown, expected: string): TypeError {
  return new TypeError(`quickwins: option "${option}" must be ${expected}, got ${show(value)}`);
}

function validThreshold(value: unknown, option: string): number {
  if (typeof value !== 'number' || !(value > 0 && value <= 1))
    throw invalid(option, value, 'a number with 0 < value ≤ 1');
  return value;
}

/** Normalizes the second argument: undefined, a threshold number, or an options object. */
export function resolveOptions(input: number | BackpressureOptions | undefined): ResolvedOptions {
  if (input === undefined) return DEFAULTS;
  if (typeof input === 'number') {
    // A bare number keeps its old meaning: threshold admission (calls written as `acquireWithBackpressure(pool, 0.85)`).
    if (input === DEFAULT_THRESHOLD) return PLAN_THRESHOLD;
    return { ...DEFAULTS, admission: { mode: 'threshold', threshold: validThreshold(input, 'threshold') } };
  }
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new TypeError(`quickwins: options must be a threshold number or an options object, got ${show(input)}`);
  }
  // for-in rather than Object.keys: no array per call (options objects are often literals built per request)
  for (const key in input) {
    if (!KNOWN_OPTIONS.has(key) && Object.hasOwn(input, key)) {
      throw invalid(key, (input as Record<string, unknown>)[key], 'one of the known options (unknown option)');
    }
  }
  const { threshold, maxWaiting, acquireTimeoutMs, signal, name, registry, metrics } = input;

  let admission: Admission = DEFAULTS.admission;
  if (maxWaiting !== undefined) {
    if (threshold !== undefined) {
      throw invalid('maxWaiting', maxWaiting, 'left out when "threshold" is set (pick one admission mode)');
    }
    if (typeof maxWaiting !== 'number' || !Number.isInteger(maxWaiting) || maxWaiting < 0) {
      throw invalid('maxWaiting', maxWaiting, 'an integer ≥ 0');
    }
    admission = { mode: 'bounded-queue', maxWaiting };
  } else if (threshold !== undefined) {
    admission = { mode: 'threshold', threshold: validThreshold(threshold, 'threshold') };
  }
  if (
    acquireTimeoutMs !== undefined &&
    (typeof acquireTimeoutMs !== 'number' ||
      !Number.isInteger(acquireTimeoutMs) ||
      acquireTimeoutMs < 1 ||
      acquireTimeoutMs > 2 ** 31 - 1)
  ) {
    throw invalid('acquireTimeoutMs', acquireTimeoutMs, 'an integer number of milliseconds from 1 to 2147483647');
  }
  if (signal !== undefined && !isAbortSignal(signal)) throw invalid('signal', signal, 'an AbortSignal');
  if (name !== undefined && (typeof name !== 'string' || name.length === 0))
    throw invalid('name', name, 'a non-empty string');
  if (registry !== undefined && !isRegistryLike(registry))
    throw invalid('registry', registry, 'a prom-client Registry');
  if (metrics !== undefined && typeof metrics !== 'boolean') throw invalid('metrics', metrics, 'a boolean');

  return {
    admission,
    acquireTimeoutMs: acquireTimeoutMs ?? DEFAULT_ACQUIRE_TIMEOUT_MS,
    signal,
    name: name ?? DEFAULT_POOL_NAME,
    registry,
    metrics: metrics ?? true,
  };
}

function isAbortSignal(value: unknown): value is AbortSignal {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as AbortSignal).aborted === 'boolean' &&
    typeof (value as AbortSignal).addEventListener === 'function'
  );
}

function isRegistryLike(value: unknown): value is Registry {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Registry).getSingleMetric === 'function' &&
    typeof (value as Registry).registerMetric === 'function'
  );
}
