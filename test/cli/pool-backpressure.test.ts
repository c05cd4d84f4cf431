// The runner with the real pool-backpressure codemod, type-aware, on a temp git repository of a small pg service.
import { readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, git, gitRepo, removeTempDirs, runCli, REPO_ROOT, type JsonReport } from './helpers.js';

beforeAll(assertBuilt);
afterAll(removeTempDirs);

const service = {
  '.gitignore': 'node_modules\n',
  'tsconfig.json': JSON.stringify({
    compilerOptions: {
      strict: true,
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      noEmit: true,
      skipLibCheck: true,
      types: ['node'],
    },
    include: ['src'],
  }),
  'src/db.ts': "import pg from 'pg';\n\nexport const pool = new pg.Pool({ max: 5 });\n",
  'src/users.ts': [
    "import { pool } from './db.js';",
    '',
    'export async function names(): Promise<string[]> {',
    "  const { rows } = await pool.query<{ name: string }>('select name from users');",
    '  return rows.map((row) => row.name);',
    '}',
    '',
    'export async function rename(id: number, name: string): Promise<void> {',
    '  const client = await pool.connect();',
    '  try {',
    "    await client.query('update users set name = $2 where id = $1', [id, name]);",
    '  } finally {',
    '    client.release();',
    '  }',
    '}',
    '',
  ].join('\n'),
  // Decoys: a pg Client and a home-grown class called Pool both have connect()/query().
  'src/decoys.ts': [
    "import { Client } from 'pg';",
    '',
    'class Pool {',
    '  connect(): Promise<void> { return Promise.resolve(); }',
    '  query(text: string): string { return text; }',
    '}',
    '',
    'export async function decoys(): Promise<void> {',
    '  const client = new Client();',
    '  await client.connect();',
    "  await client.query('select 1');",
    '  const pool = new Pool();',
    '  await pool.connect();',
    "  pool.query('select 1');",
    '}',
    '',
  ].join('\n'),
  'scripts/report.cjs':
    "const { Pool } = require('pg');\nconst pool = new Pool();\npool.query('select 1').then(() => pool.end());\n",
  // A receiver only the checker can place (an array element): this file waits for types.
  'src/first.ts':
    "import { Pool } from 'pg';\n\nconst pools = [new Pool(), new Pool()];\nexport const first = () => pools[0]!.query('select 1');\n",
};

function serviceRepo(): string {
  const repo = gitRepo(service);
  // Real pg types for the type checker, as in an installed project.
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(repo, 'node_modules'), 'dir');
  return repo;
}

describe('quickwins pool-backpressure', { timeout: 120_000 }, () => {
  it('--dry --json: rewrites pg pools with types, leaves the decoys, writes nothing', () => {
    const repo = serviceRepo();
    const result = runCli(['pool-backpressure', '--dry', '--json'], { cwd: repo });
    expect(result.status, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as JsonReport;
    const byPath = new Map(report.files.map((file) => [file.path, file]));
    expect(report.programsBuilt).toBe(1);

    const users = byPath.get('src/users.ts')!;
    // The pool is imported, the client is what it hands out: decided without types, no program needed.
    expect(users).toMatchObject({ status: 'changed', typed: false });
    expect(users.rewritten.map((site) => site.line)).toEqual([4, 9]);
    expect(users.diff).toContain('+  const client = await acquireWithBackpressure(pool);');
    expect(users.diff).toMatch(
      /\+ {2}const \{ rows \} = await queryWithBackpressure<\{ name: string \}>\(pool, ?'select name from users'\);/,
    );

    // Every call placed without types (a pg Client, a local class): no program needed for it.
    expect(byPath.get('src/decoys.ts')).toMatchObject({ status: 'unchanged', typed: false, rewritten: [] });
    expect(byPath.get('src/first.ts')).toMatchObject({ status: 'changed', typed: true });
    expect(byPath.get('src/first.ts')!.diff).toContain(
      "+export const first = () => queryWithBackpressure(pools[0]!, 'select 1');",
    );
    // Outside the tsconfig: found from the require() binding alone.
    expect(byPath.get('scripts/report.cjs')).toMatchObject({ status: 'changed', typed: false });
    expect(byPath.get('scripts/report.cjs')!.diff).toContain("require('@quickwins/runtime')");
    expect(git(repo, 'status', '--porcelain')).toBe('');
  });

  it('writes, and a second run finds nothing more to do (idempotent)', () => {
    const repo = serviceRepo();
    const first = runCli(['pool-backpressure'], { cwd: repo });
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toContain('changed src/users.ts (2 sites)');
    const users = readFileSync(join(repo, 'src/users.ts'), 'utf8');
    expect(users).toMatch(/^import \{ acquireWithBackpressure, queryWithBackpressure \} from '@quickwins\/runtime';$/m);
    expect(readFileSync(join(repo, 'src/decoys.ts'), 'utf8')).toBe(service['src/decoys.ts']);
    git(repo, 'add', '-A');
    git(repo, 'commit', '-qm', 'pool-backpressure');
    const again = runCli(['pool-backpressure', '--check'], { cwd: repo });
    expect(again.status, again.stdout).toBe(0);
  });

  it('keeps a BOM and CRLF line endings in type-aware mode (positions from the program line up with the text)', () => {
    const repo = serviceRepo();
    // The second call's receiver is placed by the checker alone, so the file is parsed with types.
    const text =
      "\uFEFFimport { pool } from './db.js';\r\n\r\nexport const ping = () => pool.query('select 1');\r\n" +
      "export const other = (dbs: { query(text: string): void }[]) => dbs[0]!.query('select 2');\r\n";
    writeFileSync(join(repo, 'src/bom.ts'), text);
    git(repo, 'add', '-A');
    git(repo, 'commit', '-qm', 'bom');
    const result = runCli(['pool-backpressure', '--json', 'src/bom.ts'], { cwd: repo });
    expect(result.status, result.stderr).toBe(0);
    expect((JSON.parse(result.stdout) as JsonReport).files[0]).toMatchObject({ status: 'changed', typed: true });
    const written = readFileSync(join(repo, 'src/bom.ts'), 'utf8');
    expect(written.startsWith('\uFEFFimport')).toBe(true);
    expect(written).toContain("=> queryWithBackpressure(pool, 'select 1');\r\n");
    expect(written.replaceAll('\r\n', '')).not.toContain('\n');
  });

  it('--no-query leaves pool.query and --threshold is passed to the codemod', () => {
    const repo = serviceRepo();
    const result = runCli(['pool-backpressure', '--dry', '--no-query', '--threshold', '0.8', 'src/users.ts'], {
      cwd: repo,
    });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).not.toContain('queryWithBackpressure');
    expect(result.stdout).toMatch(/acquireWithBackpressure\(pool, .*0\.8/);
  });
});

// An Nx-style monorepo without npm workspaces: the packages reach each other only through the tsconfig `paths` of a
// base config every package extends. The pool's module is named by its alias alone (no "pool", no 'pg' in the file).
const pathsMonorepo = {
  '.gitignore': 'node_modules\n',
  'package.json': JSON.stringify({ name: 'acme', private: true, dependencies: { pg: '^8.11.0' } }),
  'tsconfig.base.json': JSON.stringify({
    compilerOptions: {
      strict: true,
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      noEmit: true,
      skipLibCheck: true,
      types: ['node'],
      baseUrl: '.',
      paths: { '@acme/*': ['libs/*/src/index.ts'], '@acme/db/*': ['libs/db/src/*'] },
    },
  }),
  'libs/db/tsconfig.json': JSON.stringify({ extends: '../../tsconfig.base.json', include: ['src'] }),
  'libs/db/src/index.ts': "import pg from 'pg';\n\nexport const database = new pg.Pool({ max: 5 });\n",
  'libs/db/src/reports.ts': "import pg from 'pg';\n\nexport const reports = new pg.Pool({ max: 2 });\n",
  'apps/api/tsconfig.json': JSON.stringify({ extends: '../../tsconfig.base.json', include: ['src'] }),
  'apps/api/src/users.ts': [
    "import { database } from '@acme/db';",
    "import { reports } from '@acme/db/reports.js';",
    '',
    'export async function names(): Promise<string[]> {',
    "  const { rows } = await database.query<{ name: string }>('select name from users');",
    "  await reports.query('select 1');",
    '  return rows.map((row) => row.name);',
    '}',
    '',
  ].join('\n'),
};

describe('quickwins pool-backpressure on tsconfig `paths` aliases', { timeout: 120_000 }, () => {
  it('rewrites a pool imported from a sibling package through an alias of an extended config, without types', () => {
    const repo = gitRepo(pathsMonorepo);
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(repo, 'node_modules'), 'dir');
    for (const flags of [['--no-types'], []]) {
      const result = runCli(['pool-backpressure', '--dry', '--json', ...flags], { cwd: repo });
      expect(result.status, result.stderr).toBe(0);
      const report = JSON.parse(result.stdout) as JsonReport;
      const users = report.files.find((file) => file.path === 'apps/api/src/users.ts');
      // Decided from the aliased modules on disk: the typed run needs no program for it either.
      expect(users, flags.join(' ')).toMatchObject({ status: 'changed', typed: false, left: [] });
      expect(users!.rewritten.map((site) => site.line)).toEqual([5, 6]);
      expect(users!.diff).toContain("+  await queryWithBackpressure(reports, 'select 1');");
      expect(report.programsBuilt).toBe(0);
    }
  });
});
