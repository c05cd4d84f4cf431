// How files are processed: type-aware from a tsconfig's program, or spread over worker threads for large runs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, gitRepo, removeTempDirs, runCli, testCodemods, type JsonReport } from './helpers.js';

let env: NodeJS.ProcessEnv;
beforeAll(() => {
  assertBuilt();
  env = { QUICKWINS_CODEMODS: testCodemods() };
});
afterAll(removeTempDirs);

const runJson = (cwd: string, ...args: string[]) => {
  const result = runCli([...args, '--json'], { cwd, env });
  expect(result.stderr).toBe('');
  return { status: result.status, report: JSON.parse(result.stdout) as JsonReport };
};

describe('type-aware mode', { timeout: 120_000 }, () => {
  const project = {
    'tsconfig.json': JSON.stringify({
      compilerOptions: { strict: true, module: 'NodeNext', noEmit: true, types: [] },
      include: ['src'],
    }),
    'src/a.ts': "import { probe } from './b.js';\nexport const copy = probe;\n",
    'src/b.ts': 'export const probe: { answer: 42 } = { answer: 42 };\n',
    'scripts/outside.ts': 'export const probe = 1;\n',
  };

  it('gives a codemod that uses types the checker for files a tsconfig covers, and builds one program', () => {
    const repo = gitRepo(project);
    const { status, report } = runJson(repo, 'type-probe', '--dry');
    expect(status).toBe(0);
    const byPath = new Map(report.files.map((file) => [file.path, file]));
    // The type crosses a module boundary: only a real program knows it.
    expect(byPath.get('src/a.ts')).toMatchObject({
      typed: true,
      left: [
        { at: 'src/a.ts:1:10', line: 1, column: 10, message: 'type { answer: 42; }' },
        { at: 'src/a.ts:2:21', line: 2, column: 21, message: 'type { answer: 42; }' },
      ],
    });
    expect(byPath.get('scripts/outside.ts')).toMatchObject({ typed: false, left: [{ message: 'no types' }] });
    expect(report.programsBuilt).toBe(1);
    expect(report.timings.programMs).toBeGreaterThan(0);
  });

  it('--no-types parses without a program', () => {
    const { report } = runJson(gitRepo(project), 'type-probe', '--dry', '--no-types');
    expect(report.programsBuilt).toBe(0);
    expect(report.files.flatMap((file) => file.left.map((site) => site.message))).toEqual([
      'no types',
      'no types',
      'no types',
      'no types',
    ]);
  });

  it('builds no program when the pre-filter keeps no file, or the codemod does not use types', () => {
    const repo = gitRepo({
      ...project,
      'src/a.ts': 'export {};\n',
      'src/b.ts': 'export {};\n',
      'scripts/outside.ts': 'export {};\n',
    });
    expect(runJson(repo, 'type-probe', '--dry').report.programsBuilt).toBe(0);
    expect(runJson(gitRepo(project), 'rename-foo', '--dry').report.programsBuilt).toBe(0);
  });

  it('reports a parse error from the program with its location', () => {
    const repo = gitRepo({ ...project, 'src/b.ts': 'export const probe = ;\n' });
    const { status, report } = runJson(repo, 'type-probe', '--dry');
    expect(status).toBe(1);
    expect(report.files.find((file) => file.path === 'src/b.ts')).toMatchObject({
      status: 'error',
      error: { phase: 'parse', at: 'src/b.ts:1:22' },
    });
  });
});

describe('worker threads', { timeout: 120_000 }, () => {
  it('spreads a large run over workers and gives the same result as the main thread alone', () => {
    const files: Record<string, string> = {};
    for (let index = 0; index < 400; index++) {
      files[`src/module-${String(index).padStart(3, '0')}.ts`] =
        index % 50 === 7
          ? 'export const foo = ;\n'
          : `export function foo${index}() {}\nexport const value = foo(${index});\n`;
    }
    const inWorkers = gitRepo(files);
    const onMain = gitRepo(files);
    const parallel = runCli(['rename-foo', '--json', '--workers', '2'], { cwd: inWorkers, env });
    const serial = runCli(['rename-foo', '--json', '--workers', '0'], { cwd: onMain, env });
    const parallelReport = JSON.parse(parallel.stdout) as JsonReport;
    const serialReport = JSON.parse(serial.stdout) as JsonReport;

    expect(serialReport.workers).toBe(0);
    expect(parallelReport.workers).toBe(2);
    expect(parallel.status).toBe(1); // the broken files
    expect(parallelReport.totals).toEqual(serialReport.totals);
    expect(parallelReport.totals).toMatchObject({ files: 400, changed: 392, failed: 8 });
    expect(parallelReport.files.map((file) => [file.path, file.status])).toEqual(
      serialReport.files.map((file) => [file.path, file.status]),
    );
    for (const path of Object.keys(files)) {
      expect(readFileSync(join(inWorkers, path), 'utf8')).toBe(readFileSync(join(onMain, path), 'utf8'));
    }
  });

  it('keeps a small run on the main thread whatever --workers says', () => {
    const result = runCli(['rename-foo', '--json', '--workers', '4'], { cwd: gitRepo({ 'a.ts': 'foo();\n' }), env });
    expect((JSON.parse(result.stdout) as JsonReport).workers).toBe(0);
  });

  it('rejects a --workers value that is not a whole number', () => {
    const result = runCli(['rename-foo', '--workers', '-1'], { cwd: gitRepo({ 'a.ts': 'foo();\n' }), env });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('--workers');
  });
});
