/**
 * What an earlier run or git leaves behind: the temporary files of a run killed with SIGKILL while writing (removed
 * by the next writing run when their process is gone, only in the folders it walks or writes, and said in one line),
 * and files git ignores, which git cannot restore (a writing run refuses them like uncommitted files, exit 2, unless
 * --allow-dirty). Real CLI, temp git repositories.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertBuilt,
  gitRepo,
  removeTempDirs,
  runCli,
  testCodemods,
  writeTree,
  type JsonReport,
} from '../cli/helpers.js';

let env: NodeJS.ProcessEnv;
beforeAll(() => {
  assertBuilt();
  env = { QUICKWINS_CODEMODS: testCodemods() };
});
afterAll(removeTempDirs);

const run = (cwd: string, ...args: string[]) => runCli(args, { cwd, env });
const read = (root: string, path: string) => readFileSync(join(root, path), 'utf8');

/** The id of a process that has exited (and been reaped). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '']);
  if (child.pid === undefined) throw new Error('could not start a child process to get a dead pid');
  return child.pid;
}

describe('temporary files of a killed run', () => {
  it('are removed by the next writing run when their process is gone, in walked folders only; a live one is kept', () => {
    const dead = deadPid();
    const stale = `src/.a.ts.quickwins-${dead}-0.tmp`;
    const staleUnchanged = `src/deep/.c.ts.quickwins-${dead}-7.tmp`;
    // The test's own process is alive: a run in progress, whose temporary file must not be touched.
    const live = `src/.b.ts.quickwins-${process.pid}-3.tmp`;
    const notWalked = `other/.d.ts.quickwins-${dead}-1.tmp`;
    const lookalike = `src/.notes.quickwins-${dead}.tmp`;
    const repo = gitRepo({
      'src/a.ts': 'foo();\n',
      'src/b.ts': 'foo();\n',
      'src/deep/c.ts': 'const c = 1;\n',
      'other/d.ts': 'foo();\n',
    });
    for (const path of [stale, staleUnchanged, live, notWalked, lookalike])
      writeFileSync(join(repo, path), 'half a file');

    const dry = run(repo, 'rename-foo', '--dry', 'src');
    expect(dry.status, dry.stderr).toBe(0);
    expect(existsSync(join(repo, stale)), 'a dry run writes and removes nothing').toBe(true);

    const result = run(repo, 'rename-foo', 'src');
    expect(result.status, result.stderr).toBe(0);
    expect(existsSync(join(repo, stale))).toBe(false);
    expect(existsSync(join(repo, staleUnchanged))).toBe(false);
    for (const kept of [live, notWalked, lookalike]) expect(existsSync(join(repo, kept)), kept).toBe(true);
    expect(read(repo, 'src/a.ts')).toBe('// renamed by rename-foo\nbar();\n');
    const lines = result.stderr.split('\n').filter((line) => line.includes('temporary'));
    expect(lines).toEqual([
      `quickwins: removed 2 temporary files left by runs that no longer exist (killed while writing): ${stale}, ${staleUnchanged}`,
    ]);

    writeFileSync(join(repo, stale), 'half a file');
    const json = JSON.parse(run(repo, 'rename-foo', '--json', '--allow-dirty', 'src').stdout) as JsonReport & {
      removedTemporaries: string[];
    };
    expect(json.removedTemporaries).toEqual([stale]);
  });
});

describe('a file git ignores, named explicitly', () => {
  it('is refused like an uncommitted file (exit 2), since git cannot restore it; --allow-dirty writes it; --dry is fine', () => {
    const repo = gitRepo({ '.gitignore': 'generated/\n', 'src/a.ts': 'foo();\n' });
    const generated = 'generated/x.ts';
    writeTree(repo, { [generated]: 'foo();\n' });

    const refused = run(repo, 'rename-foo', generated, 'src');
    expect(refused.status, refused.stderr).toBe(2);
    expect(refused.stderr).toBe(
      'quickwins: refusing to write: 1 target file(s) are ignored by git, which cannot restore them (generated/x.ts); ' +
        'commit them (git add -f), run with --dry, or pass --allow-dirty\n',
    );
    expect(read(repo, generated)).toBe('foo();\n');
    expect(read(repo, 'src/a.ts')).toBe('foo();\n');
    expect(run(repo, 'rename-foo', 'generated').status, 'a named ignored folder: its files too').toBe(2);
    expect(run(repo, 'rename-foo', '--dry', generated).status).toBe(0);

    const allowed = run(repo, 'rename-foo', '--allow-dirty', generated);
    expect(allowed.status, allowed.stderr).toBe(0);
    expect(read(repo, generated)).toBe('// renamed by rename-foo\nbar();\n');
  });
});
