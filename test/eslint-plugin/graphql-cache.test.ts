import rule from '../../eslint-plugin/rules/graphql-cache.js';
import { runRuleTests } from './rule-tester.js';

const GRAPHQL = "import { graphql } from 'graphql';\n";
const IMPORT = "import { cachedGraphql } from '@quickwins/runtime/graphql';\n";

// Without type information: typescript-eslint's parser with no project, detection by imports.
runRuleTests('graphql-cache', rule, {
  valid: [
    { name: 'already migrated', code: `${IMPORT}export const run = (schema, source) => cachedGraphql({ schema, source });` },
    { name: 'a graphql function from another module', code: "import { graphql } from './client.js';\nawait graphql({ query: '{ a }' });" },
    { name: 'JSON.parse, url.parse and date-fns parse', code: "import url from 'node:url';\nimport { parse } from 'date-fns';\nJSON.parse('{}');\nurl.parse('http://x');\nparse('2026', 'yyyy', new Date());" },
    { name: 'SDL parse builds a schema', code: "import { buildASTSchema, parse } from 'graphql';\nexport const schema = buildASTSchema(parse(typeDefs));" },
    { name: 'a client-side document', code: "import { parse, print } from 'graphql';\nexport const text = (query) => print(parse(query));" },
    { name: 'a constant document executed', code: "import { execute, parse } from 'graphql';\nconst HEALTH = parse('{ __typename }');\nexport const health = (schema) => execute({ schema, document: HEALTH });" },
    { name: 'graphqlSync is left to a person', code: "import { graphqlSync } from 'graphql';\nexport const run = (schema, source) => graphqlSync({ schema, source });" },
    { name: 'a keyed response cache', code: "import responseCachePlugin from '@apollo/server-plugin-response-cache';\nexport const plugin = responseCachePlugin({ sessionId: async () => null });" },
    { name: 'checkOptions off', code: "import { ApolloServer } from '@apollo/server';\nnew ApolloServer({ typeDefs: '', documentStore: null });", options: [{ checkOptions: false }] },
    { name: 'checkResponseCache off', code: "import { useResponseCache } from '@envelop/response-cache';\nuseResponseCache({});", options: [{ checkResponseCache: false }] },
    { name: 'JSX with a shebang and a BOM', code: "\uFEFF#!/usr/bin/env node\nimport { parse } from 'date-fns';\nexport const App = () => <div>{String(parse('x', 'y', new Date()))}</div>;", languageOptions: { parserOptions: { ecmaFeatures: { jsx: true } } } },
  ],
  invalid: [
    {
      name: 'graphql() object form',
      code: `${GRAPHQL}export const run = (schema, source) => graphql({ schema, source });\n`,
      errors: [{ messageId: 'graphql', line: 2, column: 40 }],
      output: `${GRAPHQL}${IMPORT}export const run = (schema, source) => cachedGraphql({ schema, source });\n`,
    },
    {
      name: 'graphql() positional form (graphql 15), CommonJS',
      code: "const { graphql } = require('graphql');\nmodule.exports = (schema, query, root) => graphql(schema, query, root);\n",
      errors: [{ messageId: 'graphql' }],
      output: "const { graphql } = require('graphql');\nconst { cachedGraphql } = require('@quickwins/runtime/graphql');\nmodule.exports = (schema, query, root) => cachedGraphql({ schema, source: query, rootValue: root });\n",
    },
    {
      name: 'importFrom a team module',
      code: `${GRAPHQL}export const run = (schema, source) => graphql({ schema, source });\n`,
      options: [{ importFrom: '@acme/graphql' }],
      errors: [{ messageId: 'graphql', data: { from: "'@acme/graphql'" } }],
      output: `${GRAPHQL}import { cachedGraphql } from '@acme/graphql';\nexport const run = (schema, source) => cachedGraphql({ schema, source });\n`,
    },
    {
      name: 'parse of request input, then validate, then execute',
      code: "import { execute, parse, validate } from 'graphql';\nexport function run(schema, body) {\n  const document = parse(body.query);\n  const errors = validate(schema, document);\n  return errors.length ? { errors } : execute({ schema, document });\n}\n",
      errors: [{ messageId: 'parse', line: 3 }, { messageId: 'validate', line: 4 }],
      output: [
        "import { execute, parse, validate } from 'graphql';\nimport { cachedParse } from '@quickwins/runtime/graphql';\nexport function run(schema, body) {\n  const document = cachedParse(body.query);\n  const errors = validate(schema, document);\n  return errors.length ? { errors } : execute({ schema, document });\n}\n",
        "import { execute, parse, validate } from 'graphql';\nimport { cachedParse, cachedValidate } from '@quickwins/runtime/graphql';\nexport function run(schema, body) {\n  const document = cachedParse(body.query);\n  const errors = cachedValidate(schema, document);\n  return errors.length ? { errors } : execute({ schema, document });\n}\n",
      ],
    },
    {
      name: 'disabling options: Apollo, Yoga, Mercurius',
      code: "import { ApolloServer } from '@apollo/server';\nimport { createYoga } from 'graphql-yoga';\nimport mercurius from 'mercurius';\nnew ApolloServer({ typeDefs: '', persistedQueries: false });\ncreateYoga({ parserAndValidationCache: false, schema });\napp.register(mercurius, { schema, cache: false });\n",
      errors: [
        { messageId: 'disablingOption', data: { option: 'persistedQueries: false', owner: "new ApolloServer() (imported from '@apollo/server')" } },
        { messageId: 'disablingOption', line: 5 },
        { messageId: 'disablingOption', line: 6 },
      ],
      output: "import { ApolloServer } from '@apollo/server';\nimport { createYoga } from 'graphql-yoga';\nimport mercurius from 'mercurius';\nnew ApolloServer({ typeDefs: '' });\ncreateYoga({ schema });\napp.register(mercurius, { schema });\n",
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
      output: `${GRAPHQL}${IMPORT}export const a = (schema, source) => /* run */ cachedGraphql(\n  // the v15 form\n  { schema, /* the query */ source },\n);\n`,
    },
    {
      name: 'JSX file, TypeScript namespace import',
      code: "import * as G from 'graphql';\nexport const View = ({ run }) => <button onClick={() => G.graphql({ schema: run.schema, source: '{ a }' })} />;\n",
      languageOptions: { parserOptions: { ecmaFeatures: { jsx: true } } },
      errors: [{ messageId: 'graphql' }],
      output: "import * as G from 'graphql';\nimport { cachedGraphql } from '@quickwins/runtime/graphql';\nexport const View = ({ run }) => <button onClick={() => cachedGraphql({ schema: run.schema, source: '{ a }' })} />;\n",
    },
  ],
});
