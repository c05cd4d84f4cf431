import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';
import rule from '../../eslint-plugin/rules/no-raw-pool-connect.js';
import { runRuleTests } from './rule-tester.js';

const PG = "import { Pool } from 'pg';\nconst pool = new Pool({ max: 10 });\n";

// Without type information: typescript-eslint's parser with no project, detection by import tracking.
runRuleTests('no-raw-pool-connect (import tracking)', rule, {
  valid: [
    {
      name: 'already migrated: acquire',
      code: `${PG}import { acquireWithBackpressure } from '@quickwins/runtime';\nconst client = await acquireWithBackpressure(pool);`,
    },
    {
      name: 'already migrated: query',
      code: `${PG}import { queryWithBackpressure } from '@quickwins/runtime';\nawait queryWithBackpressure(pool, 'select 1');`,
    },
    {
      name: 'a query on an acquired client',
      code: `${PG}import { acquireWithBackpressure } from '@quickwins/runtime';\nconst client = await acquireWithBackpressure(pool);\nawait client.query('select 1');`,
    },
    { name: 'net.connect is no pool', code: "import net from 'node:net';\nconst socket = net.connect(6379);" },
    {
      name: 'a redis client',
      code: "import { createClient } from 'redis';\nconst redis = createClient();\nawait redis.connect();",
    },
    {
      name: 'a mysql pool',
      code: "import mysql from 'mysql2/promise';\nconst pool = mysql.createPool({});\nawait pool.query('select 1');\nawait pool.getConnection();",
    },
    {
      name: 'a Pool from another library',
      code: "import { Pool } from 'undici';\nconst pool = new Pool('http://localhost');\nawait pool.connect();",
    },
    {
      name: 'a local object called pool',
      code: 'const pool = { connect() {}, query() {} };\npool.connect();\npool.query();',
    },
    {
      name: 'directive-free text mentioning pool.connect()',
      code: "const doc = 'call pool.connect() then pool.query()';",
    },
    {
      name: 'checkQuery off leaves pool.query alone',
      code: `${PG}await pool.query('select 1');`,
      options: [{ checkQuery: false }],
    },
  ],
  invalid: [
    {
      name: 'pool.connect() with the import added after the last import',
      code: `${PG}export async function run() {\n  const client = await pool.connect();\n  client.release();\n}\n`,
      errors: [{ messageId: 'connect', line: 4, column: 24, endLine: 4, endColumn: 38 }],
      output:
        "import { Pool } from 'pg';\nimport { acquireWithBackpressure } from '@quickwins/runtime';\nconst pool = new Pool({ max: 10 });\n" +
        'export async function run() {\n  const client = await acquireWithBackpressure(pool);\n  client.release();\n}\n',
    },
    {
      name: 'pool.query() keeps its arguments',
      code: `${PG}const { rows } = await pool.query('select $1::int', [1]);\n`,
      errors: [{ messageId: 'query', line: 3 }],
      output:
        "import { Pool } from 'pg';\nimport { queryWithBackpressure } from '@quickwins/runtime';\nconst pool = new Pool({ max: 10 });\n" +
        "const { rows } = await queryWithBackpressure(pool, 'select $1::int', [1]);\n",
    },
    {
      // Each fix carries its import, so fixes that add one overlap and ESLint applies one of them per pass:
      // at most one pass per helper, plus one for the remaining call rewrites.
      name: 'several sites: one pass per added helper import, then the rest',
      code: `${PG}await pool.query('a');\nawait pool.query('b');\nconst c = await pool.connect();\n`,
      errors: [{ messageId: 'query' }, { messageId: 'query' }, { messageId: 'connect' }],
      output: [
        "import { Pool } from 'pg';\nimport { queryWithBackpressure } from '@quickwins/runtime';\nconst pool = new Pool({ max: 10 });\n" +
          "await queryWithBackpressure(pool, 'a');\nawait pool.query('b');\nconst c = await pool.connect();\n",
        "import { Pool } from 'pg';\nimport { queryWithBackpressure, acquireWithBackpressure } from '@quickwins/runtime';\nconst pool = new Pool({ max: 10 });\n" +
          "await queryWithBackpressure(pool, 'a');\nawait pool.query('b');\nconst c = await acquireWithBackpressure(pool);\n",
        "import { Pool } from 'pg';\nimport { queryWithBackpressure, acquireWithBackpressure } from '@quickwins/runtime';\nconst pool = new Pool({ max: 10 });\n" +
          "await queryWithBackpressure(pool, 'a');\nawait queryWithBackpressure(pool, 'b');\nconst c = await acquireWithBackpressure(pool);\n",
      ],
    },
    {
      name: 'importFrom',
      code: `${PG}await pool.connect();\n`,
      options: [{ importFrom: '@acme/db' }],
      errors: [{ messageId: 'connect' }],
      output:
        "import { Pool } from 'pg';\nimport { acquireWithBackpressure } from '@acme/db';\nconst pool = new Pool({ max: 10 });\n" +
        'await acquireWithBackpressure(pool);\n',
    },
    {
      name: 'an existing quickwins import is reused',
      code: `import { Pool } from 'pg';\nimport { acquireWithBackpressure } from '@quickwins/runtime';\nconst pool = new Pool();\nawait pool.connect();\n`,
      errors: [{ messageId: 'connect' }],
      output: `import { Pool } from 'pg';\nimport { acquireWithBackpressure } from '@quickwins/runtime';\nconst pool = new Pool();\nawait acquireWithBackpressure(pool);\n`,
    },
  ],
});

// With type information: typescript-eslint's parser with a project; the rule hands the program to the detector.
const typedRoot = fileURLToPath(new URL('./fixtures/typed/', import.meta.url));
runRuleTests(
  'no-raw-pool-connect (type information)',
  rule,
  {
    valid: [
      { name: 'typed: net.connect', code: "import net from 'node:net';\nnet.connect(80);" },
      {
        name: 'typed: an object with connect/query that is no pg pool',
        code: 'const pool = { connect() {}, query(_: string) {} };\npool.connect();\npool.query("x");',
      },
    ],
    invalid: [
      {
        name: 'typed: a pool from pg',
        code: `${PG}export async function run(): Promise<void> {\n  const client = await pool.connect();\n  client.release();\n}\n`,
        errors: [{ messageId: 'connect', line: 4 }],
        output:
          "import { Pool } from 'pg';\nimport { acquireWithBackpressure } from '@quickwins/runtime';\nconst pool = new Pool({ max: 10 });\n" +
          'export async function run(): Promise<void> {\n  const client = await acquireWithBackpressure(pool);\n  client.release();\n}\n',
      },
    ],
  },
  { languageOptions: { parserOptions: { project: './tsconfig.json', tsconfigRootDir: typedRoot } } },
);

// Package-level evidence, as the codemod reads it: the nearest package.json of the (virtual) file being linted.
const packages = fileURLToPath(new URL('../../fixtures/pool-backpressure/packages/', import.meta.url));
const ROUTES =
  "module.exports = async function (fastify) {\n  fastify.get('/', async () => {\n    const client = await fastify.pg.connect();\n    client.release();\n  });\n};\n";
const REPOSITORY =
  "class Store {\n  constructor(pool) {\n    this.pool = pool;\n  }\n  find() {\n    return this.pool.query('select 1');\n  }\n}\n";
// Named like pools in a package that depends on pg only, but declared with the project's own types.
const DECLARED =
  'interface PoolLike { query(text: string): Promise<unknown> }\ninterface MyDb { connect(): Promise<unknown> }\n' +
  "export const viaDestructured = ({ pool }: { pool: PoolLike }) => pool.query('select 1');\nexport const viaParameter = (pool: MyDb) => pool.connect();\n" +
  "export class Store {\n  constructor(private pool: PoolLike) {}\n  count() {\n    return this.pool.query('select 2');\n  }\n}\n";
runRuleTests('no-raw-pool-connect (package evidence)', rule, {
  valid: [
    {
      name: 'untyped field in a package that also depends on mysql2',
      code: REPOSITORY,
      filename: `${packages}mixed-drivers/store.js`,
    },
    {
      name: 'fastify.pg without @fastify/postgres among the dependencies',
      code: ROUTES,
      filename: `${packages}pg-only/routes.js`,
    },
    { name: 'a pool in a test file, by default', code: REPOSITORY, filename: `${packages}pg-only/test/store.js` },
    { name: 'a pool in a *.spec file, by default', code: REPOSITORY, filename: `${packages}pg-only/store.spec.js` },
  ],
  invalid: [
    {
      name: 'untyped constructor parameter kept in a field, in a package depending on pg only',
      code: REPOSITORY,
      filename: `${packages}pg-only/store.js`,
      errors: [{ messageId: 'query', line: 6 }],
      output: `import { queryWithBackpressure } from '@quickwins/runtime';\n${REPOSITORY.replace("this.pool.query('select 1')", "queryWithBackpressure(this.pool, 'select 1')")}`,
    },
    {
      name: 'a pool in a test file with tests: true',
      code: REPOSITORY,
      filename: `${packages}pg-only/test/store.js`,
      options: [{ tests: true }],
      errors: [{ messageId: 'query', line: 6 }],
      output: `import { queryWithBackpressure } from '@quickwins/runtime';\n${REPOSITORY.replace("this.pool.query('select 1')", "queryWithBackpressure(this.pool, 'select 1')")}`,
    },
    {
      name: "a destructured parameter declared with the project's own interface: reported, never fixed",
      code: DECLARED,
      filename: `${packages}pg-only/declared.ts`,
      errors: [
        {
          messageId: 'declaredType',
          line: 3,
          data: { pool: 'pool', method: 'query', type: 'PoolLike', from: "'@quickwins/runtime'" },
        },
        {
          messageId: 'declaredType',
          line: 4,
          data: { pool: 'pool', method: 'connect', type: 'MyDb', from: "'@quickwins/runtime'" },
        },
        {
          messageId: 'declaredType',
          line: 8,
          data: { pool: 'this.pool', method: 'query', type: 'PoolLike', from: "'@quickwins/runtime'" },
        },
      ],
      output: null,
    },
    {
      name: 'a parameter JSDoc-typed with part of a Pool in a `// @ts-check` file: reported, never fixed',
      code: "// @ts-check\n/** @param {Pick<import('pg').Pool, 'query'>} pool */\nexport const count = (pool) => pool.query('select 1');\n",
      filename: `${packages}pg-only/checked.js`,
      errors: [
        {
          messageId: 'declaredType',
          line: 3,
          data: {
            pool: 'pool',
            method: 'query',
            type: "Pick<import('pg').Pool, 'query'>",
            from: "'@quickwins/runtime'",
          },
        },
      ],
      output: null,
    },
    {
      name: "a destructured parameter declared with pg's Pool: fixed",
      code: "import type { Pool } from 'pg';\nexport const run = ({ pool }: { pool: Pool }) => pool.query('select 1');\n",
      filename: `${packages}pg-only/declared-pg.ts`,
      errors: [{ messageId: 'query', line: 2 }],
      output:
        "import type { Pool } from 'pg';\nimport { queryWithBackpressure } from '@quickwins/runtime';\nexport const run = ({ pool }: { pool: Pool }) => queryWithBackpressure(pool, 'select 1');\n",
    },
    {
      name: '@fastify/postgres fastify.pg.connect() acquires from fastify.pg.pool',
      code: ROUTES,
      filename: `${packages}fastify-postgres/routes.js`,
      errors: [{ messageId: 'connect', line: 3, data: { pool: 'fastify.pg.pool', from: "'@quickwins/runtime'" } }],
      output: `const { acquireWithBackpressure } = require('@quickwins/runtime');\n${ROUTES.replace('fastify.pg.connect()', 'acquireWithBackpressure(fastify.pg.pool)')}`,
    },
    {
      name: "await import('pg')",
      code: "const pg = await import('pg');\nconst pool = new pg.default.Pool();\nawait pool.query('select 1');\n",
      errors: [{ messageId: 'query', line: 3 }],
      output:
        "import { queryWithBackpressure } from '@quickwins/runtime';\nconst pg = await import('pg');\nconst pool = new pg.default.Pool();\nawait queryWithBackpressure(pool, 'select 1');\n",
    },
  ],
});

// An Nx-style repository (no npm workspace): the pool's module is reached only through the `paths` of a config the
// app's tsconfig extends, and the package also depends on redis, so names decide nothing: the rule follows the alias.
const aliased = mkdtempSync(join(tmpdir(), 'quickwins-rule-aliases-'));
afterAll(() => rmSync(aliased, { recursive: true, force: true }));
for (const [path, text] of Object.entries({
  'package.json': JSON.stringify({ name: 'acme', dependencies: { pg: '^8.11.0', redis: '^4.0.0' } }),
  'tsconfig.base.json': JSON.stringify({ compilerOptions: { paths: { '@acme/db': ['libs/db/src/index.ts'] } } }),
  'apps/api/tsconfig.json': JSON.stringify({ extends: '../../tsconfig.base.json' }),
  'libs/db/src/index.ts': "import { Pool } from 'pg';\nexport const database = new Pool();\n",
})) {
  mkdirSync(dirname(join(aliased, path)), { recursive: true });
  writeFileSync(join(aliased, path), text);
}
runRuleTests('no-raw-pool-connect (tsconfig paths aliases)', rule, {
  valid: [],
  invalid: [
    {
      name: 'a pool imported through an alias of an extended tsconfig',
      code: "import { database } from '@acme/db';\nexport const names = () => database.query('select 1');\n",
      filename: join(aliased, 'apps/api/src/users.ts'),
      errors: [{ messageId: 'query', line: 2 }],
      output:
        "import { database } from '@acme/db';\nimport { queryWithBackpressure } from '@quickwins/runtime';\n" +
        "export const names = () => queryWithBackpressure(database, 'select 1');\n",
    },
  ],
});
