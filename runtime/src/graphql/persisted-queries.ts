/**
 * Automatic persisted queries, Apollo's protocol version 1 (`extensions.persistedQuery: { version: 1, sha256Hash }`),
 * answered with Apollo Server's own error bodies and statuses, so Apollo Client's persisted-query link (which retries
 * with the full query on PERSISTED_QUERY_NOT_FOUND) works against a hand-written graphql-js server:
 *
 *   hash unknown, no query      200  PersistedQueryNotFound             extensions.code PERSISTED_QUERY_NOT_FOUND
 *   APQ switched off            200  PersistedQueryNotSupported         extensions.code PERSISTED_QUERY_NOT_SUPPORTED
 *   version other than 1        400  Unsupported persisted query version  extensions.code INTERNAL_SERVER_ERROR
 *   hash ≠ sha256(query)        400  provided sha does not match query     extensions.code INTERNAL_SERVER_ERROR
 *   neither query nor hash      400  GraphQL operations must contain a non-empty `query` or a `persistedQuery` extension.
 *                                                                         extensions.code BAD_REQUEST
 * The two 200 answers carry `cache-control: private, no-cache, must-revalidate` (a CDN must not keep them), the 400s
 * `cache-control: no-store`, as Apollo Server 5 sends them.
 *
 * A hash is registered only after its query parsed and validated against the schema: a client cannot fill the store
 * with garbage, and a query that stops validating after a schema change is not served from it either (it is looked up
 * again through the document cache, which is per schema).
 */
import type { ExecutionResult, GraphQLArgs } from 'graphql';
import { sha256Hex } from './cache.js';
import { cachedGraphql, type CachedGraphqlOptions } from './cached-graphql.js';
import { Lru } from './lru.js';
import { validateLogOptions, writeOperationLine } from './operation-log.js';

export interface PersistedQueryStore {
  get(hash: string): string | undefined | Promise<string | undefined>;
  set(hash: string, query: string): void | Promise<void>;
}

/** An in-memory store bounded by entry count and query length (longer queries are never registered). */
export function createPersistedQueryStore(
  options: { readonly maxEntries?: number; readonly maxQueryLength?: number } = {},
): PersistedQueryStore {
  const maxEntries = options.maxEntries ?? 1000;
  const maxQueryLength = options.maxQueryLength ?? 50_000;
  if (!Number.isInteger(maxEntries) || maxEntries < 1)
    throw new TypeError(`createPersistedQueryStore: maxEntries must be a whole number ≥ 1, got ${String(maxEntries)}`);
  if (!Number.isInteger(maxQueryLength) || maxQueryLength < 1) {
    throw new TypeError(
      `createPersistedQueryStore: maxQueryLength must be a whole number ≥ 1, got ${String(maxQueryLength)}`,
    );
  }
  const entries = new Lru<string, string>(maxEntries);
  return {
    get: (hash) => entries.get(hash),
    set: (hash, query) => {
      if (query.length <= maxQueryLength) entries.set(hash, query);
    },
  };
}

/** The body of a GraphQL POST (or the decoded GET parameters). */
export interface GraphqlRequestBody {
  readonly query?: unknown;
  readonly operationName?: unknown;
  readonly variables?: unknown;
  readonly extensions?: unknown;
}

export interface GraphqlHttpResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: ExecutionResult;
}

export interface HandleGraphqlRequestOptions extends CachedGraphqlOptions {
  /** The APQ store; `false` answers PERSISTED_QUERY_NOT_SUPPORTED to persisted-query requests (as Apollo does). */
  readonly persistedQueries: PersistedQueryStore | false;
  readonly rootValue?: unknown;
  readonly contextValue?: unknown;
  readonly fieldResolver?: GraphQLArgs['fieldResolver'];
  readonly typeResolver?: GraphQLArgs['typeResolver'];
}

const JSON_TYPE = { 'content-type': 'application/json; charset=utf-8' } as const;
const UNCACHEABLE = { ...JSON_TYPE, 'cache-control': 'private, no-cache, must-revalidate' } as const;
const NOT_STORED = { ...JSON_TYPE, 'cache-control': 'no-store' } as const;

function errorResponse(
  status: number,
  headers: Readonly<Record<string, string>>,
  message: string,
  code: string,
): GraphqlHttpResponse {
  return {
    status,
    headers,
    body: { errors: [{ message, extensions: { code } }] as unknown as ExecutionResult['errors'] },
  };
}

export const PERSISTED_QUERY_NOT_FOUND = (): GraphqlHttpResponse =>
  errorResponse(200, UNCACHEABLE, 'PersistedQueryNotFound', 'PERSISTED_QUERY_NOT_FOUND');
export const PERSISTED_QUERY_NOT_SUPPORTED = (): GraphqlHttpResponse =>
  errorResponse(200, UNCACHEABLE, 'PersistedQueryNotSupported', 'PERSISTED_QUERY_NOT_SUPPORTED');

interface PersistedQueryExtension {
  readonly version?: unknown;
  readonly sha256Hash?: unknown;
}

function persistedQueryOf(extensions: unknown): PersistedQueryExtension | undefined {
  if (extensions === null || typeof extensions !== 'object') return undefined;
  const value = (extensions as { persistedQuery?: unknown }).persistedQuery;
  return value !== null && typeof value === 'object' ? (value as PersistedQueryExtension) : undefined;
}

/** Resolves the query of a request: its own text, or the persisted one; or the APQ error response to send. */
export async function resolvePersistedQuery(
  body: GraphqlRequestBody,
  store: PersistedQueryStore | false,
): Promise<
  { readonly query: string; readonly register: string | undefined } | { readonly response: GraphqlHttpResponse }
> {
  const persisted = persistedQueryOf(body.extensions);
  const query = typeof body.query === 'string' && body.query !== '' ? body.query : undefined;
  if (persisted === undefined) {
    if (query !== undefined) return { query, register: undefined };
    return {
      response: errorResponse(
        400,
        NOT_STORED,
        'GraphQL operations must contain a non-empty `query` or a `persistedQuery` extension.',
        'BAD_REQUEST',
      ),
    };
  }
  if (store === false) return { response: PERSISTED_QUERY_NOT_SUPPORTED() };
  if (persisted.version !== 1)
    return { response: errorResponse(400, NOT_STORED, 'Unsupported persisted query version', 'INTERNAL_SERVER_ERROR') };
  const hash = typeof persisted.sha256Hash === 'string' ? persisted.sha256Hash : '';
  if (query === undefined) {
    const found = await store.get(hash);
    return found === undefined ? { response: PERSISTED_QUERY_NOT_FOUND() } : { query: found, register: undefined };
  }
  if (sha256Hex(query) !== hash)
    return { response: errorResponse(400, NOT_STORED, 'provided sha does not match query', 'INTERNAL_SERVER_ERROR') };
  return { query, register: hash };
}

/**
 * One GraphQL-over-HTTP request (POST body or decoded GET parameters): APQ, then cachedGraphql. The caller writes
 * `status`, `headers` and `JSON.stringify(body)`. `variables` must be an object (or absent), `operationName` a string.
 */
export async function handleGraphqlRequest(
  schema: GraphQLArgs['schema'],
  body: GraphqlRequestBody,
  options: HandleGraphqlRequestOptions,
): Promise<GraphqlHttpResponse> {
  const start = performance.now();
  const resolved = await resolvePersistedQuery(body, options.persistedQueries);
  if ('response' in resolved) {
    if (options.log !== false) {
      validateLogOptions(options.log, 'handleGraphqlRequest');
      writeOperationLine(options.log ?? {}, {
        operationName: typeof body.operationName === 'string' ? body.operationName : undefined,
        operationType: undefined,
        documentHash:
          typeof persistedQueryOf(body.extensions)?.sha256Hash === 'string'
            ? (persistedQueryOf(body.extensions)!.sha256Hash as string)
            : undefined,
        cache: 'unknown',
        parseMs: 0,
        validateMs: 0,
        executeMs: 0,
        totalMs: performance.now() - start,
        errors: resolved.response.body.errors ?? [],
        failedAt: 'request',
        variables: undefined,
        contextValue: options.contextValue,
      });
    }
    return resolved.response;
  }
  const variables = body.variables;
  if (variables != null && (typeof variables !== 'object' || Array.isArray(variables))) {
    return errorResponse(400, JSON_TYPE, '`variables` in a POST body should be provided as an object.', 'BAD_REQUEST');
  }
  const store = options.persistedQueries;
  const register = resolved.register;
  const result = await cachedGraphql(
    {
      schema,
      source: resolved.query,
      rootValue: options.rootValue,
      contextValue: options.contextValue,
      variableValues: variables as Record<string, unknown> | null | undefined,
      operationName: typeof body.operationName === 'string' ? body.operationName : undefined,
      fieldResolver: options.fieldResolver,
      typeResolver: options.typeResolver,
    },
    {
      ...options,
      onValidated: (entry, source) => {
        // Registered only now: the query parsed and validated against this schema.
        if (store !== false && register !== undefined)
          void Promise.resolve(store.set(register, source)).catch(() => undefined);
        options.onValidated?.(entry, source);
      },
    },
  );
  // As express-graphql and Apollo Server: a request that never reached execution (no `data`) is a 400.
  return { status: 'data' in result ? 200 : 400, headers: JSON_TYPE, body: result };
}
