/**
 * The GraphQL runtime in real servers, in-process or on 127.0.0.1: a graphql-js server over node:http with APQ (its
 * answers compared byte for byte with Apollo Server's own on the same requests), the operation line from cachedGraphql,
 * Apollo Server's executeOperation with the Apollo plugin, Yoga's fetch with the envelop plugin, and Mercurius's inject
 * giving the same data as cachedGraphql for the same queries.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import Fastify from 'fastify';
import { createSchema, createYoga } from 'graphql-yoga';
import mercurius from 'mercurius';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cachedGraphql,
  createDocumentCache,
  createPersistedQueryStore,
  handleGraphqlRequest,
  operationLogApolloPlugin,
  sha256Hex,
  useOperationLog,
  type PersistedQueryStore,
} from '../../../runtime/src/graphql/index.js';
import { captureLogger, flush, makeSchema, RESOLVERS, ROOT, TYPE_DEFS } from './support.js';

const schema = makeSchema();
const QUERY = 'query Me { me { id name } }';

async function readBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
}

/** A hand-written graphql-js server: POST /graphql → handleGraphqlRequest. */
function startPlainServer(
  store: PersistedQueryStore | false,
  log: Parameters<typeof handleGraphqlRequest>[2]['log'],
): Promise<{ server: Server; url: string }> {
  const cache = createDocumentCache({ registry: false });
  const server = createServer((request, response) => {
    void readBody(request).then(async (body) => {
      const answer = await handleGraphqlRequest(schema, body as object, {
        persistedQueries: store,
        rootValue: ROOT,
        contextValue: { req: request },
        cache,
        log,
      });
      response.writeHead(answer.status, answer.headers).end(JSON.stringify(answer.body));
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql` }),
    ),
  );
}

async function post(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: unknown; cacheControl: string | null }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'apollo-require-preflight': 'true', ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json(), cacheControl: response.headers.get('cache-control') };
}

const persisted = (hash: string, version = 1) => ({ extensions: { persistedQuery: { version, sha256Hash: hash } } });

describe('APQ over HTTP: a graphql-js server answers as Apollo Server does', () => {
  const closers: (() => Promise<void>)[] = [];
  let plain = '';
  let plainOff = '';
  let apollo = '';
  let apolloOff = '';
  let store: PersistedQueryStore;

  beforeAll(async () => {
    store = createPersistedQueryStore({ maxEntries: 100 });
    const on = await startPlainServer(store, false);
    const off = await startPlainServer(false, false);
    plain = on.url;
    plainOff = off.url;
    closers.push(
      () => new Promise((resolve) => on.server.close(() => resolve())),
      () => new Promise((resolve) => off.server.close(() => resolve())),
    );
    for (const persistedQueries of [undefined, false] as const) {
      const server = new ApolloServer({
        typeDefs: TYPE_DEFS,
        resolvers: RESOLVERS,
        ...(persistedQueries === false ? { persistedQueries } : {}),
      });
      const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
      if (persistedQueries === false) apolloOff = url;
      else apollo = url;
      closers.push(() => server.stop());
    }
  });
  afterAll(async () => {
    for (const close of closers) await close();
  });

  const scenarios: [string, () => unknown][] = [
    ['an unknown hash without the query', () => persisted(sha256Hex('query Never { me { id } }'))],
    ['a hash that does not match the query', () => ({ query: QUERY, ...persisted('0'.repeat(64)) })],
    ['persisted-query version 2', () => ({ query: QUERY, ...persisted(sha256Hex(QUERY), 2) })],
    ['neither a query nor a persisted query', () => ({ variables: {} })],
  ];
  for (const [name, body] of scenarios) {
    it(`${name}: same status, body and cache-control`, async () => {
      const ours = await post(plain, body());
      const theirs = await post(apollo, body());
      expect(ours).toEqual(theirs);
    });
  }

  it('APQ switched off: PERSISTED_QUERY_NOT_SUPPORTED, as Apollo with persistedQueries: false', async () => {
    const body = persisted(sha256Hex(QUERY));
    const ours = await post(plainOff, body);
    expect(ours).toEqual(await post(apolloOff, body));
    expect(ours.body).toEqual({
      errors: [{ message: 'PersistedQueryNotSupported', extensions: { code: 'PERSISTED_QUERY_NOT_SUPPORTED' } }],
    });
  });

  it('registers a hash once its query validated, then serves the hash alone; an invalid query is never registered', async () => {
    const hash = sha256Hex(QUERY);
    expect((await post(plain, persisted(hash))).body).toEqual({
      errors: [{ message: 'PersistedQueryNotFound', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } }],
    });
    const registered = await post(plain, { query: QUERY, ...persisted(hash) });
    expect(registered).toMatchObject({ status: 200, body: { data: { me: { id: 'u1', name: 'Ada' } } } });
    expect(await post(plain, persisted(hash))).toEqual(registered);
    // The same sequence against Apollo gives the same data.
    await post(apollo, { query: QUERY, ...persisted(hash) });
    expect((await post(apollo, persisted(hash))).body).toEqual(registered.body);

    const invalid = 'query Bad { me { password } }';
    const invalidHash = sha256Hex(invalid);
    const rejected = await post(plain, { query: invalid, ...persisted(invalidHash) });
    expect(rejected.status).toBe(400);
    expect(await store.get(invalidHash)).toBeUndefined();
    expect((await post(plain, persisted(invalidHash))).body).toMatchObject({
      errors: [{ extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } }],
    });
  });
});

describe('the operation line', () => {
  it('cachedGraphql: one line per operation with names, hash, split timings, cache, errors and correlation; no variables unless allowed', async () => {
    const { logger, lines } = captureLogger();
    const cache = createDocumentCache({ registry: false });
    const req = {
      headers: { 'x-request-id': 'req-42', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
    };
    const login =
      'mutation Login($email: String!, $password: String!) { login(email: $email, password: $password) { id } }';
    const variableValues = { email: 'ada@example.com', password: 'hunter2' };
    for (let i = 0; i < 2; i++) {
      await cachedGraphql(
        { schema, source: login, rootValue: ROOT, variableValues, contextValue: { req } },
        { cache, log: { logger, logVariables: ['email'] } },
      );
    }
    await cachedGraphql({ schema, source: '{ broken }', rootValue: ROOT }, { cache, log: { logger } });
    await cachedGraphql({ schema, source: '{ me { nope } }', rootValue: ROOT }, { cache, log: { logger } });
    await cachedGraphql({ schema, source: '{ me {', rootValue: ROOT }, { cache, log: { logger } });
    await flush();
    expect(lines).toHaveLength(5);
    const [first, second, broken, invalid, syntax] = lines as [
      Record<string, unknown> & { elapsed_ms: Record<string, number> },
      ...Record<string, unknown>[],
    ];
    expect(first).toMatchObject({
      level: 30,
      event: 'graphql.operation',
      operation_name: 'Login',
      operation_type: 'mutation',
      document_hash: sha256Hex(login),
      cache: 'miss',
      error_count: 0,
      error_codes: [],
      request_id: 'req-42',
      trace_id: '0af7651916cd43dd8448eb211c80319c',
      variables: { email: 'ada@example.com' },
    });
    expect(Object.keys(first!.elapsed_ms).sort()).toEqual(['execute', 'parse', 'total', 'validate']);
    expect(first!.elapsed_ms.validate).toBeGreaterThan(0);
    expect(JSON.stringify(lines)).not.toContain('hunter2');
    expect(second).toMatchObject({ cache: 'hit', elapsed_ms: { parse: 0, validate: 0 } });
    expect(broken).toMatchObject({
      level: 40,
      operation_type: 'query',
      error_count: 1,
      error_codes: ['INTERNAL_SERVER_ERROR'],
    });
    expect(invalid).toMatchObject({ error_count: 1, error_codes: ['GRAPHQL_VALIDATION_FAILED'], cache: 'miss' });
    expect(syntax).toMatchObject({ error_count: 1, error_codes: ['GRAPHQL_PARSE_FAILED'], operation_type: null });
  });

  it('Apollo Server executeOperation with the plugin: miss, then hit from Apollo’s document store', async () => {
    const { logger, lines } = captureLogger();
    const server = new ApolloServer({
      typeDefs: TYPE_DEFS,
      resolvers: RESOLVERS,
      plugins: [operationLogApolloPlugin({ logger })],
    });
    await server.start();
    try {
      for (let i = 0; i < 2; i++) await server.executeOperation({ query: QUERY });
      await server.executeOperation({ query: '{ me { nope } }' });
    } finally {
      await server.stop();
    }
    await flush();
    expect(lines.map((line) => [line.operation_name, line.operation_type, line.cache, line.error_count])).toEqual([
      ['Me', 'query', 'miss', 0],
      ['Me', 'query', 'hit', 0],
      [null, null, 'miss', 1],
    ]);
    expect(lines[0]!.document_hash).toBe(sha256Hex(QUERY));
    expect(lines[2]!.error_codes).toEqual(['GRAPHQL_VALIDATION_FAILED']);
  });

  it('Yoga fetch with the envelop plugin: miss, then hit from Yoga’s parser cache; request id from the Fetch request', async () => {
    const { logger, lines } = captureLogger();
    const yoga = createYoga({
      schema: createSchema({ typeDefs: TYPE_DEFS, resolvers: RESOLVERS }),
      plugins: [useOperationLog({ logger })],
      logging: false,
    });
    for (let i = 0; i < 2; i++) {
      const response = await yoga.fetch('http://yoga/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': `yoga-${i}` },
        body: JSON.stringify({ query: QUERY }),
      });
      expect(await response.json()).toEqual({ data: { me: { id: 'u1', name: 'Ada' } } });
    }
    await yoga.fetch('http://yoga/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ me { nope } }' }),
    });
    await flush();
    expect(
      lines.map((line) => [line.operation_name, line.operation_type, line.cache, line.error_count, line.request_id]),
    ).toEqual([
      ['Me', 'query', 'miss', 0, 'yoga-0'],
      ['Me', 'query', 'hit', 0, 'yoga-1'],
      // Unlike Apollo (which names the operation only once it validated), the document parsed: its one operation is a query.
      [null, 'query', 'miss', 1, undefined],
    ]);
    expect(lines[0]!.document_hash).toBe(sha256Hex(QUERY));
  });

  it('Mercurius inject gives the data cachedGraphql gives for the same queries', async () => {
    const app = Fastify();
    await app.register(mercurius, { schema: TYPE_DEFS, resolvers: RESOLVERS as never });
    const queries = [
      QUERY,
      '{ feed(first: 2) { title author { name } } }',
      '{ search(text: "a") { __typename ... on Post { title } } }',
      '{ user(id: "u2") { name email } }',
    ];
    try {
      for (const query of queries) {
        const injected = await app.inject({ method: 'POST', url: '/graphql', payload: { query } });
        const ours = await cachedGraphql({ schema, source: query, rootValue: ROOT }, { log: false });
        expect((injected.json() as { data: unknown }).data).toEqual(JSON.parse(JSON.stringify(ours.data)));
      }
    } finally {
      await app.close();
    }
  });
});
