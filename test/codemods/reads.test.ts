/**
 * A codemod's `reads` (src/codemod-host/codemod.ts) says what it reads besides the text it is handed. Checked from the
 * sources: the codemod's entry and every module it imports outside src/core (its feature folder, the contract folder)
 * are searched for calls of core's readers and for file-system reads of their own; each maps to one `reads` value.
 * A codemod that starts reading something new fails here until it declares it (or until a reader of its own is
 * classified below).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { CodemodRead } from '../../src/codemod-host/codemod.js';
import { loadCodemods } from '../../src/registry/index.js';

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
