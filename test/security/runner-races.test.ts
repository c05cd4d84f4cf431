/**
 * Another process changes a file while the runner works on it (the codemod's transform does it, on disk, in the real
 * runner: deterministic). The runner compares what is on disk with what it read just before it replaces the file:
 * an edit made meanwhile is never lost, and a file swapped for a link to an outside file never lets the output land
 * outside. Both are left with `changed while the run worked on it` (exit 1); the other files are written. Same rule
 * for a file a codemod's project session writes besides the sources.
 */
import { lstatSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, gitRepo, removeTempDirs, runCli, tempDir, type JsonReport } from '../cli/helpers.js';
import { raceCodemods, SWAP_TARGET_ENV } from './runner-helpers.js';

let env: NodeJS.ProcessEnv;
beforeAll(() => {
  assertBuilt();
  env = { QUICKWINS_CODEMODS: raceCodemods() };
});
afterAll(removeTempDirs);

const read = (path: string) => readFileSync(path, 'utf8');
const CHANGED = 'changed while the run worked on it';

describe('a source file changed on disk during the run', () => {
  it('edited by another process: the edit is kept, the file left with the reason (exit 1), the others written', () => {
    const repo = gitRepo({ 'src/a.ts': 'foo();\n', 'src/edited.ts': 'foo(); // race: edit\n' });
    const result = runCli(['race-probe', '--json', 'src'], { cwd: repo, env });
    expect(result.status, result.stderr).toBe(1);
    expect(read(join(repo, 'src/edited.ts'))).toBe('foo(); // race: edit\n// edited by someone else during the run\n');
    expect(read(join(repo, 'src/a.ts'))).toBe('bar();\n');
    const files = (JSON.parse(result.stdout) as JsonReport).files;
    expect(files.find((file) => file.path === 'src/edited.ts')).toMatchObject({ status: 'left', reason: CHANGED });

    const human = runCli(['race-probe', '--allow-dirty', 'src/edited.ts'], { cwd: repo, env });
    expect(human.status).toBe(1);
    expect(human.stderr).toContain(`left  src/edited.ts: file left as it was: ${CHANGED}`);
  });

  it('swapped for a symlink to an outside file: the outside file is never written (exit 1)', () => {
    const outsideDir = tempDir();
    const outside = join(outsideDir, 'target.ts');
    writeFileSync(outside, 'foo(); // outside\n');
    const repo = gitRepo({ 'src/a.ts': 'foo();\n', 'src/victim.ts': 'foo(); // race: swap\n' });
    const result = runCli(['race-probe', 'src'], { cwd: repo, env: { ...env, [SWAP_TARGET_ENV]: outside } });
    expect(result.status, result.stderr).toBe(1);
    expect(read(outside)).toBe('foo(); // outside\n');
    expect(lstatSync(join(repo, 'src/victim.ts')).isSymbolicLink()).toBe(true);
    expect(read(join(repo, 'src/a.ts'))).toBe('bar();\n');
    expect(result.stderr).toContain(`left  src/victim.ts: file left as it was: ${CHANGED}`);
  });
});

describe("a file a codemod's project session writes besides the sources", () => {
  it('edited during the run: not written, the edit kept, reported (exit 1); written when nothing changed it', () => {
    const repo = gitRepo({ 'notes.json': '[]\n', 'src/a.ts': 'foo(); // race: edit-notes\n' });
    const raced = runCli(['extra-writer', 'src'], { cwd: repo, env });
    expect(raced.status, raced.stderr).toBe(1);
    expect(read(join(repo, 'notes.json'))).toBe('[]\n ');
    expect(raced.stderr).toContain(`left  notes.json: file left as it was: ${CHANGED}`);

    const calm = gitRepo({ 'notes.json': '[]\n', 'src/a.ts': 'foo();\n' });
    const written = runCli(['extra-writer', 'src'], { cwd: calm, env });
    expect(written.status, written.stderr).toBe(0);
    expect(read(join(calm, 'notes.json'))).toBe(`${JSON.stringify([join(calm, 'src/a.ts')])}\n`);
    expect(written.stderr).toContain('wrote notes.json: 1 file(s) noted');
  });

  it('a link leading outside the work tree: the outside file is not written, reported (exit 1)', () => {
    const outsideDir = tempDir();
    writeFileSync(join(outsideDir, 'notes.json'), '[]\n');
    const repo = gitRepo({ 'src/a.ts': 'foo();\n' });
    symlinkSync(join(outsideDir, 'notes.json'), join(repo, 'notes.json'));
    const result = runCli(['extra-writer', 'src'], { cwd: repo, env });
    expect(result.status, result.stderr).toBe(1);
    expect(read(join(outsideDir, 'notes.json'))).toBe('[]\n');
    expect(result.stderr).toContain('left  notes.json: file left as it was: symlink to');
  });
});
