import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { codemod } from '../../codemods/pool-backpressure.js';
import {
  clearPackageFacts,
  factsFromManifest,
  packageFactsFor,
  selfReferencedPackage,
} from '../../src/core/package-evidence.js';
import { isTestFile } from '../../src/pool-backpressure/pg-pool.js';
import { parseSource } from '../../src/core/parse.js';

const root = mkdtempSync(join(tmpdir(), 'quickwins-package-evidence-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function writePackage(folder: string, manifest: object): string {
  const directory = join(root, folder);
  mkdirSync(join(directory, 'src', 'nested'), { recursive: true });
  writeFileSync(join(directory, 'package.json'), JSON.stringify(manifest));
  return directory;
}

describe('factsFromManifest', () => {
  it('is pg-only when pg is the one pool library among all dependency fields', () => {
    const facts = factsFromManifest('package.json', {
      name: 'api',
      dependencies: { pg: '8', express: '4' },
      devDependencies: { vitest: '1' },
    });
    expect(facts).toMatchObject({
      name: 'api',
      dependsOnPg: true,
      pgOnly: true,
      otherPoolLibraries: [],
      fastifyPostgres: undefined,
    });
  });

  it.each([
    'mysql2',
    'redis',
    'mongodb',
    'generic-pool',
    'mssql',
    '@neondatabase/serverless',
    '@vercel/postgres',
    'pg-promise',
  ])('is not pg-only next to %s', (other) => {
    const facts = factsFromManifest('package.json', { dependencies: { pg: '8' }, peerDependencies: { [other]: '1' } });
    expect(facts.pgOnly).toBe(false);
    expect(facts.otherPoolLibraries).toEqual([other]);
  });

  it('names @fastify/postgres and its old name', () => {
    expect(factsFromManifest('p', { dependencies: { '@fastify/postgres': '5' } }).fastifyPostgres).toBe(
      '@fastify/postgres',
    );
    expect(factsFromManifest('p', { optionalDependencies: { 'fastify-postgres': '3' } }).fastifyPostgres).toBe(
      'fastify-postgres',
    );
    expect(factsFromManifest('p', { dependencies: { pg: '8' } }).fastifyPostgres).toBeUndefined();
  });
});

describe('packageFactsFor', () => {
  it('reads the nearest package.json, once per package', () => {
    const directory = writePackage('one', { name: 'one', dependencies: { pg: '8' } });
    clearPackageFacts();
    const first = packageFactsFor(join(directory, 'src', 'a.ts'));
    expect(first?.name).toBe('one');
    // Rewritten on disk: the run keeps what it read (one read per package per run).
    writeFileSync(join(directory, 'package.json'), JSON.stringify({ name: 'changed', dependencies: { mysql2: '3' } }));
    expect(packageFactsFor(join(directory, 'src', 'nested', 'b.ts'))).toBe(first);
    clearPackageFacts();
    expect(packageFactsFor(join(directory, 'src', 'b.ts'))?.name).toBe('changed');
  });

  it('gives nothing for an unreadable package.json', () => {
    const directory = writePackage('broken', {});
    writeFileSync(join(directory, 'package.json'), '{ not json');
    clearPackageFacts();
    expect(packageFactsFor(join(directory, 'src', 'a.ts'))).toBeUndefined();
  });
});

describe('isTestFile', () => {
  it.each([
    'src/db.test.ts',
    'src/db.spec.js',
    'test/db.ts',
    'tests/helpers/pool.cjs',
    'src/__tests__/db.ts',
    'e2e/app.e2e-spec.ts',
    'app/db.e2e.mts',
  ])('%s is a test', (path) => {
    expect(isTestFile(path)).toBe(true);
  });

  it.each(['src/db.ts', 'src/testing-library.ts', 'src/contest/db.ts', 'src/latest.ts'])('%s is not', (path) => {
    expect(isTestFile(path)).toBe(false);
  });

  it('reads folders below the package root only', () => {
    expect(isTestFile('/srv/test/app/src/db.ts', '/srv/test/app')).toBe(false);
    expect(isTestFile('/srv/test/app/test/db.ts', '/srv/test/app')).toBe(true);
  });
});

describe('pool-backpressure in test files and with package evidence', () => {
  const source =
    "class Store {\n  constructor(pool) {\n    this.pool = pool;\n  }\n  find() {\n    return this.pool.query('select 1');\n  }\n}\nmodule.exports = Store;\n";
  const directory = writePackage('app', { name: 'app', dependencies: { pg: '8' } });
  const run = (relativePath: string, tests: boolean) => {
    clearPackageFacts();
    const filePath = join(directory, relativePath);
    writeFileSync(filePath, source);
    return codemod.transform({
      filePath,
      source,
      program: parseSource(filePath, source),
      options: { importFrom: '@quickwins/runtime', query: true, tests },
    });
  };

  it('rewrites an untyped field in a pg-only package and says which evidence decided', () => {
    const result = run('src/store.js', false);
    expect(result.rewritten).toHaveLength(1);
    expect(result.rewritten[0]?.message).toMatch(
      /named like a pool in app, which depends on pg and on no other pool library/,
    );
  });

  it('leaves and reports the same site in a test file by default', () => {
    mkdirSync(join(directory, 'test'), { recursive: true });
    const result = run('test/store.js', false);
    expect(result.edits).toEqual([]);
    expect(result.left.map((site) => site.line)).toEqual([6]);
    expect(result.left[0]?.message).toMatch(/in a test file: pass --tests to include it \[pg pool: named like a pool/);
  });

  it('rewrites it with --tests', () => {
    const result = run('test/store.js', true);
    expect(result.rewritten.map((site) => site.line)).toEqual([6]);
    expect(result.left).toEqual([]);
  });
});

describe('selfReferencedPackage', () => {
  it('reads the package root, its main and its own name as the package itself, and nothing else', () => {
    const directory = writePackage('self-mercurius', { name: 'mercurius', main: 'lib/index.js' });
    const test = join(directory, 'src', 'nested', 'a.test.js');
    const self = (specifier: string): string | undefined => selfReferencedPackage(test, specifier)?.name;
    expect(['../..', '../../', '../../index.js', '../../lib/index.js', '../../lib', 'mercurius'].map(self)).toEqual(
      Array(6).fill('mercurius'),
    );
    expect(['..', './a.js', '../../lib/other.js', 'mercurius-extra', 'fastify'].map(self)).toEqual(
      Array(5).fill(undefined),
    );
  });

  it('says nothing for a package.json without a name', () => {
    const directory = writePackage('self-unnamed', { private: true });
    expect(selfReferencedPackage(join(directory, 'src', 'a.js'), '..')).toBeUndefined();
  });
});
