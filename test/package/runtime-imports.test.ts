/**
 * `import '@quickwins/runtime'` is what production services load: from the BUILT package (runtime/dist/), ESM and
 * CommonJS, it must pull in the runtime only, never the heavy tooling the codemods and the ESLint plugin use; and each
 * area subpath only what that area needs.
 *
 * A fresh Node process loads the package through `node_modules/@quickwins/runtime` (a symlink to runtime/, as after an
 * install), and reports every module it loaded: ESM URLs through a module resolve hook, CommonJS files through
 * `require.cache`. A control run that imports `typescript` directly proves the probe sees what it must refuse.
 */
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
/** Every area on disk (runtime/src/<area>/index.ts): each gets the same probe below, so a new area is never unprobed. */
const RUNTIME_AREAS = readdirSync(join(repoRoot, 'runtime/src'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(repoRoot, 'runtime/src', entry.name, 'index.ts')))
  .map((entry) => entry.name);
const FORBIDDEN = [
  'typescript',
  'ts-morph',
  'jscodeshift',
  'eslint',
  '@typescript-eslint',
  'espree',
  'recast',
  '@babel',
];
let scratch = '';

const HOOKS = `
let port;
export function initialize(data) { port = data.port; }
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  port.postMessage(result.url);
  return result;
}
`;

/** Loads `target` as ESM with the recording hook, then prints every module URL/path seen. */
const PROBE_ESM = `
import { register, createRequire } from 'node:module';
import { MessageChannel } from 'node:worker_threads';
const { port1, port2 } = new MessageChannel();
const seen = new Set();
port1.on('message', (url) => seen.add(url));
register('./hooks.mjs', import.meta.url, { data: { port: port2 }, transferList: [port2] });
const loaded = await import(process.argv[2]);
await new Promise((resolve) => setTimeout(resolve, 100)); // let the hook thread's messages arrive
for (const file of Object.keys(createRequire(import.meta.url).cache)) seen.add(file);
port1.close();
console.log(JSON.stringify({ exports: Object.keys(loaded), modules: [...seen] }));
`;

const PROBE_CJS = `
const loaded = require(process.argv[2]);
console.log(JSON.stringify({ exports: Object.keys(loaded), modules: Object.keys(require.cache) }));
`;

function probe(script: 'probe.mjs' | 'probe.cjs', target: string): { exports: string[]; modules: string[] } {
  const result = spawnSync(process.execPath, [script, target], { cwd: scratch, encoding: 'utf8', timeout: 60_000 });
  if (result.status !== 0) throw new Error(`node ${script} ${target} exited ${result.status}:\n${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').at(-1)!) as { exports: string[]; modules: string[] };
}

/** Package names found in node_modules paths of the loaded modules (scoped names included). */
function packagesIn(modules: readonly string[]): Set<string> {
  const names = new Set<string>();
  for (const module of modules) {
    for (const match of decodeURIComponent(module).matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)/g))
      names.add(match[1]!);
  }
  return names;
}

function forbiddenIn(packages: Set<string>): string[] {
  return [...packages].filter((name) =>
    FORBIDDEN.some((bad) => name === bad || name.startsWith(`${bad}/`) || name.startsWith(`${bad}-`)),
  );
}

describe('the package root loads the runtime only', () => {
  beforeAll(() => {
    // `npm test` builds first; build here only when dist/ is missing (this file run on its own).
    if (!existsSync(join(repoRoot, 'runtime/dist/index.js')) || !existsSync(join(repoRoot, 'runtime/dist/index.cjs'))) {
      const build = spawnSync('npx', ['tsup'], { cwd: repoRoot, encoding: 'utf8', timeout: 120_000 });
      if (build.status !== 0) throw new Error(`tsup failed:\n${build.stdout}\n${build.stderr}`);
    }
    scratch = mkdtempSync(join(tmpdir(), 'quickwins-imports-'));
    mkdirSync(join(scratch, 'node_modules', '@quickwins'), { recursive: true });
    symlinkSync(join(repoRoot, 'runtime'), join(scratch, 'node_modules', '@quickwins', 'runtime'), 'dir');
    // for the control run only
    symlinkSync(join(repoRoot, 'node_modules', 'typescript'), join(scratch, 'node_modules', 'typescript'), 'dir');
    writeFileSync(join(scratch, 'hooks.mjs'), HOOKS);
    writeFileSync(join(scratch, 'probe.mjs'), PROBE_ESM);
    writeFileSync(join(scratch, 'probe.cjs'), PROBE_CJS);
  });
  afterAll(() => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it("import '@quickwins/runtime' (ESM) loads no typescript, ts-morph, jscodeshift or eslint", () => {
    const { exports, modules } = probe('probe.mjs', '@quickwins/runtime');
    expect(exports).toEqual(
      expect.arrayContaining(['acquireWithBackpressure', 'queryWithBackpressure', 'PoolExhaustedError']),
    );
    expect(modules.some((m) => m.endsWith('/runtime/dist/index.js'))).toBe(true); // the built ESM entry, not the sources
    const packages = packagesIn(modules);
    expect(packages.has('prom-client')).toBe(true); // the probe does see dependencies
    expect(forbiddenIn(packages)).toEqual([]);
  });

  it("require('@quickwins/runtime') (CommonJS) loads no typescript, ts-morph, jscodeshift or eslint", () => {
    const { exports, modules } = probe('probe.cjs', '@quickwins/runtime');
    expect(exports).toEqual(
      expect.arrayContaining(['acquireWithBackpressure', 'queryWithBackpressure', 'AcquireTimeoutError']),
    );
    expect(modules.some((m) => m.endsWith('/runtime/dist/index.cjs'))).toBe(true);
    const packages = packagesIn(modules);
    expect(packages.has('prom-client')).toBe(true);
    expect(forbiddenIn(packages)).toEqual([]);
  });

  it.each(['probe.mjs', 'probe.cjs'] as const)(
    "'@quickwins/runtime/auth' (%s) loads the auth area only: no pg code, no prom-client",
    (script) => {
      const { exports, modules } = probe(script, '@quickwins/runtime/auth');
      expect(exports).toEqual(expect.arrayContaining(['withAuthLogging', 'setAuthUser']));
      expect(exports).not.toContain('acquireWithBackpressure');
      const packages = packagesIn(modules);
      expect(packages.has('pino')).toBe(true);
      expect(packages.has('prom-client')).toBe(false);
      expect(forbiddenIn(packages)).toEqual([]);
    },
  );

  it.each(['probe.mjs', 'probe.cjs'] as const)(
    "'@quickwins/runtime/pg' (%s) loads the pg area only: no pino",
    (script) => {
      const { exports, modules } = probe(script, '@quickwins/runtime/pg');
      expect(exports).toEqual(expect.arrayContaining(['acquireWithBackpressure', 'queryWithBackpressure']));
      expect(exports).not.toContain('withAuthLogging');
      const packages = packagesIn(modules);
      expect(packages.has('prom-client')).toBe(true);
      expect(packages.has('pino')).toBe(false);
      expect(forbiddenIn(packages)).toEqual([]);
    },
  );

  it.each(['probe.mjs', 'probe.cjs'] as const)(
    "'@quickwins/runtime/grpc' (%s) loads nothing but itself: no pino, no prom-client, grpc-js only as the caller's",
    (script) => {
      const { exports, modules } = probe(script, '@quickwins/runtime/grpc');
      expect(exports).toEqual(expect.arrayContaining(['rotatingClient', 'serverConnectionAge', 'roundRobinOptions']));
      const packages = packagesIn(modules);
      expect(packages.has('pino')).toBe(false);
      expect(packages.has('prom-client')).toBe(false);
      expect(forbiddenIn(packages)).toEqual([]);
    },
  );

  it.each(['probe.mjs', 'probe.cjs'] as const)(
    "'@quickwins/runtime/graphql' (%s) loads graphql, pino and prom-client, no pg code; the root stays without it",
    (script) => {
      const { exports, modules } = probe(script, '@quickwins/runtime/graphql');
      expect(exports).toEqual(
        expect.arrayContaining([
          'cachedGraphql',
          'cachedParse',
          'handleGraphqlRequest',
          'useOperationLog',
          'operationLogApolloPlugin',
        ]),
      );
      const packages = packagesIn(modules);
      expect([...packages].filter((name) => ['graphql', 'pino', 'prom-client', 'pg'].includes(name)).sort()).toEqual([
        'graphql',
        'pino',
        'prom-client',
      ]);
      expect(forbiddenIn(packages)).toEqual([]);
      const root = probe(script, '@quickwins/runtime');
      expect(root.exports).not.toContain('cachedGraphql');
      expect(packagesIn(root.modules).has('graphql')).toBe(false);
    },
  );

  it('the probe does catch a forbidden module (control)', () => {
    const esm = forbiddenIn(packagesIn(probe('probe.mjs', 'typescript').modules));
    const cjs = forbiddenIn(packagesIn(probe('probe.cjs', 'typescript').modules));
    expect(esm).toContain('typescript');
    expect(cjs).toContain('typescript');
  });

  it.each(RUNTIME_AREAS.flatMap((area) => [[area, 'probe.mjs'] as const, [area, 'probe.cjs'] as const]))(
    "'@quickwins/runtime/%s' (%s) loads from the built package, its own bundle only, and no tooling",
    (area, script) => {
      const { exports, modules } = probe(script, `@quickwins/runtime/${area}`);
      expect(exports.length).toBeGreaterThan(0);
      const runtimeFiles = modules
        .map((module) => decodeURIComponent(module))
        .filter((module) => module.includes('/runtime/') && !module.includes('/node_modules/'));
      expect(runtimeFiles.length).toBeGreaterThan(0);
      expect(
        runtimeFiles.filter(
          (file) => !file.includes(`/runtime/dist/${area}/`) && !file.endsWith(`/runtime/${area}/package.json`),
        ),
      ).toEqual([]);
      expect(forbiddenIn(packagesIn(modules))).toEqual([]);
    },
  );

  it('the built bundles name no forbidden package in any import or require', () => {
    for (const file of ['runtime/dist/index.js', 'runtime/dist/index.cjs']) {
      const text = readFileSync(join(repoRoot, file), 'utf8');
      const specifiers = [...text.matchAll(/(?:from\s*|import\s*\(\s*|require\s*\(\s*)["']([^"']+)["']/g)].map(
        (m) => m[1]!,
      );
      expect(specifiers.length).toBeGreaterThan(0);
      const bare = specifiers.filter((s) => !s.startsWith('.') && !s.startsWith('node:'));
      expect(
        forbiddenIn(
          new Set(bare.map((s) => (s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]!))),
        ),
      ).toEqual([]);
    }
  });
});
