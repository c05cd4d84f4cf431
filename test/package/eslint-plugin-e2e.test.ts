/**
 * The ESLint plugin as a user gets it: `npm run build` output → `npm pack` → the tarball installed into a fresh
 * temp project next to eslint 10 (and eslint 9 as `eslint9`, 9.0.0 as `eslint90`, 8.57 as `eslint8`: the oldest with
 * flat config, the floor of the plugin's peer range), an `eslint.config.js` that imports
 * `quickwins/eslint-plugin`, and the real `eslint` CLI: problems, exit codes, `--fix`. Then the documented plain
 * git pre-commit hook in that project refuses a commit that adds a blanket disable and accepts a clean one.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packBoth } from '../support/packages.js';
import { ensurePreCommit } from '../support/pre-commit.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
let scratch = '';
let project = '';

function run(
  command: string,
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv = {},
): SpawnSyncReturns<string> {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 150_000 });
  if (result.error) throw result.error;
  return result;
}

function mustRun(command: string, args: readonly string[], cwd: string): string {
  const result = run(command, args, cwd);
  if (result.status !== 0)
    throw new Error(`${command} ${args.join(' ')} exited ${result.status}:\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

/** Newest modification time under `path` (a file or a folder, recursively). */
function newestMtime(path: string): number {
  const stats = statSync(path);
  if (!stats.isDirectory()) return stats.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((entry) => newestMtime(join(path, entry))));
}

/**
 * `npm test` builds before vitest runs; rebuilding here would pull dist/ from under tests running in parallel,
 * so build only when the plugin's output is missing or older than its sources (a run of this file alone).
 */
function ensureBuilt(): void {
  const output = join(repoRoot, 'dist/eslint-plugin/index.js');
  const sources = ['eslint-plugin', 'src', 'package.json'].map((path) => newestMtime(join(repoRoot, path)));
  if (!existsSync(output) || statSync(output).mtimeMs < Math.max(...sources))
    mustRun('npm', ['run', 'build', '--silent'], repoRoot);
}

function write(relativePath: string, text: string): void {
  const path = join(project, relativePath);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

interface LintResult {
  filePath: string;
  messages: { ruleId: string | null; line: number; column: number; endLine?: number; message: string }[];
}

/** Runs an installed eslint CLI in the project: 10 (`eslint`), the newest 9 (`eslint9`), 9.0.0 (`eslint90`), 8.57 (`eslint8`). */
type EslintPackage = 'eslint' | 'eslint9' | 'eslint90' | 'eslint8';

function eslint(binPackage: EslintPackage, args: readonly string[]): SpawnSyncReturns<string> {
  return run(process.execPath, [join(project, 'node_modules', binPackage, 'bin/eslint.js'), ...args], project);
}

function eslintJson(
  binPackage: EslintPackage,
  args: readonly string[],
): { status: number | null; results: Map<string, LintResult['messages']> } {
  const result = eslint(binPackage, ['--format', 'json', ...args]);
  if (result.status === 2) throw new Error(`eslint crashed:\n${result.stdout}\n${result.stderr}`);
  const parsed = JSON.parse(result.stdout) as LintResult[];
  return {
    status: result.status,
    results: new Map(
      parsed.map((file) => [
        file.filePath
          .slice(project.length + 1)
          .split('\\')
          .join('/'),
        file.messages,
      ]),
    ),
  };
}

const BLANKET = [
  '/* eslint-disable */', // 1: file top
  'debugger;',
  'debugger; // eslint-disable-line', // 3: same line
  '// eslint-disable-next-line', // 4: next line
  'debugger;',
  '/* eslint-disable */', // 6: nested
  '',
].join('\n');

const POOL = [
  "import pg from 'pg';",
  '',
  'const pool = new pg.Pool({ max: 10 });',
  'export async function transfer() {',
  '  const client = await pool.connect();',
  '  client.release();',
  '}',
  '',
  'export async function count() {',
  "  const { rows } = await pool.query('select count(*) from users');",
  '  return rows[0];',
  '}',
  '',
].join('\n');

const POOL_FIXED = POOL.replace(
  "import pg from 'pg';",
  "import pg from 'pg';\nimport { acquireWithBackpressure, queryWithBackpressure } from '@quickwins/runtime';",
)
  .replace('await pool.connect()', 'await acquireWithBackpressure(pool)')
  .replace("pool.query('select", "queryWithBackpressure(pool, 'select");

const DECOYS = [
  "import net from 'node:net';",
  "import { createClient } from 'redis';",
  '',
  'const socket = net.connect(6379);',
  'const redis = createClient();',
  'await redis.connect();',
  "const text = 'pool.connect() and /* eslint-disable */ in a string';",
  'export { socket, text };',
  '',
].join('\n');

beforeAll(() => {
  ensureBuilt();
  scratch = mkdtempSync(join(tmpdir(), 'quickwins-eslint-e2e-'));
  // The toolkit depends on @quickwins/runtime at its own version: both tarballs are installed, as a registry would.
  const { toolkit: tarball, runtime: runtimeTarball } = packBoth(scratch);
  project = join(scratch, 'project');
  mkdirSync(project);
  write(
    'package.json',
    JSON.stringify({ name: 'quickwins-e2e-project', version: '1.0.0', private: true, type: 'module' }, null, 2),
  );
  mustRun(
    'npm',
    [
      'install',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      tarball,
      runtimeTarball,
      'eslint@^10',
      'eslint9@npm:eslint@^9',
      'eslint90@npm:eslint@9.0.0',
      'eslint8@npm:eslint@^8.57.0',
    ],
    project,
  );
  write(
    'eslint.config.js',
    [
      "import quickwins from 'quickwins/eslint-plugin';",
      '',
      'export default [',
      '  quickwins.configs.recommended,',
      "  { rules: { 'no-debugger': 'error' }, linterOptions: { reportUnusedDisableDirectives: 'off' } },",
      '];',
      '',
    ].join('\n'),
  );
  write('src/blanket.js', BLANKET);
  write('src/pool.js', POOL);
  write('src/decoys.js', DECOYS);
  write('src/clean.js', '// eslint-disable-next-line no-debugger -- named, so fine\ndebugger;\nexport const a = 1;\n');
}, 180_000);

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('the packed plugin under the eslint CLI', () => {
  it('is importable and require()-able as the plugin object', () => {
    const script = [
      "const plugin = require('quickwins/eslint-plugin');",
      'console.log(JSON.stringify({ name: plugin.meta.name, version: plugin.meta.version, rules: Object.keys(plugin.rules),',
      '  self: plugin.configs.recommended.plugins.quickwins === plugin }));',
    ].join('\n');
    const fromRequire = JSON.parse(mustRun(process.execPath, ['-e', script], project));
    const ownPackage = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
      name: string;
      version: string;
    };
    expect(fromRequire).toEqual({
      name: ownPackage.name,
      version: ownPackage.version,
      rules: [
        'graphql-cache',
        'grpc-connection-rotation',
        'kafka-batch-protocol',
        'no-blanket-disable',
        'no-raw-pool-connect',
      ],
      self: true,
    });
    const fromImport = mustRun(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "import p from 'quickwins/eslint-plugin'; console.log(Object.keys(p.configs).join())",
      ],
      project,
    );
    expect(fromImport.trim()).toBe('recommended,strict');
  });

  const majors: Record<EslintPackage, string> = { eslint: '10', eslint9: '9', eslint90: '9.0.0', eslint8: '8' };
  for (const binPackage of ['eslint', 'eslint9', 'eslint90', 'eslint8'] as const) {
    it(`${binPackage}: reports every blanket directive and raw pool call, none swallowed, decoys left alone, exit 1`, () => {
      const version = JSON.parse(readFileSync(join(project, 'node_modules', binPackage, 'package.json'), 'utf8'))
        .version as string;
      expect(version === majors[binPackage] || version.split('.')[0] === majors[binPackage], version).toBe(true);
      const { status, results } = eslintJson(binPackage, [
        'src/blanket.js',
        'src/clean.js',
        'src/pool.js',
        'src/decoys.js',
      ]);
      expect(status).toBe(1);
      expect(results.get('src/blanket.js')?.map((m) => [m.ruleId, `${m.line}:${m.column}`, m.endLine])).toEqual([
        ['quickwins/no-blanket-disable', '1:0', 1],
        ['quickwins/no-blanket-disable', '1:0', 3],
        ['quickwins/no-blanket-disable', '1:0', 4],
        ['quickwins/no-blanket-disable', '1:0', 6],
      ]);
      expect(results.get('src/clean.js')).toEqual([]);
      expect(results.get('src/pool.js')?.map((m) => [m.ruleId, `${m.line}:${m.column}`])).toEqual([
        ['quickwins/no-raw-pool-connect', '5:24'],
        ['quickwins/no-raw-pool-connect', '10:26'],
      ]);
      expect(results.get('src/decoys.js')).toEqual([]);
    });
  }

  it('--fix rewrites raw pool calls to the helpers with the import, and the fixed file lints clean', () => {
    write('src/to-fix.js', POOL);
    const fixed = eslint('eslint', ['--fix', 'src/to-fix.js']);
    expect(fixed.status, fixed.stdout + fixed.stderr).toBe(0);
    expect(readFileSync(join(project, 'src/to-fix.js'), 'utf8')).toBe(POOL_FIXED);
    expect(eslint('eslint', ['src/to-fix.js']).status).toBe(0);
    // --fix-dry-run prints the same output without touching the file.
    write('src/to-fix.js', POOL);
    const dry = eslintJson('eslint', ['--fix-dry-run', 'src/to-fix.js']);
    expect(dry.status).toBe(0);
    expect(readFileSync(join(project, 'src/to-fix.js'), 'utf8')).toBe(POOL);
  });

  it('exits 0 on clean files and prints the fix advice on dirty ones', () => {
    expect(eslint('eslint', ['src/clean.js']).status).toBe(0);
    const dirty = eslint('eslint', ['src/blanket.js']);
    expect(dirty.status).toBe(1);
    expect(dirty.stdout).toContain('Name the rules that fire here');
    expect(dirty.stdout).toContain('quickwins/no-blanket-disable');
  });
});

describe('the documented plain git pre-commit hook', () => {
  const gitEnv = {
    GIT_AUTHOR_NAME: 'e2e',
    GIT_AUTHOR_EMAIL: 'e2e@example.invalid',
    GIT_COMMITTER_NAME: 'e2e',
    GIT_COMMITTER_EMAIL: 'e2e@example.invalid',
  };
  const git = (...args: string[]): SpawnSyncReturns<string> => run('git', args, project, gitEnv);
  const commits = (): number => Number(git('rev-list', '--count', 'HEAD').stdout.trim() || 0);

  // Four commits, each running ESLint through npx: over a minute on a loaded 2-core machine.
  it('refuses a commit that adds a blanket disable and accepts a clean one', { timeout: 180_000 }, () => {
    const docs = readFileSync(join(repoRoot, 'docs/pre-commit.md'), 'utf8');
    const hook = /## A plain git hook[\s\S]*?```sh\n([\s\S]*?)```/.exec(docs)?.[1];
    expect(hook).toMatch(/^#!\/bin\/sh/);
    expect(git('init', '--quiet').status).toBe(0);
    git('config', 'core.hooksPath', '.git/hooks');
    writeFileSync(join(project, '.git/hooks/pre-commit'), hook!);
    chmodSync(join(project, '.git/hooks/pre-commit'), 0o755);
    write('.gitignore', 'node_modules/\n');

    git('add', '.gitignore', 'package.json', 'eslint.config.js', 'src/clean.js');
    const first = git('commit', '--quiet', '-m', 'clean start');
    expect(first.status, first.stdout + first.stderr).toBe(0);
    expect(commits()).toBe(1);

    write('src/feature.js', '/* eslint-disable */\nexport const b = 2;\n');
    git('add', 'src/feature.js');
    const refused = git('commit', '--quiet', '-m', 'adds a blanket disable');
    expect(refused.status).not.toBe(0);
    expect(refused.stdout + refused.stderr).toContain('quickwins/no-blanket-disable');
    expect(commits()).toBe(1);

    write('src/feature.js', '// eslint-disable-next-line no-debugger -- demo\ndebugger;\nexport const b = 2;\n');
    git('add', 'src/feature.js');
    const accepted = git('commit', '--quiet', '-m', 'names the rule');
    expect(accepted.status, accepted.stdout + accepted.stderr).toBe(0);
    expect(commits()).toBe(2);

    // A commit without JavaScript or TypeScript files never runs ESLint.
    write('README.md', 'hello\n');
    git('add', 'README.md');
    expect(git('commit', '--quiet', '-m', 'docs only').status).toBe(0);
    expect(commits()).toBe(3);
  });

  it('the pre-commit framework hook from .pre-commit-hooks.yaml does the same', { timeout: 300_000 }, () => {
    // From PATH, else fetched from Debian's archive into node_modules/.cache (throws when neither works).
    const preCommit = ensurePreCommit();
    // The hook repository: this package's .pre-commit-hooks.yaml, committed, as pre-commit fetches it by rev.
    const hooksRepo = join(scratch, 'hooks-repo');
    mkdirSync(hooksRepo);
    writeFileSync(join(hooksRepo, '.pre-commit-hooks.yaml'), readFileSync(join(repoRoot, '.pre-commit-hooks.yaml')));
    run('git', ['init', '--quiet'], hooksRepo, gitEnv);
    run('git', ['add', '.pre-commit-hooks.yaml'], hooksRepo, gitEnv);
    run('git', ['commit', '--quiet', '-m', 'hooks'], hooksRepo, gitEnv);
    const rev = run('git', ['rev-parse', 'HEAD'], hooksRepo, gitEnv).stdout.trim();

    // A second project on the same installed packages.
    const userRepo = join(scratch, 'pre-commit-project');
    mkdirSync(join(userRepo, 'src'), { recursive: true });
    symlinkSync(join(project, 'node_modules'), join(userRepo, 'node_modules'), 'dir');
    for (const file of ['package.json', 'eslint.config.js', 'src/clean.js'])
      writeFileSync(join(userRepo, file), readFileSync(join(project, file)));
    writeFileSync(join(userRepo, '.gitignore'), 'node_modules\n');
    writeFileSync(
      join(userRepo, '.pre-commit-config.yaml'),
      `repos:\n  - repo: ${hooksRepo}\n    rev: ${rev}\n    hooks:\n      - id: quickwins-eslint\n`,
    );
    const env = { ...gitEnv, ...preCommit.env, PRE_COMMIT_HOME: join(scratch, 'pre-commit-home') };
    const inUserRepo = (...args: string[]): SpawnSyncReturns<string> => run(args[0]!, args.slice(1), userRepo, env);
    inUserRepo('git', 'init', '--quiet');
    const install = inUserRepo('pre-commit', 'install');
    expect(install.status, install.stdout + install.stderr).toBe(0);

    inUserRepo('git', 'add', '.');
    const clean = inUserRepo('git', 'commit', '--quiet', '-m', 'clean start');
    expect(clean.status, clean.stdout + clean.stderr).toBe(0);

    writeFileSync(join(userRepo, 'src/feature.js'), '// @ts-nocheck\nexport const b = 2;\n');
    writeFileSync(join(userRepo, 'src/other.js'), 'export const c = 3; // eslint-disable-line\n');
    inUserRepo('git', 'add', 'src');
    const refused = inUserRepo('git', 'commit', '--quiet', '-m', 'blanket');
    expect(refused.status).not.toBe(0);
    expect(refused.stdout + refused.stderr).toContain('quickwins/no-blanket-disable');
    expect(inUserRepo('git', 'rev-list', '--count', 'HEAD').stdout.trim()).toBe('1');
  });
});
