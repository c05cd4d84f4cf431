/**
 * The detector's pre-check (lint cost): `findPoolCalls` skips the binding index on files where no
 * site and no uncertain call can come out. It must never skip a file the full detector has something to say
 * about, so every case here runs both paths (`precheck: false` always builds the index) and holds them equal,
 * with and without import following, with and without `query`, and once more through the ESLint rule,
 * which feeds the same pre-check from ESLint's own traversal.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TSESTree } from '@typescript-eslint/typescript-estree';
import { Linter } from 'eslint';
import fc from 'fast-check';
import tseslint from 'typescript-eslint';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import rule from '../../eslint-plugin/rules/no-raw-pool-connect.js';
import { parseSource, positionAt } from '../../src/core/parse.js';
import {
  describeReceiver,
  findPoolCalls,
  mayFindPoolCalls,
  mayFindPoolCallsInText,
  type PoolDetectionOptions,
} from '../../src/pool-backpressure/pg-pool.js';
import { createFileImportResolver } from '../../src/pool-backpressure/pool-exports.js';
import { createTsProject, type TsProject } from '../support/pool-ts-project.js';

/** Modules the cases import; none of them is a case itself. */
const MODULES = new Map<string, string>([
  [
    'lib/db.ts',
    "import { Pool } from 'pg';\nexport const pool = new Pool();\nexport const db = { pool };\nexport class Store { conn = new Pool(); pool = new Pool(); }\n",
  ],
  ['lib/db.cjs', "const { Pool } = require('pg');\nmodule.exports = { pool: new Pool() };\n"],
  ['lib/redis.ts', "import Redis from 'ioredis';\nexport const client = new Redis();\n"],
]);

interface Case {
  readonly name: string;
  readonly file: string;
  readonly source: string;
  /** What the full detector finds with imports followed (`site` / `uncertain` counts), so a wrong skip shows. */
  readonly expected: { readonly sites: number; readonly uncertain: number };
  /** The pre-check alone (imports followed, query included) lets the file through. */
  readonly passes: boolean;
}

const CASES: readonly Case[] = [
  // Pools whose only evidence is a relative module: the receiver names say nothing.
  {
    name: 'ESM import of a pool, renamed',
    file: 'src/a.ts',
    source: "import { pool as main } from '../lib/db.js';\nexport const r = main.query('x');\n",
    expected: { sites: 1, uncertain: 0 },
    passes: true,
  },
  {
    name: 'member of an imported object',
    file: 'src/b.ts',
    source: "import { db as store } from '../lib/db.js';\nexport const r = store.pool.connect();\n",
    expected: { sites: 1, uncertain: 0 },
    passes: true,
  },
  {
    name: 'this.db.conn through a class from a relative module',
    file: 'src/c.ts',
    source:
      "import { Store } from '../lib/db.js';\nexport class Repo {\n  db = new Store();\n  run() { return this.db.conn.connect(); }\n}\n",
    expected: { sites: 1, uncertain: 0 },
    passes: true,
  },
  {
    name: 'CJS require of a relative module',
    file: 'src/d.cjs',
    source: "const { pool: main } = require('../lib/db.cjs');\nmain.query('x');\n",
    expected: { sites: 1, uncertain: 0 },
    passes: true,
  },
  {
    name: 'JSDoc import() of a relative module',
    file: 'src/e.js',
    source: "/** @param {import('../lib/db.js').Store} s */\nexport function run(s) {\n  return s.conn.connect();\n}\n",
    expected: { sites: 1, uncertain: 0 },
    passes: true,
  },
  // pg itself, in every form the detector reads.
  {
    name: 'Pool type annotation, receiver not named pool',
    file: 'src/f.ts',
    source: "import type { Pool } from 'pg';\nexport function run(db: Pool) { return db.query('x'); }\n",
    expected: { sites: 1, uncertain: 0 },
    passes: true,
  },
  {
    name: 'this.db typed through a parameter property',
    file: 'src/g.ts',
    source:
      "import type { Pool as Conn } from 'pg';\nexport class Repo {\n  constructor(private readonly db: Conn) {}\n  run() { return this.db.query('x'); }\n}\n",
    expected: { sites: 1, uncertain: 0 },
    passes: true,
  },
  {
    name: "import('pg') type, no import statement",
    file: 'src/h.ts',
    source: "export function run(db: import('pg').Pool) { return db.connect(); }\n",
    expected: { sites: 1, uncertain: 0 },
    passes: true,
  },
  {
    name: 'local alias of the Pool type',
    file: 'src/i.ts',
    source: "import type { Pool } from 'pg';\ntype Db = Pool;\nexport function run(d: Db) { return d.query('x'); }\n",
    expected: { sites: 1, uncertain: 0 },
    passes: true,
  },
  {
    name: 'CJS destructured require',
    file: 'src/j.cjs',
    source: "const { Pool } = require('pg');\nconst db = new Pool();\ndb.connect();\n",
    expected: { sites: 1, uncertain: 0 },
    passes: true,
  },
  {
    name: 'inline require',
    file: 'src/k.js',
    source: "const db = new (require('pg').Pool)();\ndb.query('x');\n",
    expected: { sites: 1, uncertain: 0 },
    passes: true,
  },
  {
    name: 'import = require',
    file: 'src/l.ts',
    source: "import pg = require('pg');\nconst db = new pg.Pool();\ndb.query('x');\n",
    expected: { sites: 1, uncertain: 0 },
    passes: true,
  },
  {
    name: "JSDoc import('pg'), no import statement",
    file: 'src/m.js',
    source: "/** @param {import('pg').Pool} db */\nexport function run(db) {\n  return db.query('x');\n}\n",
    expected: { sites: 1, uncertain: 0 },
    passes: true,
  },
  {
    name: 'pg-pool',
    file: 'src/n.ts',
    source: "import PgPool from 'pg-pool';\nconst db = new PgPool();\ndb.connect();\n",
    expected: { sites: 1, uncertain: 0 },
    passes: true,
  },
  {
    name: 'a module name written with escapes',
    file: 'src/o.ts',
    source: "import { Pool } from 'p\\x67';\nconst db = new Pool();\ndb.query('x');\n",
    expected: { sites: 1, uncertain: 0 },
    passes: true,
  },
  {
    name: 'a require written with escapes',
    file: 'src/p.cjs',
    source: "const { Pool } = require('\\u0070g');\nconst db = new Pool();\ndb.connect();\n",
    expected: { sites: 1, uncertain: 0 },
    passes: true,
  },
  // Uncertain reports: a pool the helpers cannot take, or a pool-like name nothing proves.
  {
    name: 'callback query on a pg pool',
    file: 'src/q.ts',
    source: "import { Pool } from 'pg';\nconst db = new Pool();\ndb.query('x', (error) => undefined);\n",
    expected: { sites: 0, uncertain: 1 },
    passes: true,
  },
  {
    name: 'a parameter named pool, no evidence at all',
    file: 'src/r.js',
    source: "export function run(pool) {\n  return pool.query('x');\n}\n",
    expected: { sites: 0, uncertain: 1 },
    passes: true,
  },
  {
    name: 'this.pool assigned from an untyped parameter',
    file: 'src/s.js',
    source: "export class Repo {\n  constructor(p) { this.pool = p; }\n  run() { return this.pool.query('x'); }\n}\n",
    expected: { sites: 0, uncertain: 1 },
    passes: true,
  },
  // Nothing to find.
  {
    name: 'the lint bench decoys: this.db.query, net.connect',
    file: 'src/t.js',
    source:
      "import net from 'node:net';\nconst socket = net.connect({ port: 6379 });\nexport class Repo {\n  constructor(db) { this.db = db; }\n  byId(id) { return this.db.query('select 1', [id]); }\n}\n",
    expected: { sites: 0, uncertain: 0 },
    passes: false,
  },
  {
    name: 'a relative import that is no pool',
    file: 'src/u.ts',
    source: "import { client } from '../lib/redis.js';\nexport const r = client.connect();\n",
    expected: { sites: 0, uncertain: 0 },
    passes: true,
  },
  {
    name: 'pg mentioned in a string only',
    file: 'src/v.ts',
    source: "const name = 'pg';\nexport const r = (db: { query(s: string): void }) => db.query(name);\n",
    expected: { sites: 0, uncertain: 0 },
    passes: false,
  },
  {
    name: 'no member call at all',
    file: 'src/w.ts',
    source: "import { Pool } from 'pg';\nexport const pool = new Pool();\n",
    expected: { sites: 0, uncertain: 0 },
    passes: false,
  },
];

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'qw-pool-precheck-'));
  for (const [path, text] of [...MODULES, ...CASES.map((c) => [c.file, c.source] as const)]) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function detect(
  testCase: Case,
  options: Omit<PoolDetectionOptions, 'resolveImport'> & { follow: boolean },
): { sites: string[]; uncertain: string[] } {
  const filePath = join(dir, testCase.file);
  const program = parseSource(filePath, testCase.source);
  const label = (call: TSESTree.CallExpression): string => {
    const { line, column } = positionAt(testCase.source, call.range[0]);
    return `${line}:${column}`;
  };
  const { sites, uncertain } = findPoolCalls(program, testCase.source, {
    ...options,
    ...(options.follow ? { resolveImport: createFileImportResolver(filePath) } : {}),
  });
  return {
    sites: sites.map(
      (site) => `${describeReceiver(site.pool)}.${site.method}@${label(site.call)} (${site.evidence ?? ''})`,
    ),
    uncertain: uncertain.map((site) => `${label(site.call)} ${site.reason}`),
  };
}

describe('findPoolCalls pre-check', () => {
  it.each(CASES)('$name: the same result with and without the pre-check', (testCase) => {
    for (const follow of [true, false]) {
      for (const includeQuery of [true, false]) {
        const full = detect(testCase, { follow, includeQuery, precheck: false });
        expect(detect(testCase, { follow, includeQuery }), `follow ${follow}, query ${includeQuery}`).toEqual(full);
      }
    }
    // The cases are not vacuous: what the full detector finds when it follows imports and checks queries.
    const full = detect(testCase, { follow: true, includeQuery: true, precheck: false });
    expect({ sites: full.sites.length, uncertain: full.uncertain.length }).toEqual(testCase.expected);
  });

  it.each(CASES)('$name: pre-check lets it through: $passes', (testCase) => {
    const filePath = join(dir, testCase.file);
    const program = parseSource(filePath, testCase.source);
    expect(mayFindPoolCalls(program, { includeQuery: true, resolveImport: createFileImportResolver(filePath) })).toBe(
      testCase.passes,
    );
  });

  it('skips relative modules when imports are not followed, and still reports pool-like names', () => {
    const imported = CASES.find((c) => c.file === 'src/a.ts')!;
    const program = parseSource(imported.file, imported.source);
    expect(mayFindPoolCalls(program, { includeQuery: true })).toBe(false);
    const namedSource = "import { pool } from './db.js';\npool.query('x');\n";
    const named = parseSource('src/x.ts', namedSource);
    expect(mayFindPoolCalls(named, { includeQuery: true })).toBe(true);
    expect(findPoolCalls(named, namedSource, { includeQuery: true }).uncertain.map((site) => site.reason)).toEqual([
      "`pool.query()`: not sure it is a pg Pool (it comes from './db.js' and imports are not followed)",
    ]);
  });

  it('ignores `.query()` calls when queries are not checked', () => {
    const program = parseSource('src/y.ts', "import { Pool } from 'pg';\nconst db = new Pool();\ndb.query('x');\n");
    expect(mayFindPoolCalls(program, { includeQuery: true })).toBe(true);
    expect(mayFindPoolCalls(program, { includeQuery: false })).toBe(false);
  });
});

describe('the text pre-filter (mayFindPoolCallsInText)', () => {
  const fixtureDir = fileURLToPath(new URL('../../fixtures/pool-backpressure/', import.meta.url));
  const fixtureInputs = readdirSync(fixtureDir)
    .filter((name) => name.includes('.input.'))
    .map((name) => ({
      file: `fixtures/${name.replace('.input', '')}`,
      source: readFileSync(join(fixtureDir, name), 'utf8'),
    }));

  /** Soundness: where the text says no, the AST pre-check (imports followed, queries included) says no too. */
  const holdsFor = (file: string, source: string): void => {
    if (mayFindPoolCallsInText(source)) return;
    const filePath = join(dir, file);
    let program: TSESTree.Program;
    try {
      program = parseSource(filePath, source);
    } catch {
      return; // the runner reports a file that does not parse; nothing to compare
    }
    expect(
      mayFindPoolCalls(program, { includeQuery: true, resolveImport: createFileImportResolver(filePath) }),
      source,
    ).toBe(false);
  };

  it('lets every case and every fixture through that the pre-check lets through', () => {
    for (const testCase of CASES) holdsFor(testCase.file, testCase.source);
    for (const fixture of fixtureInputs) holdsFor(fixture.file, fixture.source);
    expect(fixtureInputs.length).toBeGreaterThan(20);
  });

  it('rules out calls on objects no pool can reach, and keeps every way of naming a pool module', () => {
    expect(
      mayFindPoolCallsInText('const params = new URLSearchParams(url.search);\nreturn document.query(url.href);\n'),
    ).toBe(false);
    expect(
      mayFindPoolCallsInText(
        "import { Client } from '@elastic/elasticsearch';\nnew Client().search({});\nredis.connect();\n",
      ),
    ).toBe(false);
    for (const source of [
      "import pg from 'pg'; db.query('x');",
      'const { Pool } = require("pg-pool"); db.query(\'x\');',
      "import { db } from './db.js'; db.query('x');",
      "import { db } from '../db'; db.query('x');",
      "const db = require('.'); db.query('x');",
      "import db from '/srv/app/db.js'; db.query('x');",
      "/** @param {import('pg').Pool} db */ function f(db) { return db.query('x'); }",
      "const pg = require('p\\x67'); new pg.Pool().query('x');",
      "const pg = require('\\u0070g'); new pg.Pool().query('x');",
      'thePool.connect();',
    ]) {
      expect(mayFindPoolCallsInText(source), source).toBe(true);
    }
  });

  it('is sound on random files built from imports, receivers and calls', () => {
    const specifier = fc.constantFrom(
      'pg',
      'pg-pool',
      './db.js',
      '../lib/db',
      '.',
      'ioredis',
      'node:net',
      '@scope/db',
      'p\\x67',
      'mongodb',
    );
    const importLine = fc.oneof(
      specifier.map((from) => `import { a } from '${from}';`),
      specifier.map((from) => `const b = require("${from}");`),
      specifier.map((from) => `import c = require('${from}');`),
      specifier.map((from) => `/** @type {import('${from}').Pool} */ let d;`),
      fc.constant(''),
    );
    const receiver = fc.constantFrom(
      'a',
      'b',
      'c',
      'd',
      'client',
      'db.main',
      'this.conn',
      'mainPool',
      'redis',
      'new Pool()',
      'new b.Pool()',
    );
    const call = fc
      .tuple(receiver, fc.constantFrom('connect', 'query'), fc.boolean())
      .map(([on, method, awaited]) => `${awaited ? 'await ' : ''}${on}.${method}('x');`);
    const file = fc
      .tuple(fc.array(importLine, { maxLength: 3 }), fc.array(call, { minLength: 1, maxLength: 3 }))
      .map(([imports, calls]) =>
        [...imports, 'export async function run() {', ...calls.map((line) => `  ${line}`), '}', ''].join('\n'),
      );
    fc.assert(
      fc.property(file, (source) => holdsFor('src/random.ts', source)),
      { numRuns: 300 },
    );
  });
});

describe('the pre-check with type information', () => {
  let project: TsProject;
  const files = new Map<string, string>([
    ['src/global.d.ts', "declare const sharedDb: import('pg').Pool;\n"],
    // No module reference at all: only the checker knows `sharedDb` is a pg Pool.
    ['src/use.ts', "export const r = sharedDb.query('x');\n"],
  ]);

  beforeAll(() => {
    project = createTsProject(files);
  });
  afterAll(() => project.dispose());

  it('never skips a file the checker can decide', () => {
    const source = files.get('src/use.ts')!;
    expect(project.errors('src/use.ts')).toEqual([]);
    const { ast, types } = project.services('src/use.ts', source);
    expect(mayFindPoolCalls(ast, { includeQuery: true })).toBe(false);
    expect(mayFindPoolCalls(ast, { includeQuery: true, types })).toBe(true);
    expect(
      findPoolCalls(ast, source, { includeQuery: true, types }).sites.map((site) => describeReceiver(site.pool)),
    ).toEqual(['sharedDb']);
  });
});

describe('no-raw-pool-connect with the pre-check fed by ESLint', () => {
  /** typescript-eslint's parser (no project) for TypeScript, ESLint's default espree for JavaScript. */
  const config = (file: string): Linter.Config[] => [
    file.endsWith('.ts')
      ? { files: ['**/*.ts'], languageOptions: { parser: tseslint.parser as Linter.Parser } }
      : { languageOptions: { sourceType: file.endsWith('.cjs') ? 'commonjs' : 'module' } },
    {
      plugins: { quickwins: { rules: { 'no-raw-pool-connect': rule as never } } },
      rules: { 'quickwins/no-raw-pool-connect': 'error' },
    },
  ];

  it.each(CASES)('$name: reports exactly the full detector sites', (testCase) => {
    const filePath = join(dir, testCase.file);
    const messages = new Linter({ cwd: dir }).verify(testCase.source, config(testCase.file), filePath);
    expect(messages.filter((message) => message.fatal)).toEqual([]);
    const full = detect(testCase, { follow: true, includeQuery: true, precheck: false });
    expect(messages.map((message) => `${message.line}:${message.column - 1}`)).toEqual(
      full.sites.map((site) => site.split('@')[1]!.split(' ')[0]),
    );
    expect(messages).toHaveLength(testCase.expected.sites);
  });
});
