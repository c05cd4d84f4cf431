// A legal file nested deeply enough overflows oxc-parser's native stack: a segfault that used to end the whole run
// (exit 139, no report, the other files never done). Through the real built CLI on temp git repositories: the deep
// file is left with the reason and never touched, every other file is done, in-process, on worker threads, on a large
// file's own worker, and in `lint-migrations`.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { NESTING_LIMIT } from '../../src/core/parse.js';
import { assertBuilt, gitRepo, removeTempDirs, runCli, tempDir, type JsonReport } from '../cli/helpers.js';

beforeAll(assertBuilt);
afterAll(removeTempDirs);
vi.setConfig({ testTimeout: 300_000 });

const poolFile = (index: number) =>
  `import { Pool } from 'pg';\nconst pool = new Pool();\nexport const read${index} = () => pool.query('select ${index}');\n`;

/** A pool file (so the pre-filter lets it through to the parser) ending in one deeply nested expression. */
const deepPoolFile = (index: number, nested: string) => `${poolFile(index)}export const deep${index} = ${nested};\n`;

/** Each of these crashed oxc-parser on an 8 MB main-thread stack (docs/parse-depth.md has the measured depths). */
const DEEP: Readonly<Record<string, string>> = {
  'src/parens.ts': deepPoolFile(100, `${'('.repeat(10_000)}1${')'.repeat(10_000)}`),
  'src/brackets.ts': deepPoolFile(101, `${'['.repeat(20_000)}${']'.repeat(20_000)}`),
  'src/objects.ts': deepPoolFile(102, `${'{a:'.repeat(12_000)}1${'}'.repeat(12_000)}`),
  'src/templates.ts': deepPoolFile(103, `${'`${'.repeat(8_000)}1${'}`'.repeat(8_000)}`),
  'src/arrows.ts': deepPoolFile(104, `${'() => '.repeat(20_000)}1`),
  'src/unary.ts': deepPoolFile(105, `${'!'.repeat(60_000)}1`),
  'src/elements.jsx': deepPoolFile(106, `${'<a>'.repeat(32_000)}${'</a>'.repeat(32_000)}`),
  'src/sum.ts': deepPoolFile(107, `1${'\n+ 1'.repeat(140_000)}`),
};

/** Parsed in the separate process (deeper than NESTING_LIMIT, shallower than a crash): rewritten like any file. */
const MIDDLING = deepPoolFile(200, `${'('.repeat(2_000)}1${')'.repeat(2_000)}`);

const read = (root: string, path: string) => readFileSync(join(root, path), 'utf8');

function expectLeftForNesting(report: JsonReport, path: string): void {
  const record = report.files.find((file) => file.path === path);
  expect(record, path).toBeDefined();
  expect(record?.status, path).toBe('left');
  expect(record?.reason, path).toMatch(
    new RegExp(`^nests deeper than ${NESTING_LIMIT} levels \\(estimated \\d+ near line \\d+\\): `),
  );
}

describe('a file nested deeper than oxc-parser can follow', () => {
  it('is left with the reason and untouched; the other files are rewritten (exit 1: a file was left)', () => {
    const normal: Record<string, string> = {
      'src/a.ts': poolFile(1),
      'src/b.ts': poolFile(2),
      'src/middling.ts': MIDDLING,
    };
    const repo = gitRepo({ ...normal, ...DEEP });

    const run = runCli(['pool-backpressure', '--no-types', '--workers', '0', '--json', 'src'], { cwd: repo });
    expect(run.status, run.stderr).toBe(1);
    const report = JSON.parse(run.stdout) as JsonReport;
    for (const path of Object.keys(DEEP)) {
      expectLeftForNesting(report, path);
      expect(read(repo, path), path).toBe(DEEP[path]);
    }
    for (const path of Object.keys(normal)) {
      expect(report.files.find((file) => file.path === path)?.status, path).toBe('changed');
      expect(read(repo, path), path).toContain('queryWithBackpressure(pool, ');
    }
    expect(report.totals).toMatchObject({ changed: 3, left: Object.keys(DEEP).length, failed: 0 });

    // The human summary names the file and why, as for any file left.
    const again = runCli(['pool-backpressure', '--no-types', '--dry', 'src/parens.ts'], { cwd: repo });
    expect(again.status, again.stderr).toBe(1);
    expect(again.stderr).toMatch(
      new RegExp(
        `^left  src/parens\\.ts: file left as it was: nests deeper than ${NESTING_LIMIT} levels .*near line 4\\)`,
        'm',
      ),
    );
  });

  it('leaves a file whose tree the parser reads but a codemod cannot walk (a JavaScript stack overflow), with the reason', () => {
    const chain = deepPoolFile(500, `a${'.b'.repeat(19_000)}`);
    const repo = gitRepo({ 'src/a.ts': poolFile(1), 'src/chain.ts': chain });

    const run = runCli(['pool-backpressure', '--no-types', '--json', 'src'], { cwd: repo });
    expect(run.status, run.stderr).toBe(1);
    const report = JSON.parse(run.stdout) as JsonReport;
    expect(report.files.find((file) => file.path === 'src/chain.ts')).toMatchObject({
      status: 'left',
      reason: 'nests too deeply for the codemod to walk (the JavaScript stack overflowed)',
    });
    expect(read(repo, 'src/chain.ts')).toBe(chain);
    expect(read(repo, 'src/a.ts')).toContain('queryWithBackpressure(pool, ');
  });

  it('does not end a run spread over worker threads: every chunk holds a deep file', () => {
    const files: Record<string, string> = {};
    const deep = new Set<string>();
    for (let index = 0; index < 336; index++) {
      const path = `src/m${String(index).padStart(3, '0')}.ts`;
      // One file in 16 (the runner's chunk size): wherever the chunks go, the worker gets deep files.
      if (index % 16 === 7) {
        files[path] = deepPoolFile(index, `${'('.repeat(10_000)}1${')'.repeat(10_000)}`);
        deep.add(path);
      } else files[path] = poolFile(index);
    }
    const repo = gitRepo(files);

    const run = runCli(['pool-backpressure', '--no-types', '--workers', '1', '--json', 'src'], { cwd: repo });
    expect(run.status, run.stderr).toBe(1);
    const report = JSON.parse(run.stdout) as JsonReport;
    expect(report.workers).toBe(1);
    for (const path of deep) {
      expectLeftForNesting(report, path);
      expect(read(repo, path)).toBe(files[path]);
    }
    expect(report.totals).toMatchObject({ changed: 336 - deep.size, left: deep.size, failed: 0 });
  });

  it('does not end the run from the worker a large file is transformed on (256 kB or more)', () => {
    const large = deepPoolFile(300, `a${'\n.b'.repeat(200_000)}`); // 600 kB, one member chain
    const repo = gitRepo({ 'src/a.ts': poolFile(1), 'src/large.ts': large });

    const run = runCli(['pool-backpressure', '--no-types', '--json', 'src'], { cwd: repo });
    expect(run.status, run.stderr).toBe(1);
    const report = JSON.parse(run.stdout) as JsonReport;
    expectLeftForNesting(report, 'src/large.ts');
    expect(read(repo, 'src/large.ts')).toBe(large);
    expect(read(repo, 'src/a.ts')).toContain('queryWithBackpressure(pool, ');
  });
});

describe("a type-aware run whose TypeScript program holds a file nested too deeply for TypeScript's parser", () => {
  it('goes on without types for that program and says so; the deep file is left, the others are done', () => {
    const deep = deepPoolFile(400, `${'('.repeat(10_000)}1${')'.repeat(10_000)}`);
    const repo = gitRepo({
      'tsconfig.json': JSON.stringify({
        compilerOptions: { strict: true, module: 'NodeNext', noEmit: true, types: [] },
        include: ['src'],
      }),
      // A receiver only the checker can call a pool (from a package the code evaluation does not read): the file waits for a program, which loads deep.ts through the import.
      'src/uses.ts':
        "import { deep400 } from './deep.js';\nimport { db } from 'acme-db';\nexport const run = () => db.query('select 1');\nexport { deep400 };\n",
      'src/a.ts': poolFile(1),
      'src/deep.ts': deep,
    });

    const run = runCli(['pool-backpressure', '--json', 'src'], { cwd: repo });
    expect(run.status, run.stderr).toBe(1);
    const report = JSON.parse(run.stdout) as JsonReport & { typesUnavailable?: string };
    expect(report.typesUnavailable).toMatch(/nests too deeply for TypeScript's parser/);
    expectLeftForNesting(report, 'src/deep.ts');
    expect(read(repo, 'src/deep.ts')).toBe(deep);
    expect(read(repo, 'src/a.ts')).toContain('queryWithBackpressure(pool, ');
  });
});

describe('lint-migrations on a migration nested deeper than oxc-parser can follow', () => {
  it('names the file and why (exit 1), and lints the others', () => {
    const dir = tempDir('quickwins-deep-migrations-');
    const files: Record<string, string> = {
      '001_deep.js': `exports.up = (knex) => knex.raw(${'('.repeat(10_000)}'select 1'${')'.repeat(10_000)});\n`,
      '002_index.js':
        "exports.up = (knex) => knex.raw('CREATE INDEX users_email ON users (email)');\nexports.config = { transaction: false };\n",
      '003_index.sql': 'CREATE INDEX orders_user ON orders (user_id);\n',
    };
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);

    const run = runCli(['lint-migrations', ...Object.keys(files)], { cwd: dir });
    expect(run.status, run.stderr).toBe(1);
    expect(run.stderr).toMatch(
      new RegExp(`^quickwins lint-migrations: 001_deep\\.js: .*nests deeper than ${NESTING_LIMIT} levels`, 'm'),
    );
    expect(run.stdout).toMatch(/^002_index\.js:1 {2}create-index-not-concurrently /m);
    expect(run.stdout).toMatch(/^003_index\.sql:1 {2}create-index-not-concurrently /m);
    expect(run.stderr).toMatch(/^lint-migrations: 3 file\(s\), 2 finding\(s\)$/m);
  });
});
