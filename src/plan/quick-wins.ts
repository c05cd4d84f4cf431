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
  /** `@quickwins/runtime/<area>`: code importing it has started the change. */
  readonly runtimeArea?: string;
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
    runtimeArea: 'pg',
  },
  {
    id: 'index-advisor',
    title: 'Add the missing database indexes',
    day: '2',
    libraries: [...POSTGRES_CLIENTS, 'postgres', 'pg-promise', 'slonik', '@neondatabase/serverless', '@vercel/postgres', '@databases/pg'],
  },
  {
    id: 'narrow-eslint-disable',
    title: 'Remove blanket warning suppression',
    day: '3',
    codemod: 'narrow-eslint-disable',
    rule: 'quickwins/no-blanket-disable',
    libraries: [],
  },
  {
    id: 'auth-logging',
    title: 'Structured logging on the auth paths',
    day: '4-5',
    codemod: 'auth-logging',
    libraries: [],
    runtimeArea: 'auth',
  },
  {
    id: 'graphql-cache',
    title: 'Cache GraphQL queries',
    day: '8',
    codemod: 'graphql-cache',
    rule: 'quickwins/graphql-cache',
    libraries: ['graphql', '@apollo/server', 'apollo-server', 'apollo-server-express', 'graphql-yoga', 'mercurius', 'express-graphql', 'graphql-http'],
    runtimeArea: 'graphql',
  },
  {
    id: 'kafka-dedupe',
    title: 'De-duplicate Kafka batches',
    day: '9',
    codemod: 'kafka-dedupe',
    rule: 'quickwins/kafka-batch-protocol',
    libraries: ['kafkajs'],
    runtimeArea: 'kafka',
  },
  {
    id: 'grpc-rotation',
    title: 'Rotate gRPC connections',
    day: '10',
    codemod: 'grpc-rotation',
    rule: 'quickwins/grpc-connection-rotation',
    libraries: ['@grpc/grpc-js'],
    runtimeArea: 'grpc',
  },
];
