// The quickwins runner through its real front door: the built CLI, spawned on temp git repositories.
import { lstatSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  assertBuilt,
  git,
  gitRepo,
  removeTempDirs,
  runCli,
  tempDir,
  testCodemods,
  writeTree,
  type JsonReport,
} from './helpers.js';

let env: NodeJS.ProcessEnv;

beforeAll(() => {
  assertBuilt();
  env = { QUICKWINS_CODEMODS: testCodemods() };
});
afterAll(removeTempDirs);
// Every test spawns the real CLI a few times; on a loaded machine one spawn can take seconds.
vi.setConfig({ testTimeout: 120_000 });

const run = (cwd: string, ...args: string[]) => runCli(args, { cwd, env });
const read = (root: string, path: string) => readFileSync(join(root, path), 'utf8');
const json = (stdout: string) => JSON.parse(stdout) as JsonReport;

describe('list and help', () => {
  it('lists the built-in codemods and the loaded ones with their options', () => {
    const result = run(tempDir(), 'list');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^pool-backpressure\s/m);
    expect(result.stdout).toMatch(/^auth-logging\s/m);
    expect(result.stdout).toMatch(/^rename-foo\s+test only: renames foo/m);
    expect(result.stdout).toContain('--no-header');
    expect(result.stdout).toContain('--to <value>');
    const listed = JSON.parse(run(tempDir(), 'list', '--json').stdout) as { id: string }[];
    expect(listed.map((codemod) => codemod.id)).toEqual(
      expect.arrayContaining(['pool-backpressure', 'auth-logging', 'rename-foo']),
    );
  });

  it('prints help for the command and for one codemod, exit 0', () => {
    const top = run(tempDir(), '--help');
    expect(top.status).toBe(0);
    expect(top.stdout).toContain('pool-backpressure');
    expect(run(tempDir(), 'help', 'rename-foo').status).toBe(0);
    expect(run(tempDir(), '--version').stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    const one = run(tempDir(), 'rename-foo', '--help');
    expect(one.status).toBe(0);
    for (const flag of [
      '--dry',
      '--check',
      '--json',
      '--allow-dirty',
      '--no-types',
      '--workers <n>',
      '--to <value>',
      '--times <n>',
    ]) {
      expect(one.stdout).toContain(flag);
    }
  });
});

describe('usage errors exit 2 with one line naming the problem', () => {
  it('unknown codemod', () => {
    const result = run(gitRepo({ 'a.ts': 'foo();\n' }), 'no-such-codemod');
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("unknown command 'no-such-codemod'");
  });

  it('unknown option', () => {
    const result = run(gitRepo({ 'a.ts': 'foo();\n' }), 'rename-foo', '--frobnicate');
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("unknown option '--frobnicate'");
  });

  it('a path that does not exist, without touching the paths that do', () => {
    const repo = gitRepo({ 'a.ts': 'foo();\n' });
    const result = run(repo, 'rename-foo', 'a.ts', 'src/missing');
    expect(result.status).toBe(2);
    expect(result.stderr.trim()).toBe('quickwins: path not found: src/missing');
    expect(read(repo, 'a.ts')).toBe('foo();\n');
  });

  it('paths holding no source file are not a silent success', () => {
    const repo = gitRepo({ 'README.md': '# foo\n' });
    const result = run(repo, 'rename-foo');
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('no source files');
  });

  it('an option value of the wrong type', () => {
    const result = run(gitRepo({ 'a.ts': 'foo();\n' }), 'rename-foo', '--times', 'many');
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('--times needs a number');
  });

  it('an option value out of its range, before any file is read or written', () => {
    const source =
      "import { Pool } from 'pg';\nconst pool = new Pool();\nexport const q = () => pool.query('select 1');\n";
    const repo = gitRepo({ 'a.ts': source });
    const result = run(repo, 'pool-backpressure', '--threshold', '2');
    expect(result.status).toBe(2);
    expect(result.stderr.trim()).toBe('quickwins: option --threshold must be greater than 0 and at most 1, got 2');
    expect(read(repo, 'a.ts')).toBe(source);
  });

  it('no codemod at all', () => {
    expect(run(tempDir()).status).toBe(2);
  });
});

describe('--dry, --check and writing', () => {
  const files = { 'src/a.ts': 'export const foo = 1;\nconsole.log(foo);\n', 'src/b.ts': 'export const other = 2;\n' };

  it('--dry prints a unified diff that git applies, and writes nothing', () => {
    const repo = gitRepo(files);
    const result = run(repo, 'rename-foo', '--dry');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('diff --git a/src/a.ts b/src/a.ts');
    expect(result.stdout).toContain('-export const foo = 1;');
    expect(result.stdout).toContain('+export const bar = 1;');
    expect(result.stdout).not.toContain('src/b.ts');
    expect(git(repo, 'status', '--porcelain')).toBe('');
    expect(result.stderr).toMatch(/rename-foo: 1 file would change .*, 0 unchanged, 1 skipped, 0 failed/);

    // The printed diff is exactly what a real (non-dry) run writes.
    writeFileSync(join(repo, '..', 'dry.patch'), result.stdout);
    git(repo, 'apply', join(repo, '..', 'dry.patch'));
    const applied = read(repo, 'src/a.ts');
    git(repo, 'checkout', '--', '.');
    expect(run(repo, 'rename-foo').status).toBe(0);
    expect(read(repo, 'src/a.ts')).toBe(applied);
    expect(applied).toBe('// renamed by rename-foo\nexport const bar = 1;\nconsole.log(bar);\n');
  });

  it('--check exits 1 when something would change and 0 when nothing would, writing nothing', () => {
    const repo = gitRepo(files);
    const found = run(repo, 'rename-foo', '--check');
    expect(found.status).toBe(1);
    expect(found.stdout).toContain('+export const bar = 1;');
    expect(git(repo, 'status', '--porcelain')).toBe('');
    const clean = run(repo, 'rename-foo', '--check', 'src/b.ts');
    expect(clean.status).toBe(0);
  });

  it('writes changed files, lists them, and a second run changes nothing', () => {
    const repo = gitRepo(files);
    const first = run(repo, 'rename-foo', '--no-header', '--to', 'renamed');
    expect(first.status).toBe(0);
    expect(first.stdout).toBe('changed src/a.ts (2 sites)\n');
    expect(read(repo, 'src/a.ts')).toBe('export const renamed = 1;\nconsole.log(renamed);\n');
    expect(read(repo, 'src/b.ts')).toBe(files['src/b.ts']);
    git(repo, 'commit', '-qam', 'codemod');
    const second = run(repo, 'rename-foo', '--no-header', '--to', 'renamed', '--check');
    expect(second.status).toBe(0);
  });
});

describe('--json', () => {
  it('gives one record per file with status, sites at file:line, errors, timings, and totals', () => {
    const repo = gitRepo({
      'src/changed.ts': 'const foo = 1;\nconst keepFoo = foo;\n',
      'src/unchanged.ts': 'const keepFoo = 2;\n',
      'src/skipped.ts': 'const nothing = 3;\n',
      'src/broken.ts': 'const foo = ;\n',
      'src/throws.ts': 'explode();\n',
    });
    const result = run(repo, 'rename-foo', '--json', '--dry');
    expect(result.status).toBe(1);
    const report = json(result.stdout);
    expect(report.codemod).toBe('rename-foo');
    const byPath = new Map(report.files.map((file) => [file.path, file]));
    expect([...byPath.keys()].sort()).toEqual([
      'src/broken.ts',
      'src/changed.ts',
      'src/skipped.ts',
      'src/throws.ts',
      'src/unchanged.ts',
    ]);

    const changed = byPath.get('src/changed.ts')!;
    expect(changed.status).toBe('changed');
    expect(changed.rewritten.map((site) => site.at)).toEqual(['src/changed.ts:1:7', 'src/changed.ts:2:17']);
    expect(changed.left).toEqual([
      { at: 'src/changed.ts:2:7', line: 2, column: 7, message: 'keepFoo is kept on purpose' },
    ]);
    expect(changed.diff).toContain('+const bar = 1;');
    expect(changed.timings.parseMs).toBeGreaterThan(0);

    expect(byPath.get('src/unchanged.ts')).toMatchObject({ status: 'unchanged', rewritten: [], left: [{ line: 1 }] });
    expect(byPath.get('src/skipped.ts')).toMatchObject({ status: 'skipped', rewritten: [], left: [] });
    expect(byPath.get('src/broken.ts')).toMatchObject({
      status: 'error',
      error: { phase: 'parse', at: 'src/broken.ts:1:13' },
    });
    expect(byPath.get('src/throws.ts')).toMatchObject({
      status: 'error',
      error: { phase: 'transform', message: 'test codemod exploded' },
    });

    expect(report.totals).toEqual({
      files: 5,
      changed: 1,
      unchanged: 1,
      skipped: 1,
      failed: 2,
      left: 0,
      rewrittenSites: 2,
      leftSites: 2,
      coveredSites: 0,
    });
    expect(report.timings.totalMs).toBeGreaterThan(0);
    expect(result.stderr).toBe(''); // stdout is the whole machine report, stderr stays empty
  });
});

describe('uncommitted changes', () => {
  const files = { 'src/a.ts': 'foo();\n', 'src/b.ts': 'foo();\n', 'other/c.ts': 'foo();\n' };

  it('refuses to write when a target file has uncommitted changes, and writes nothing at all', () => {
    const repo = gitRepo(files);
    writeFileSync(join(repo, 'src/b.ts'), 'foo(); // my edit\n');
    const result = run(repo, 'rename-foo');
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('refusing to write');
    expect(result.stderr).toContain('src/b.ts');
    expect(result.stderr).toContain('--allow-dirty');
    expect(read(repo, 'src/a.ts')).toBe('foo();\n');
    expect(read(repo, 'src/b.ts')).toBe('foo(); // my edit\n');
  });

  it('counts staged and untracked files as uncommitted', () => {
    const staged = gitRepo(files);
    writeFileSync(join(staged, 'src/a.ts'), 'foo(1);\n');
    git(staged, 'add', 'src/a.ts');
    expect(run(staged, 'rename-foo', 'src').status).toBe(2);
    const untracked = gitRepo(files);
    writeFileSync(join(untracked, 'src/new.ts'), 'foo();\n');
    expect(run(untracked, 'rename-foo', 'src').status).toBe(2);
    expect(read(untracked, 'src/new.ts')).toBe('foo();\n');
  });

  it('only the target paths count, --dry never refuses, and --allow-dirty writes', () => {
    const repo = gitRepo(files);
    writeFileSync(join(repo, 'other/c.ts'), 'foo(); // my edit\n');
    expect(run(repo, 'rename-foo', 'src').status).toBe(0);
    expect(read(repo, 'src/a.ts')).toContain('bar();');
    expect(run(repo, 'rename-foo', '--dry').status).toBe(0);
    expect(read(repo, 'other/c.ts')).toBe('foo(); // my edit\n');
    expect(run(repo, 'rename-foo', '--allow-dirty').status).toBe(0);
    expect(read(repo, 'other/c.ts')).toBe('// renamed by rename-foo\nbar(); // my edit\n');
  });

  it('outside a git work tree: warns once, writes only with --allow-no-git', () => {
    const plain = tempDir();
    writeTree(plain, { 'a.ts': 'foo();\n', 'b.ts': 'foo();\n' });
    const refused = run(plain, 'rename-foo');
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(
      /^quickwins: refusing to write: 2 target file\(s\) are not in a git work tree \(a\.ts, b\.ts\).*--allow-no-git$/m,
    );
    expect(read(plain, 'a.ts')).toBe('foo();\n');
    const dry = run(plain, 'rename-foo', '--dry');
    expect(dry.status).toBe(0);
    expect(dry.stderr.match(/warning: .*not in a git work tree/g)).toHaveLength(1);
    const allowed = run(plain, 'rename-foo', '--allow-no-git');
    expect(allowed.status).toBe(0);
    expect(allowed.stderr.match(/warning: .*not in a git work tree/g)).toHaveLength(1);
    expect(read(plain, 'a.ts')).toContain('bar();');
  });
});

describe('files that fail', () => {
  it('reports a parse error with its location, leaves the file as it was, and migrates the others', () => {
    const broken = 'export function foo( {\n  return 1;\n';
    const repo = gitRepo({ 'a.ts': 'foo();\n', 'broken.ts': broken, 'c.ts': 'foo();\n' });
    const result = run(repo, 'rename-foo');
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^error broken\.ts:\d+:\d+: parse failed: /m);
    expect(result.stderr).toMatch(/2 files changed, 0 unchanged, 0 skipped, 1 failed/);
    expect(read(repo, 'broken.ts')).toBe(broken);
    expect(read(repo, 'a.ts')).toContain('bar();');
    expect(read(repo, 'c.ts')).toContain('bar();');
  });
});

describe('CommonJS files', () => {
  // Legal where Node runs the file as CommonJS (`node --check` passes): a top-level `return`.
  const poolScript =
    "'use strict';\nconst { Pool } = require('pg');\nconst pool = new Pool();\nexports.read = () => pool.query('select 1');\nif (require.main !== module) return;\nconsole.log('main');\n";
  // Nothing to rewrite; the comment gets it past the pre-filter, so it is parsed.
  const plainScript =
    "const name = require('./name');\n// pool.query( appears in a comment only\nif (!name) return;\nmodule.exports = name;\n";

  it('parses .cjs, and .js outside a "type": "module" package, as CommonJS (with and without --no-types); --check passes on correct code', () => {
    const repo = gitRepo({
      'package.json': JSON.stringify({ name: 'app', private: true }),
      'src/db.js': poolScript,
      'src/plain.cjs': plainScript,
      'src/plain.js': plainScript,
    });
    for (const types of [['--no-types'], []]) {
      const checked = runCli(['pool-backpressure', ...types, '--check', 'src/plain.cjs', 'src/plain.js'], {
        cwd: repo,
      });
      expect(checked.status, checked.stderr).toBe(0);
      const dry = runCli(['pool-backpressure', ...types, '--dry', 'src'], { cwd: repo });
      expect(dry.stderr).not.toMatch(/parse failed/);
      expect(dry.stdout).toContain("+exports.read = () => queryWithBackpressure(pool, 'select 1');");
    }
  });

  it('a top-level return in a "type": "module" package is still a parse error', () => {
    const repo = gitRepo({
      'package.json': JSON.stringify({ name: 'app', type: 'module' }),
      'src/plain.js': plainScript,
    });
    const result = runCli(['pool-backpressure', '--no-types', '--check', 'src'], { cwd: repo });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^error src\/plain\.js:3:\d+: parse failed: /m);
  });
});

describe('left sites that give the same reason', () => {
  const testFile = (index: number) =>
    `import { Pool } from 'pg';\nconst pool = new Pool();\nexport const read = () => pool.query('select ${index}');\n`;
  const files = Object.fromEntries(
    Array.from({ length: 7 }, (_, index) => [`test/t${index + 1}.test.ts`, testFile(index + 1)]),
  );
  const leftLines = (stderr: string) => stderr.split('\n').filter((line) => line.startsWith('left  '));

  it('are one line with the count and the first 3 sites above 5 sites; --verbose and --json list every site', () => {
    const repo = gitRepo(files);
    const summarised = runCli(['pool-backpressure', '--no-types', '--dry', 'test'], { cwd: repo });
    expect(summarised.status, summarised.stderr).toBe(0);
    expect(leftLines(summarised.stderr)).toEqual([
      'left  7 sites: in a test file: pass --tests to include it ' +
        '(test/t1.test.ts:3:27, test/t2.test.ts:3:27, test/t3.test.ts:3:27, …; --verbose or --json lists every site)',
    ]);
    expect(summarised.stderr).toMatch(/0 sites rewritten, 7 left;/);

    const verbose = runCli(['pool-backpressure', '--no-types', '--dry', '--verbose', 'test'], { cwd: repo });
    expect(leftLines(verbose.stderr)).toEqual(
      Object.keys(files).map(
        (path) =>
          `left  ${path}:3:27: \`pool.query()\`: in a test file: pass --tests to include it [pg pool: new Pool() of 'pg']`,
      ),
    );
    const report = json(runCli(['pool-backpressure', '--no-types', '--dry', '--json', 'test'], { cwd: repo }).stdout);
    expect(report.files.flatMap((file) => file.left.map((site) => site.at)).sort()).toEqual(
      Object.keys(files).map((path) => `${path}:3:27`),
    );
  });

  it('5 sites with one reason are still listed one by one', () => {
    const repo = gitRepo(files);
    const five = Object.keys(files).slice(0, 5);
    const result = runCli(['pool-backpressure', '--no-types', '--dry', ...five], { cwd: repo });
    expect(leftLines(result.stderr)).toHaveLength(5);
  });
});

describe('bytes the codemod does not rewrite', () => {
  it('keeps a BOM, CRLF line endings (also in added lines) and the file mode', () => {
    const bomCrlf = '\uFEFF// header\r\nexport const foo = 1;\r\n\r\nconsole.log(foo);\r\n';
    const repo = gitRepo({
      'bom-crlf.ts': bomCrlf,
      'script.mjs': { text: 'foo();\n', mode: 0o755 },
      'private.ts': { text: 'foo();\n', mode: 0o600 },
    });
    expect(run(repo, 'rename-foo').status).toBe(0);
    const written = read(repo, 'bom-crlf.ts');
    expect(written).toBe(
      '\uFEFF// renamed by rename-foo\r\n// header\r\nexport const bar = 1;\r\n\r\nconsole.log(bar);\r\n',
    );
    expect(written.replaceAll('\r\n', '')).not.toContain('\n');
    expect(statSync(join(repo, 'script.mjs')).mode & 0o777).toBe(0o755);
    expect(read(repo, 'script.mjs')).toBe('// renamed by rename-foo\nbar();\n');
    expect(statSync(join(repo, 'private.ts')).mode & 0o777).toBe(0o600);
  });

  it('rewrites the target of a symlink, keeps the link, and does not process a file twice', () => {
    const repo = gitRepo({ 'real.ts': 'foo();\n' });
    symlinkSync('real.ts', join(repo, 'link.ts'));
    git(repo, 'add', '-A');
    git(repo, 'commit', '-qm', 'link');
    const result = run(repo, 'rename-foo', '--json', 'link.ts', '.');
    expect(result.status).toBe(0);
    expect(json(result.stdout).totals.changed).toBe(1);
    expect(read(repo, 'real.ts')).toBe('// renamed by rename-foo\nbar();\n');
    expect(lstatSync(join(repo, 'link.ts')).isSymbolicLink()).toBe(true);
  });
});
