/**
 * A codemod run that adds an `@quickwins/runtime` import declares the package in the nearest package.json, through
 * the real CLI on temp git repositories: added once at the toolkit's version, the file's formatting kept byte for
 * byte elsewhere, one summary line per package.json, listed in --json, shown in --dry's diff, skipped with
 * --no-add-dependency, and a second run changes nothing.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nearestManifest } from '../../src/core/package-evidence.js';
import { addDependencyText, packageNameOf } from '../../src/cli/declare-dependency.js';
import { assertBuilt, git, gitRepo, removeTempDirs, runCli, type JsonReport } from './helpers.js';

const VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
const RANGE = `^${VERSION}`;

const POOL_FILE = [
  "import pg from 'pg';",
  'const pool = new pg.Pool({ max: 10 });',
  'export async function run() {',
  '  const client = await pool.connect();',
  '  client.release();',
  '}',
  '',
].join('\n');

/** Four-space indentation, unsorted keys, no "dependencies" yet, no final newline. */
const APP_MANIFEST =
  '{\n    "name": "app",\n    "version": "1.0.0",\n    "private": true,\n    "devDependencies": {\n        "vitest": "^4.0.0"\n    }\n}';
/** Tabs, CRLF, sorted dependencies, a final newline. */
const LIB_MANIFEST =
  '{\r\n\t"name": "lib",\r\n\t"dependencies": {\r\n\t\t"express": "^5.0.0",\r\n\t\t"pg": "^8.0.0"\r\n\t},\r\n\t"license": "MIT"\r\n}\r\n';

beforeAll(assertBuilt);
afterAll(removeTempDirs);

function monorepo(): string {
  return gitRepo({
    'package.json': APP_MANIFEST,
    'src/db.js': POOL_FILE,
    'src/other.js': POOL_FILE.replace('run()', 'other()'),
    'packages/lib/package.json': LIB_MANIFEST,
    'packages/lib/src/db.js': POOL_FILE,
    // Already lists the runtime (as a peer): left alone.
    'packages/peer/package.json': '{ "name": "peer", "peerDependencies": { "@quickwins/runtime": "*" } }\n',
    'packages/peer/db.js': POOL_FILE,
  });
}

describe('codemods declare @quickwins/runtime', () => {
  it('adds it once per package.json that lacks it, keeps each file as it was elsewhere, and a second run changes nothing', () => {
    const repo = monorepo();
    const first = runCli(['pool-backpressure', '--no-types'], { cwd: repo });
    expect(first.status, first.stderr).toBe(0);
    expect(readFileSync(join(repo, 'package.json'), 'utf8')).toBe(
      '{\n    "name": "app",\n    "version": "1.0.0",\n    "private": true,\n    "devDependencies": {\n        "vitest": "^4.0.0"\n    },\n' +
        `    "dependencies": {\n        "@quickwins/runtime": "${RANGE}"\n    }\n}`,
    );
    expect(readFileSync(join(repo, 'packages/lib/package.json'), 'utf8')).toBe(
      `{\r\n\t"name": "lib",\r\n\t"dependencies": {\r\n\t\t"@quickwins/runtime": "${RANGE}",\r\n\t\t"express": "^5.0.0",\r\n\t\t"pg": "^8.0.0"\r\n\t},\r\n\t"license": "MIT"\r\n}\r\n`,
    );
    expect(readFileSync(join(repo, 'packages/peer/package.json'), 'utf8')).toContain(
      '"peerDependencies": { "@quickwins/runtime": "*" }',
    );
    const lines = first.stderr.split('\n').filter((line) => line.startsWith('dependency '));
    expect(lines).toEqual([
      `dependency package.json: added "@quickwins/runtime": "${RANGE}" to dependencies (imported by 2 rewritten files; --no-add-dependency to skip)`,
      `dependency packages/lib/package.json: added "@quickwins/runtime": "${RANGE}" to dependencies (imported by 1 rewritten file; --no-add-dependency to skip)`,
    ]);

    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'migrated');
    const second = runCli(['pool-backpressure', '--no-types', '--json'], { cwd: repo });
    expect(second.status, second.stderr).toBe(0);
    expect((JSON.parse(second.stdout) as JsonReport & { dependencies: unknown[] }).dependencies).toEqual([]);
    expect(git(repo, 'status', '--porcelain')).toBe('');
  });

  it('keeps a one-line package.json on one line, written the way it was', () => {
    const repo = gitRepo({
      'package.json': '{"name":"app","version":"1.0.0","dependencies":{"pg":"^8.0.0"}}\n',
      'src/db.js': POOL_FILE,
    });
    const run = runCli(['pool-backpressure', '--no-types'], { cwd: repo });
    expect(run.status, run.stderr).toBe(0);
    expect(readFileSync(join(repo, 'package.json'), 'utf8')).toBe(
      `{"name":"app","version":"1.0.0","dependencies":{"@quickwins/runtime":"${RANGE}","pg":"^8.0.0"}}\n`,
    );
  });

  it('--dry shows the package.json diff and writes nothing; --json lists it; --check exits 1 for it', () => {
    const repo = monorepo();
    const dry = runCli(['pool-backpressure', '--no-types', '--dry', 'packages/lib'], { cwd: repo });
    expect(dry.status, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('diff --git a/packages/lib/package.json b/packages/lib/package.json');
    expect(dry.stdout).toContain(`+\t\t"@quickwins/runtime": "${RANGE}",\r`);
    expect(dry.stderr).toContain('dependency packages/lib/package.json: would add');
    expect(git(repo, 'status', '--porcelain')).toBe('');

    const json = runCli(['pool-backpressure', '--no-types', '--dry', '--json', 'packages/lib'], { cwd: repo });
    const report = JSON.parse(json.stdout) as {
      dependencies: { manifest: string; status: string; files: string[]; diff?: string }[];
    };
    expect(report.dependencies).toMatchObject([
      {
        manifest: 'packages/lib/package.json',
        name: '@quickwins/runtime',
        range: RANGE,
        status: 'would-add',
        files: ['packages/lib/src/db.js'],
      },
    ]);
    expect(report.dependencies[0]?.diff).toContain('+\t\t"@quickwins/runtime"');

    expect(runCli(['pool-backpressure', '--no-types', '--check', 'packages/lib'], { cwd: repo }).status).toBe(1);
  });

  it('--no-add-dependency rewrites the code and leaves every package.json alone', () => {
    const repo = monorepo();
    const run = runCli(['pool-backpressure', '--no-types', '--no-add-dependency'], { cwd: repo });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).not.toContain('dependency ');
    expect(readFileSync(join(repo, 'src/db.js'), 'utf8')).toContain("from '@quickwins/runtime'");
    expect(git(repo, 'status', '--porcelain', '--', '*package.json')).toBe('');
  });

  it('declares nothing for another --import-from module, and names a package.json it cannot read (exit 1)', () => {
    const own = gitRepo({ 'package.json': APP_MANIFEST, 'src/db.js': POOL_FILE });
    const custom = runCli(['pool-backpressure', '--no-types', '--import-from', './lib/backpressure.js'], { cwd: own });
    expect(custom.status, custom.stderr).toBe(0);
    expect(readFileSync(join(own, 'package.json'), 'utf8')).toBe(APP_MANIFEST);

    const broken = gitRepo({ 'package.json': '{ "name": "broken", }\n', 'src/db.js': POOL_FILE });
    const run = runCli(['pool-backpressure', '--no-types'], { cwd: broken });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(
      'error package.json: could not add @quickwins/runtime (imported by 1 rewritten file): not valid JSON',
    );
    expect(readFileSync(join(broken, 'package.json'), 'utf8')).toBe('{ "name": "broken", }\n');
  });

  it('puts it in devDependencies when every rewritten file of the package is a test file (--tests), else in dependencies', () => {
    const repo = gitRepo({
      'package.json': '{ "name": "plugin", "devDependencies": { "vitest": "^4.0.0" } }\n',
      'test/db.test.js': POOL_FILE,
      'packages/app/package.json': '{ "name": "app" }\n',
      'packages/app/test/db.test.js': POOL_FILE,
      'packages/app/src/db.js': POOL_FILE,
      'packages/e2e/package.json': '{ "name": "@acme/e2e" }\n',
      'packages/e2e/src/db.js': POOL_FILE,
    });
    const run = runCli(['pool-backpressure', '--no-types', '--tests'], { cwd: repo });
    expect(run.status, run.stderr).toBe(0);
    expect(readFileSync(join(repo, 'package.json'), 'utf8')).toBe(
      `{ "name": "plugin", "devDependencies": { "@quickwins/runtime": "${RANGE}", "vitest": "^4.0.0" } }\n`,
    );
    expect(readFileSync(join(repo, 'packages/app/package.json'), 'utf8')).toBe(
      `{ "name": "app", "dependencies": { "@quickwins/runtime": "${RANGE}" } }\n`,
    );
    expect(readFileSync(join(repo, 'packages/e2e/package.json'), 'utf8')).toBe(
      `{ "name": "@acme/e2e", "devDependencies": { "@quickwins/runtime": "${RANGE}" } }\n`,
    );
    expect(run.stderr).toContain(
      `dependency package.json: added "@quickwins/runtime": "${RANGE}" to devDependencies (imported by 1 rewritten file, all test files;`,
    );
  });

  it('says so, in one line and in --json, when no package.json is above the rewritten files', () => {
    const repo = gitRepo({ 'src/db.js': POOL_FILE, 'src/other.js': POOL_FILE.replace('run()', 'other()') });
    expect(nearestManifest(join(repo, 'src/db.js'), new Map()), 'a package.json above the temp folder').toBeUndefined();
    const dry = runCli(['pool-backpressure', '--no-types', '--dry', '--json'], { cwd: repo });
    expect(dry.status, dry.stderr).toBe(0);
    expect((JSON.parse(dry.stdout) as { dependencies: unknown[] }).dependencies).toEqual([
      {
        manifest: null,
        name: '@quickwins/runtime',
        range: RANGE,
        status: 'no-manifest',
        files: ['src/db.js', 'src/other.js'],
      },
    ]);

    const run = runCli(['pool-backpressure', '--no-types'], { cwd: repo });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr.split('\n').filter((line) => line.startsWith('dependency'))).toEqual([
      `dependency: "@quickwins/runtime" not declared (imported by 2 rewritten files, first src/db.js): no package.json above them; add "@quickwins/runtime": "${RANGE}" where they run`,
    ]);
  });
});

describe('declare-dependency helpers', () => {
  it('reads package names from specifiers', () => {
    expect(packageNameOf('@quickwins/runtime/pg')).toBe('@quickwins/runtime');
    expect(packageNameOf('quickwins')).toBe('quickwins');
    expect(packageNameOf('./lib/db.js')).toBeUndefined();
    expect(packageNameOf('node:fs')).toBeUndefined();
  });

  it('appends to unsorted dependencies and keeps a two-space file two-space', () => {
    const text = '{\n  "dependencies": {\n    "zod": "^3",\n    "axios": "^1"\n  }\n}\n';
    expect(addDependencyText(text, '@quickwins/runtime', '^1.0.0')).toBe(
      '{\n  "dependencies": {\n    "zod": "^3",\n    "axios": "^1",\n    "@quickwins/runtime": "^1.0.0"\n  }\n}\n',
    );
  });

  it.each([
    [
      'one line, spaced',
      '{ "name": "a", "dependencies": { "pg": "^8", "zod": "^3" } }\n',
      '{ "name": "a", "dependencies": { "@quickwins/runtime": "^1.0.0", "pg": "^8", "zod": "^3" } }\n',
    ],
    [
      'one line, no dependencies yet',
      '{"name":"a","version":"1.0.0"}',
      '{"name":"a","version":"1.0.0","dependencies":{"@quickwins/runtime":"^1.0.0"}}',
    ],
    [
      'one line, spaced, no dependencies yet',
      '{ "name": "a" }\n',
      '{ "name": "a", "dependencies": { "@quickwins/runtime": "^1.0.0" } }\n',
    ],
    [
      'one line, empty dependencies',
      '{"name":"a","dependencies":{}}',
      '{"name":"a","dependencies":{"@quickwins/runtime":"^1.0.0"}}',
    ],
    [
      'several lines with one-line objects: only the insertion changes',
      '{\n  "name": "a",\n  "dependencies": { "pg": "^8", "zod": "^3" },\n  "x": {"a":1}\n}\n',
      '{\n  "name": "a",\n  "dependencies": { "@quickwins/runtime": "^1.0.0", "pg": "^8", "zod": "^3" },\n  "x": {"a":1}\n}\n',
    ],
    [
      'several lines, no dependencies yet, a one-line object left as it is',
      '{\n  "name": "a",\n  "x": {"a":1}\n}\n',
      '{\n  "name": "a",\n  "x": {"a":1},\n  "dependencies": {\n    "@quickwins/runtime": "^1.0.0"\n  }\n}\n',
    ],
  ])('%s: one insertion in the layout around it', (_case, text, expected) => {
    expect(addDependencyText(text, '@quickwins/runtime', '^1.0.0')).toBe(expected);
  });

  it('finds no manifest above the filesystem root', () => {
    expect(nearestManifest('/quickwins-no-such-dir/a/b.js')).toBeUndefined();
  });
});
