/**
 * File names are data: a name with a newline, ESC or another control character must not split the runner's lines or
 * reach the terminal as an escape sequence. Human output quotes such names as git does (C-style, in double quotes),
 * so `git apply` takes a --dry diff of them; --json keeps the real name (JSON escapes it). Real CLI, temp git repo.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasControlCharacter } from '../../src/cli/names.js';
import { assertBuilt, gitRepo, removeTempDirs, runCli, testCodemods, type JsonReport } from '../cli/helpers.js';

let env: NodeJS.ProcessEnv;
beforeAll(() => {
  assertBuilt();
  env = { QUICKWINS_CODEMODS: testCodemods() };
});
afterAll(removeTempDirs);

const NEWLINE = 'src/line\nbreak.ts';
const ESCAPE = 'src/\x1b[2Jclear\x07.ts';
const QUOTE = 'src/say "hi"\\.ts';
const PLAIN = 'src/plain été.ts';

function repoWithNames(): string {
  return gitRepo({ [NEWLINE]: 'foo(); keepFoo;\n', [ESCAPE]: 'foo();\n', [QUOTE]: 'foo();\n', [PLAIN]: 'foo();\n' });
}

/** Output lines, with no control character inside one (line feeds end them; no tab is expected either). */
const linesOf = (text: string) => text.split('\n');

describe('file names with control characters', () => {
  it('are quoted as git quotes them in human output: no split line, no terminal escape', () => {
    const repo = repoWithNames();
    const result = runCli(['rename-foo', 'src'], { cwd: repo, env });
    expect(result.status, result.stderr).toBe(0);
    for (const line of linesOf(result.stdout + result.stderr))
      expect(hasControlCharacter(line), JSON.stringify(line)).toBe(false);
    expect(result.stdout.split('\n').filter(Boolean).sort()).toEqual([
      'changed "src/\\033[2Jclear\\a.ts" (1 sites)',
      'changed "src/line\\nbreak.ts" (1 sites)',
      'changed "src/say \\"hi\\"\\\\.ts" (1 sites)',
      'changed src/plain été.ts (1 sites)',
    ]);
    expect(result.stderr).toContain('left  "src/line\\nbreak.ts":1:8: keepFoo is kept on purpose\n');
    expect(readFileSync(join(repo, NEWLINE), 'utf8')).toBe('// renamed by rename-foo\nbar(); keepFoo;\n');
    // git names them the same way.
    expect(execFileSync('git', ['status', '--porcelain'], { cwd: repo, encoding: 'utf8' })).toContain(
      ' M "src/line\\nbreak.ts"\n',
    );
  });

  it('--dry prints a diff git apply takes; --json keeps the real names', () => {
    const repo = repoWithNames();
    const dry = runCli(['rename-foo', '--dry', 'src'], { cwd: repo, env });
    expect(dry.status, dry.stderr).toBe(0);
    for (const line of linesOf(dry.stdout)) expect(hasControlCharacter(line), JSON.stringify(line)).toBe(false);
    expect(dry.stdout).toContain(
      'diff --git "a/src/line\\nbreak.ts" "b/src/line\\nbreak.ts"\n--- "a/src/line\\nbreak.ts"\n+++ "b/src/line\\nbreak.ts"\n',
    );
    execFileSync('git', ['apply', '--check', '-'], { cwd: repo, input: dry.stdout });
    execFileSync('git', ['apply', '-'], { cwd: repo, input: dry.stdout });
    expect(readFileSync(join(repo, ESCAPE), 'utf8')).toBe('// renamed by rename-foo\nbar();\n');

    const json = JSON.parse(runCli(['rename-foo', '--json', '--dry', 'src'], { cwd: repo, env }).stdout) as JsonReport;
    expect(json.files.map((file) => file.path).sort()).toEqual([ESCAPE, NEWLINE, QUOTE, PLAIN].sort());
  });
});
