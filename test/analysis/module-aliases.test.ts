/**
 * Bare specifiers resolved through the tsconfig as TypeScript resolves them (core/modules.ts): `paths` through
 * `extends` chains, the best pattern, targets in order, `baseUrl`; and nothing read outside the repository root.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { codemod } from '../../codemods/pool-backpressure.js';
import {
  checksJavaScript,
  repositoryRoot,
  resolveAliasedModule,
  resolveModuleFile,
  unreadConfigExtends,
} from '../../src/core/modules.js';
import { parseSource } from '../../src/core/parse.js';
import { withDeclaredReads } from '../../src/core/project-reads.js';

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A fresh folder holding `files`; `repository` marks `repo/` as the git work tree (a `.git` folder). */
function tree(files: Record<string, string | object>): string {
  const dir = mkdtempSync(join(tmpdir(), 'quickwins-aliases-'));
  made.push(dir);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), typeof content === 'string' ? content : JSON.stringify(content));
  }
  return dir;
}

const MODULE = 'export const x = 1;\n';

describe('tsconfig `paths` and `baseUrl` without a program', () => {
  it('reads `paths` and `baseUrl` through an `extends` chain, relative to the config that sets them', () => {
    const dir = tree({
      'tsconfig.base.json': { compilerOptions: { paths: { '@acme/*': ['libs/*/src/index.ts'] } } },
      'config/tsconfig.app.json': { extends: '../tsconfig.base.json', compilerOptions: { strict: true } },
      'apps/api/tsconfig.json': { extends: '../../config/tsconfig.app' },
      'libs/db/src/index.ts': MODULE,
    });
    const from = join(dir, 'apps/api/src');
    // `paths` without `baseUrl`: relative to tsconfig.base.json, two configs up the chain (`.json` left off).
    expect(resolveModuleFile(from, '@acme/db')).toBe(join(dir, 'libs/db/src/index.ts'));
    expect(resolveModuleFile(from, '@acme/cache')).toBeUndefined();
  });

  it('takes an inherited `baseUrl` relative to the config that sets it, and a child `paths` over the parent', () => {
    const dir = tree({
      'tsconfig.base.json': { compilerOptions: { baseUrl: 'src', paths: { '@old/*': ['old/*'] } } },
      'pkg/tsconfig.json': { extends: '../tsconfig.base.json', compilerOptions: { paths: { '@app/*': ['app/*'] } } },
      'src/app/db.ts': MODULE,
      'src/old/db.ts': MODULE,
      'src/lib/log.ts': MODULE,
    });
    const from = join(dir, 'pkg');
    expect(resolveModuleFile(from, '@app/db.js')).toBe(join(dir, 'src/app/db.ts'));
    // The child's `paths` replace the parent's; `baseUrl` alone still maps a bare specifier.
    expect(resolveModuleFile(from, '@old/db')).toBeUndefined();
    expect(resolveModuleFile(from, 'lib/log')).toBe(join(dir, 'src/lib/log.ts'));
    expect(resolveModuleFile(from, 'pg')).toBeUndefined();
  });

  it('picks an exact pattern, else the longest prefix, and tries its targets in order', () => {
    const dir = tree({
      'tsconfig.json': {
        compilerOptions: {
          paths: {
            '@app/*': ['src/*'],
            '@app/db/*': ['generated/db/*', 'db/*'],
            '@app/db': ['db/main.ts'],
            '*': ['types/*'],
          },
        },
      },
      'src/db/pool.ts': MODULE,
      'src/users.ts': MODULE,
      'db/pool.ts': MODULE,
      'db/main.ts': MODULE,
      'types/legacy.d.ts': MODULE,
    });
    expect(resolveModuleFile(dir, '@app/db/pool')).toBe(join(dir, 'db/pool.ts'));
    expect(resolveModuleFile(dir, '@app/db')).toBe(join(dir, 'db/main.ts'));
    expect(resolveModuleFile(dir, '@app/users.js')).toBe(join(dir, 'src/users.ts'));
    expect(resolveModuleFile(dir, 'legacy')).toBe(join(dir, 'types/legacy.d.ts'));
    // The catch-all maps nothing on disk for a package: node_modules' business, not an alias.
    expect(resolveAliasedModule(dir, 'express')).toBeUndefined();
  });

  it('follows an `extends` of a package in node_modules, and a chain that extends itself ends', () => {
    const dir = tree({
      'node_modules/@acme/tsconfig/base.json': {
        compilerOptions: { baseUrl: '../../..', paths: { '#db': ['db.ts'] } },
      },
      'tsconfig.json': { extends: '@acme/tsconfig/base.json' },
      'db.ts': MODULE,
      'loop/tsconfig.json': { extends: './other.json', compilerOptions: { paths: { '#x': ['x.ts'] } } },
      'loop/other.json': { extends: './tsconfig.json' },
      'loop/x.ts': MODULE,
    });
    expect(resolveModuleFile(join(dir, 'src'), '#db')).toBe(join(dir, 'db.ts'));
    expect(resolveModuleFile(join(dir, 'loop'), '#x')).toBe(join(dir, 'loop/x.ts'));
  });

  it('reads nothing outside the repository root: configs above it, `extends` and `paths` targets leaving it', () => {
    const dir = tree({
      'tsconfig.json': { compilerOptions: { paths: { '@above/*': ['repo/*'] }, checkJs: true } },
      'shared/db.ts': MODULE,
      'base.json': { compilerOptions: { baseUrl: '.', paths: { '@base/*': ['shared/*'] } } },
      'repo/.git/HEAD': 'ref: refs/heads/main\n',
      'repo/db.ts': MODULE,
      'repo/app/tsconfig.json': { compilerOptions: { paths: { '@shared/*': ['../../shared/*', './*'] } } },
      'repo/app/local.ts': MODULE,
      'repo/web/tsconfig.json': { extends: '../../base.json' },
      'repo/plain/index.js': MODULE,
    });
    const repo = join(dir, 'repo');
    expect(repositoryRoot(join(repo, 'app/src'))).toBe(repo);
    // The config above the root is not the repository's: no alias, no checkJs from it.
    expect(resolveModuleFile(join(repo, 'plain'), '@above/db')).toBeUndefined();
    expect(checksJavaScript(join(repo, 'plain'))).toBe(false);
    // A target leaving the root is not looked at, even where the next target would resolve: TypeScript tries it first.
    expect(resolveAliasedModule(join(repo, 'app'), '@shared/db')).toEqual({
      kind: 'outside-repository',
      target: '../../shared/db',
    });
    expect(resolveModuleFile(join(repo, 'app'), '@shared/local')).toBeUndefined();
    // An `extends` leaving the root is not read, and said.
    expect(resolveModuleFile(join(repo, 'web'), '@base/db')).toBeUndefined();
    expect(unreadConfigExtends(join(repo, 'web'))).toBe('../../base.json');
    expect(unreadConfigExtends(join(repo, 'app'))).toBeUndefined();
  });

  it('is held to the imported-modules read', () => {
    const dir = tree({ 'tsconfig.json': { compilerOptions: { paths: { '@/*': ['src/*'] } } }, 'src/db.ts': MODULE });
    expect(() => withDeclaredReads('test', ['package-json'], () => resolveAliasedModule(dir, '@/db'))).toThrow(
      /imported-modules/,
    );
    expect(withDeclaredReads('test', ['imported-modules'], () => resolveModuleFile(dir, '@/db'))).toBe(
      join(dir, 'src/db.ts'),
    );
  });
});

describe('pool-backpressure on aliased modules, without types', () => {
  const OPTIONS = { importFrom: '@quickwins/runtime', query: true, tests: true };
  const run = (dir: string, path: string) => {
    const filePath = join(dir, path);
    const source = readText(filePath);
    return codemod.transform({ filePath, source, program: parseSource(filePath, source), options: OPTIONS });
  };

  it('follows any `paths` alias to the pool, and says so when the alias leads out of the repository', () => {
    const dir = tree({
      'repo/.git/HEAD': 'ref: refs/heads/main\n',
      'repo/package.json': { name: 'app', dependencies: { pg: '^8.11.0', redis: '^4.0.0' } },
      'repo/tsconfig.json': {
        compilerOptions: { paths: { '@data/*': ['lib/data/*'], '@vendor/*': ['../vendor/*'] } },
      },
      'repo/lib/data/store.ts': "import { Pool } from 'pg';\nexport const store = new Pool();\n",
      'repo/src/a.ts': "import { store } from '@data/store';\nexport const a = () => store.query('select 1');\n",
      // Named like a pool, so reported: the reason says why it was not followed.
      'repo/src/b.ts': "import { pool } from '@vendor/store';\nexport const b = () => pool.query('select 1');\n",
      'vendor/store.ts': "import { Pool } from 'pg';\nexport const pool = new Pool();\n",
      'shared.json': { compilerOptions: { paths: { '@shared/*': ['repo/lib/data/*'] } } },
      'repo/web/tsconfig.json': { extends: '../../shared.json' },
      'repo/web/c.ts': "import { pool } from '@shared/store';\nexport const c = () => pool.query('select 1');\n",
    });
    const aliased = run(dir, 'repo/src/a.ts');
    expect(aliased.rewritten.map((site) => site.message)).toEqual([
      "store.query() → queryWithBackpressure(store, …) (store from '@data/store': new Pool() of 'pg')",
    ]);
    expect(aliased.waitsForTypes).toBe(false);
    expect(
      codemod.mightApply(readText(join(dir, 'repo/src/a.ts')), { typed: false, filePath: join(dir, 'repo/src/a.ts') }),
    ).toBe(true);
    const outside = run(dir, 'repo/src/b.ts');
    expect(outside.rewritten).toEqual([]);
    expect(outside.left.map((site) => site.message).join('\n')).toContain(
      "'@vendor/store' is mapped by the tsconfig `paths` to '../vendor/store', outside the repository, which is not read",
    );
    // The alias may be set in a config outside the repository: the reason says the import may be one.
    expect(run(dir, 'repo/web/c.ts').left.map((site) => site.message)).toEqual([
      "`pool.query()`: not sure it is a pg Pool (it comes from the package '@shared/store', or a `paths` alias of the tsconfig it extends, '../../shared.json', which lies outside the repository and is not read; app also depends on redis, so the name proves nothing)",
    ]);
  });
});

function readText(path: string): string {
  return readFileSync(path, 'utf8');
}
