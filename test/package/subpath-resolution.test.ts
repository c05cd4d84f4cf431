/**
 * Every subpath of both packages as a TypeScript project and Node see it: the packed tarballs installed into one fresh
 * project, then the real `tsc` of the oldest TypeScript the toolkit's peer range admits (installed in that project) and
 * of the newest (the repository's own) under each module resolution a project may use: node10 (with `module` commonjs
 * and esnext), node16 and nodenext (a `.cts` and an `.mts` consumer: the `require` and `import` conditions) and bundler
 * (TypeScript 5+). Each import is traced to the declaration file it resolved to, and the program must type-check. Then
 * `node` requires and imports every subpath and calls into it, with prom-client (metrics recorded) and in a second
 * project installed without it (an optional peer: no metrics, one warning).
 *
 * pino 10's declarations (const type parameters) do not parse under TypeScript 4.8, and tsc skips every semantic check
 * once any file has a syntax error; so under 4.8 the subpaths whose types import pino (the root, /auth, /graphql) are a
 * program of their own whose only errors must be pino's, and the other subpaths are fully checked without them.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mustRun, packBoth, repoRoot } from '../support/packages.js';

const OLDEST_TYPESCRIPT = '4.8.4';

interface Subpath {
  /** What a consumer writes after `from`. */
  readonly specifier: string;
  /** The folder of dist/ holding its declarations ('' for a package root). */
  readonly distFolder: string;
  /** The package folder under node_modules. */
  readonly packageName: string;
  /** A consumer's import line and an expression using what it imported. */
  readonly importLine: string;
  readonly use: string;
  /** Its declarations import pino's (see the header). */
  readonly typesImportPino: boolean;
  /** The declarations its package's `typesVersions` names, when it is found that way rather than by a stub folder. */
  readonly typesVersionsDeclaration?: 'd.cts';
}

function runtimeSubpath(key: string, exported: string, typesImportPino: boolean): Subpath {
  const folder = key === '.' ? '' : key.slice(2);
  return {
    specifier: folder === '' ? '@quickwins/runtime' : `@quickwins/runtime/${folder}`,
    distFolder: folder,
    packageName: '@quickwins/runtime',
    importLine: `import { ${exported} } from '@quickwins/runtime${folder === '' ? '' : `/${folder}`}';`,
    use: exported,
    typesImportPino,
  };
}

/** One named export a subpath: keyed by the runtime's `exports` keys, which the first test holds this list to. */
const RUNTIME_SUBPATHS: readonly Subpath[] = [
  runtimeSubpath('.', 'acquireWithBackpressure', true),
  runtimeSubpath('./pg', 'queryWithBackpressure', false),
  runtimeSubpath('./auth', 'withAuthLogging', true),
  runtimeSubpath('./grpc', 'rotatingClient', false),
  runtimeSubpath('./graphql', 'cachedParse', true),
  runtimeSubpath('./kafka', 'dedupeEachMessage', false),
];

const ESLINT_PLUGIN: Subpath = {
  specifier: 'quickwins/eslint-plugin',
  distFolder: 'eslint-plugin',
  packageName: 'quickwins',
  importLine: "import plugin from 'quickwins/eslint-plugin';",
  use: 'plugin.rules',
  typesImportPino: false,
  typesVersionsDeclaration: 'd.cts',
};

const SUBPATHS = [...RUNTIME_SUBPATHS, ESLINT_PLUGIN];

type Extension = 'ts' | 'cts' | 'mts';

interface Mode {
  readonly name: string;
  readonly compilerOptions: Record<string, string>;
  /** Consumer files: `.ts` under node10 and bundler; `.cts` and `.mts` under node16/nodenext (`require` and `import`). */
  readonly extensions: readonly Extension[];
  /** node16, nodenext and bundler read `exports`; node10 reads `types`, `typesVersions` and a subpath folder's package.json. */
  readonly readsExports: boolean;
  readonly minimumTypeScript: number;
}

const MODES: readonly Mode[] = [
  {
    name: 'node10, module commonjs',
    compilerOptions: { module: 'commonjs', moduleResolution: 'node10' },
    extensions: ['ts'],
    readsExports: false,
    minimumTypeScript: 4,
  },
  {
    name: 'node10, module esnext',
    compilerOptions: { module: 'esnext', moduleResolution: 'node10' },
    extensions: ['ts'],
    readsExports: false,
    minimumTypeScript: 4,
  },
  {
    name: 'node16',
    compilerOptions: { module: 'node16', moduleResolution: 'node16' },
    extensions: ['cts', 'mts'],
    readsExports: true,
    minimumTypeScript: 4,
  },
  {
    name: 'nodenext',
    compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext' },
    extensions: ['cts', 'mts'],
    readsExports: true,
    minimumTypeScript: 4,
  },
  {
    name: 'bundler',
    compilerOptions: { module: 'esnext', moduleResolution: 'bundler' },
    extensions: ['ts'],
    readsExports: true,
    minimumTypeScript: 5,
  },
];

interface Compiler {
  readonly version: string;
  readonly tscPath: string;
}

let scratch = '';
let project = '';
const compilers: Compiler[] = [];

function consumerFile(subpath: Subpath, extension: Extension): string {
  return `consumers/${subpath.specifier.replaceAll(/[@/]/g, '_')}.${extension}`;
}

/**
 * What a consumer of `extension` must resolve `subpath` to: through `exports`, `.d.cts` for the `require` condition
 * only; without, what `typesVersions` or the subpath's folder names. TypeScript 4.x reads `typesVersions` before
 * `exports` under node16 too.
 */
function expectedDeclaration(subpath: Subpath, extension: Extension, mode: Mode, typescriptMajor: number): string {
  const typesVersionsFirst = !mode.readsExports || typescriptMajor < 5;
  const declarationExtension =
    (typesVersionsFirst ? subpath.typesVersionsDeclaration : undefined) ??
    (mode.readsExports && extension === 'cts' ? 'd.cts' : 'd.ts');
  return `node_modules/${subpath.packageName}/dist/${subpath.distFolder === '' ? '' : `${subpath.distFolder}/`}index.${declarationExtension}`;
}

interface TscResult {
  /** Each consumer specifier → the files it resolved to (relative to the project), or 'not resolved'. */
  readonly resolutions: Record<string, string[]>;
  /** `file(line,col): error TSxxxx` lines and global errors, paths relative to the project. */
  readonly errors: string[];
}

function tsc(compiler: Compiler, mode: Mode, subpaths: readonly Subpath[]): TscResult {
  const major = Number(compiler.version.split('.')[0]);
  const moduleResolution =
    mode.compilerOptions.moduleResolution === 'node10' && major < 5 ? 'node' : mode.compilerOptions.moduleResolution;
  const configName = `tsconfig.${mode.name.replaceAll(/\W+/g, '-')}.${subpaths.map((s) => s.distFolder || 'root').join('-')}.${major}.json`;
  const compilerOptions = {
    ...mode.compilerOptions,
    moduleResolution,
    strict: true,
    esModuleInterop: true,
    skipLibCheck: true,
    noEmit: true,
    target: 'es2022',
    types: [],
    // node10 is deprecated (not gone) in TypeScript 6, and still what `module: commonjs` projects use.
    ...(major >= 6 ? { ignoreDeprecations: '6.0' } : {}),
  };
  const files = subpaths.flatMap((subpath) => mode.extensions.map((extension) => consumerFile(subpath, extension)));
  writeFileSync(join(project, configName), `${JSON.stringify({ compilerOptions, files }, null, 2)}\n`);
  const result = spawnSync(process.execPath, [compiler.tscPath, '-p', configName, '--traceResolution'], {
    cwd: project,
    encoding: 'utf8',
    timeout: 240_000,
    maxBuffer: 512 * 1024 * 1024,
  });
  if (result.error) throw result.error;
  const consumerSpecifiers = new Set(subpaths.map((subpath) => subpath.specifier));
  const resolutions: Record<string, Set<string>> = {};
  const errors: string[] = [];
  for (const line of result.stdout.split('\n')) {
    const traced = /^======== Module name '([^']+)' was (?:successfully resolved to '([^']+)'|(not resolved))/.exec(
      line,
    );
    if (traced && consumerSpecifiers.has(traced[1]!)) {
      (resolutions[traced[1]!] ??= new Set()).add(traced[3] ? 'not resolved' : relative(project, traced[2]!));
    } else if (/(^|\): )error TS\d+/.test(line)) {
      errors.push(line.startsWith(project) ? relative(project, line) : line);
    }
  }
  if (result.status !== 0 && errors.length === 0)
    throw new Error(`tsc ${compiler.version} exited ${result.status} without errors:\n${result.stderr}`);
  return {
    resolutions: Object.fromEntries(
      Object.entries(resolutions).map(([specifier, found]) => [specifier, [...found].sort()]),
    ),
    errors,
  };
}

function expectedResolutions(
  mode: Mode,
  subpaths: readonly Subpath[],
  typescriptMajor: number,
): Record<string, string[]> {
  const declarations = (subpath: Subpath): string[] =>
    [
      ...new Set(mode.extensions.map((extension) => expectedDeclaration(subpath, extension, mode, typescriptMajor))),
    ].sort();
  return Object.fromEntries(subpaths.map((subpath) => [subpath.specifier, declarations(subpath)]));
}

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'quickwins-subpaths-'));
  const tarballs = packBoth(scratch);
  project = join(scratch, 'consumer-app');
  mkdirSync(join(project, 'consumers'), { recursive: true });
  writeFileSync(
    join(project, 'package.json'),
    `${JSON.stringify({ name: 'consumer-app', version: '1.0.0', private: true }, null, 2)}\n`,
  );
  // The peers whose types the runtime's declarations import, and @types/node of the engines' floor (the newest
  // @types/node no longer parses under TypeScript 4.8).
  mustRun(
    'npm',
    [
      'install',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      tarballs.runtime,
      tarballs.toolkit,
      `typescript@${OLDEST_TYPESCRIPT}`,
      'pg@^8',
      '@types/pg@^8',
      '@types/node@^20',
      'prom-client@^15',
      'graphql@^16',
      'kafkajs@^2',
      '@grpc/grpc-js@^1',
    ],
    project,
  );
  for (const subpath of SUBPATHS) {
    for (const extension of ['ts', 'cts', 'mts'] as const) {
      writeFileSync(
        join(project, consumerFile(subpath, extension)),
        `${subpath.importLine}\nexport const used: unknown = ${subpath.use};\n`,
      );
    }
  }
  const tscOf = (root: string): Compiler => {
    const { version } = JSON.parse(readFileSync(join(root, 'node_modules/typescript/package.json'), 'utf8')) as {
      version: string;
    };
    return { version, tscPath: join(root, 'node_modules/typescript/bin/tsc') };
  };
  compilers.push(tscOf(project), tscOf(repoRoot));
}, 300_000);

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('subpaths resolve for TypeScript under every module resolution', () => {
  it('the test covers every subpath the runtime exports, and the oldest and newest TypeScript of the peer range', () => {
    const runtimeExports = JSON.parse(readFileSync(join(repoRoot, 'runtime/package.json'), 'utf8')) as {
      exports: Record<string, unknown>;
    };
    const covered = RUNTIME_SUBPATHS.map((subpath) => (subpath.distFolder === '' ? '.' : `./${subpath.distFolder}`));
    expect(Object.keys(runtimeExports.exports).filter((key) => key !== './package.json')).toEqual(covered);
    const { peerDependencies } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
      peerDependencies: Record<string, string>;
    };
    expect(peerDependencies.typescript).toBe(`>=${OLDEST_TYPESCRIPT} <6.1.0`);
    expect(compilers.map((compiler) => compiler.version.split('.')[0])).toEqual(['4', '6']);
  });

  // bundler resolution exists from TypeScript 5.0: the oldest compiler runs the other four.
  const runs = [0, 1].flatMap((compilerIndex) =>
    MODES.filter((mode) => compilerIndex === 1 || mode.minimumTypeScript <= 4).map(
      (mode) => [compilerIndex, mode] as const,
    ),
  );
  it.each(
    runs.map(
      ([compilerIndex, mode]) =>
        [compilerIndex === 0 ? OLDEST_TYPESCRIPT : 'newest', mode.name, compilerIndex, mode] as const,
    ),
  )(
    'TypeScript %s, moduleResolution %s: every subpath resolves to its declarations and type-checks',
    (_label, _name, compilerIndex, mode) => {
      const compiler = compilers[compilerIndex]!;
      const major = Number(compiler.version.split('.')[0]);
      const checkedApart = compiler.version.startsWith('4.')
        ? SUBPATHS.filter((subpath) => subpath.typesImportPino)
        : [];
      const checked = SUBPATHS.filter((subpath) => !checkedApart.includes(subpath));
      const full = tsc(compiler, mode, checked);
      expect({ version: compiler.version, ...full }).toEqual({
        version: compiler.version,
        resolutions: expectedResolutions(mode, checked, major),
        errors: [],
      });
      if (checkedApart.length > 0) {
        const apart = tsc(compiler, mode, checkedApart);
        expect(apart.resolutions).toEqual(expectedResolutions(mode, checkedApart, major));
        expect(apart.errors.length).toBeGreaterThan(0);
        expect(apart.errors.filter((error) => !error.startsWith('node_modules/pino/'))).toEqual([]);
      }
    },
    120_000,
  );
});

/** For each subpath, a call into it that needs no server: the pg ones acquire from a pool that has a client ready. */
const CALLS = `
const pool = () => ({ totalCount: 1, idleCount: 1, waitingCount: 0, options: { max: 2 }, connect(callback) { callback(undefined, { id: 'client-1' }, () => {}); } });
const message = { offset: '0', headers: { 'message-id': 'order-1' } };
const payload = { topic: 'orders', partition: 0, message, heartbeat: async () => {}, pause: () => () => {} };
const calls = {
  '@quickwins/runtime': async (m) => (await m.acquireWithBackpressure(pool())).id,
  '@quickwins/runtime/pg': async (m) => (await m.acquireWithBackpressure(pool(), { threshold: 0.9 })).id,
  '@quickwins/runtime/auth': async (m) => m.maskIdentifier('someone@example.com'),
  '@quickwins/runtime/grpc': async (m) => Object.keys(m.serverConnectionAge()).sort().join(),
  '@quickwins/runtime/graphql': async (m) => m.cachedParse('{ orders { id } }').kind,
  '@quickwins/runtime/kafka': async (m) => {
    let runs = 0;
    const eachMessage = m.dedupeEachMessage(async () => { runs++; }, { store: m.memoryDedupeStore(), group: 'billing' });
    await eachMessage(payload);
    await eachMessage(payload);
    return 'handler ran ' + runs + ' time(s) for 2 deliveries';
  },
};
const results = {};
for (const [specifier, call] of Object.entries(calls)) results[specifier] = await call(await load(specifier));
// what the calls registered in prom-client's global registry, when it is installed
let registered = [];
try {
  const promClient = await load('prom-client');
  registered = (promClient.default ?? promClient).register.getMetricsAsArray().map((metric) => metric.name).sort();
} catch (error) {
  if (error.code !== 'MODULE_NOT_FOUND' && error.code !== 'ERR_MODULE_NOT_FOUND') throw error;
}
results.registered = registered;
console.log(JSON.stringify(results));
`;

const CALL_SCRIPTS = {
  'calls.cjs': `const load = async (specifier) => require(specifier);\n(async () => {${CALLS}})().catch((error) => { console.error(error); process.exit(1); });\n`,
  'calls.mjs': `const load = (specifier) => import(specifier);\n${CALLS}`,
} as const;

function runCalls(
  cwd: string,
  script: keyof typeof CALL_SCRIPTS,
): { results: Record<string, unknown>; stderr: string } {
  writeFileSync(join(cwd, script), CALL_SCRIPTS[script]);
  const run = spawnSync(process.execPath, [script], { cwd, encoding: 'utf8', timeout: 60_000 });
  if (run.status !== 0) throw new Error(`node ${script} exited ${run.status}:\n${run.stdout}\n${run.stderr}`);
  return { results: JSON.parse(run.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>, stderr: run.stderr };
}

/** The metrics the calls above register: the pg pool's, the GraphQL document cache's, the Kafka de-duplication's. */
const RUNTIME_METRICS = [
  'db_pool_acquire_timeouts_total',
  'db_pool_acquire_wait_seconds',
  'db_pool_admission_hold_seconds',
  'db_pool_admission_limit',
  'db_pool_admission_overloaded',
  'db_pool_admission_queue_delay_seconds',
  'db_pool_admission_refusals_total',
  'db_pool_exhausted_total',
  'db_pool_utilization',
  'graphql_document_cache_entries',
  'graphql_document_cache_evictions_total',
  'graphql_document_cache_requests_total',
  'kafka_dedupe_chunks_retried_total',
  'kafka_dedupe_claims_total',
  'kafka_dedupe_duplicates_skipped_total',
  'kafka_dedupe_fallback_keys_total',
  'kafka_dedupe_store_seconds',
];

const EXPECTED_CALL_RESULTS = {
  '@quickwins/runtime': 'client-1',
  '@quickwins/runtime/pg': 'client-1',
  '@quickwins/runtime/auth': expect.not.stringContaining('someone@example.com'),
  '@quickwins/runtime/grpc': 'grpc.max_connection_age_grace_ms,grpc.max_connection_age_ms',
  '@quickwins/runtime/graphql': 'Document',
  '@quickwins/runtime/kafka': 'handler ran 1 time(s) for 2 deliveries',
};

describe('subpaths load at run time from the installed tarballs', () => {
  it("each runtime subpath's folder (for resolvers that ignore `exports`) names built files that were installed", () => {
    const runtimeDir = join(project, 'node_modules/@quickwins/runtime');
    for (const subpath of RUNTIME_SUBPATHS.filter((candidate) => candidate.distFolder !== '')) {
      const stub = JSON.parse(readFileSync(join(runtimeDir, subpath.distFolder, 'package.json'), 'utf8')) as Record<
        string,
        string
      >;
      expect(stub).toEqual({
        main: `../dist/${subpath.distFolder}/index.cjs`,
        module: `../dist/${subpath.distFolder}/index.js`,
        types: `../dist/${subpath.distFolder}/index.d.ts`,
      });
      for (const target of Object.values(stub))
        expect(existsSync(join(runtimeDir, subpath.distFolder, target)), target).toBe(true);
    }
  });

  it.each(['calls.cjs', 'calls.mjs'] as const)(
    'node %s: every runtime subpath loads and answers a call, and records its metrics',
    (script) => {
      const { results, stderr } = runCalls(project, script);
      expect(results).toEqual({ ...EXPECTED_CALL_RESULTS, registered: RUNTIME_METRICS });
      expect(stderr).not.toContain('prom-client');
    },
  );

  it.each([
    ['require', "console.log(Object.keys(require('quickwins/eslint-plugin').rules).length)"],
    ['import', "import('quickwins/eslint-plugin').then((m) => console.log(Object.keys(m.default.rules).length))"],
  ])('node %s of quickwins/eslint-plugin gives the plugin', (_how, source) => {
    expect(Number(mustRun(process.execPath, ['-e', source], project).trim())).toBeGreaterThan(0);
  });
});

/**
 * prom-client is an optional peer: an install that leaves peers out (npm --legacy-peer-deps, as yarn 1 does) loads every
 * subpath, answers every call, records no metrics and says so once.
 */
describe('without prom-client', () => {
  let bare = '';
  beforeAll(() => {
    bare = join(scratch, 'no-prom-client-app');
    mkdirSync(bare);
    writeFileSync(
      join(bare, 'package.json'),
      `${JSON.stringify({ name: 'no-prom-client-app', version: '1.0.0', private: true }, null, 2)}\n`,
    );
    const runtimeTarball = readdirSync(scratch).find(
      (file) => file.startsWith('quickwins-runtime-') && file.endsWith('.tgz'),
    )!;
    // graphql: the /graphql call parses a document
    mustRun(
      'npm',
      [
        'install',
        '--legacy-peer-deps',
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        join(scratch, runtimeTarball),
        'graphql@^16',
      ],
      bare,
    );
  }, 240_000);

  it.each(['calls.cjs', 'calls.mjs'] as const)(
    'node %s: every subpath loads and answers its call; no metrics, one warning',
    (script) => {
      expect(existsSync(join(bare, 'node_modules/prom-client'))).toBe(false);
      const { results, stderr } = runCalls(bare, script);
      expect(results).toEqual({ ...EXPECTED_CALL_RESULTS, registered: [] });
      expect(
        stderr
          .split('\n')
          .filter((line) => line.includes('QUICKWINS_NO_PROM_CLIENT') || line.includes('prom-client is not installed')),
      ).toHaveLength(1);
    },
  );
});
