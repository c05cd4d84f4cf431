/**
 * The runner writes only regular files whose real path is inside the git work tree it checked: a link named on the
 * command line, a linked folder, a linked package.json or a package.json above the work tree that lead outside are
 * never followed for writing (left and reported, exit 1); a link to a file inside the tree is written once, through
 * the same guards as its target named directly. Real CLI, temp git repositories.
 */
import { lstatSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertBuilt,
  git,
  gitRepo,
  removeTempDirs,
  runCli,
  tempDir,
  testCodemods,
  type JsonReport,
} from '../cli/helpers.js';
import { raceCodemods } from './runner-helpers.js';

let env: NodeJS.ProcessEnv;
beforeAll(() => {
  assertBuilt();
  env = { QUICKWINS_CODEMODS: `${testCodemods()}:${raceCodemods()}` };
});
afterAll(removeTempDirs);

const run = (cwd: string, ...args: string[]) => runCli(args, { cwd, env });
const read = (path: string) => readFileSync(path, 'utf8');
const report = (stdout: string) => JSON.parse(stdout) as JsonReport;

/** A file outside any work tree of the run, in a git repository of its own (clean), so only the link can be the reason. */
function outsideFile(name: string, text: string): string {
  const repo = gitRepo({ [name]: text });
  return join(repo, name);
}

function commitAll(repo: string): void {
  git(repo, 'add', '-A');
  git(repo, 'commit', '-qm', 'links');
}

describe('a symlink leading outside the work tree', () => {
  it('named on the command line: the outside file is not written; the link is left with the reason (exit 1)', () => {
    const outside = outsideFile('x.ts', 'foo();\n');
    const repo = gitRepo({ 'src/a.ts': 'foo();\n' });
    symlinkSync(outside, join(repo, 'src/linked.ts'));
    commitAll(repo);

    const result = run(repo, 'rename-foo', 'src/linked.ts', 'src/a.ts');
    expect(result.status, result.stderr).toBe(1);
    expect(read(outside)).toBe('foo();\n');
    expect(read(join(repo, 'src/a.ts'))).toBe('// renamed by rename-foo\nbar();\n');
    expect(result.stderr).toContain(
      `left  src/linked.ts: file left as it was: symlink to ${outside}, outside the work tree: not followed for writing`,
    );
    expect(lstatSync(join(repo, 'src/linked.ts')).isSymbolicLink()).toBe(true);

    const json = report(run(repo, 'rename-foo', '--json', '--allow-dirty', 'src/linked.ts').stdout);
    expect(json.files).toMatchObject([
      { path: 'src/linked.ts', status: 'left', reason: expect.stringContaining('outside the work tree') },
    ]);
    expect(read(outside)).toBe('foo();\n');
  });

  it('walked: a link in a walked folder is not followed, and neither is a linked folder named on the command line', () => {
    const outsideDir = tempDir();
    writeFileSync(join(outsideDir, 'y.ts'), 'foo();\n');
    const repo = gitRepo({ 'src/a.ts': 'foo();\n' });
    symlinkSync(join(outsideDir, 'y.ts'), join(repo, 'src/linked.ts'));
    symlinkSync(outsideDir, join(repo, 'vendor'), 'dir');
    commitAll(repo);

    const walked = run(repo, 'rename-foo', '.');
    expect(walked.status, walked.stderr).toBe(0);
    expect(read(join(outsideDir, 'y.ts'))).toBe('foo();\n');

    const named = run(repo, 'rename-foo', 'vendor', '--allow-dirty');
    expect(named.status, named.stderr).toBe(1);
    expect(read(join(outsideDir, 'y.ts'))).toBe('foo();\n');
    expect(named.stderr).toContain('left  vendor/y.ts: file left as it was: outside the work tree');
  });
});

describe('a symlink to a file inside the work tree', () => {
  it('goes through the guards of its target: an uncommitted target refuses the run (exit 2); written once otherwise', () => {
    const repo = gitRepo({ 'src/real.ts': 'foo();\n' });
    symlinkSync('real.ts', join(repo, 'src/link.ts'));
    commitAll(repo);
    writeFileSync(join(repo, 'src/real.ts'), 'foo(); // not committed\n');

    const refused = run(repo, 'rename-foo', 'src/link.ts');
    expect(refused.status, refused.stderr).toBe(2);
    expect(refused.stderr).toMatch(
      /^quickwins: refusing to write: 1 target file\(s\) have uncommitted changes \(src\/link\.ts\)/m,
    );
    expect(read(join(repo, 'src/real.ts'))).toBe('foo(); // not committed\n');

    const allowed = run(repo, 'rename-foo', '--json', '--allow-dirty', 'src/link.ts', 'src/real.ts', 'src');
    expect(allowed.status, allowed.stderr).toBe(0);
    expect(report(allowed.stdout).totals.changed).toBe(1);
    expect(read(join(repo, 'src/real.ts'))).toBe('// renamed by rename-foo\nbar(); // not committed\n');
    expect(lstatSync(join(repo, 'src/link.ts')).isSymbolicLink()).toBe(true);
  });
});

describe('package.json of the dependency step', () => {
  it('a linked package.json leading outside is not written: reported, exit 1; the source is written', () => {
    const outside = outsideFile('package.json', '{ "name": "elsewhere" }\n');
    const repo = gitRepo({ 'src/a.ts': 'foo(); // race: runtime\n' });
    symlinkSync(outside, join(repo, 'package.json'));
    commitAll(repo);

    const result = run(repo, 'race-probe', 'src');
    expect(result.status, result.stderr).toBe(1);
    expect(read(outside)).toBe('{ "name": "elsewhere" }\n');
    expect(read(join(repo, 'src/a.ts'))).toBe('bar(); // race: runtime\n');
    expect(result.stderr).toContain(
      `error package.json: could not add @quickwins/runtime (imported by 1 rewritten file): symlink to ${outside}, outside the work tree: not followed for writing`,
    );
  });

  it('a package.json above the work tree (another project the run did not check) is not written', () => {
    const parent = tempDir();
    writeFileSync(join(parent, 'package.json'), '{ "name": "parent" }\n');
    mkdirSync(join(parent, 'repo'));
    writeFileSync(join(parent, 'repo', 'a.ts'), 'foo(); // race: runtime\n');
    const repo = join(parent, 'repo');
    git(repo, 'init', '-q', '-b', 'main');
    commitAll(repo);

    const result = run(repo, 'race-probe', '.');
    expect(result.status, result.stderr).toBe(1);
    expect(read(join(parent, 'package.json'))).toBe('{ "name": "parent" }\n');
    expect(result.stderr).toContain(
      'error ../package.json: could not add @quickwins/runtime (imported by 1 rewritten file): not in a git work tree this run checked',
    );
  });
});
