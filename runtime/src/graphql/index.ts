// `@quickwins/runtime/graphql`: a document cache for graphql-js (parse + validate once per source, per schema and
// rule set), `cachedGraphql` as a drop-in for `graphql()`, Apollo's automatic persisted queries, and one JSON line per
// operation (cachedGraphql, an envelop plugin, an Apollo Server plugin). graphql is a peer dependency.
export {
  createDocumentCache,
  defaultDocumentCache,
  DocumentCache,
  sha256Hex,
  type DocumentCacheOptions,
  type CachedDocument,
  type Lookup,
} from './cache.js';
export { cachedGraphql, cachedParse, cachedValidate, type CachedGraphqlOptions } from './cached-graphql.js';
export {
  createPersistedQueryStore,
  handleGraphqlRequest,
  resolvePersistedQuery,
  PERSISTED_QUERY_NOT_FOUND,
  PERSISTED_QUERY_NOT_SUPPORTED,
  type PersistedQueryStore,
  type GraphqlRequestBody,
  type GraphqlHttpResponse,
  type HandleGraphqlRequestOptions,
} from './persisted-queries.js';
export { correlationOfContext, type OperationLogOptions, type OperationLogger } from './operation-log.js';
export { useOperationLog, type OperationLogEnvelopPlugin } from './envelop.js';
export { operationLogApolloPlugin, type OperationLogApolloPlugin, type ApolloRequestContextLike } from './apollo.js';
export { GRAPHQL_METRIC_NAMES } from './metrics.js';
