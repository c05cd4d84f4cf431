/**
 * queryWithBackpressure: the guarded drop-in for `pool.query(...)`: admission, acquire, query, release.
 * A failed query releases with the error (`release(err)`), so pg destroys that client instead of reusing it,
 * exactly as `pool.query` does.
 */
import type { PoolClient, QueryConfig, QueryConfigValues, QueryResult, QueryResultRow } from 'pg';
import { acquireClient, assertPoolLike, type ReleaseFn } from './acquire.js';
import { resolveOptions, type BackpressureOptions } from './options.js';
import type { PoolLike } from './utilization.js';

/** What the query path needs from a client: pg's `query` and, optionally, its error events. */
export interface QueryableClient {
  query(textOrConfig: string | QueryConfig<unknown[]>, values?: unknown): Promise<QueryResult<QueryResultRow>>;
  on?(event: 'error', listener: (err: Error) => void): unknown;
  removeListener?(event: 'error', listener: (err: Error) => void): unknown;
}

function acquire<TClient>(
  pool: PoolLike<TClient>,
  options: number | BackpressureOptions | undefined,
): Promise<[TClient, ReleaseFn]> {
  const resolved = resolveOptions(options);
  return new Promise((resolve, reject) => {
    acquireClient(pool, resolved, (err, client, release) =>
      err === undefined ? resolve([client as TClient, release]) : reject(err),
    );
  });
}

/**
 * Runs one query on a client taken with backpressure (see acquireWithBackpressure for `options`).
 * Rejects with PoolExhaustedError / AcquireTimeoutError before any query runs, or with the query's own error.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- pg's own default row type is `any`
export async function queryWithBackpressure<R extends QueryResultRow = any, I = unknown[]>(
  pool: PoolLike<PoolClient> | PoolLike<QueryableClient>,
  textOrConfig: string | QueryConfig<I>,
  values?: QueryConfigValues<I>,
  options?: number | BackpressureOptions,
): Promise<QueryResult<R>> {
  assertPoolLike(pool);
  const [client, release] = await acquire(pool as PoolLike<QueryableClient>, options);
  let failure: Error | undefined;
  // A backend that dies mid-query also emits 'error' on the client; unheard, that would crash the process.
  const onClientError = (err: Error): void => {
    failure ??= err;
  };
  client.on?.('error', onClientError);
  try {
    return (await client.query(textOrConfig as string | QueryConfig<unknown[]>, values)) as QueryResult<R>;
  } catch (error) {
    failure = error instanceof Error ? error : new Error(String(error));
    throw error;
  } finally {
    client.removeListener?.('error', onClientError);
    release(failure);
  }
}
