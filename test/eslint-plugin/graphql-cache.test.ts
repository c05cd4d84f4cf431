import { fileURLToPath } from 'node:url';
import type { InvalidTestCase, ValidTestCase } from '@typescript-eslint/rule-tester';
import rule from '../../eslint-plugin/rules/graphql-cache.js';
import { runRuleTests } from './rule-tester.js';

const GRAPHQL = "import { graphql } from 'graphql';\n";
const IMPORT = "import { cachedGraphql } from '@quickwins/runtime/graphql';\n";

// Without type information: typescript-eslint's parser with no project, detection by imports.
runRuleTests('graphql-cache', rule, {
  valid: [
    {
      name: 'already migrated',
      code: `${IMPORT}export const run = (schema, source) => cachedGraphql({ schema, source });`,
    },
    {
      name: 'a graphql function from another module',
      code: "import { graphql } from './client.js';\nawait graphql({ query: '{ a }' });",
    },
    {
      name: 'JSON.parse, url.parse and date-fns parse',
      code: "import url from 'node:url';\nimport { parse } from 'date-fns';\nJSON.parse('{}');\nurl.parse('http://x');\nparse('2026', 'yyyy', new Date());",
    },
    {
      name: 'SDL parse builds a schema',
      code: "import { buildASTSchema, parse } from 'graphql';\nexport const schema = buildASTSchema(parse(typeDefs));",
    },
    {
      name: 'a client-side document',
      code: "import { parse, print } from 'graphql';\nexport const text = (query) => print(parse(query));",
    },
    {
      name: 'a constant document executed',
      code: "import { execute, parse } from 'graphql';\nconst HEALTH = parse('{ __typename }');\nexport const health = (schema) => execute({ schema, document: HEALTH });",
    },
    {
      name: 'graphqlSync is left to a person',
      code: "import { graphqlSync } from 'graphql';\nexport const run = (schema, source) => graphqlSync({ schema, source });",
    },
    {
      name: 'a keyed response cache',
      code: "import responseCachePlugin from '@apollo/server-plugin-response-cache';\nexport const plugin = responseCachePlugin({ sessionId: async () => null });",
    },
    {
      name: 'checkOptions off',
      code: "import { ApolloServer } from '@apollo/server';\nnew ApolloServer({ typeDefs: '', documentStore: null });",
      options: [{ checkOptions: false }],
    },
    {
      name: 'checkResponseCache off',
      code: "import { useResponseCache } from '@envelop/response-cache';\nuseResponseCache({});",
      options: [{ checkResponseCache: false }],
    },
    {
      name: 'JSX with a shebang and a BOM',
      code: "\uFEFF#!/usr/bin/env node\nimport { parse } from 'date-fns';\nexport const App = () => <div>{String(parse('x', 'y', new Date()))}</div>;",
      languageOptions: { parserOptions: { ecmaFeatures: { jsx: true } } },
    },
  ],
  invalid: [
    {
      name: 'graphql() object form',
      code: `${GRAPHQL}export const run = (schema, source) => graphql({ schema, source });\n`,
      errors: [{ messageId: 'graphql', line: 2, column: 40 }],
      // graphql's import has no reader left: the helper's import takes its line.
      output: `${IMPORT}export const run = (schema, source) => cachedGraphql({ schema, source });\n`,
    },
    {
      name: 'graphql() positional form (graphql 15), CommonJS',
      code: "const { graphql } = require('graphql');\nmodule.exports = (schema, query, root) => graphql(schema, query, root);\n",
      errors: [{ messageId: 'graphql' }],
      output:
        "const { cachedGraphql } = require('@quickwins/runtime/graphql');\nmodule.exports = (schema, query, root) => cachedGraphql({ schema, source: query, rootValue: root });\n",
    },
    {
      name: 'importFrom a team module',
      code: `${GRAPHQL}export const run = (schema, source) => graphql({ schema, source });\n`,
      options: [{ importFrom: '@acme/graphql' }],
      errors: [{ messageId: 'graphql', data: { from: "'@acme/graphql'" } }],
      output: `import { cachedGraphql } from '@acme/graphql';\nexport const run = (schema, source) => cachedGraphql({ schema, source });\n`,
    },
    {
      name: 'parse of request input, then validate, then execute',
      code: "import { execute, parse, validate } from 'graphql';\nexport function run(schema, body) {\n  const document = parse(body.query);\n  const errors = validate(schema, document);\n  return errors.length ? { errors } : execute({ schema, document });\n}\n",
      errors: [
        { messageId: 'parse', line: 3 },
        { messageId: 'validate', line: 4 },
      ],
      output: [
        "import { execute, validate } from 'graphql';\nimport { cachedParse } from '@quickwins/runtime/graphql';\nexport function run(schema, body) {\n  const document = cachedParse(body.query);\n  const errors = validate(schema, document);\n  return errors.length ? { errors } : execute({ schema, document });\n}\n",
        "import { execute } from 'graphql';\nimport { cachedParse, cachedValidate } from '@quickwins/runtime/graphql';\nexport function run(schema, body) {\n  const document = cachedParse(body.query);\n  const errors = cachedValidate(schema, document);\n  return errors.length ? { errors } : execute({ schema, document });\n}\n",
      ],
    },
    {
      name: 'disabling options: Apollo, Yoga, Mercurius',
      code: "import { ApolloServer } from '@apollo/server';\nimport { createYoga } from 'graphql-yoga';\nimport mercurius from 'mercurius';\nnew ApolloServer({ typeDefs: '', persistedQueries: false });\ncreateYoga({ parserAndValidationCache: false, schema });\napp.register(mercurius, { schema, cache: false });\n",
      errors: [
        {
          messageId: 'disablingOption',
          data: { option: 'persistedQueries: false', owner: "new ApolloServer() (imported from '@apollo/server')" },
        },
        { messageId: 'disablingOption', line: 5 },
        { messageId: 'disablingOption', line: 6 },
      ],
      output:
        "import { ApolloServer } from '@apollo/server';\nimport { createYoga } from 'graphql-yoga';\nimport mercurius from 'mercurius';\nnew ApolloServer({ typeDefs: '' });\ncreateYoga({ schema });\napp.register(mercurius, { schema });\n",
    },
    {
      name: 'a response cache without a session is reported, never fixed',
      code: "import responseCachePlugin from '@apollo/server-plugin-response-cache';\nimport { useResponseCache } from '@graphql-yoga/plugin-response-cache';\nexport const plugins = [responseCachePlugin(), useResponseCache({ ttl: 1000 })];\n",
      errors: [
        { messageId: 'responseCache', data: { plugin: 'responseCachePlugin()', sessionOption: 'sessionId' } },
        { messageId: 'responseCache', data: { plugin: 'useResponseCache()', sessionOption: 'session' } },
      ],
      output: null,
    },
    {
      name: 'comments inside and around the call are kept',
      code: `${GRAPHQL}export const a = (schema, source) => /* run */ graphql(\n  // the v15 form\n  schema, /* the query */ source,\n);\n`,
      errors: [{ messageId: 'graphql', line: 2 }],
      output: `${IMPORT}export const a = (schema, source) => /* run */ cachedGraphql(\n  // the v15 form\n  { schema, /* the query */ source },\n);\n`,
    },
    {
      name: 'JSX file, TypeScript namespace import',
      code: "import * as G from 'graphql';\nexport const View = ({ run }) => <button onClick={() => G.graphql({ schema: run.schema, source: '{ a }' })} />;\n",
      languageOptions: { parserOptions: { ecmaFeatures: { jsx: true } } },
      errors: [{ messageId: 'graphql' }],
      output:
        "import { cachedGraphql } from '@quickwins/runtime/graphql';\nexport const View = ({ run }) => <button onClick={() => cachedGraphql({ schema: run.schema, source: '{ a }' })} />;\n",
    },
  ],
});

type Options = [{ importFrom?: string; checkOptions?: boolean; checkResponseCache?: boolean }];
type MessageIds =
  'graphql' | 'parse' | 'validate' | 'disablingOption' | 'disablingOptionLeft' | 'unreadImport' | 'responseCache';

// The same cases with and without type information: look-alikes are never flagged, graphql's own symbols always are.
const LOOK_ALIKES: ValidTestCase<Options>[] = [
  {
    name: 'client-side gql (graphql-tag)',
    code: "import gql from 'graphql-tag';\nexport const FEED = gql`query Feed { feed { id } }`;\n",
  },
  {
    name: 'client-side parse: a document printed, never executed',
    code: "import { parse, print } from 'graphql';\nexport const normalise = (query: string): string => print(parse(query));\n",
  },
  {
    name: 'SDL parse(typeDefs) building a schema',
    code: "import { buildASTSchema, parse } from 'graphql';\ndeclare const typeDefs: string;\nexport const schema = buildASTSchema(parse(typeDefs));\n",
  },
  {
    name: 'SDL parse(typeDefs) by its name alone',
    code: "import { parse } from 'graphql';\ndeclare const typeDefs: string;\nexport const document = parse(typeDefs);\n",
  },
  { name: 'JSON.parse', code: 'export const body = (text: string): unknown => JSON.parse(text);\n' },
  {
    name: 'url.parse',
    code: "import url from 'node:url';\nexport const path = (href: string) => url.parse(href).pathname;\n",
  },
  {
    name: "date-fns' parse",
    code: "import { parse } from 'date-fns';\nexport const day = (text: string): Date => parse(text, 'yyyy-MM-dd', new Date());\n",
  },
  {
    name: 'a local function named graphql',
    code: 'function graphql(request: { query: string }): string {\n  return request.query;\n}\nexport const answer = graphql({ query: "{ a }" });\n',
  },
  {
    name: 'a cache option that keeps the cache on',
    code: "import { ApolloServer } from '@apollo/server';\nexport const server = new ApolloServer({ typeDefs: 'type Query { a: Int }', persistedQueries: { ttl: 900 } });\n",
  },
];

const GRAPHQL_SYMBOLS: InvalidTestCase<MessageIds, Options>[] = [
  {
    name: "graphql's graphql() under another local name",
    code: "import { graphql as run } from 'graphql';\nimport type { GraphQLSchema } from 'graphql';\nexport const answer = (schema: GraphQLSchema, source: string) => run({ schema, source });\n",
    errors: [{ messageId: 'graphql', line: 3 }],
    output:
      "import type { GraphQLSchema } from 'graphql';\nimport { cachedGraphql } from '@quickwins/runtime/graphql';\nexport const answer = (schema: GraphQLSchema, source: string) => cachedGraphql({ schema, source });\n",
  },
  {
    name: 'a namespace import of graphql',
    code: "import * as G from 'graphql';\nexport const answer = (schema: G.GraphQLSchema, source: string) => G.graphql({ schema, source });\n",
    errors: [{ messageId: 'graphql', line: 2 }],
    output:
      "import * as G from 'graphql';\nimport { cachedGraphql } from '@quickwins/runtime/graphql';\nexport const answer = (schema: G.GraphQLSchema, source: string) => cachedGraphql({ schema, source });\n",
  },
  {
    name: "graphql's parse of request input, executed",
    code: "import { execute, parse, type GraphQLSchema } from 'graphql';\nexport const run = (schema: GraphQLSchema, body: { query: string }) => execute({ schema, document: parse(body.query) });\n",
    errors: [{ messageId: 'parse', line: 2 }],
    output:
      "import { execute, type GraphQLSchema } from 'graphql';\nimport { cachedParse } from '@quickwins/runtime/graphql';\nexport const run = (schema: GraphQLSchema, body: { query: string }) => execute({ schema, document: cachedParse(body.query) });\n",
  },
  {
    name: 'Apollo Server with its cache off, and options that may switch it off (reported, not fixed)',
    code:
      "import { ApolloServer } from '@apollo/server';\nconst typeDefs = 'type Query { a: Int }';\nconst dev = process.env.NODE_ENV !== 'production';\n" +
      'export const a = new ApolloServer({ typeDefs, documentStore: null });\n' +
      'export const b = new ApolloServer({ typeDefs, ...(dev ? {} : { persistedQueries: false as const }) });\n' +
      'const shared = { typeDefs, documentStore: null };\nexport const c = new ApolloServer(shared);\n',
    errors: [
      { messageId: 'disablingOption', line: 4 },
      { messageId: 'disablingOptionLeft', line: 5 },
      { messageId: 'disablingOptionLeft', line: 6 },
    ],
    output:
      "import { ApolloServer } from '@apollo/server';\nconst typeDefs = 'type Query { a: Int }';\nconst dev = process.env.NODE_ENV !== 'production';\n" +
      'export const a = new ApolloServer({ typeDefs });\n' +
      'export const b = new ApolloServer({ typeDefs, ...(dev ? {} : { persistedQueries: false as const }) });\n' +
      'const shared = { typeDefs, documentStore: null };\nexport const c = new ApolloServer(shared);\n',
  },
];

const withoutTypes = (name: string) => `without types: ${name}`;
runRuleTests('graphql-cache (look-alikes and graphql symbols, no types)', rule, {
  valid: LOOK_ALIKES.map((test) => ({ ...test, name: withoutTypes(test.name!) })),
  invalid: GRAPHQL_SYMBOLS.map((test) => ({ ...test, name: withoutTypes(test.name!) })),
});

// With type information: a project (test/eslint-plugin/fixtures/typed/tsconfig.json) over the real graphql and
// @apollo/server typings; the checker decides what a name is.
const typedRoot = fileURLToPath(new URL('./fixtures/typed/', import.meta.url));
runRuleTests(
  'graphql-cache (look-alikes and graphql symbols, type information)',
  rule,
  {
    valid: LOOK_ALIKES.map((test) => ({ ...test, name: `typed: ${test.name!}` })),
    invalid: GRAPHQL_SYMBOLS.map((test) => ({ ...test, name: `typed: ${test.name!}` })),
  },
  { languageOptions: { parserOptions: { project: './tsconfig.json', tsconfigRootDir: typedRoot } } },
);

runRuleTests('graphql-cache (options left, checkOptions off, unread imports)', rule, {
  valid: [
    {
      name: 'a conditional spread is not reported with checkOptions off',
      code: "import { ApolloServer } from '@apollo/server';\nexport const s = new ApolloServer({ typeDefs: '', ...(process.env.DEV ? {} : { persistedQueries: false }) });\n",
      options: [{ checkOptions: false }],
    },
    {
      name: 'a plugin that cannot be told to be Mercurius is not reported (the codemod lists it)',
      code: 'export function mount(app: { register(p: unknown, o: object): void }, plugin: unknown): void {\n  app.register(plugin, { cache: false });\n}\n',
    },
  ],
  invalid: [
    {
      name: 'two fixes in one pass leave graphql unread: the next pass removes its import',
      code: `${GRAPHQL}${IMPORT}export const a = (schema, source) => graphql({ schema, source });\nexport const b = (schema, source) => graphql({ schema, source });\n`,
      errors: [
        { messageId: 'graphql', line: 3 },
        { messageId: 'graphql', line: 4 },
      ],
      output: [
        `${GRAPHQL}${IMPORT}export const a = (schema, source) => cachedGraphql({ schema, source });\nexport const b = (schema, source) => cachedGraphql({ schema, source });\n`,
        `${IMPORT}export const a = (schema, source) => cachedGraphql({ schema, source });\nexport const b = (schema, source) => cachedGraphql({ schema, source });\n`,
      ],
    },
    {
      name: 'a migrated file: an unread import of graphql (named, namespace, required) is reported and removed; others are not',
      code: "import { execute, parse } from 'graphql';\nimport * as G from 'graphql';\nimport { print } from 'graphql';\nimport { cachedParse } from '@quickwins/runtime/graphql';\nexport const run = (schema, q) => execute({ schema, document: cachedParse(q) });\n",
      errors: [
        { messageId: 'unreadImport', line: 1, data: { name: 'parse', from: 'graphql' } },
        { messageId: 'unreadImport', line: 2, data: { name: 'G', from: 'graphql' } },
      ],
      output:
        "import { execute } from 'graphql';\nimport { print } from 'graphql';\nimport { cachedParse } from '@quickwins/runtime/graphql';\nexport const run = (schema, q) => execute({ schema, document: cachedParse(q) });\n",
    },
    {
      name: 'a value chosen at run time is reported with its option, owner and reason, never fixed',
      code: "import { createYoga } from 'graphql-yoga';\nexport const yoga = createYoga({ parserAndValidationCache: process.env.NO_CACHE ? false : true });\n",
      errors: [
        {
          messageId: 'disablingOptionLeft',
          data: {
            option: 'parserAndValidationCache: false',
            owner: 'createYoga()',
            reason:
              'the value is chosen at run time (a branch of it switches the cache off): remove it by hand if production should keep the cache',
          },
        },
      ],
      output: null,
    },
  ],
});
