/**
 * A codemod's `reads` (src/codemod-host/codemod.ts) says what it reads besides the text it is handed. Checked twice:
 * - from the sources: the codemod's entry and every module it imports outside src/core (its feature folder, the
 *   contract folder) are searched for calls of core's readers and for file-system reads of their own; each maps to
 *   one `reads` value. A codemod that starts reading something new fails here until it declares it (or until a reader
 *   of its own is classified below).
 * - at run time: the host holds a codemod to its `reads` (src/core/project-reads.ts), so a read it did not declare
 *   fails the file; each built-in, run on its fixtures with one declared read withheld, is stopped at that read.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { Codemod, CodemodRead, CodemodResult } from '../../src/codemod-host/codemod.js';
import { runnable } from '../../src/codemod-host/runnable.js';
import { transformWithSession } from '../../src/codemod-host/transform-project.js';
import { packageFactsFor } from '../../src/core/package-evidence.js';
import { UndeclaredReadError } from '../../src/core/project-reads.js';
import { loadCodemods } from '../../src/registry/index.js';
import { fixtureCases } from './fixture-cases.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Core's functions that read the project, by what they read. */
const CORE_READERS: Readonly<Record<string, CodemodRead>> = {
  packageFactsFor: 'package-json',
  selfReferencedPackage: 'package-json',
  nearestManifest: 'package-json',
  isTestFileInPackage: 'package-json',
  loadModule: 'imported-modules',
  resolveModuleFile: 'imported-modules',
  createFileImportResolver: 'imported-modules',
  loadProjectLinter: 'project-tools',
  loadProjectTypeScript: 'project-tools',
  createProjectTypeChecker: 'project-tools',
};

/** Modules outside core that read files with node:fs themselves, and what they read. */
const OWN_READERS: Readonly<Record<string, CodemodRead>> = {
  'codemods/grpc-rotation.ts': 'imported-modules', // the relative modules a client's file imports
  'codemods/narrow-eslint-disable.ts': 'run-files', // the run's files and the suppressions file it returns
  'src/eslint-directives/eslint-project.ts': 'project-tools',
  'src/eslint-directives/typescript-project.ts': 'project-tools',
  'src/graphql-cache/browser-code.ts': 'project-config', // bundler configs and index.html that make a module browser code
  'src/graphql-cache/client-reach.ts': 'package-sources', // the package's modules, for which of them import a file
  'src/pool-backpressure/pg-typings.ts': 'project-config', // the pg typings the project compiles against
};

const FS_READ =
  /import\s*\{[^}]*\b(?:readFileSync|readFile|readdirSync|readdir|createReadStream|openSync|open)\b[^}]*\}\s*from\s*['"](?:node:)?fs(?:\/promises)?['"]/;
const IMPORT_STATEMENT = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+['"][^'"]+['"];?/g;
const LOCAL_IMPORT = /(?:^|\n)\s*(?:import|export)\s(?!type\s)[^;]*?from\s+['"](\.{1,2}\/[^'"]+)['"]/g;

/** The entry and the modules it imports at run time, outside src/core, repository-relative with forward slashes. */
function modulesOf(entry: string, seen = new Set<string>()): Set<string> {
  if (seen.has(entry)) return seen;
  seen.add(entry);
  const absolute = join(REPO_ROOT, entry);
  for (const [, specifier = ''] of readFileSync(absolute, 'utf8').matchAll(LOCAL_IMPORT)) {
    const target = resolve(dirname(absolute), specifier).replace(/\.js$/, '.ts');
    const path = relative(REPO_ROOT, target).split(sep).join('/');
    if (existsSync(target) && !path.startsWith('src/core/')) modulesOf(path, seen);
  }
  return seen;
}

function readsFound(entry: string): CodemodRead[] {
  const found = new Set<CodemodRead>();
  for (const module of modulesOf(entry)) {
    const source = readFileSync(join(REPO_ROOT, module), 'utf8');
    const code = source.replace(IMPORT_STATEMENT, '\n');
    for (const [name, read] of Object.entries(CORE_READERS))
      if (new RegExp(`\\b${name}\\b`).test(code)) found.add(read);
    if (FS_READ.test(source)) {
      const own = OWN_READERS[module];
      if (own === undefined) throw new Error(`${module} reads files with node:fs: classify it in OWN_READERS`);
      found.add(own);
    }
  }
  return [...found].sort();
}

const codemods = [...(await loadCodemods({})).values()];

describe('a codemod declares what it reads', () => {
  it.each(codemods.map((codemod) => [codemod.id, codemod.reads] as const))('%s', (id, reads) => {
    expect([...reads].sort()).toEqual(readsFound(`codemods/${id}.ts`));
  });
});

const NOTHING: CodemodResult = { edits: [], rewritten: [], left: [] };
const scratch = mkdtempSync(join(tmpdir(), 'quickwins-reads-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
writeFileSync(join(scratch, 'package.json'), '{ "name": "probe" }\n');
const probeFile = join(scratch, 'probe.js');

/** A codemod that reads the nearest package.json in its transform (and in its session, when it has one). */
function packageReader(reads: readonly CodemodRead[], how: { swallow?: boolean; session?: boolean } = {}): Codemod {
  const read = (filePath: string): void => {
    try {
      packageFactsFor(filePath);
    } catch (error) {
      if (!how.swallow) throw error;
    }
  };
  return {
    id: 'package-reader',
    summary: 'reads package.json',
    options: [],
    usesTypes: false,
    reads,
    mightApply: () => true,
    transform: ({ filePath }) => (read(filePath), NOTHING),
    ...(how.session && {
      prepareProject: async () => ({ transformFile: async ({ filePath }) => (read(filePath), NOTHING) }),
    }),
  };
}

describe('the host holds a codemod to its reads', () => {
  const undeclared =
    /package-reader read the package.json above .*probe\.js \('package-json'\), which its reads do not declare \(none\)/;

  it('fails the file when the transform reads what it did not declare, and runs it when declared', () => {
    const refused = runnable(packageReader([])).configure({}).transformText(probeFile, 'x;\n');
    expect(refused).toMatchObject({
      status: 'error',
      error: { phase: 'transform', message: expect.stringMatching(undeclared) },
    });
    expect(
      runnable(packageReader(['package-json']))
        .configure({})
        .transformText(probeFile, 'x;\n').status,
    ).toBe('unchanged');
  });

  it('fails the file even when the codemod catches the refusal itself', () => {
    const outcome = runnable(packageReader([], { swallow: true }))
      .configure({})
      .transformText(probeFile, 'x;\n');
    expect(outcome).toMatchObject({ status: 'error', error: { message: expect.stringMatching(undeclared) } });
  });

  it('holds a project session to the same reads, file by file', async () => {
    for (const [reads, status] of [
      [[], 'error'],
      [['package-json'], 'unchanged'],
    ] as const) {
      const configured = runnable(packageReader(reads, { session: true })).configure({});
      const session = await configured.prepareProject!({ cwd: scratch, files: [probeFile] });
      const { outcome } = await transformWithSession(session, probeFile, 'x;\n');
      expect(outcome.status, reads.join()).toBe(status);
      if (outcome.status === 'error') expect(outcome.error.message).toMatch(undeclared);
    }
  });
});

/** The built-in codemod `id` as its module exports it, with `read` taken out of its `reads`. */
async function withheld(id: string, read: CodemodRead): Promise<Codemod> {
  const { codemod } = (await import(join(REPO_ROOT, 'codemods', `${id}.ts`))) as { codemod: Codemod };
  return { ...codemod, reads: codemod.reads.filter((declared) => declared !== read) };
}

describe('each built-in codemod, run with one declared read withheld, is stopped at that read', () => {
  const withFixtures = codemods.filter((codemod) => !codemod.hasProjectSession);
  const cases = withFixtures.flatMap((codemod) => codemod.reads.map((read) => [codemod.id, read] as const));

  it.each(cases)('%s without %s: a fixture fails on it, and on nothing else', async (id, read) => {
    const codemod = runnable(await withheld(id, read));
    const refusals = new Set<string>();
    for (const fixture of fixtureCases(codemods.find((known) => known.id === id)!)) {
      const outcome = codemod.configure(fixture.options).transformText(fixture.filePath, fixture.input);
      if (outcome.status !== 'error') continue;
      expect(outcome.error.message, fixture.name).toMatch(
        new RegExp(`^${id} read .* \\('${read}'\\), which its reads`),
      );
      refusals.add(fixture.name);
    }
    expect(refusals.size, 'fixtures refused').toBeGreaterThan(0);
  });

  it('narrow-eslint-disable (a project session): without project-tools or run-files its session does not start', async () => {
    const project = join(scratch, 'eslint-project');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), '{ "type": "module" }\n');
    writeFileSync(
      join(project, 'eslint.config.js'),
      "export default [{ files: ['**/*.js'], rules: { eqeqeq: 'error' } }];\n",
    );
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(project, 'node_modules'), 'dir');
    const file = join(project, 'a.js');
    writeFileSync(file, '/* eslint-disable */\nif (a == 1) a();\n');
    for (const read of ['project-tools', 'run-files'] as const) {
      const configured = runnable(await withheld('narrow-eslint-disable', read)).configure({});
      const started = configured.prepareProject!({ cwd: project, files: [file] });
      await expect(started, read).rejects.toThrow(UndeclaredReadError);
      await expect(started, read).rejects.toThrow(`('${read}')`);
    }
    const declared = codemods.find((codemod) => codemod.id === 'narrow-eslint-disable')!.configure({});
    const session = await declared.prepareProject!({ cwd: project, files: [file] });
    const { outcome } = await transformWithSession(session, file, readFileSync(file, 'utf8'));
    expect(outcome.status).toBe('changed');
  });
});
