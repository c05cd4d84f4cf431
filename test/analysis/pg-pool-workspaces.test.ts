/**
 * pool-backpressure across the packages of an npm workspace, in JavaScript typed with JSDoc, and in JavaScript the
 * compiler checks (`checkJs`, `// @ts-check`): what the code proves is rewritten, what may be a pool is reported,
 * nothing is passed over silently, and a checked file is never rewritten into a type error.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codemod, type PoolBackpressureOptions } from '../../codemods/pool-backpressure.js';
import { isWorkspacePackage, resolveWorkspaceModule } from '../../src/core/modules.js';
import { parseSource } from '../../src/core/parse.js';
import { applyTextEdits } from '../../src/core/text-edit.js';
import { createTsProject } from '../support/pool-ts-project.js';

const OPTIONS: PoolBackpressureOptions = { importFrom: '@quickwins/runtime', query: true, tests: true };

interface Outcome {
  readonly output: string;
  readonly rewritten: string[];
  readonly left: string[];
}

/** The codemod without types on a file of `dir`, as the runner calls it. */
function run(dir: string, path: string, source: string): Outcome {
  const filePath = join(dir, path);
  mkdirSync(dirname(filePath), { recursive: true });
  writeFileSync(filePath, source);
  const result = codemod.transform({ filePath, source, program: parseSource(filePath, source), options: OPTIONS });
  return {
    output: applyTextEdits(source, result.edits),
    rewritten: result.rewritten.map((site) => `${site.line}: ${site.message}`),
    left: result.left.map((site) => `${site.line}: ${site.message}`),
  };
}

function writeTree(dir: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
}

const json = (value: unknown) => JSON.stringify(value);

// A monorepo shaped like a real one: the pools are made in one workspace package (`Object.assign(new pg.Pool(), …)`),
// typed in its .d.ts (interfaces extending pg.Pool), re-exported as JSDoc typedefs, and used in another package that
// also depends on redis (so a pool's name proves nothing there: only the followed types do).
const MONOREPO: Record<string, string> = {
  'package.json': json({ name: 'acme-monorepo', private: true, workspaces: ['db', 'app'] }),
  'db/package.json': json({ name: '@acme/db', type: 'module', main: 'index.js', dependencies: { pg: '^8.13.0' } }),
  'db/typings.d.ts':
    "import pg from 'pg'\n" +
    "export interface MainPool extends pg.Pool { db: 'main' }\n" +
    'export interface Pools { main: MainPool; end(): Promise<void> }\n' +
    "export type Queryable = Pick<pg.Pool, 'query'>\n",
  'db/index.js':
    "import pg from 'pg'\n" +
    "/** @typedef {import('./typings.js').Pools} Pools */\n" +
    "/** @typedef {import('./typings.js').Queryable} Queryable */\n" +
    'export const getMainPool = async () => {\n' +
    "  const main = Object.assign(new pg.Pool(), /** @type {const} */ ({ db: 'main' }))\n" +
    "  await main.query('SELECT 1')\n" +
    '  return main\n' +
    '}\n' +
    'export const getPools = async () => {\n' +
    '  const main = await getMainPool()\n' +
    '  return { main, end: () => main.end() }\n' +
    '}\n',
  'app/package.json': json({
    name: '@acme/app',
    type: 'module',
    dependencies: { '@acme/db': '*', pg: '^8.13.0', redis: '^4.0.0' },
  }),
  'app/lib/fetchers.js':
    "/** @typedef {import('@acme/db').Pools} Pools */\n" +
    '/**\n * @param {Pools} pools\n */\n' +
    "export const countUsers = async (pools) => pools.main.query('SELECT count(*) FROM users')\n" +
    "export const countOrders = async (pools) => pools.main.query('SELECT count(*) FROM orders')\n",
  'app/bin/run.js':
    "import { getPools } from '@acme/db'\n" +
    'const pools = await getPools()\n' +
    "await pools.main.query('DELETE FROM jobs')\n",
};

describe('pool-backpressure in an npm workspace, without types', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'qw-pool-ws-'));
    writeTree(dir, MONOREPO);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps `Object.assign(new pg.Pool(), {…})` as the pool it returns', () => {
    const outcome = run(dir, 'db/index.js', MONOREPO['db/index.js'] as string);
    expect(outcome.rewritten).toEqual([
      "6: main.query() → queryWithBackpressure(main, …) (Object.assign() returns its first argument, new Pool() of 'pg')",
    ]);
    expect(outcome.left).toEqual([]);
  });

  it("follows a JSDoc typedef of another workspace package's type into its .d.ts (an interface extending pg.Pool)", () => {
    const outcome = run(dir, 'app/lib/fetchers.js', MONOREPO['app/lib/fetchers.js'] as string);
    expect(outcome.rewritten).toEqual([
      "5: pools.main.query() → queryWithBackpressure(pools.main, …) (Pools.main from '@acme/db': Pools.main from './typings.js': declared as MainPool, an interface extending pg's Pool)",
    ]);
    // The same member on an undocumented parameter: reported, not rewritten on its name.
    expect(outcome.left).toEqual([
      '6: `pools.main.query()`: not sure it is a pg Pool (parameter `pools` has no type annotation)',
    ]);
  });

  it("follows a value imported from another workspace package (its package.json's main)", () => {
    const outcome = run(dir, 'app/bin/run.js', MONOREPO['app/bin/run.js'] as string);
    expect(outcome.rewritten).toEqual([
      "3: pools.main.query() → queryWithBackpressure(pools.main, …) (getPools.main from '@acme/db': returned by a function: Object.assign() returns its first argument, new Pool() of 'pg')",
    ]);
  });
});

describe('pool-backpressure reports what may be a pool instead of passing it over', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'qw-pool-lead-'));
    writeTree(dir, {
      'package.json': json({ name: 'leads', type: 'module', dependencies: { pg: '^8.13.0' } }),
    });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a receiver declared with a union of pg.Pool and other types, whatever it is called', () => {
    writeTree(dir, { 'core.ts': "import pg from 'pg';\nexport type Queryable = pg.ClientBase | pg.Pool;\n" });
    const source =
      "import type { Queryable } from './core.js';\n" +
      'export async function transaction(txnClientOrQueryable: Queryable | { _tx: true }) {\n' +
      '  return txnClientOrQueryable.connect();\n' +
      '}\n';
    const outcome = run(dir, 'transaction.ts', source);
    expect(outcome.rewritten).toEqual([]);
    expect(outcome.left).toEqual([
      "3: `txnClientOrQueryable.connect()`: declared as `Queryable | { _tx: true }`, not pg's Pool: rewriting would not type-check (Queryable from './core.js': only some of the union members are pg pools)",
    ]);
  });

  it('with types: a receiver whose type is a union with pg.Pool, which only the checker sees', () => {
    const files = new Map([
      [
        'pick.ts',
        "import pg from 'pg';\nexport function pick(): pg.Pool | pg.Client {\n  return new pg.Client();\n}\n",
      ],
      [
        'run.ts',
        "import { pick } from './pick.js';\ndeclare const queryable: ReturnType<typeof pick>;\nexport const run = () => queryable.connect();\n",
      ],
    ]);
    const project = createTsProject(files);
    try {
      const source = files.get('run.ts') as string;
      const { ast, types } = project.services('run.ts', source);
      const filePath = join(project.dir, 'run.ts');
      const result = codemod.transform({ filePath, source, program: ast, options: OPTIONS, types });
      expect(result.left.map((site) => `${site.line}: ${site.message}`)).toEqual([
        "3: `queryable.connect()`: declared as `ReturnType<typeof pick>`, not pg's Pool: rewriting would not type-check (the type `ReturnType` is not declared in this file)",
      ]);
    } finally {
      project.dispose();
    }
  });

  it('a private field set from an untyped parameter named like a pg client, in a package depending on pg', () => {
    const source =
      'export class Store {\n' +
      '  #pgClient\n' +
      '  constructor (pgClient) { this.#pgClient = pgClient }\n' +
      "  list () { return this.#pgClient.query('SELECT 1') }\n" +
      '}\n';
    expect(run(dir, 'store.js', source).left).toEqual([
      '4: `this.#pgClient.query()`: may be a pg Pool (named like a pg client or pool in leads, which depends on pg), but nothing shows it is one (parameter `pgClient` has no type annotation)',
    ]);
    // What a `.connect()` hands out is a client, whatever it is called.
    const checkedOut =
      "export const publish = async (pgPool) => {\n  const pgClient = await pgPool.connect()\n  await pgClient.query('BEGIN')\n}\n";
    writeTree(dir, { 'mixed/package.json': json({ name: 'mixed', dependencies: { pg: '^8.13.0', redis: '^4.0.0' } }) });
    expect(run(dir, 'mixed/publish.js', checkedOut).left).toEqual([
      '2: `pgPool.connect()`: not sure it is a pg Pool (parameter `pgPool` has no type annotation; mixed also depends on redis, so the name proves nothing)',
    ]);
  });

  it("a parameter documented as pg's Client in a file no compiler checks (a caller may pass a Pool)", () => {
    const source =
      "/**\n * @param {import('pg').Client} client\n */\n" +
      "export const insert = async (client) => { await client.query('INSERT 1') }\n";
    expect(run(dir, 'helpers.js', source).left).toEqual([
      "4: `client.query()`: may be a pg Pool (parameter `client` is documented as pg's Client, which no compiler checks in this file: a caller may pass a Pool), but pg's Client, not its Pool",
    ]);
    // Checked, the compiler holds every caller to pg's Client.
    expect(run(dir, 'checked.js', `// @ts-check\n${source}`).left).toEqual([]);
  });
});

describe('pool-backpressure in JavaScript the compiler checks (checkJs, @ts-check)', () => {
  // The real pool reaches a helper whose parameter is JSDoc-typed with the project's own `Queryable`: under
  // `checkJs`, `queryWithBackpressure(pgPool, …)` would not type-check (TS2345).
  const files = new Map([
    ['types.d.ts', "import pg from 'pg';\nexport type Queryable = Pick<pg.Pool, 'query'>;\n"],
    [
      'helpers.js',
      "/**\n * @param {import('./types.js').Queryable} pgPool\n */\nexport const insert = async (pgPool) => {\n  await pgPool.query('SELECT 1');\n};\n",
    ],
    [
      'main.js',
      "import pg from 'pg';\nimport { insert } from './helpers.js';\nconst pool = new pg.Pool();\nexport const run = () => insert(pool);\n",
    ],
  ]);
  const LEFT =
    "5: `pgPool.query()`: declared as `import('./types.js').Queryable`, not pg's Pool: rewriting would not type-check (Queryable from './types.js': `Pick<pg.Pool, 'query'>` is only part of a Pool)";

  it('leaves a receiver JSDoc-typed with a non-pg type, and tsc reports the same errors before and after', () => {
    const project = createTsProject(files, [], { allowJs: true, checkJs: true });
    let after: ReturnType<typeof createTsProject> | undefined;
    try {
      writeFileSync(
        join(project.dir, 'package.json'),
        json({ name: 'checked-js', type: 'module', dependencies: { pg: '^8.13.0' } }),
      );
      writeFileSync(join(project.dir, 'tsconfig.json'), json({ compilerOptions: { allowJs: true, checkJs: true } }));
      const outputs = new Map<string, string>();
      const left: string[] = [];
      for (const [path, source] of files) {
        if (path.endsWith('.d.ts')) {
          outputs.set(path, source);
          continue;
        }
        const outcome = run(project.dir, path, source);
        outputs.set(path, outcome.output);
        left.push(...outcome.left);
      }
      expect(outputs.get('helpers.js')).toBe(files.get('helpers.js'));
      expect(left).toEqual([LEFT]);
      after = createTsProject(outputs, [], { allowJs: true, checkJs: true });
      for (const path of files.keys()) expect(after.errors(path)).toEqual(project.errors(path));
    } finally {
      project.dispose();
      after?.dispose();
    }
  });

  it('reads `// @ts-check` as checked and `// @ts-nocheck` as not, whatever the config says', () => {
    const dir = mkdtempSync(join(tmpdir(), 'qw-pool-tscheck-'));
    try {
      writeTree(dir, {
        'package.json': json({ name: 'ts-check', type: 'module', dependencies: { pg: '^8.13.0' } }),
        'types.d.ts': files.get('types.d.ts') as string,
      });
      const helpers = files.get('helpers.js') as string;
      expect(run(dir, 'checked.js', `// @ts-check\n${helpers}`).left).toEqual([LEFT.replace(/^5:/, '6:')]);
      // Unchecked, the JSDoc does not bind the call: reported because its type is part of a Pool, not refused by it.
      const UNCHECKED =
        "5: `pgPool.query()`: may be a pg Pool (typed `Pick<pg.Pool, 'query'>`, part of a pool type), but Queryable from './types.js': `Pick<pg.Pool, 'query'>` is only part of a Pool";
      expect(run(dir, 'unchecked.js', helpers).left).toEqual([UNCHECKED]);
      // Configs are read once per folder and process: a folder of its own with `checkJs`.
      writeTree(dir, {
        'checked/tsconfig.json': json({ compilerOptions: { checkJs: true } }),
        'checked/types.d.ts': files.get('types.d.ts') as string,
      });
      expect(run(dir, 'checked/config.js', helpers).left).toEqual([LEFT]);
      expect(run(dir, 'checked/nocheck.js', `// @ts-nocheck\n${helpers}`).left).toEqual([
        UNCHECKED.replace(/^5:/, '6:'),
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('workspace packages on disk (resolveWorkspaceModule)', () => {
  it("finds a package's entry through `exports` (conditions, subpaths, patterns), `main`, then `index`", () => {
    const dir = mkdtempSync(join(tmpdir(), 'qw-ws-resolve-'));
    try {
      writeTree(dir, {
        'package.json': json({ private: true, workspaces: { packages: ['packages/*', 'tools'] } }),
        'packages/db/package.json': json({
          name: '@acme/db',
          main: 'wrong.js',
          exports: { '.': { types: './index.d.ts', import: './src/index.js' }, './helpers/*': './src/helpers/*.js' },
        }),
        'packages/db/src/index.js': 'export {}\n',
        'packages/db/src/helpers/pool.js': 'export {}\n',
        'packages/db/lib/raw.js': 'export {}\n',
        'tools/package.json': json({ name: 'tools', main: 'main.js' }),
        'tools/main.js': 'export {}\n',
        'app/package.json': json({ name: 'app' }),
      });
      const from = join(dir, 'app');
      expect(resolveWorkspaceModule(from, '@acme/db')).toBe(join(dir, 'packages/db/src/index.js'));
      expect(resolveWorkspaceModule(from, '@acme/db/helpers/pool')).toBe(join(dir, 'packages/db/src/helpers/pool.js'));
      expect(resolveWorkspaceModule(from, '@acme/db/lib/raw.js')).toBe(join(dir, 'packages/db/lib/raw.js'));
      expect(resolveWorkspaceModule(from, 'tools')).toBe(join(dir, 'tools/main.js'));
      expect(isWorkspacePackage(from, '@acme/db/anything')).toBe(true);
      expect(isWorkspacePackage(from, 'pg')).toBe(false);
      expect(resolveWorkspaceModule(from, 'pg')).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads no package a workspace pattern puts outside the workspace root (`../…`, an absolute path)', () => {
    const outer = mkdtempSync(join(tmpdir(), 'qw-ws-outside-'));
    try {
      writeTree(outer, {
        'elsewhere/package.json': json({ name: 'elsewhere', main: 'index.js' }),
        'elsewhere/index.js': 'export {}\n',
        'shared/lib/package.json': json({ name: 'shared-lib', main: 'index.js' }),
        'shared/lib/index.js': 'export {}\n',
        'repo/package.json': json({
          private: true,
          workspaces: ['../shared/*', join(outer, 'elsewhere'), 'app'],
        }),
        'repo/app/package.json': json({ name: 'app' }),
      });
      const from = join(outer, 'repo', 'app');
      expect(isWorkspacePackage(from, 'shared-lib')).toBe(false);
      expect(isWorkspacePackage(from, 'elsewhere')).toBe(false);
      expect(resolveWorkspaceModule(from, 'elsewhere')).toBeUndefined();
      expect(isWorkspacePackage(from, 'app')).toBe(true);
    } finally {
      rmSync(outer, { recursive: true, force: true });
    }
  });
});
