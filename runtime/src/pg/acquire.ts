/**
 * acquireWithBackpressure: take a client from a pg pool, or fail fast with a typed error.
 *
 * One request moves through plain states:
 *   refused  → admission said no: PoolExhaustedError at once; the pool is never touched (no queue entry).
 *   waiting  → admitted: `pool.connect(cb)` was called; a deadline timer and the abort signal race the client.
 *   settled  → the caller got a client or an error. Exactly one outcome, decided by the `settled` flag.
 * If the caller gave up (timeout or abort) the request is withdrawn from pg-pool's queue when it still sits there, and a
 * client that arrives anyway (it was already connecting) is released straight back, so the pool never shrinks.
 */
import type { PoolClient } from 'pg';
import { adaptiveStateFor, type AdaptiveAdmission } from './adaptive.js';
import { refuseAdmission } from './admission.js';
import { awaitDeadline } from './deadlines.js';
import { AcquireTimeoutError, notAPool } from './errors.js';
import { NO_METRICS, poolMetrics, type PoolMetrics } from './metrics.js';
import { resolveOptions, type BackpressureOptions, type ResolvedOptions } from './options.js';
import { poolSnapshot, type ConnectCallback, type PoolLike } from './utilization.js';

/** `release(err)` of pg: with an error (or `true`) the client is destroyed instead of returned. */
export type ReleaseFn = (err?: Error | boolean) => void;
export type AcquireCallback<TClient> = (
  err: Error | undefined,
  client: TClient | undefined,
  release: ReleaseFn,
) => void;

const NOOP_RELEASE: ReleaseFn = () => undefined;

/**
 * pg-pool cannot cancel a queued `connect()`, but its queue is a plain array of `{ callback }` items (`_pendingQueue`),
 * and pg-pool removes timed-out items from it the same way. Removing ours keeps the dead request from taking a client
 * ahead of live ones and from counting as a waiter. Pools without such a queue fall back to release-on-arrival.
 */
function withdrawFromQueue(pool: object, callback: ConnectCallback<unknown>): void {
  const queue = (pool as { _pendingQueue?: unknown })._pendingQueue;
  if (!Array.isArray(queue)) return;
  const index = queue.findIndex((item: { callback?: unknown } | null) => item?.callback === callback);
  if (index !== -1) queue.splice(index, 1);
}

function abortReason(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  return reason instanceof Error
    ? reason
    : new DOMException(String(reason ?? 'This operation was aborted'), 'AbortError');
}

/**
 * One acquisition in flight. A class with plain fields rather than a nest of closures: the state is visible at a glance,
 * and the warm-pool fast path allocates one object instead of five functions.
 */
class Acquisition<TClient> {
  declare readonly pool: PoolLike<TClient>;
  declare readonly options: ResolvedOptions;
  declare readonly metrics: PoolMetrics;
  declare readonly done: AcquireCallback<TClient>;
  /** Set once the caller has its outcome (client or error); everything after that is cleanup only. */
  declare settled: boolean;
  /** The deadline; undefined until armed at the end of the admitting turn (see deadlines.ts). */
  declare timer: ReturnType<typeof setTimeout> | undefined;
  /** performance.now() at the start of the turn that admitted this request. */
  declare admittedAt: number;
  /** The callback handed to `pool.connect`; its identity is how the request is found again in pg-pool's queue. */
  declare readonly onConnect: ConnectCallback<TClient>;
  /** The pool's adaptive admission state, fed with waits and hold times; undefined in the fixed modes. */
  declare readonly policy: AdaptiveAdmission | undefined;

  // `declare` fields and plain assignments: no class-field definitions emitted, one object shape built in one place.
  constructor(
    pool: PoolLike<TClient>,
    options: ResolvedOptions,
    metrics: PoolMetrics,
    done: AcquireCallback<TClient>,
    policy: AdaptiveAdmission | undefined,
  ) {
    this.pool = pool;
    this.options = options;
    this.metrics = metrics;
    this.done = done;
    this.policy = policy;
    this.settled = false;
    this.timer = undefined;
    this.admittedAt = 0;
    this.onConnect = (err, client, release) => this.connected(err, client, release as ReleaseFn);
  }

  start(): void {
    this.pool.connect(this.onConnect);
    if (this.settled) return; // the pool answered synchronously (e.g. it is ending)
    this.options.signal?.addEventListener('abort', this, { once: true });
    this.admittedAt = awaitDeadline(this);
  }

  /** Called at the end of the admitting turn if the request is still waiting. */
  armDeadline(): void {
    const timer = setTimeout(fireDeadline, this.options.acquireTimeoutMs, this as Acquisition<unknown>);
    // Like pg-pool's own connection timeout: a pending deadline alone does not keep the process alive.
    timer.unref?.();
    this.timer = timer;
  }

  connected(err: Error | undefined, client: TClient | undefined, release: ReleaseFn): void {
    if (this.settled) {
      // The caller gave up before this client arrived: hand it straight back, the pool must not shrink.
      if (client !== undefined && err == null) release();
      return;
    }
    this.finish();
    if (err != null || client === undefined) {
      this.done(err ?? new Error('pool returned no client'), undefined, NOOP_RELEASE);
      return;
    }
    // No deadline armed yet: the client came within the turn that asked for it (a wait of microseconds), recorded as 0.
    const waitedMs = this.timer === undefined ? 0 : performance.now() - this.admittedAt;
    this.metrics.waited(waitedMs / 1000);
    const policy = this.policy;
    if (policy !== undefined && (waitedMs > 0 || policy.sampleHold())) {
      if (waitedMs > 0) policy.waited(waitedMs);
      release = timeHold(policy, client, release);
    }
    this.done(undefined, client, release);
  }

  /** The abort listener (an EventListener object, so no closure is needed). */
  handleEvent(): void {
    this.giveUp(abortReason(this.options.signal));
  }

  timedOut(): void {
    if (this.settled) return;
    this.metrics.timedOut();
    this.giveUp(new AcquireTimeoutError(this.options.name, poolSnapshot(this.pool), this.options.acquireTimeoutMs));
  }

  giveUp(error: Error): void {
    if (this.settled) return;
    this.finish();
    withdrawFromQueue(this.pool, this.onConnect as ConnectCallback<unknown>);
    this.done(error, undefined, NOOP_RELEASE);
  }

  finish(): void {
    this.settled = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.options.signal?.removeEventListener('abort', this);
  }
}

/**
 * Measures this checkout's hold time (until release) for the adaptive policy: wraps the release function handed out,
 * and `client.release` when it is that same function (pg-pool sets a fresh one on every checkout).
 */
function timeHold<TClient>(policy: AdaptiveAdmission, client: TClient, release: ReleaseFn): ReleaseFn {
  const checkedOutAt = performance.now();
  let timed = false;
  const timedRelease: ReleaseFn = (err) => {
    if (!timed) {
      timed = true;
      policy.held(performance.now() - checkedOutAt);
    }
    release(err);
  };
  const holder = client as { release?: unknown };
  if (typeof client === 'object' && client !== null && holder.release === release) holder.release = timedRelease;
  return timedRelease;
}

function fireDeadline(acquisition: Acquisition<unknown>): void {
  acquisition.timedOut();
}

/** The engine behind both call styles. `done` is called exactly once. */
export function acquireClient<TClient>(
  pool: PoolLike<TClient>,
  options: ResolvedOptions,
  done: AcquireCallback<TClient>,
): void {
  const { signal } = options;
  if (signal?.aborted) return done(abortReason(signal), undefined, NOOP_RELEASE);

  const metrics = options.metrics ? poolMetrics(options.registry, options.name) : NO_METRICS;
  metrics.track(pool as PoolLike<unknown>);
  const policy = options.admission.mode === 'adaptive' ? adaptiveStateFor(pool) : undefined;
  // An ending pool answers connect() at once with its own error, which says more than "exhausted" would.
  const refusal =
    pool.ending === true
      ? undefined
      : refuseAdmission(pool, options.admission, options.name, policy, options.acquireTimeoutMs);
  if (refusal !== undefined) {
    metrics.exhausted(refusal.reason);
    return done(refusal.error, undefined, NOOP_RELEASE);
  }
  new Acquisition(pool, options, metrics, done, policy).start();
}

/**
 * Takes a client from `pool`, or fails fast:
 * - above the admission limit → `PoolExhaustedError` at once (never queued). The limit is adaptive by default (a short
 *   queue sized from the pool's measured hold times); `threshold` or `maxWaiting` choose a fixed rule,
 * - no client within `acquireTimeoutMs` (default 2 s) → `AcquireTimeoutError`,
 * - `signal` aborted → rejects with `signal.reason`.
 * The second argument is a threshold (the plan's 0.85 for older calls) or options. Release the client with `client.release()` as usual.
 * With a callback it mirrors `pool.connect(cb)`: `callback(err, client, release)`.
 */
export function acquireWithBackpressure<TClient = PoolClient>(
  pool: PoolLike<TClient>,
  threshold?: number,
): Promise<TClient>;
export function acquireWithBackpressure<TClient = PoolClient>(
  pool: PoolLike<TClient>,
  options?: BackpressureOptions,
): Promise<TClient>;
export function acquireWithBackpressure<TClient = PoolClient>(
  pool: PoolLike<TClient>,
  callback: AcquireCallback<TClient>,
): void;
export function acquireWithBackpressure<TClient = PoolClient>(
  pool: PoolLike<TClient>,
  options: number | BackpressureOptions | undefined,
  callback: AcquireCallback<TClient>,
): void;
export function acquireWithBackpressure<TClient = PoolClient>(
  pool: PoolLike<TClient>,
  optionsOrCallback?: number | BackpressureOptions | AcquireCallback<TClient>,
  maybeCallback?: AcquireCallback<TClient>,
): Promise<TClient> | void {
  assertPoolLike(pool);
  const callback = typeof optionsOrCallback === 'function' ? optionsOrCallback : maybeCallback;
  const options = resolveOptions(typeof optionsOrCallback === 'function' ? undefined : optionsOrCallback);
  if (callback !== undefined) {
    if (typeof callback !== 'function')
      throw new TypeError(`quickwins: callback must be a function, got ${typeof callback}`);
    return acquireClient(pool, options, callback);
  }
  return new Promise<TClient>((resolve, reject) => {
    acquireClient(pool, options, (err, client) => (err === undefined ? resolve(client as TClient) : reject(err)));
  });
}

/** Cheap shape check up front; the counters are checked where admission reads them (see refuseAdmission). */
export function assertPoolLike(pool: unknown): asserts pool is PoolLike<unknown> {
  if (typeof (pool as Partial<PoolLike<unknown>> | null)?.connect !== 'function') throw notAPool();
}
