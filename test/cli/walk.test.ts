// Which files a run covers: every extension in one run, .gitignore at every level, no dependencies or build output.
import { readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { assertBuilt, gitRepo, removeTempDirs, runCli, testCodemods, type JsonReport } from './helpers.js';

let env: NodeJS.ProcessEnv;
beforeAll(() => {
  assertBuilt();
  env = { QUICKWINS_CODEMODS: testCodemods() };
});
afterAll(removeTempDirs);
// Every test spawns the real CLI a few times; on a loaded machine one spawn can take seconds.
vi.setConfig({ testTimeout: 120_000 });

const report = (cwd: string, ...args: string[]) => {
  const result = runCli(['rename-foo', '--json', '--dry', ...args], { cwd, env });
  return { status: result.status, report: JSON.parse(result.stdout) as JsonReport };
};
const pathsOf = (json: JsonReport) => json.files.map((file) => file.path).sort();

describe('mixed repositories', () => {
  it('parses each file by its extension in one run: TS without JSX, TSX and JS with JSX, ESM and CommonJS', () => {
    const repo = gitRepo({
      // `<T>foo` is a type assertion in .ts and .mts/.cts and would be a JSX element in .tsx: the parser must differ.
      'a.ts': 'const x = <number>foo;\n',
      'b.tsx': 'export const view = <div title={foo} />;\n',
      'c.mts': 'export const y = <string>foo;\n',
      'd.cts': 'const z = <boolean>foo;\nmodule.exports = z;\n',
      'e.js': 'export const w = <span>{foo}</span>;\n',
      'f.jsx': 'export const v = <b>{foo}</b>;\n',
      'g.mjs': 'export default foo;\n',
      'h.cjs': 'module.exports = foo;\n',
      'types.d.ts': 'declare const foo: number;\n',
      'notes.md': 'foo\n',
    });
    const { status, report: json } = report(repo, '--no-header');
    expect(status).toBe(0);
    expect(pathsOf(json)).toEqual(['a.ts', 'b.tsx', 'c.mts', 'd.cts', 'e.js', 'f.jsx', 'g.mjs', 'h.cjs']);
    expect(json.files.every((file) => file.status === 'changed')).toBe(true);
    const diffOf = (path: string) => json.files.find((file) => file.path === path)?.diff ?? '';
    expect(diffOf('a.ts')).toContain('+const x = <number>bar;');
    expect(diffOf('b.tsx')).toContain('+export const view = <div title={bar} />;');
  });

  it('skips node_modules, dist, build, coverage and declaration files, also when nested', () => {
    const repo = gitRepo({
      'src/a.ts': 'foo();\n',
      'node_modules/pkg/index.js': 'foo();\n',
      'packages/web/node_modules/x/index.ts': 'foo();\n',
      'dist/a.js': 'foo();\n',
      'packages/web/build/out.js': 'foo();\n',
      'coverage/lcov.js': 'foo();\n',
      'src/global.d.ts': 'declare function foo(): void;\n',
      'src/legacy.d.mts': 'declare function foo(): void;\n',
      'packages/web/src/b.tsx': 'foo();\n',
    });
    expect(pathsOf(report(repo).report)).toEqual(['packages/web/src/b.tsx', 'src/a.ts']);
  });
});

describe('.gitignore', () => {
  it('honours the root .gitignore, nested ones, negations and .git/info/exclude', () => {
    const repo = gitRepo({
      '.gitignore': 'generated/\n*.gen.ts\n',
      'src/a.ts': 'foo();\n',
      'src/schema.gen.ts': 'foo();\n',
      'generated/client.ts': 'foo();\n',
      'packages/api/.gitignore': 'fixtures/\n!keep.gen.ts\n',
      'packages/api/fixtures/x.ts': 'foo();\n',
      'packages/api/keep.gen.ts': 'foo();\n',
      'packages/api/src/b.ts': 'foo();\n',
      'local/c.ts': 'foo();\n',
    });
    writeExclude(repo, 'local/\n');
    expect(pathsOf(report(repo).report)).toEqual(['packages/api/keep.gen.ts', 'packages/api/src/b.ts', 'src/a.ts']);
    // Walking a subfolder still applies the .gitignore files above it.
    expect(pathsOf(report(join(repo, 'packages'), '.').report)).toEqual(['api/keep.gen.ts', 'api/src/b.ts']);
  });

  it('takes a file named on the command line even when it is ignored', () => {
    const repo = gitRepo({ '.gitignore': '*.gen.ts\n', 'schema.gen.ts': 'foo();\n' });
    expect(pathsOf(report(repo, 'schema.gen.ts').report)).toEqual(['schema.gen.ts']);
  });
});

function writeExclude(repo: string, text: string): void {
  const path = join(repo, '.git', 'info', 'exclude');
  const current = readFileSync(path, 'utf8');
  writeFileSync(path, `${current}\n${text}`);
}

describe('a folder named explicitly', () => {
  it('is walked even when git ignores it, with the .gitignore files inside it still applied', () => {
    const repo = gitRepo({
      '.gitignore': 'scratch/\n*.gen.ts\n',
      'src/a.ts': 'foo();\n',
      'scratch/b.ts': 'foo();\n',
      'scratch/.gitignore': 'tmp/\n',
      'scratch/tmp/c.ts': 'foo();\n',
    });
    expect(pathsOf(report(repo).report)).toEqual(['src/a.ts']);
    expect(pathsOf(report(repo, 'scratch').report)).toEqual(['scratch/b.ts']);
  });
});

describe('a file reached twice', () => {
  it('runs once: overlapping paths, a folder reached through a link, a file link named next to its target', () => {
    const repo = gitRepo({ 'src/a.ts': 'foo();\n', 'src/deep/b.ts': 'foo();\n', 'other/c.ts': 'foo();\n' });
    symlinkSync('a.ts', join(repo, 'src', 'a-link.ts'));
    symlinkSync(join(repo, 'src', 'deep'), join(repo, 'deep-link'), 'dir');
    symlinkSync(join(repo, 'other', 'c.ts'), join(repo, 'src', 'c-link.ts'));
    // A walk does not follow links; a link named on the command line is taken, as its target.
    expect(pathsOf(report(repo, 'src').report)).toEqual(['src/a.ts', 'src/deep/b.ts']);
    const { report: json } = report(
      repo,
      'src',
      'src/deep',
      'src/a.ts',
      'src/a-link.ts',
      'deep-link/b.ts',
      'src/c-link.ts',
    );
    // src/a-link.ts is src/a.ts, deep-link/b.ts is src/deep/b.ts; src/c-link.ts is the only way to other/c.ts here.
    expect(pathsOf(json)).toEqual(['src/a.ts', 'src/c-link.ts', 'src/deep/b.ts']);
  });
});
