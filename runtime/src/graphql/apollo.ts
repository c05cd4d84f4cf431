/**
 * `operationLogApolloPlugin(options)`: the operation line as an Apollo Server (4/5) plugin. Apollo's own document store
 * is the cache here: when it already holds the document, Apollo skips `parsingDidStart`, so a request that never
 * parsed is a `hit`. `document_hash` is Apollo's `queryHash` (SHA-256 of the query, the APQ hash). The plugin types
 * are written out structurally so the runtime needs no @apollo/server.
 */
import type { GraphQLError, OperationTypeNode } from 'graphql';
import {
  correlationOfContext,
  validateLogOptions,
  writeOperationLine,
  type OperationLogOptions,
} from './operation-log.js';

interface HeaderGetter {
  get(name: string): string | undefined | null;
}

/** The slice of Apollo's GraphQLRequestContext the plugin reads. */
export interface ApolloRequestContextLike {
  readonly request: {
    readonly variables?: Record<string, unknown>;
    readonly operationName?: string;
    readonly http?: { readonly headers: HeaderGetter };
  };
  readonly contextValue: unknown;
  readonly queryHash?: string;
  readonly operationName?: string | null;
  readonly operation?: { readonly operation: OperationTypeNode };
  readonly errors?: readonly GraphQLError[];
  readonly response?: {
    readonly body?: { readonly kind: string; readonly singleResult?: { readonly errors?: readonly unknown[] } };
  };
}

type Hook = () => Promise<(() => Promise<void>) | void>;

export interface OperationLogApolloPlugin {
  requestDidStart(_requestContext: ApolloRequestContextLike): Promise<{
    parsingDidStart: Hook;
    validationDidStart: Hook;
    executionDidStart(): Promise<{ executionDidEnd(): Promise<void> }>;
    willSendResponse(requestContext: ApolloRequestContextLike): Promise<void>;
  }>;
}

export function operationLogApolloPlugin(options: OperationLogOptions = {}): OperationLogApolloPlugin {
  validateLogOptions(options, 'operationLogApolloPlugin');
  return {
    async requestDidStart() {
      const start = performance.now();
      let parsed = false;
      let parseMs = 0;
      let validateMs = 0;
      let executeMs = 0;
      let failedAt: 'parse' | 'validate' | 'execute' | 'request' = 'request';
      const timed =
        (add: (ms: number) => void, phase: typeof failedAt): Hook =>
        async () => {
          const phaseStart = performance.now();
          failedAt = phase;
          return async () => add(performance.now() - phaseStart);
        };
      return {
        parsingDidStart: async () => {
          parsed = true;
          return timed((ms) => (parseMs = ms), 'parse')();
        },
        validationDidStart: timed((ms) => (validateMs = ms), 'validate'),
        async executionDidStart() {
          const executeStart = performance.now();
          failedAt = 'execute';
          return {
            async executionDidEnd() {
              executeMs = performance.now() - executeStart;
            },
          };
        },
        async willSendResponse(done) {
          const errors = (done.errors ?? done.response?.body?.singleResult?.errors ?? []) as readonly GraphQLError[];
          // Apollo's context rarely keeps the request: fall back to the HTTP headers Apollo itself holds.
          const headers = done.request.http?.headers;
          const correlation =
            options.correlation ??
            ((contextValue: unknown) => {
              const fromContext = correlationOfContext(contextValue);
              return fromContext.request_id !== undefined || headers === undefined
                ? fromContext
                : correlationOfContext({ headers });
            });
          writeOperationLine(
            { ...options, correlation },
            {
              operationName: done.operationName ?? done.request.operationName ?? undefined,
              operationType: done.operation?.operation,
              documentHash: done.queryHash,
              cache: parsed ? 'miss' : done.queryHash === undefined ? 'unknown' : 'hit',
              parseMs,
              validateMs,
              executeMs,
              totalMs: performance.now() - start,
              errors,
              failedAt,
              variables: done.request.variables,
              contextValue: done.contextValue,
            },
          );
        },
      };
    },
  };
}
