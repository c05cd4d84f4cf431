// The runner with the real graphql-cache codemod on temp git repositories: the report names every site it rewrote
// and every options object it considered and left (with the reason), a package loading itself included; writing
// removes the imports the rewrite leaves unread, and a second run finds nothing to do.
import { readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, git, gitRepo, removeTempDirs, runCli, REPO_ROOT, type JsonReport } from './helpers.js';

beforeAll(assertBuilt);
afterAll(removeTempDirs);

/** A library's own repository, as Mercurius's is: its tests load it with `require('..')`. */
const library = {
  '.gitignore': 'node_modules\n',
  'package.json': JSON.stringify({ name: 'mercurius', main: 'index.js', dependencies: { graphql: '16' } }),
  'index.js':
    "'use strict';\nmodule.exports = async function plugin(app, opts) { app.decorate('graphqlOptions', opts); };\n",
  'test/cache.test.js': [
    "'use strict';",
    "const Fastify = require('fastify');",
    "const GQL = require('..');",
    '',
    'const app = Fastify();',
    "app.register(GQL, { schema: 'type Query { a: Int }', cache: false });",
    "app.register(require('../'), {",
    "  schema: 'type Query { a: Int }',",
    '  cache: false',
    '});',
    '',
  ].join('\n'),
  'examples/server.ts': [
    "import { graphql, buildSchema } from 'graphql';",
    "import { ApolloServer } from '@apollo/server';",
    '',
    "const schema = buildSchema('type Query { a: Int }');",
    'export const run = (source: string) => graphql({ schema, source });',
    "const dev = process.env.NODE_ENV !== 'production';",
    "export const server = new ApolloServer({ typeDefs: 'type Query { a: Int }', ...(dev ? {} : { persistedQueries: false as const }) });",
    '',
  ].join('\n'),
};

function libraryRepo(): string {
  const repo = gitRepo(library);
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(repo, 'node_modules'), 'dir');
  return repo;
}

describe('quickwins graphql-cache', { timeout: 120_000 }, () => {
  it('--dry --json: every considered option is rewritten or left with its reason, a self-require read as the package', () => {
    const repo = libraryRepo();
    const result = runCli(['graphql-cache', '--dry', '--json'], { cwd: repo });
    expect(result.status, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as JsonReport;
    const byPath = new Map(report.files.map((file) => [file.path, file]));

    const tests = byPath.get('test/cache.test.js')!;
    expect(tests).toMatchObject({ status: 'unchanged', rewritten: [] });
    expect(tests.left.map((site) => site.line)).toEqual([6, 9]);
    expect(tests.left[0]!.message).toBe(
      "`cache: false` for mercurius: the package configures itself (required from '..', this package's own root, whose package.json names it 'mercurius'); its own code and tests switch the cache off on purpose; not removed",
    );
    expect(tests.left[1]!.message).toContain("required from '../', this package's own root");

    const server = byPath.get('examples/server.ts')!;
    expect(server.status).toBe('changed');
    expect(server.rewritten.map((site) => site.line)).toEqual([5]);
    expect(server.left.map((site) => site.line)).toEqual([7]);
    expect(server.left[0]!.message).toMatch(
      /^`persistedQueries: false` for new ApolloServer\(\) \(imported from '@apollo\/server'\): inside a conditional spread/,
    );
    expect(server.diff).toContain(
      "-import { graphql, buildSchema } from 'graphql';\n+import { buildSchema } from 'graphql';",
    );
    expect(report.totals.leftSites).toBe(3);
    expect(git(repo, 'status', '--porcelain')).toBe('');
  });

  it('writes, leaves no unread import, and a second run changes nothing', () => {
    const repo = libraryRepo();
    const first = runCli(['graphql-cache'], { cwd: repo });
    expect(first.status, first.stderr).toBe(0);
    const server = readFileSync(join(repo, 'examples/server.ts'), 'utf8');
    expect(server.split('\n').slice(0, 3)).toEqual([
      "import { buildSchema } from 'graphql';",
      "import { ApolloServer } from '@apollo/server';",
      "import { cachedGraphql } from '@quickwins/runtime/graphql';",
    ]);
    expect(readFileSync(join(repo, 'test/cache.test.js'), 'utf8')).toBe(library['test/cache.test.js']);
    git(repo, 'add', '-A');
    git(repo, 'commit', '-qm', 'graphql-cache');
    const again = runCli(['graphql-cache', '--check'], { cwd: repo });
    expect(again.status, again.stdout).toBe(0);
  });
});
