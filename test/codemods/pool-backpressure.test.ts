/**
 * pool-backpressure beyond the shared fixture harness (fixtures.test.ts checks every pair's output, parse, fixed
 * point and import): the sites each case must leave and report, the pre-filter's edges, and, for TypeScript cases,
 * that input and output type-check against real `pg` typings and quickwins' own sources, and that the type-aware
 * path agrees (it may find more: types know what a package function returns; never less).
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codemod, type PoolBackpressureOptions } from '../../codemods/pool-backpressure.js';
import type { CodemodResult, TypeServices } from '../../src/codemod-host/codemod.js';
import { parseSource } from '../../src/core/parse.js';
import { applyTextEdits } from '../../src/core/text-edit.js';
import type { TSESTree } from '@typescript-eslint/typescript-estree';
import { createTsProject, fixtureProjectFiles, type TsProject } from '../support/pool-ts-project.js';
import { fixtureDir as fixtureDirOf } from './fixture-cases.js';

const fixtureDir = fixtureDirOf('pool-backpressure');

const FIXTURES = 'fixtures/pool-backpressure';

interface Fixture {
  readonly name: string;
  readonly extension: string;
  readonly inputFile: string;
  readonly outputFile: string;
  readonly input: string;
  readonly expected: string;
  readonly options: PoolBackpressureOptions;
}

// Top-level fixtures, and those under packages/<name>/ (each with a package.json: package-level evidence).
const fixtures: Fixture[] = [
  ...readdirSync(fixtureDir),
  ...readdirSync(join(fixtureDir, 'packages')).flatMap((folder) =>
    readdirSync(join(fixtureDir, 'packages', folder)).map((file) => `packages/${folder}/${file}`),
  ),
]
  .filter((file) => file.includes('.input.'))
  .sort()
  .map((inputFile) => {
    const [name = '', extension = ''] = inputFile.split('.input.');
    const outputFile = `${name}.output.${extension}`;
    const optionsFile = join(fixtureDir, `${name}.options.json`);
    const extra = existsSync(optionsFile)
      ? (JSON.parse(readFileSync(optionsFile, 'utf8')) as Partial<PoolBackpressureOptions>)
      : {};
    return {
      name,
      extension,
      inputFile,
      outputFile,
      input: readFileSync(join(fixtureDir, inputFile), 'utf8'),
      expected: readFileSync(join(fixtureDir, outputFile), 'utf8'),
      options: { importFrom: '@quickwins/runtime', query: true, tests: false, ...extra },
    };
  });

/** Lines of the sites each fixture must leave and report (every other fixture reports nothing). */
const EXPECTED_LEFT: Record<string, number[]> = {
  'callback-query': [6, 7],
  shadowing: [20],
  'shadowing-js': [7],
  'this-pool-uncertain': [8],
  // A client taken from the pool inside a callback, named like a pool: reported, never rewritten.
  'packages/pg-only/untyped-param': [24],
  // The same code in a package that also depends on mysql2: names alone prove nothing, every site is reported.
  'packages/mixed-drivers/untyped-param': [4, 18, 24],
  // Declared with the project's own types (destructured, parameter, class field, variable), in a pg-only package.
  'packages/pg-only/declared-types': [12, 16, 27, 33, 45],
  // `module.pool` on CommonJS's module object, beside `module.exports.pool = new Pool()` (read back as
  // `module.exports.pool` / `exports.pool`: rewritten).
  'module-exports-pool': [8],
  // Pools typed `any` in an ORM driver: pg-pool's (err, client, release) callback is reported, never rewritten.
  'callback-signature': [21, 30],
  // @fastify/postgres's own source hands the pool's methods out bound: reported.
  'packages/fastify-postgres-plugin/plugin': [10, 13],
  // drizzle's private session client in TypeScript: typed Pool | PoolClient | Client, so not rewritten.
  'packages/drizzle/session-client-ts': [9],
};

/** The reason each left site must give, by fixture and line: a reason is asserted, so it must be true. */
const EXPECTED_REASONS: Record<string, Record<number, string>> = {
  'packages/pg-only/declared-types': {
    12: "`pool.query()`: declared as `PoolLike`, not pg's Pool: rewriting would not type-check (typed the interface PoolLike)",
    16: "`pool.query()`: declared as `MyDb`, not pg's Pool: rewriting would not type-check (typed an object type)",
    27: "`this.pool.query()`: declared as `PoolLike`, not pg's Pool: rewriting would not type-check (typed the interface PoolLike)",
    33: "`pool.query()`: declared as `PoolLike`, not pg's Pool: rewriting would not type-check (typed the interface PoolLike)",
    45: "`pool.query()`: declared as `Deps['db']['pool']`, not pg's Pool: rewriting would not type-check (typed the interface PoolLike)",
  },
  'module-exports-pool': {
    8: '`module.pool.query()`: not sure it is a pg Pool (`module.pool` is read, but this file stores `pool` on `module.exports`, a different object)',
  },
  'callback-signature': {
    21: "`this.master.connect()`: its callback takes pg-pool's (err, client, release), but nothing shows it is a pg Pool (returned by `load()`)",
    30: "`this.slaves[…].connect()`: its callback takes pg-pool's (err, client, release), but nothing shows it is a pg Pool (computed member)",
  },
  'packages/fastify-postgres-plugin/plugin': {
    10: "`pool.connect` is handed out as a bound method (`.connect.bind()`): its callers acquire without backpressure, and the helpers wrap calls, not references [pg pool: new Pool() of 'pg']",
    13: "`pool.query` is handed out as a bound method (`.query.bind()`): its callers acquire without backpressure, and the helpers wrap calls, not references [pg pool: new Pool() of 'pg']",
  },
  'packages/drizzle/session-client-ts': {
    9: "`db._.session.client.connect()`: drizzle's `_.session.client` holds the pool it was given (new Pool() of 'pg'), but drizzle types it as a Pool, PoolClient or Client: the rewrite would not type-check",
  },
};

function run(
  filePath: string,
  source: string,
  options: PoolBackpressureOptions,
  types?: TypeServices,
  program?: TSESTree.Program,
): { output: string; result: CodemodResult } {
  const result = codemod.transform({
    filePath,
    source,
    program: program ?? parseSource(filePath, source),
    options,
    types,
  });
  return { output: applyTextEdits(source, result.edits), result };
}

function isTypeScript(extension: string): boolean {
  return ['ts', 'tsx', 'mts', 'cts'].includes(extension);
}

describe('pool-backpressure fixtures', () => {
  it('has a fixture pair for every form and decoy found on real code', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(20);
    expect(new Set(fixtures.map((fixture) => fixture.extension))).toEqual(
      new Set(['ts', 'tsx', 'mts', 'js', 'mjs', 'cjs']),
    );
  });

  it.each(fixtures.map((fixture) => [fixture.name, fixture] as const))(
    '%s: reports exactly the sites it leaves',
    (_name, fixture) => {
      const { result } = run(join(FIXTURES, fixture.inputFile), fixture.input, fixture.options);
      expect(result.left.map((site) => site.line)).toEqual(EXPECTED_LEFT[fixture.name] ?? []);
      for (const site of [...result.left, ...result.rewritten]) expect(site.message.length).toBeGreaterThan(10);
      const reasons = EXPECTED_REASONS[fixture.name];
      if (reasons) expect(Object.fromEntries(result.left.map((site) => [site.line, site.message]))).toEqual(reasons);
    },
  );

  it("rewrites receivers declared with pg's Pool (destructured, field, parameter property, variable), with that annotation as evidence", () => {
    const fixture = fixtures.find((candidate) => candidate.name === 'packages/pg-only/declared-types');
    if (!fixture) throw new Error('fixture packages/pg-only/declared-types is missing');
    const { result } = run(join(FIXTURES, fixture.inputFile), fixture.input, fixture.options);
    expect(result.rewritten.map((site) => [site.line, site.message])).toEqual([
      [37, "pool.query() → queryWithBackpressure(pool, …) (declared as the Pool of 'pg')"],
      [56, "this.pool.query() → queryWithBackpressure(this.pool, …) (declared as the Pool of 'pg')"],
      [60, "this.readPool.query() → queryWithBackpressure(this.readPool, …) (declared as the Pool of 'pg')"],
      [66, "pool.query() → queryWithBackpressure(pool, …) (declared as the Pool of 'pg')"],
    ]);
  });
});

describe('pool-backpressure pre-filter', () => {
  it('lets every fixture with a site through, and keeps files without a member connect/query out', () => {
    const untyped = { typed: false };
    for (const fixture of fixtures)
      if (fixture.expected !== fixture.input) expect(codemod.mightApply(fixture.input, untyped)).toBe(true);
    expect(codemod.mightApply("pool['query']('x')", untyped)).toBe(true);
    expect(codemod.mightApply('pool\n  .connect()', untyped)).toBe(true);
    expect(codemod.mightApply("document.querySelector('a'); const connection = req.query;", untyped)).toBe(false);
    expect(codemod.mightApply("import { connect } from 'node:net'; connect(80);", untyped)).toBe(false);
  });

  it('without types, also keeps out member calls on objects no pool can reach; with types, only the checker can tell', () => {
    const search =
      "import { Client } from '@elastic/elasticsearch';\nexport const hits = (client: Client) => client.query('x');\n";
    expect(codemod.mightApply(search, { typed: false })).toBe(false);
    expect(codemod.mightApply(search, { typed: true })).toBe(true);
  });

  it('refuses a threshold the helpers would reject', () => {
    const source = "import { Pool } from 'pg';\nnew Pool().connect();\n";
    const program = parseSource('a.ts', source);
    expect(() =>
      codemod.transform({
        filePath: 'a.ts',
        source,
        program,
        options: { importFrom: '@quickwins/runtime', query: true, tests: false, threshold: 1.5 },
      }),
    ).toThrow(/--threshold must be greater than 0 and at most 1/);
  });
});

describe('pool-backpressure fixtures type-check', () => {
  // Fixtures under packages/ depend on their own package.json and tsconfig (paths aliases), which the shared typed project has not.
  const typeScriptFixtures = fixtures.filter(
    (fixture) => isTypeScript(fixture.extension) && !fixture.name.startsWith('packages/'),
  );
  let project: TsProject;

  beforeAll(() => {
    const files = fixtureProjectFiles(fixtureDir, ['lib/db.ts', 'lib/ambient.d.ts'], typeScriptFixtures);
    const aliases = fixtures
      .map((fixture) => fixture.options.importFrom)
      .filter((from) => from !== '@quickwins/runtime');
    project = createTsProject(files, aliases);
  });

  afterAll(() => project.dispose());

  it.each(typeScriptFixtures.map((fixture) => [fixture.name, fixture] as const))(
    '%s: input and output have no type errors',
    (_name, fixture) => {
      expect(project.errors(fixture.inputFile)).toEqual([]);
      expect(project.errors(fixture.outputFile)).toEqual([]);
    },
  );

  it.each(typeScriptFixtures.map((fixture) => [fixture.name, fixture] as const))(
    '%s: with types it rewrites at least the same sites, and the same text when nothing was uncertain',
    (_name, fixture) => {
      const { ast, types } = project.services(fixture.inputFile, fixture.input);
      const typed = run(join(project.dir, fixture.inputFile), fixture.input, fixture.options, types, ast);
      const untyped = run(join(FIXTURES, fixture.inputFile), fixture.input, fixture.options);
      const typedLines = typed.result.rewritten.map((site) => site.line);
      for (const site of untyped.result.rewritten) expect(typedLines).toContain(site.line);
      if (untyped.result.left.length === 0) expect(typed.output).toBe(fixture.expected);
    },
  );
});

describe('pool-backpressure on receivers declared with the project’s own types', () => {
  // The real pool is handed over as `appPool as unknown as PoolLike`: a rewrite of the PoolLike sites would not
  // type-check (queryWithBackpressure takes pg's Pool).
  const files = new Map([
    [
      'types.ts',
      "import type { QueryResult } from 'pg';\nexport interface PoolLike {\n  query(text: string, values?: unknown[]): Promise<QueryResult>;\n}\n",
    ],
    [
      'repo.ts',
      "import type { PoolLike } from './types.js';\n" +
        "export function countUsers({ pool }: { pool: PoolLike }) {\n  return pool.query('select count(*) from users');\n}\n" +
        "export async function byId(pool: PoolLike, id: number) {\n  return (await pool.query('select * from users where id = $1', [id])).rows[0];\n}\n" +
        "export class Repo {\n  constructor(private pool: PoolLike) {}\n  all() {\n    return this.pool.query('select * from users');\n  }\n}\n",
    ],
    [
      'main.ts',
      "import { Pool } from 'pg';\nimport type { PoolLike } from './types.js';\nimport { countUsers, Repo } from './repo.js';\n" +
        'const appPool = new Pool();\n' +
        'export const run = () => countUsers({ pool: appPool as unknown as PoolLike });\n' +
        'export const repo = new Repo(appPool as unknown as PoolLike);\n' +
        "export const direct = () => appPool.query('select 1');\n",
    ],
  ]);

  it('the declared-types fixture type-checks before and after', () => {
    const fixture = fixtures.find((candidate) => candidate.name === 'packages/pg-only/declared-types');
    if (!fixture) throw new Error('fixture packages/pg-only/declared-types is missing');
    const project = createTsProject(
      new Map([
        ['input.ts', fixture.input],
        ['output.ts', fixture.expected],
      ]),
    );
    try {
      expect(project.errors('input.ts')).toEqual([]);
      expect(project.errors('output.ts')).toEqual([]);
    } finally {
      project.dispose();
    }
  });

  it('untyped, in a package depending on pg only: leaves them with the declared type as reason, and tsc finds no new error', () => {
    const before = createTsProject(files);
    let after: TsProject | undefined;
    try {
      // Package-level evidence (named like a pool, pg the only pool library) is what made these look like pools.
      writeFileSync(
        join(before.dir, 'package.json'),
        JSON.stringify({ name: 'declared-pool-app', type: 'module', dependencies: { pg: '^8.11.0' } }),
      );
      const options: PoolBackpressureOptions = { importFrom: '@quickwins/runtime', query: true, tests: false };
      const rewritten = new Map<string, string>();
      const left: string[] = [];
      for (const [path, source] of files) {
        const { output, result } = run(join(before.dir, path), source, options);
        rewritten.set(path, output);
        left.push(...result.left.map((site) => `${path}:${site.line} ${site.message}`));
      }
      expect(rewritten.get('repo.ts')).toBe(files.get('repo.ts'));
      expect(rewritten.get('main.ts')).toContain("queryWithBackpressure(appPool, 'select 1')");
      expect(left).toEqual([
        "repo.ts:3 `pool.query()`: declared as `PoolLike`, not pg's Pool: rewriting would not type-check (PoolLike from './types.js': typed the interface PoolLike)",
        "repo.ts:6 `pool.query()`: declared as `PoolLike`, not pg's Pool: rewriting would not type-check (PoolLike from './types.js': typed the interface PoolLike)",
        "repo.ts:11 `this.pool.query()`: declared as `PoolLike`, not pg's Pool: rewriting would not type-check (PoolLike from './types.js': typed the interface PoolLike)",
      ]);
      // Typed: the checker sees PoolLike too, so the same sites are left with the same reasons.
      const typedRepo = before.services('repo.ts', files.get('repo.ts') ?? '');
      const typed = run(
        join(before.dir, 'repo.ts'),
        files.get('repo.ts') ?? '',
        options,
        typedRepo.types,
        typedRepo.ast,
      );
      expect(typed.result.edits).toEqual([]);
      expect(typed.result.left.map((site) => `repo.ts:${site.line} ${site.message}`)).toEqual(left);
      after = createTsProject(rewritten);
      for (const path of files.keys())
        expect({ path, errors: after.errors(path) }).toEqual({ path, errors: before.errors(path) });
    } finally {
      before.dispose();
      after?.dispose();
    }
  });
});

describe('pool-backpressure: which files wait for the checker', () => {
  const options: PoolBackpressureOptions = { importFrom: '@quickwins/runtime', query: true, tests: false };
  const waits = (source: string, filePath = join(FIXTURES, 'waits.ts')) =>
    run(filePath, source, options).result.waitsForTypes;

  it('not a file whose only other calls are on what a pool hands out', () => {
    expect(
      waits(
        "import { Pool } from 'pg';\nconst pool = new Pool();\nexport async function f() {\n  const client = await pool.connect();\n" +
          "  try {\n    await client.query('x');\n  } finally {\n    client.release();\n  }\n  const { rows } = await pool.query('y');\n  return rows;\n}\n",
      ),
    ).toBe(false);
  });

  it('not a file whose every call was placed without types: pools, a pg Client, local classes, object types, another library', () => {
    expect(
      waits(
        "import { Client, Pool } from 'pg';\nimport Redis from 'ioredis';\nconst pool = new Pool();\nclass Repo { query(text: string) { return text; } self(): this { return this; } }\n" +
          "export async function f(db: { query(text: string): void }) {\n  await pool.query('x');\n  const client = new Client();\n  await client.connect();\n" +
          "  new Repo().query('y');\n  db.query('z');\n  await new Redis().connect();\n  new Repo().self().query('w');\n}\n",
      ),
    ).toBe(false);
  });

  it.each([
    [
      'an untyped parameter',
      "import { Pool } from 'pg';\nexport const f = (db) => db.query('x');\nexport const pool = new Pool();\n",
    ],
    [
      'a value from another package',
      "import { db } from '@org/db';\nimport { Pool } from 'pg';\nexport const pool = new Pool();\nexport const f = () => db.query('x');\n",
    ],
    [
      'a local class extending another',
      "import { Pool } from 'pg';\nclass Shared extends Pool {}\nexport const f = () => new Shared().query('x');\n",
    ],
    ['a file the pre-check passes over', "import { db } from '@org/db';\nexport const f = () => db.query('x');\n"],
  ])('a file with %s', (_name, source) => {
    expect(waits(source)).toBe(true);
  });
});

describe("pool-backpressure on a project's own pg typings without the pool's counters", () => {
  const files = new Map([
    [
      'types/pg.d.ts',
      "declare module 'pg' {\n  export type PoolClient = { query: (text: string) => Promise<{ rows: unknown[] }>; release: () => void };\n" +
        '  export class Pool {\n    constructor(config: { connectionString: string });\n    connect: () => Promise<PoolClient>;\n' +
        '    query: (text: string, params?: unknown[]) => Promise<{ rows: unknown[] }>;\n  }\n}\n',
    ],
    [
      'db.ts',
      "import { Pool } from 'pg';\nexport const pool = new Pool({ connectionString: '' });\nexport const one = () => pool.query('select 1');\nexport const client = () => pool.connect();\n",
    ],
  ]);
  const options: PoolBackpressureOptions = { importFrom: '@quickwins/runtime', query: true, tests: false };

  it('leaves its pools typed and untyped (the helpers read totalCount, idleCount, waitingCount), and tsc finds the same errors', () => {
    const project = createTsProject(files);
    try {
      const source = files.get('db.ts') ?? '';
      const untyped = run(join(project.dir, 'db.ts'), source, options);
      expect(untyped.output).toBe(source);
      expect(untyped.result.left.map((site) => `${site.line} ${site.message}`)).toEqual([
        "3 `pool.query()`: its Pool type has no totalCount, idleCount, waitingCount (the project's own typings for 'pg' in types/pg.d.ts), which the helpers read: the rewrite would not type-check: add them there (pg's own Pool declares them) or use @types/pg, then run again [pg pool: new Pool() of 'pg']",
        "4 `pool.connect()`: its Pool type has no totalCount, idleCount, waitingCount (the project's own typings for 'pg' in types/pg.d.ts), which the helpers read: the rewrite would not type-check: add them there (pg's own Pool declares them) or use @types/pg, then run again [pg pool: new Pool() of 'pg']",
      ]);
      const { ast, types } = project.services('db.ts', source);
      const typed = run(join(project.dir, 'db.ts'), source, options, types, ast);
      expect(typed.output).toBe(source);
      expect(typed.result.left.map((site) => site.line)).toEqual([3, 4]);
      expect(typed.result.left[0]?.message).toContain('its Pool type has no totalCount, idleCount, waitingCount');
      expect(project.errors('db.ts')).toEqual([]);
    } finally {
      project.dispose();
    }
  });

  it('rewrites the same code once the typings declare the counters (what a rewrite needs, shown by tsc)', () => {
    const complete = new Map(files);
    complete.set(
      'types/pg.d.ts',
      (files.get('types/pg.d.ts') ?? '').replace(
        '    connect:',
        '    readonly totalCount: number;\n    readonly idleCount: number;\n    readonly waitingCount: number;\n    connect:',
      ),
    );
    const project = createTsProject(complete);
    let after: TsProject | undefined;
    try {
      const source = complete.get('db.ts') ?? '';
      const untyped = run(join(project.dir, 'db.ts'), source, options);
      expect(untyped.result.rewritten.map((site) => site.line)).toEqual([3, 4]);
      after = createTsProject(new Map([...complete, ['db.ts', untyped.output]]));
      expect(after.errors('db.ts')).toEqual([]);
    } finally {
      project.dispose();
      after?.dispose();
    }
  });
});

describe("pool-backpressure with @fastify/postgres's types", () => {
  it('rewrites a value typed PostgresDb through its .pool, and the output type-checks', () => {
    const files = new Map([
      [
        'vendor/node_modules/@fastify/postgres/index.d.ts',
        "import type { Pool, PoolClient, QueryResult } from 'pg';\n" +
          'export type PostgresDb = {\n  pool: Pool;\n  connect(): Promise<PoolClient>;\n  query(text: string, values?: unknown[]): Promise<QueryResult>;\n};\n',
      ],
      [
        'db.ts',
        "import type { PostgresDb } from './vendor/node_modules/@fastify/postgres/index.js';\nexport declare const db: PostgresDb;\n",
      ],
      [
        'routes.ts',
        "import { db } from './db.js';\nexport const one = () => db.query('select 1');\nexport const client = () => db.connect();\n",
      ],
    ]);
    const project = createTsProject(files);
    let after: TsProject | undefined;
    try {
      const source = files.get('routes.ts') ?? '';
      const { ast, types } = project.services('routes.ts', source);
      const typed = run(
        join(project.dir, 'routes.ts'),
        source,
        { importFrom: '@quickwins/runtime', query: true, tests: false },
        types,
        ast,
      );
      expect(typed.result.rewritten.map((site) => site.message)).toEqual([
        "db.pool.query() → queryWithBackpressure(db.pool, …) (its type `PostgresDb` is @fastify/postgres's decorator, whose `.pool` is pg's Pool)",
        "db.pool.connect() → acquireWithBackpressure(db.pool, …) (its type `PostgresDb` is @fastify/postgres's decorator, whose `.pool` is pg's Pool)",
      ]);
      after = createTsProject(new Map([...files, ['routes.ts', typed.output]]));
      expect(after.errors('routes.ts')).toEqual([]);
    } finally {
      project.dispose();
      after?.dispose();
    }
  });
});
