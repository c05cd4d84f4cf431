/**
 * The seven quick wins of the plan quickwins automates, in the plan's order: what each changes, the tool that does
 * it, the libraries that make it apply, the ESLint rule that keeps it done, and the runtime subpath its rewrite imports.
 */
export interface QuickWin {
  readonly id: string;
  readonly title: string;
  /** The plan's day(s), as the plan numbers them over two weeks of working days. */
  readonly day: string;
  /** The codemod that does it; undefined for the index advisor, which needs a database. */
  readonly codemod?: string;
  /** The rule whose being on keeps the win done; undefined when no rule guards it. */
  readonly rule?: string;
  /** A dependency on one of these makes the win apply even before a site is found. */
  readonly libraries: readonly string[];
  /** Applies to every project ESLint lints (its rule keeps new blanket directives out), sites or not. */
  readonly appliesWhereEslintRuns?: boolean;
  /** The runtime helpers its rewrite calls: a file importing `@quickwins/runtime` and naming one has started the change. */
  readonly runtimeHelpers: readonly string[];
}

const POSTGRES_CLIENTS = ['pg', 'pg-pool', '@fastify/postgres', 'fastify-postgres'];

export const QUICK_WINS: readonly QuickWin[] = [
  {
    id: 'pool-backpressure',
    title: 'Reject early when the connection pool is exhausted',
    day: '1',
    codemod: 'pool-backpressure',
    rule: 'quickwins/no-raw-pool-connect',
    libraries: POSTGRES_CLIENTS,
    runtimeHelpers: ['acquireWithBackpressure', 'queryWithBackpressure'],
  },
  {
    id: 'index-advisor',
    title: 'Add the missing database indexes',
    day: '2',
    libraries: [
      ...POSTGRES_CLIENTS,
      'postgres',
      'pg-promise',
      'slonik',
      '@neondatabase/serverless',
      '@vercel/postgres',
      '@databases/pg',
    ],
    runtimeHelpers: [],
  },
  {
    id: 'narrow-eslint-disable',
    title: 'Remove blanket warning suppression',
    day: '3',
    codemod: 'narrow-eslint-disable',
    rule: 'quickwins/no-blanket-disable',
    libraries: [],
    appliesWhereEslintRuns: true,
    runtimeHelpers: [],
  },
  {
    id: 'auth-logging',
    title: 'Structured logging on the auth paths',
    day: '4-5',
    codemod: 'auth-logging',
    libraries: [],
    runtimeHelpers: ['withAuthLogging', 'AuthLogged', 'AuthLoggedResolver', 'AuthLoggedMethod'],
  },
  {
    id: 'graphql-cache',
    title: 'Cache GraphQL queries',
    day: '8',
    codemod: 'graphql-cache',
    rule: 'quickwins/graphql-cache',
    libraries: [
      'graphql',
      '@apollo/server',
      'apollo-server',
      'apollo-server-express',
      'graphql-yoga',
      'mercurius',
      'express-graphql',
      'graphql-http',
    ],
    runtimeHelpers: ['cachedParse', 'cachedValidate', 'cachedGraphql', 'createDocumentCache', 'defaultDocumentCache'],
  },
  {
    id: 'kafka-dedupe',
    title: 'De-duplicate Kafka batches',
    day: '9',
    codemod: 'kafka-dedupe',
    rule: 'quickwins/kafka-batch-protocol',
    libraries: ['kafkajs'],
    runtimeHelpers: ['dedupeEachMessage', 'dedupeEachBatch', 'dedupeBatch'],
  },
  {
    id: 'grpc-rotation',
    title: 'Rotate gRPC connections',
    day: '10',
    codemod: 'grpc-rotation',
    rule: 'quickwins/grpc-connection-rotation',
    libraries: ['@grpc/grpc-js'],
    runtimeHelpers: ['rotatingClient'],
  },
];

/** The quick wins whose runtime helpers a file that imports `@quickwins/runtime` (root or a subpath) names. */
export function quickWinsStartedIn(text: string): QuickWin[] {
  if (!text.includes('@quickwins/runtime')) return [];
  return QUICK_WINS.filter((win) => win.runtimeHelpers.some((helper) => new RegExp(`\\b${helper}\\b`).test(text)));
}
