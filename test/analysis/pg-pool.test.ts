import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseWithTypescriptEstree, type TSESTree } from '@typescript-eslint/typescript-estree';
import { Linter, type Rule } from 'eslint';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CODE_STYLE, sniffCodeStyle } from '../../src/core/code-style.js';
import type { TypeServices } from '../../src/codemod-host/codemod.js';
import { sniffModuleStyle } from '../../src/core/module-style.js';
import { parseSource, positionAt } from '../../src/core/parse.js';
import {
  describeReceiver,
  findPoolCalls,
  planPoolRewrites,
  type ImportResolver,
} from '../../src/pool-backpressure/pg-pool.js';
import { createFileImportResolver } from '../../src/pool-backpressure/pool-exports.js';
import { applyTextEdits, type TextEdit } from '../../src/core/text-edit.js';
import { createTsProject, type TsProject } from '../support/pool-ts-project.js';

interface Scan {
  readonly sites: string[];
  readonly uncertain: string[];
}

function scan(
  source: string,
  options: {
    filePath?: string;
    includeQuery?: boolean;
    types?: TypeServices;
    program?: TSESTree.Program;
    resolveImport?: ImportResolver;
  } = {},
): Scan {
  const filePath = options.filePath ?? 'src/db.ts';
  const program = options.program ?? parseSource(filePath, source);
  const { sites, uncertain } = findPoolCalls(program, source, {
    includeQuery: options.includeQuery ?? true,
    types: options.types,
    resolveImport: options.resolveImport,
  });
  return {
    sites: sites.map(
      (site) => `${describeReceiver(site.pool)}.${site.method}@${positionAt(source, site.call.range[0]).line}`,
    ),
    uncertain: uncertain.map((site) => `${positionAt(source, site.call.range[0]).line}: ${site.reason}`),
  };
}

function rewrite(source: string, filePath = 'src/db.ts', threshold?: number): string {
  const program = parseSource(filePath, source);
  const { sites } = findPoolCalls(program, source, { includeQuery: true });
  const edits = planPoolRewrites(program, source, sites, {
    importFrom: '@quickwins/runtime',
    threshold,
    moduleStyle: sniffModuleStyle(program, filePath),
    style: sniffCodeStyle(program, source),
  });
  return applyTextEdits(source, edits);
}

describe('findPoolCalls without types: receivers', () => {
  it.each([
    ['named import', "import { Pool } from 'pg';\nconst pool = new Pool();\npool.query('x');", ['pool.query@3']],
    [
      'aliased import',
      "import { Pool as PgPool } from 'pg';\nconst db = new PgPool();\ndb.connect();",
      ['db.connect@3'],
    ],
    ['default import', "import pg from 'pg';\nconst pool = new pg.Pool();\npool.connect();", ['pool.connect@3']],
    ['namespace import', "import * as pg from 'pg';\nconst pool = new pg.Pool();\npool.connect();", ['pool.connect@3']],
    ['pg.native', "import pg from 'pg';\nconst pool = new pg.native.Pool();\npool.connect();", ['pool.connect@3']],
    [
      'destructured default',
      "import pg from 'pg';\nconst { Pool } = pg;\nconst pool = new Pool();\npool.connect();",
      ['pool.connect@4'],
    ],
    ['pg-pool', "import Pool from 'pg-pool';\nconst pool = new Pool();\npool.connect();", ['pool.connect@3']],
    [
      'require destructure',
      "const { Pool } = require('pg');\nconst pool = new Pool();\npool.query('x');",
      ['pool.query@3'],
    ],
    [
      'require member',
      "const Pool = require('pg').Pool;\nconst pool = new Pool();\npool.query('x');",
      ['pool.query@3'],
    ],
    ['inline require', "const pool = new (require('pg').Pool)();\npool.query('x');", ['pool.query@2']],
    ['import = require', "import pg = require('pg');\nconst pool = new pg.Pool();\npool.query('x');", ['pool.query@3']],
    [
      'new in place',
      "import { Pool } from 'pg';\nnew Pool().connect();",
      ['new Pool().connect@2'.replace('new Pool()', '(…)')],
    ],
    [
      'a method returning a field',
      "import { Pool } from 'pg';\nclass Db {\n  pool = new Pool();\n  getPool() { return this.pool; }\n}\nnew Db().getPool().query('x');",
      ['(…).getPool().query@6'],
    ],
    [
      'typed parameter',
      "import type { Pool } from 'pg';\nexport function f(p: Pool) { return p.query('x'); }",
      ['p.query@2'],
    ],
    [
      'qualified type',
      "import type pg from 'pg';\nexport const f = (p: pg.Pool | undefined) => p!.query('x');",
      ['p!.query@2'],
    ],
    ['import() type', "export function f(p: import('pg').Pool) { return p.connect(); }", ['p.connect@1']],
    [
      'type alias',
      "import { Pool } from 'pg';\ntype Db = Pool;\nexport function f(p: Db) { return p.connect(); }",
      ['p.connect@3'],
    ],
    [
      'interface member',
      "import { Pool } from 'pg';\ninterface Ctx { pool: Pool }\nexport function f(c: Ctx) { return c.pool.connect(); }",
      ['c.pool.connect@3'],
    ],
    [
      'object literal',
      "import { Pool } from 'pg';\nconst db = { pool: new Pool() };\ndb.pool.query('x');",
      ['db.pool.query@3'],
    ],
    [
      'assigned later',
      "import { Pool } from 'pg';\nlet pool = null;\npool = new Pool();\npool.query('x');",
      ['pool.query@4'],
    ],
    [
      'either branch',
      "import { Pool } from 'pg';\nconst a = new Pool(), b = new Pool();\n(Math.random() ? a : b).query('x');",
      ['(…).query@3'],
    ],
    ['as Pool', "import { Pool } from 'pg';\ndeclare const x: unknown;\n(x as Pool).query('x');", ['x.query@3']],
    [
      'typed factory',
      "import { Pool } from 'pg';\nasync function getPool(): Promise<Pool> { return new Pool(); }\n(await getPool()).connect();",
      ['(await getPool()).connect@3'],
    ],
    [
      'arrow factory',
      "import { Pool } from 'pg';\nconst pool = new Pool();\nconst getPool = () => pool;\ngetPool().query('x');",
      ['getPool().query@4'],
    ],
    [
      'class field',
      "import { Pool } from 'pg';\nclass A { pool = new Pool(); run() { return this.pool.query('x'); } }",
      ['this.pool.query@2'],
    ],
    [
      'parameter property',
      "import { Pool } from 'pg';\nclass A { constructor(private pool: Pool) {} run() { return this.pool.connect(); } }",
      ['this.pool.connect@2'],
    ],
    [
      'constructor assignment',
      "const pg = require('pg');\nclass A { constructor() { this.pool = new pg.Pool(); } run() { return this.pool.connect(); } }",
      ['this.pool.connect@2'],
    ],
    [
      'arrow in field',
      "import { Pool } from 'pg';\nclass A { pool = new Pool(); run = () => this.pool.connect(); }",
      ['this.pool.connect@2'],
    ],
    [
      'this.db.pool',
      "import { Pool } from 'pg';\nclass Db { pool = new Pool(); }\nclass A { db = new Db(); run() { return this.db.pool.connect(); } }",
      ['this.db.pool.connect@3'],
    ],
    [
      'JSDoc @param',
      "const pg = require('pg');\n/** @param {pg.Pool} pool the app pool */\nasync function f(pool) { return pool.query('x'); }",
      ['pool.query@3'],
    ],
    [
      'JSDoc import() type',
      "/**\n * @param {string} sql\n * @param {import('pg').Pool} [db]\n */\nexport const run = async (sql, db) => db.query(sql);",
      ['db.query@5'],
    ],
    [
      'JSDoc @type variable',
      "const { Pool } = require('pg');\n/** @type {Pool | undefined} */\nlet pool;\nexports.f = () => pool.connect();",
      ['pool.connect@4'],
    ],
    [
      'JSDoc @type field',
      "import pg from 'pg';\nclass Jobs { constructor(pool) {\n  /** @type {pg.Pool} */\n  this.pool = pool;\n} run() { return this.pool.connect(); } }",
      ['this.pool.connect@5'],
    ],
    [
      'static field',
      "import { Pool } from 'pg';\nclass Db { static pool = new Pool(); }\nDb.pool.query('x');",
      ['Db.pool.query@3'],
    ],
  ])('%s', (_name, source, expected) => {
    expect(scan(source).sites).toEqual(expected);
  });

  it('follows module.exports of pg in CommonJS', () => {
    const source = "const pg = require('pg');\nconst pool = new pg.Pool();\nmodule.exports = pool;\npool.query('x');";
    expect(scan(source, { filePath: 'db.cjs' }).sites).toEqual(['pool.query@4']);
  });

  it('leaves --no-query sites alone entirely', () => {
    expect(
      scan("import { Pool } from 'pg';\nconst pool = new Pool();\npool.query('x');\npool.connect();", {
        includeQuery: false,
      }).sites,
    ).toEqual(['pool.connect@4']);
  });
});

describe('findPoolCalls without types: decoys and doubt', () => {
  it.each([
    ['pg Client', "import { Client } from 'pg';\nconst client = new Client();\nclient.connect();\nclient.query('x');"],
    ['pg.Client', "import pg from 'pg';\nconst pool = new pg.Client();\npool.connect();"],
    [
      'home-grown Pool',
      'class Pool { connect() {} query() {} }\nconst pool = new Pool();\npool.connect();\npool.query();',
    ],
    ['generic-pool', "import { createPool } from 'generic-pool';\nconst pool = createPool({});\npool.query('x');"],
    ['mysql2', "import mysql from 'mysql2/promise';\nconst pool = mysql.createPool('');\npool.query('x');"],
    ['redis', "import Redis from 'ioredis';\nconst pool = new Redis();\npool.connect();"],
    ['net', "import net from 'node:net';\nnet.connect(1);\nconst pool = new net.Socket();\npool.connect(1);"],
    [
      'shadowing const',
      "import { Pool } from 'pg';\nconst pool = new Pool();\n{ const pool = { query() {} }; pool.query(); }",
    ],
    [
      'migrated',
      "import { Pool } from 'pg';\nimport { acquireWithBackpressure } from '@quickwins/runtime';\nconst pool = new Pool();\nacquireWithBackpressure(pool);",
    ],
    [
      'JSDoc naming another type',
      "import Redis from 'ioredis';\n/** @param {Redis} pool */\nexport function f(pool) { return pool.connect(); }",
    ],
    ['property of a pool', "import { Pool } from 'pg';\nconst pool = new Pool();\npool.options.query();"],
  ])('%s: no site, no report', (_name, source) => {
    const result = scan(source);
    expect(result.sites).toEqual([]);
    expect(result.uncertain).toEqual([]);
  });

  it('reports a pool method handed out bound (`pool.connect.bind(pool)`): no site, its callers go around the helpers', () => {
    const result = scan(
      "import { Pool } from 'pg';\nconst pool = new Pool();\nconst connect = pool.connect.bind(pool);\nconnect();\nconst other = { connect() {} };\nother.connect.bind(other);",
    );
    expect(result.sites).toEqual([]);
    expect(result.uncertain).toEqual([
      "3: `pool.connect` is handed out as a bound method (`.connect.bind()`): its callers acquire without backpressure, and the helpers wrap calls, not references [pg pool: new Pool() of 'pg']",
    ]);
  });

  it('reads a JSDoc block only for the function right below it', () => {
    const source =
      "const pg = require('pg');\n/** @param {pg.Pool} pool */\nfunction a(pool) {}\nfunction b(pool) { return pool.query('x'); }";
    expect(scan(source, { filePath: 'x.js' })).toEqual({
      sites: [],
      uncertain: ['4: `pool.query()`: not sure it is a pg Pool (parameter `pool` has no type annotation)'],
    });
  });

  it('rewrites the pool, not the client it hands out', () => {
    const source =
      "import { Pool } from 'pg';\nconst pool = new Pool();\nconst client = await pool.connect();\nclient.query('x');\nclient.connect();";
    expect(scan(source)).toEqual({ sites: ['pool.connect@3'], uncertain: [] });
  });

  it('reports pool-looking receivers it cannot decide, with the reason', () => {
    const result = scan(
      [
        'export class Jobs {',
        '  constructor(pool) { this.pool = pool; }',
        '  run() { return this.pool.connect(); }',
        '}',
        "import { pool } from '@acme/db';",
        "pool.query('x');",
        'export function f(dbPool) { return dbPool.query(1); }',
        'export class Child extends Base { run() { return this.pool.query(1); } }',
      ].join('\n'),
      { filePath: 'jobs.js' },
    );
    expect(result.sites).toEqual([]);
    expect(result.uncertain).toEqual([
      '3: `this.pool.connect()`: not sure it is a pg Pool (parameter `pool` has no type annotation)',
      "6: `pool.query()`: not sure it is a pg Pool (it comes from the package '@acme/db')",
      '7: `dbPool.query()`: not sure it is a pg Pool (parameter `dbPool` has no type annotation)',
      '8: `this.pool.query()`: not sure it is a pg Pool (`pool` is not declared in Child; it may come from its base class)',
    ]);
  });

  it('terminates on values that refer to each other', () => {
    const source = [
      'class A { constructor() { this.a = this.b; this.b = this.a; } run() { return this.a.connect(); } }',
      'const x = { pool: y.pool };',
      'const y = { pool: x.pool };',
      'x.pool.query(1);',
      'const f = () => f();',
      'f().query(1);',
    ].join('\n');
    expect(scan(source, { filePath: 'x.js' }).sites).toEqual([]);
  });

  it('does not report receivers that do not look like pools', () => {
    expect(scan('export function f(db, client) { db.query(1); client.connect(); }', { filePath: 'x.js' })).toEqual({
      sites: [],
      uncertain: [],
    });
  });

  it('reports real pools whose call shape the helpers do not take', () => {
    const result = scan(
      [
        "import { Pool } from 'pg';",
        'const pool = new Pool();',
        "pool.query('x', (err, res) => {});",
        "pool.query('x', [1], () => {});",
        'pool?.connect();',
        "pool.query(...['x']);",
        "pool.query(new Cursor('x'));",
        "pool // the main one\n  .query('x');",
        'pool.connect(1, 2);',
        "pool['query']('x');",
        "const cursor = new Cursor('x');",
        'pool.query(cursor);',
        "(pool.query)('x');",
        "function local(queryWithBackpressure) { return pool.query('x'); }",
      ].join('\n'),
      { filePath: 'x.js' },
    );
    expect(result.sites).toEqual([]);
    const expected = [
      ['3', /callback-style pool\.query\(text, callback\)/],
      ['4', /callback-style pool\.query\(text, values, callback\)/],
      ['5', /optional call/],
      ['6', /spread arguments/],
      ['7', /submittable/],
      ['8', /comment between the receiver and the arguments/],
      ['10', /2 arguments to connect\(\)/],
      ['11', /computed member access/],
      ['13', /submittable/],
      ['14', /parenthesized callee/],
      ['15', /a local `queryWithBackpressure` shadows the helper here/],
    ] as const;
    expect(result.uncertain).toHaveLength(expected.length);
    expected.forEach(([line, reason], index) => {
      expect(result.uncertain[index]).toMatch(new RegExp(`^${line}: \`\\S+\`: `));
      expect(result.uncertain[index]).toMatch(reason);
    });
  });
});

describe('findPoolCalls on ESLint programs (espree)', () => {
  it('finds the same sites in a JavaScript file parsed by ESLint', () => {
    const source = [
      "const { Pool } = require('pg');",
      "const redis = require('ioredis');",
      'const pool = new Pool();',
      'class Repo { constructor() { this.pool = new Pool(); } run() { return this.pool.query(1); } }',
      'pool.connect((err, client, done) => done());',
      'redis.connect();',
    ].join('\n');
    const found: string[] = [];
    const rule: Rule.RuleModule = {
      create(context) {
        return {
          Program(node) {
            const { sites } = findPoolCalls(node as unknown as TSESTree.Program, context.sourceCode.text, {
              includeQuery: true,
            });
            for (const site of sites)
              found.push(`${describeReceiver(site.pool)}.${site.method}@${site.call.loc.start.line}`);
            void context;
          },
        };
      },
    };
    const linter = new Linter({ configType: 'flat' });
    const messages = linter.verify(source, [
      {
        plugins: { probe: { rules: { sites: rule } } },
        rules: { 'probe/sites': 'error' },
        languageOptions: { sourceType: 'commonjs' },
      },
    ]);
    expect(messages).toEqual([]);
    expect(found).toEqual(scan(source, { filePath: 'repo.cjs' }).sites);
    expect(found).toEqual(['this.pool.query@4', 'pool.connect@5']);
  });
});

describe('planPoolRewrites', () => {
  it('keeps the receiver text in place, parentheses included', () => {
    const source = "import { Pool } from 'pg';\nconst a = new Pool();\nexport const r = (0, a).query('x');\n";
    expect(rewrite(source)).toContain("queryWithBackpressure((0, a), 'x')");
  });

  it('moves type arguments to the helper', () => {
    const source =
      "import { Pool } from 'pg';\nconst pool = new Pool();\npool.query<{ id: number }, [number]>('x', [1]);\n";
    expect(rewrite(source)).toContain("queryWithBackpressure<{ id: number }, [number]>(pool, 'x', [1]);");
  });

  it('rewrites a site nested inside another site', () => {
    const source =
      "import { Pool } from 'pg';\nconst pool = new Pool();\npool.connect().then(() => pool.query('x'));\n";
    expect(rewrite(source)).toContain("acquireWithBackpressure(pool).then(() => queryWithBackpressure(pool, 'x'));");
  });

  it('writes the threshold where each helper takes it, keeping CRLF line endings', () => {
    const source =
      "import { Pool } from 'pg';\r\nconst pool = new Pool();\r\npool.connect(cb);\r\npool.query(\r\n  'x'\r\n);\r\n";
    const output = rewrite(source, 'src/db.ts', 0.75);
    expect(output).toContain('acquireWithBackpressure(pool, 0.75, cb);');
    expect(output).toContain("queryWithBackpressure(pool,\r\n  'x',\r\n  undefined,\r\n  0.75\r\n);");
    expect(output.replaceAll('\r\n', '')).not.toContain('\n');
  });

  it('uses an existing namespace import of quickwins', () => {
    const source =
      "import * as qw from '@quickwins/runtime';\nimport { Pool } from 'pg';\nconst pool = new Pool();\npool.connect();\n";
    expect(rewrite(source)).toBe(
      "import * as qw from '@quickwins/runtime';\nimport { Pool } from 'pg';\nconst pool = new Pool();\nqw.acquireWithBackpressure(pool);\n",
    );
  });

  it("gives the same edits from oxc's AST (the codemods) and typescript-estree's (type-aware runs, ESLint)", () => {
    const source =
      "import { Pool } from 'pg';\nconst pool = new Pool();\npool /* main */.query('x',\n  [1], // values\n);\n(pool).connect();\n(pool)\n  .query<Row>(sql, [1],)\n";
    const options = {
      importFrom: '@quickwins/runtime',
      threshold: 0.5,
      moduleStyle: 'esm' as const,
      style: DEFAULT_CODE_STYLE,
    };
    const editsFrom = (program: TSESTree.Program): TextEdit[] => {
      const { sites } = findPoolCalls(program, source, { includeQuery: true });
      return planPoolRewrites(program, source, sites, options);
    };
    const fromOxc = editsFrom(parseSource('a.ts', source));
    expect(fromOxc.length).toBeGreaterThan(3);
    expect(fromOxc).toEqual(
      editsFrom(parseWithTypescriptEstree(source, { range: true, loc: true, comment: true, tokens: true })),
    );
  });
});

describe('relative imports (createFileImportResolver)', () => {
  let dir: string;
  const write = (path: string, text: string): void => {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'qw-pool-imports-'));
    write(
      'db.ts',
      "import { Pool } from 'pg';\nexport const pool = new Pool();\nexport default pool;\nexport class Store { pool = new Pool(); }\n" +
        'export async function getStore(): Promise<Store> { return new Store(); }\nexport function untyped() { return pool; }\n',
    );
    write('redis.ts', "import Redis from 'ioredis';\nexport const pool = new Redis();\n");
    write(
      'types.ts',
      "import type { Pool } from 'pg';\nexport interface Ctx { pool: Pool; cache: { query(): void } }\nexport type Db = { pool: Pool };\n",
    );
    write('barrel/index.ts', "export { pool as mainPool } from '../db.js';\nexport * from '../redis.js';\n");
    write('legacy.js', "const { Pool } = require('pg');\nmodule.exports = { pool: new Pool() };\n");
    write('single.cjs', "const pg = require('pg');\nmodule.exports = new pg.Pool();\n");
    write('named.cjs', "const pg = require('pg');\nexports.pool = new pg.Pool();\n");
    write('cycle-a.ts', "export { pool } from './cycle-b.js';\n");
    write('cycle-b.ts', "export { pool } from './cycle-a.js';\n");
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const scanIn = (source: string, file = 'app.ts'): Scan => {
    const filePath = join(dir, file);
    return scan(source, { filePath, resolveImport: createFileImportResolver(filePath) });
  };

  it.each([
    ['named ESM export', "import { pool } from './db.js';\npool.query('x');", ['pool.query@2']],
    ['default export', "import db from './db.js';\ndb.connect();", ['db.connect@2']],
    ['namespace import', "import * as db from './db.js';\ndb.pool.connect();", ['db.pool.connect@2']],
    [
      'class instance',
      "import { Store } from './db.js';\nconst store = new Store();\nstore.pool.connect();",
      ['store.pool.connect@3'],
    ],
    [
      'typed with an imported class',
      "import type { Store } from './db.js';\nexport function f(s: Store) { return s.pool.connect(); }",
      ['s.pool.connect@2'],
    ],
    [
      'factory with a declared return type',
      "import { getStore } from './db.js';\nconst store = await getStore();\nstore.pool.query('x');",
      ['store.pool.query@3'],
    ],
    [
      'exported interface',
      "import type { Ctx } from './types.js';\nexport function f(c: Ctx) { c.cache.query(); return c.pool.query('x'); }",
      ['c.pool.query@2'],
    ],
    [
      'exported type alias',
      "import type { Db } from './types.js';\nexport const f = (db: Db) => db.pool.connect();",
      ['db.pool.connect@2'],
    ],
    [
      're-export with a new name',
      "import { mainPool } from './barrel/index.js';\nmainPool.query('x');",
      ['mainPool.query@2'],
    ],
    ['module.exports object', "const { pool } = require('./legacy');\npool.query('x');", ['pool.query@2']],
    ['module.exports = pool', "const pool = require('./single.cjs');\npool.query('x');", ['pool.query@2']],
    ['exports.pool', "const db = require('./named.cjs');\ndb.pool.query('x');", ['db.pool.query@2']],
  ])('%s', (_name, source, expected) => {
    expect(scanIn(source).sites).toEqual(expected);
  });

  it('answers the same question once per turn, and sees a module that changed after it', async () => {
    write('swap.ts', "import { Pool } from 'pg';\nexport const db = new Pool();\n");
    const user = "import { db } from './swap.js';\ndb.query('x');";
    expect(scanIn(user).sites).toEqual(['db.query@2']);
    write('swap.ts', "import Redis from 'ioredis';\nexport const db = new Redis();\n");
    utimesSync(join(dir, 'swap.ts'), new Date(), new Date(Date.now() + 5000));
    // Same turn: the answer worked out a moment ago.
    expect(scanIn(user).sites).toEqual(['db.query@2']);
    await new Promise((resolve) => setImmediate(resolve));
    expect(scanIn(user).sites).toEqual([]);
  });

  it('leaves look-alikes from other modules, silently when they are known not to be pg', () => {
    expect(scanIn("import { pool } from './redis.js';\npool.connect();")).toEqual({ sites: [], uncertain: [] });
    expect(scanIn("import { pool } from './barrel/index.js';\npool.connect();")).toEqual({ sites: [], uncertain: [] });
  });

  it('reports what it cannot follow', () => {
    // A function without a return type is read through its `return` statements (`return pool`): decided, not uncertain.
    expect(scanIn("import { untyped } from './db.js';\nconst pool = untyped();\npool.connect();")).toEqual({
      sites: ['pool.connect@3'],
      uncertain: [],
    });
    expect(scanIn("import { pool } from './missing.js';\npool.connect();").uncertain).toEqual([
      "2: `pool.connect()`: not sure it is a pg Pool ('./missing.js' could not be found on disk)",
    ]);
    expect(scanIn("import { pool } from './cycle-a.js';\npool.connect();").uncertain).toHaveLength(1);
    expect(scan("import { pool } from './db.js';\npool.connect();").uncertain).toEqual([
      "2: `pool.connect()`: not sure it is a pg Pool (it comes from './db.js' and imports are not followed)",
    ]);
  });
});

describe('findPoolCalls with types (a real ts.Program)', () => {
  let project: TsProject;
  const files = new Map<string, string>([
    [
      'src/types.ts',
      [
        "import pg, { Pool, Client, type PoolClient } from 'pg';",
        "import { getCache } from './cache.js';",
        'class HomeGrownPool { async connect(): Promise<string> { return ""; } async query(sql: string): Promise<string> { return sql; } }',
        'class TenantPool extends Pool {}',
        'declare const maybe: Pool | undefined;',
        'declare const loose: any;',
        'declare const callback: (err: Error) => void;',
        'export async function run(pool: HomeGrownPool, client: Client, tenant: TenantPool, leased: PoolClient): Promise<void> {',
        '  const cache = getCache();',
        "  await cache.query('typed as pg Pool through another module, whatever its name');",
        "  await pool.query('home-grown class named Pool-ish');",
        '  await client.connect();',
        '  await tenant.connect();',
        "  await maybe!.query('x');",
        '  await loose.pool.connect();',
        "  await leased.query('client from the pool');",
        "  new pg.Pool().query('x', callback);",
        '}',
      ].join('\n'),
    ],
    ['src/cache.ts', "import { Pool } from 'pg';\nexport function getCache(): Pool { return new Pool(); }\n"],
  ]);

  beforeAll(() => {
    project = createTsProject(files);
  });
  afterAll(() => project.dispose());

  it('decides by the receiver type, not by its name', () => {
    const source = files.get('src/types.ts') ?? '';
    expect(project.errors('src/types.ts')).toEqual([]);
    const { ast, types } = project.services('src/types.ts', source);
    const result = scan(source, { types, program: ast });
    expect(result.sites).toEqual(['cache.query@10', 'tenant.connect@13', 'maybe!.query@14']);
    expect(result.uncertain).toEqual([
      '15: `loose.pool.connect()`: not sure it is a pg Pool (its type is `any`; `loose` is declared without a value)',
      "17: `new pg.Pool().query()`: callback-style pool.query(text, callback): queryWithBackpressure returns a promise [pg pool: its type `Pool` is pg's Pool]".replace(
        'new pg.Pool()',
        '(…)',
      ),
    ]);
    const { sites } = findPoolCalls(ast, source, { includeQuery: true, types });
    expect(sites[0]?.evidence).toBe("its type `Pool` is pg's Pool");
  });

  it('has a type checker that fails on wrong code (the fixture type-check can fail)', () => {
    const broken = createTsProject(
      new Map([
        [
          'bad.ts',
          "import { queryWithBackpressure } from '@quickwins/runtime';\nimport { Pool } from 'pg';\nqueryWithBackpressure(new Pool(), 42);\n",
        ],
      ]),
    );
    try {
      expect(broken.errors('bad.ts').join('\n')).toContain('TS2345');
    } finally {
      broken.dispose();
    }
  });
});
