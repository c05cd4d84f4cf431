/**
 * The document cache and cachedGraphql against graphql-js itself: the same answers (data and errors, serialized as a
 * server sends them) over a generated query set, first run and cached runs; then schema reload, rule sets, bounds,
 * an invalid-query storm, the split parse/validate form, and the prom-client metrics.
 */
import fc from 'fast-check';
import {
  graphql,
  NoSchemaIntrospectionCustomRule,
  parse,
  specifiedRules,
  validate,
  getIntrospectionQuery,
  GraphQLError,
} from 'graphql';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import {
  cachedGraphql,
  cachedParse,
  cachedValidate,
  createDocumentCache,
  GRAPHQL_METRIC_NAMES,
} from '../../../runtime/src/graphql/index.js';
import { makeSchema, ROOT } from './support.js';

const NO_LOG = { log: false } as const;
const schema = makeSchema();
const wire = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

// Pieces of a query: fields with and without arguments, aliases, fragments, typos, variables, directives.
const SELECTIONS = [
  'me { id name }',
  'me { name email posts { title tags } }',
  'user(id: "u2") { name posts(first: 1) { title } }',
  'user(id: $id) { name }',
  'feed { title author { name } }',
  'feed(first: 1, filter: { tag: "perf" }) { id title }',
  'feed(filter: { order: OLDEST }) { id }',
  'search(text: "a") { __typename ... on User { name } ... on Post { title } }',
  'node(id: "p2") { id ... on Post { title } }',
  'broken',
  'slow',
  'alias: me { id }',
  '__typename',
  'me { ...UserBits }',
  'me { nope }',
  'user { name }',
  'feed(first: "x") { id }',
  'me { name @include(if: $flag) }',
  'me { name @skip(if: true) }',
  'search(text: "a") { name }',
];
const BROKEN_SYNTAX = [
  '{ me { id }',
  'query { me { id } } }',
  'query Q($a: ) { me { id } }',
  '',
  '#only a comment',
  'fragment F on User { id }',
];

const queryArbitrary = fc.oneof(
  {
    weight: 5,
    arbitrary: fc
      .record({
        picks: fc.uniqueArray(fc.constantFrom(...SELECTIONS), { minLength: 1, maxLength: 4 }),
        kind: fc.constantFrom('query', 'mutation-login', 'anonymous'),
        name: fc.constantFrom('', 'Feed', 'Me'),
      })
      .map(({ picks, kind, name }) => {
        const body = picks.join('\n  ');
        const needsFragment = body.includes('...UserBits');
        const fragment = needsFragment ? '\nfragment UserBits on User { id email }' : '';
        if (kind === 'mutation-login')
          return `mutation ${name} { login(email: "ada@example.com", password: "x") { id } }`;
        const variables = body.includes('$id') || body.includes('$flag') ? '($id: ID!, $flag: Boolean!)' : '';
        if (kind === 'anonymous' && variables === '') return `{\n  ${body}\n}${fragment}`;
        return `query ${name || 'Op'}${variables} {\n  ${body}\n}${fragment}`;
      }),
  },
  { weight: 1, arbitrary: fc.constantFrom(...BROKEN_SYNTAX) },
);

describe('cachedGraphql is graphql()', () => {
  it('answers a generated query set exactly as graphql-js, on the first and on cached runs', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(queryArbitrary, { minLength: 1, maxLength: 6 }),
        fc.constantFrom(undefined, 'Op', 'Feed', 'Nope'),
        fc.record({ id: fc.constantFrom('u1', 'u2', 'zz'), flag: fc.boolean() }),
        async (sources, operationName, variableValues) => {
          const cache = createDocumentCache({ registry: false, maxDocuments: 4, maxErrors: 2 });
          for (const source of [...sources, ...sources]) {
            const args = { schema, source, rootValue: ROOT, variableValues, operationName };
            const expected = wire(await graphql(args));
            expect(wire(await cachedGraphql(args, { cache, ...NO_LOG }))).toEqual(expected);
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('answers a Source object and an invalid schema like graphql()', async () => {
    const { Source } = await import('graphql');
    const source = new Source('{ me { id } }', 'Named.graphql');
    expect(wire(await cachedGraphql({ schema, source, rootValue: ROOT }, NO_LOG))).toEqual(
      wire(await graphql({ schema, source, rootValue: ROOT })),
    );
    const { GraphQLSchema, GraphQLObjectType } = await import('graphql');
    const invalid = new GraphQLSchema({ query: new GraphQLObjectType({ name: 'Query', fields: {} }) });
    const expected = wire(await graphql({ schema: invalid, source: '{ a }' }));
    expect(expected).toHaveProperty('errors');
    expect(wire(await cachedGraphql({ schema: invalid, source: '{ a }' }, NO_LOG))).toEqual(expected);
  });
});

describe('the document cache', () => {
  it('misses after a schema reload: a field removed from the new schema is an error, not a cached success', async () => {
    const cache = createDocumentCache({ registry: false });
    const source = '{ me { email } }';
    expect((await cachedGraphql({ schema, source, rootValue: ROOT }, { cache, ...NO_LOG })).errors).toBeUndefined();
    expect(cache.lookup(schema, source).cache).toBe('hit');
    const reloaded = makeSchema(`type User { id: ID! name: String! } type Query { me: User }`);
    const after = await cachedGraphql({ schema: reloaded, source, rootValue: ROOT }, { cache, ...NO_LOG });
    expect(after.errors?.[0]?.message).toBe('Cannot query field "email" on type "User".');
  });

  it('keeps one answer per validation-rule set', () => {
    const cache = createDocumentCache({ registry: false });
    const introspection = getIntrospectionQuery();
    const noIntrospection = [...specifiedRules, NoSchemaIntrospectionCustomRule];
    expect(cache.lookup(schema, introspection).ok).toBe(true);
    const strict = cache.lookup(schema, introspection, noIntrospection);
    expect(strict.ok).toBe(false);
    expect(strict.cache).toBe('miss');
    expect(cache.lookup(schema, introspection, [...noIntrospection]).cache).toBe('hit'); // same rules, another array
    expect(cache.lookup(schema, introspection).ok).toBe(true);
  });

  it('holds at most maxDocuments documents and counts what it evicts; longer sources bypass it', () => {
    const cache = createDocumentCache({ registry: false, maxDocuments: 3, maxSourceLength: 40 });
    const sources = ['{ me { id } }', '{ me { name } }', '{ feed { id } }', '{ broken }'];
    for (const source of sources) cache.lookup(schema, source);
    expect(cache.counts.documentEvictions).toBe(1);
    expect(cache.lookup(schema, sources[0]!).cache).toBe('miss'); // the oldest went
    expect(cache.lookup(schema, sources[3]!).cache).toBe('hit');
    const long = `{ me { id ${'name '.repeat(10)} } }`;
    expect(cache.lookup(schema, long).cache).toBe('bypass');
    expect(cache.lookup(schema, long).cache).toBe('bypass');
    expect(cache.counts.bypass).toBe(2);
  });

  it('an invalid-query storm never evicts a good document', () => {
    const cache = createDocumentCache({ registry: false, maxDocuments: 10, maxErrors: 50 });
    const good = Array.from({ length: 10 }, (_, i) => `query Good${i} { me { id } }`);
    for (const source of good) cache.lookup(schema, source);
    for (let i = 0; i < 2000; i++) cache.lookup(schema, i % 2 ? `{ me { field${i} } }` : `{ me { id } ${i}`);
    expect(cache.counts.documentEvictions).toBe(0);
    expect(cache.counts.errorEvictions).toBe(2000 - 50);
    for (const source of good) expect(cache.lookup(schema, source).cache).toBe('hit');
  });

  it('rejects a bound that is not a whole number, naming it', () => {
    expect(() => createDocumentCache({ maxDocuments: -1 })).toThrow(
      'createDocumentCache: maxDocuments must be a whole number ≥ 0, got -1',
    );
    expect(() => createDocumentCache({ maxSourceLength: 1.5 })).toThrow(/maxSourceLength/);
  });
});

describe('cachedParse and cachedValidate', () => {
  it('return what parse and validate return, the same document object each time, and the same syntax error', () => {
    const cache = createDocumentCache({ registry: false });
    const source = 'query Q { me { id nope } }';
    const document = cachedParse(source, cache);
    expect(cachedParse(source, cache)).toBe(document);
    expect(wire(document)).toEqual(wire(parse(source)));
    const errors = cachedValidate(schema, document, specifiedRules, cache);
    expect(wire(errors)).toEqual(wire(validate(schema, parse(source))));
    expect(cachedValidate(schema, document, specifiedRules, cache)).toBe(errors);
    let thrown: unknown;
    try {
      cachedParse('{ me {', cache);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(GraphQLError);
    expect(() => cachedParse('{ me {', cache)).toThrow(thrown as Error);
    expect(() => parse('{ me {')).toThrow((thrown as Error).message);
  });
});

describe('metrics', () => {
  it('reports hits, misses, bypasses, evictions and entries through prom-client at scrape time', async () => {
    const registry = new Registry();
    const cache = createDocumentCache({ registry, name: 'gateway', maxDocuments: 1, maxSourceLength: 20 });
    cache.lookup(schema, '{ me { id } }');
    cache.lookup(schema, '{ me { id } }');
    cache.lookup(schema, '{ broken }');
    cache.lookup(schema, '{ me { id name email } }');
    const json = await registry.getMetricsAsJSON();
    const value = (name: string, labels: Record<string, string>): number | undefined =>
      (
        json.find((metric) => metric.name === name)?.values as
          { labels: Record<string, string>; value: number }[] | undefined
      )?.find((sample) => Object.entries(labels).every(([key, label]) => sample.labels[key] === label))?.value;
    expect(value(GRAPHQL_METRIC_NAMES.requests, { cache: 'gateway', result: 'hit' })).toBe(1);
    expect(value(GRAPHQL_METRIC_NAMES.requests, { cache: 'gateway', result: 'miss' })).toBe(2);
    expect(value(GRAPHQL_METRIC_NAMES.requests, { cache: 'gateway', result: 'bypass' })).toBe(1);
    expect(value(GRAPHQL_METRIC_NAMES.evictions, { cache: 'gateway', kind: 'document' })).toBe(1);
    expect(value(GRAPHQL_METRIC_NAMES.entries, { cache: 'gateway', kind: 'document' })).toBe(1);
    // A second scrape adds only what happened since the first.
    cache.lookup(schema, '{ broken }');
    const again = await registry.getMetricsAsJSON();
    const hits = (
      again.find((metric) => metric.name === GRAPHQL_METRIC_NAMES.requests)?.values as {
        labels: Record<string, string>;
        value: number;
      }[]
    ).find((sample) => sample.labels.result === 'hit');
    expect(hits?.value).toBe(2);
  });
});
