// Every codemod is also a plain jscodeshift transform: the built codemods/<id>.cjs run by the real jscodeshift
// binary must leave exactly the bytes the quickwins CLI leaves.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, removeTempDirs, runCli, tempDir, REPO_ROOT } from './helpers.js';

const JSCODESHIFT = join(REPO_ROOT, 'node_modules', '.bin', 'jscodeshift');
const EXTENSIONS = 'ts,tsx,mts,cts,js,jsx,mjs,cjs';
// No Babel cache: the .cjs must load its dependencies without jscodeshift's Babel pass (see
// src/codemod-host/jscodeshift-preamble.cjs), or each run here would spend ~30 s compiling typescript's lib.
const NO_BABEL_CACHE = { BABEL_DISABLE_CACHE: '1' };

beforeAll(assertBuilt);
afterAll(removeTempDirs);

/** The sample app plus every fixture input of the codemod: the widest set of forms at hand. */
function corpus(codemodId: string): string {
  const dir = tempDir('quickwins-jscodeshift-');
  cpSync(join(REPO_ROOT, 'fixtures', 'sample-app', 'src'), join(dir, 'sample-app'), { recursive: true });
  const fixtures = join(REPO_ROOT, 'fixtures', codemodId);
  mkdirSync(join(dir, 'fixtures'));
  if (existsSync(fixtures)) {
    for (const file of readdirSync(fixtures).filter((name) => name.includes('.input.'))) {
      cpSync(join(fixtures, file), join(dir, 'fixtures', file));
    }
  }
  return dir;
}

function snapshotTree(root: string): Map<string, string> {
  const files = new Map<string, string>();
  const visit = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) visit(path);
      else files.set(relative(root, path), readFileSync(path, 'utf8'));
    }
  };
  visit(root);
  return files;
}

function runJscodeshift(codemodId: string, dir: string, extraArgs: readonly string[]) {
  const result = spawnSync(
    JSCODESHIFT,
    [
      '-t',
      join(REPO_ROOT, 'codemods', `${codemodId}.cjs`),
      ...extraArgs,
      '--parser=tsx',
      `--extensions=${EXTENSIONS}`,
      dir,
    ],
    { encoding: 'utf8', cwd: REPO_ROOT, env: { ...process.env, ...NO_BABEL_CACHE }, timeout: 120_000 },
  );
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe.each([
  { codemodId: 'pool-backpressure', quickwinsArgs: [] as string[], jscodeshiftArgs: [] as string[] },
  {
    codemodId: 'pool-backpressure',
    quickwinsArgs: ['--import-from', '@acme/db', '--no-query'],
    jscodeshiftArgs: ['--import-from=@acme/db', '--no-query'],
  },
  { codemodId: 'auth-logging', quickwinsArgs: [], jscodeshiftArgs: [] },
  { codemodId: 'graphql-cache', quickwinsArgs: [], jscodeshiftArgs: [] },
])('$codemodId $quickwinsArgs', ({ codemodId, quickwinsArgs, jscodeshiftArgs }) => {
  it('the jscodeshift transform and the quickwins CLI write the same bytes', { timeout: 180_000 }, () => {
    const viaJscodeshift = corpus(codemodId);
    const viaQuickwins = corpus(codemodId);
    const before = snapshotTree(viaQuickwins);

    const jscodeshift = runJscodeshift(codemodId, viaJscodeshift, jscodeshiftArgs);
    expect(jscodeshift.status, jscodeshift.output).toBe(0);
    // No tsconfig in the corpus: both front doors find sites from imports and bindings alone.
    const quickwins = runCli([codemodId, ...quickwinsArgs, '--no-types', '--workers', '0', '--allow-no-git', '.'], {
      cwd: viaQuickwins,
    });
    expect([0, 1]).toContain(quickwins.status);

    const afterJscodeshift = snapshotTree(viaJscodeshift);
    const afterQuickwins = snapshotTree(viaQuickwins);
    expect([...afterJscodeshift.keys()].sort()).toEqual([...afterQuickwins.keys()].sort());
    for (const [path, text] of afterQuickwins) expect(afterJscodeshift.get(path), path).toBe(text);
    // The comparison means something only if the codemod changed files.
    const changed = [...afterQuickwins].filter(([path, text]) => before.get(path) !== text);
    expect(changed.length).toBeGreaterThan(0);
    // Files that fail to parse fail in both; jscodeshift counts them as errors.
    const failed = quickwins.stderr.match(/, (\d+) failed/)?.[1] ?? '0';
    expect(jscodeshift.output).toContain(`${failed} errors`);
  });
});

describe('the built transform module', () => {
  const require = createRequire(import.meta.url);
  type TransformModule = {
    default: (
      file: { path: string; source: string },
      api: { report?: (message: string) => void },
      options: Record<string, unknown>,
    ) => string | null | undefined;
    parser: string;
    codemod: { id: string };
  };
  const load = (id: string) => require(join(REPO_ROOT, 'codemods', `${id}.cjs`)) as TransformModule;
  const source =
    "import { Pool } from 'pg';\nconst pool = new Pool();\nexport const one = () => pool.query('select 1');\n";

  it('exports the jscodeshift signature, the parser, and the codemod', () => {
    const transform = load('pool-backpressure');
    expect(transform.parser).toBe('tsx');
    expect(transform.codemod.id).toBe('pool-backpressure');
    expect(typeof transform.default).toBe('function');
  });

  it('maps jscodeshift options onto the codemod options and keeps a BOM', () => {
    const { default: transform } = load('pool-backpressure');
    const output = transform(
      { path: 'db.ts', source: `\uFEFF${source}` },
      {},
      { 'import-from': '@acme/db', dry: true, parser: 'tsx' },
    );
    expect(output?.startsWith('\uFEFF')).toBe(true);
    expect(output).toContain("from '@acme/db'");
    expect(output).toContain('queryWithBackpressure(pool');
    // --no-query arrives as `query: false`; --query=false as the string "false".
    expect(transform({ path: 'db.ts', source }, {}, { query: false })).toBeNull();
    expect(transform({ path: 'db.ts', source }, {}, { query: 'false' })).toBeNull();
  });

  it('returns undefined for a file the pre-filter skips, and throws with the location on a parse error', () => {
    const { default: transform } = load('pool-backpressure');
    expect(transform({ path: 'a.ts', source: 'export const x = 1;\n' }, {}, {})).toBeUndefined();
    expect(() => transform({ path: 'a.ts', source: 'pool.query(;\n' }, {}, {})).toThrow(/parse error \(1:\d+\)/);
  });
});
