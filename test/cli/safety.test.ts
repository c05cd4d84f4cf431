// The runner under interruption, permissions, a project's formatter and bad options, through the real CLI on temp
// git repositories.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mustRun } from '../support/packages.js';
import { assertBuilt, BIN, gitRepo, REPO_ROOT, removeTempDirs, runCli, type JsonReport } from './helpers.js';

beforeAll(assertBuilt);
afterAll(removeTempDirs);
vi.setConfig({ testTimeout: 300_000 });

const read = (root: string, path: string) => readFileSync(join(root, path), 'utf8');
const poolFile = (index: number) =>
  `import { Pool } from 'pg';\nconst pool = new Pool();\nexport const read${index} = () => pool.query('select ${index}');\n`;

describe('SIGINT in the middle of writing', () => {
  it('finishes the file being written, reports what was and was not written, leaves no temporary file; a re-run completes', async () => {
    const count = 3_000;
    const files: Record<string, string> = {};
    for (let index = 0; index < count; index++) files[`src/m${String(index).padStart(4, '0')}.ts`] = poolFile(index);
    const repo = gitRepo(files);
    const first = join(repo, 'src/m0000.ts');

    const child = spawn(process.execPath, [BIN, 'pool-backpressure', '--no-types', '--workers', '0', 'src'], {
      cwd: repo,
      env: { ...process.env, NO_COLOR: '1' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // Interrupt as soon as the first file is written (files are written in order).
    for (;;) {
      if (readFileSync(first, 'utf8') !== files['src/m0000.ts']) break;
      if (child.exitCode !== null) break;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    child.kill('SIGINT');
    const code = await exited;

    const written = new Set([...stdout.matchAll(/^changed (\S+) \(1 sites\)$/gm)].map((match) => match[1]));
    const notWritten = new Set(
      [...stderr.matchAll(/^left {2}(\S+): file left as it was: not written: the run was interrupted$/gm)].map(
        (match) => match[1],
      ),
    );
    const onDisk = Object.keys(files).filter((path) => read(repo, path) !== files[path]);
    expect(code, stderr).toBe(130);
    expect(written.size).toBeGreaterThan(0);
    expect(notWritten.size, 'the run was interrupted before its end').toBeGreaterThan(0);
    expect([...written].sort()).toEqual(onDisk.sort());
    expect(written.size + notWritten.size).toBe(count);
    for (const path of onDisk) expect(read(repo, path)).toContain("queryWithBackpressure(pool, 'select");
    expect(readdirSync(join(repo, 'src')).filter((name) => name.includes('.quickwins-'))).toEqual([]);
    expect(stderr).toMatch(
      /^interrupted: \d+ files? written .*\n.*--allow-dirty.*\n {2}npx quickwins pool-backpressure src --allow-dirty$/m,
    );

    const resumed = runCli(['pool-backpressure', '--no-types', 'src', '--allow-dirty'], { cwd: repo });
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(new RegExp(`^pool-backpressure: ${notWritten.size} files? changed, `, 'm'));
    for (const path of Object.keys(files)) expect(read(repo, path)).toContain('queryWithBackpressure');
  });
});

describe('a named pipe named on the command line', () => {
  it('is left with the reason, never opened (reading one waits for a writer for ever), and the others run', () => {
    const repo = gitRepo({
      'src/login.ts': 'export async function login(input: { email: string }) {\n  return input.email;\n}\n',
    });
    execFileSync('mkfifo', [join(repo, 'src/pipe.ts')]);
    const result = runCli(['auth-logging', '--dry', '--plain-functions', 'src/pipe.ts', 'src/login.ts'], {
      cwd: repo,
      timeoutMs: 60_000,
    });
    expect(result.status, `${result.stderr} (null: the run blocked on the pipe)`).toBe(1);
    expect(result.stderr).toMatch(
      /^left {2}src\/pipe\.ts: file left as it was: not a regular file \(a named pipe, socket or device\): never opened/m,
    );
    expect(result.stdout).toContain('withAuthLogging');
  });
});

describe('read-only files and folders', () => {
  it('leaves a read-only file and one in a read-only folder (exit 1), writes them with --force', () => {
    const repo = gitRepo({ 'a.ts': poolFile(1), 'locked/b.ts': poolFile(2), 'c.ts': poolFile(3) });
    chmodSync(join(repo, 'a.ts'), 0o444);
    chmodSync(join(repo, 'locked'), 0o555);
    try {
      const result = runCli(['pool-backpressure', '--no-types', '.'], { cwd: repo });
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(
        /^left {2}a\.ts: file left as it was: read-only file \(mode 444\); --force writes it anyway$/m,
      );
      expect(result.stderr).toMatch(
        /^left {2}locked\/b\.ts: file left as it was: read-only folder \(mode 555\); --force writes it anyway$/m,
      );
      expect(read(repo, 'a.ts')).toBe(poolFile(1));
      expect(read(repo, 'locked/b.ts')).toBe(poolFile(2));
      expect(read(repo, 'c.ts')).toContain('queryWithBackpressure');

      const forced = runCli(['pool-backpressure', '--no-types', '--force', '--allow-dirty', '.'], { cwd: repo });
      if (process.getuid?.() === 0) {
        // root may write into a read-only folder; the file keeps its read-only mode
        expect(forced.status, forced.stderr).toBe(0);
        expect(read(repo, 'locked/b.ts')).toContain('queryWithBackpressure');
      }
      expect(read(repo, 'a.ts')).toContain('queryWithBackpressure');
    } finally {
      chmodSync(join(repo, 'locked'), 0o755);
    }
  });
});

describe("the project's prettier", () => {
  /** A project with prettier in its own node_modules (a link to the one installed here) and a config. */
  function prettierProject(files: Record<string, string>) {
    const repo = gitRepo({
      '.prettierrc.json': JSON.stringify({ singleQuote: true, printWidth: 80 }),
      '.gitignore': 'node_modules\n',
      ...files,
    });
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(repo, 'node_modules'));
    return repo;
  }
  const prettierCheck = (repo: string, path: string) =>
    spawnSync(process.execPath, [join(REPO_ROOT, 'node_modules', 'prettier', 'bin', 'prettier.cjs'), '--check', path], {
      cwd: repo,
      encoding: 'utf8',
    }).status;

  // Clean for prettier before; the rewritten call is longer than 80 columns, so prettier breaks it.
  const clean =
    "import { Pool } from 'pg';\n\nconst pool = new Pool();\n\nexport const readUser = (id: number) =>\n  pool.query('select name, email from users where id = $1', [id]);\n";
  // Not clean before (double quotes): left as the codemod writes it.
  const unclean =
    'import { Pool } from "pg";\nconst pool = new Pool();\nexport const ping = () => pool.query("select 1");\n';

  it('keeps a prettier-clean file clean, does not format a file that was not clean; --no-format skips', () => {
    const repo = prettierProject({ 'clean.ts': clean, 'unclean.ts': unclean });
    expect(prettierCheck(repo, 'clean.ts')).toBe(0);
    const result = runCli(['pool-backpressure', '--no-types', '--json', '.'], { cwd: repo });
    expect(result.status, result.stderr).toBe(0);
    expect((JSON.parse(result.stdout) as { formatted: string[] }).formatted).toEqual(['clean.ts']);
    expect(prettierCheck(repo, 'clean.ts')).toBe(0);
    expect(read(repo, 'clean.ts')).toContain(
      "queryWithBackpressure(pool, 'select name, email from users where id = $1', [\n    id,\n  ]);\n",
    );
    expect(read(repo, 'unclean.ts')).toBe(
      unclean
        .replace('pool.query("select 1")', 'queryWithBackpressure(pool, "select 1")')
        .replace(
          'import { Pool } from "pg";\n',
          'import { Pool } from "pg";\nimport { queryWithBackpressure } from "@quickwins/runtime";\n',
        ),
    );

    const skipped = prettierProject({ 'clean.ts': clean });
    expect(runCli(['pool-backpressure', '--no-types', '--no-format', '.'], { cwd: skipped }).status).toBe(0);
    expect(prettierCheck(skipped, 'clean.ts')).not.toBe(0);
  });

  it('formats with a project on prettier 2 (CommonJS, sync API): a prettier-clean file stays clean', () => {
    const repo = gitRepo({
      'package.json': JSON.stringify({ name: 'on-prettier-2', private: true }),
      '.prettierrc.json': JSON.stringify({ singleQuote: true, printWidth: 80 }),
      '.gitignore': 'node_modules\n',
      'clean.ts': clean,
    });
    mustRun('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--ignore-scripts', 'prettier@2'], repo);
    const prettier2 = join(repo, 'node_modules', 'prettier');
    expect((JSON.parse(read(prettier2, 'package.json')) as { version: string }).version).toMatch(/^2\./);
    const check = () =>
      spawnSync(process.execPath, [join(prettier2, 'bin-prettier.js'), '--check', 'clean.ts'], {
        cwd: repo,
        encoding: 'utf8',
      });
    expect(check().status).toBe(0);

    const result = runCli(['pool-backpressure', '--no-types', '--json', 'clean.ts'], { cwd: repo });
    expect(result.status, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as { formatted: string[]; formatFailures: unknown[] };
    expect(report.formatted).toEqual(['clean.ts']);
    expect(report.formatFailures).toEqual([]);
    expect(read(repo, 'clean.ts')).toContain('queryWithBackpressure');
    expect(check().status, check().stdout).toBe(0);
  });

  it('reports a file prettier failed on (file and error), and writes it as the codemod left it', () => {
    const repo = prettierProject({ 'clean.ts': clean });
    writeFileSync(join(repo, '.prettierrc.json'), '{ "singleQuote": ');
    const result = runCli(['pool-backpressure', '--no-types', 'clean.ts'], { cwd: repo });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toMatch(
      /^quickwins: warning: clean\.ts: not formatted \(written as the codemod left it\): prettier: .+$/m,
    );
    expect(read(repo, 'clean.ts')).toContain(
      "  queryWithBackpressure(pool, 'select name, email from users where id = $1', [id]);\n",
    );

    const json = runCli(['pool-backpressure', '--no-types', '--dry', '--json', 'clean.ts'], {
      cwd: prettierProject({ 'clean.ts': clean, '.prettierrc.json': '{ "singleQuote": ' }),
    });
    expect((JSON.parse(json.stdout) as { formatFailures: { path: string; message: string }[] }).formatFailures).toEqual(
      [{ path: 'clean.ts', message: expect.any(String) as string }],
    );
  });

  it('without prettier in the project, writes what the codemod wrote', () => {
    const repo = gitRepo({ 'clean.ts': clean });
    const result = runCli(['pool-backpressure', '--no-types', '--json', '.'], { cwd: repo });
    expect(result.status).toBe(0);
    expect((JSON.parse(result.stdout) as JsonReport & { formatted: string[] }).formatted).toEqual([]);
    expect(read(repo, 'clean.ts')).toContain(
      "  queryWithBackpressure(pool, 'select name, email from users where id = $1', [id]);\n",
    );
  });
});

describe('usage errors before any file is read', () => {
  it('a bad --match regex is exit 2 with one line, even with uncommitted files', () => {
    const repo = gitRepo({ 'a.ts': 'export function login() {}\n' });
    writeFileSync(join(repo, 'a.ts'), 'export function login() { /* uncommitted */ }\n');
    const result = runCli(['auth-logging', '--match', '('], { cwd: repo });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^quickwins: option --match is not a valid regular expression \(.*\), got "\("\n$/);
  });

  /** Its login.ts would be rewritten (with --plain-functions): a dry run that read it prints a diff on stdout. */
  const loginRepo = () =>
    gitRepo({ 'src/login.ts': 'export async function login(input: { email: string }) {\n  return input.email;\n}\n' });

  it.each([
    [
      'a bad --match regex',
      ['--match', '(', 'src'],
      /^quickwins: option --match is not a valid regular expression \(.*\), got "\("\n$/,
    ],
    [
      'a quoted glob, which the runner does not expand (no such path)',
      ['src', 'src/**/*.controller.ts'],
      /^quickwins: path not found: src\/\*\*\/\*\.controller\.ts \(quickwins takes files and folders, not patterns: let the shell expand it, unquoted, or name the folder\)\n$/,
    ],
    ['a path that does not exist', ['src', 'lib'], /^quickwins: path not found: lib\n$/],
    [
      'a bad --max-file-size',
      ['--max-file-size', 'huge', 'src'],
      /^quickwins: option --max-file-size needs a size such as 800kb or 20mb, got "huge"\n$/,
    ],
  ])('%s: exit 2 with that one line and nothing else (no file read, no diff)', (_name, args, message) => {
    const repo = loginRepo();
    const result = runCli(['auth-logging', '--dry', ...args], { cwd: repo });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe('');
    // The same run without the bad part reads the file and prints its diff.
    expect(runCli(['auth-logging', '--dry', '--plain-functions', 'src'], { cwd: repo }).stdout).toContain(
      'withAuthLogging',
    );
  });
});
