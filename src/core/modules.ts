/**
 * Modules on disk as the detectors follow them without a program: the file a specifier names (extensions, `.js` for
 * `.ts`, index files, tsconfig `paths`; packages of the npm / yarn workspace through `resolveWorkspaceModule`), and
 * its text and tree, parsed at most once per process per modification time.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { TSESTree } from '@typescript-eslint/typescript-estree';
import { parseSource } from './parse.js';
import { isInside } from './paths.js';
import { checkDeclaredRead } from './project-reads.js';

const CACHE_LIMIT = 2000;

interface CachedModule {
  readonly mtimeMs: number;
  readonly loaded: LoadedModule | undefined;
}

const moduleCache = new Map<string, CachedModule>();

/** Source extensions tried for a specifier, TypeScript first: `./db.js` in a TS project names `./db.ts`. */
const EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs', '.d.ts'];
const JS_EXTENSION = /\.(?:[cm]?js|jsx)$/;

/**
 * The file a relative (or tsconfig-`paths` aliased) specifier names from `directory`, as Node and TypeScript find it:
 * the path itself, `.js` written for `.ts`, the source extensions, then `index` files; undefined when none is on disk.
 */
export function resolveModuleFile(directory: string, specifier: string): string | undefined {
  checkDeclaredRead('imported-modules', `'${specifier}' from ${directory}`);
  if (!specifier.startsWith('.') && !specifier.startsWith('/')) {
    for (const target of aliasTargets(directory, specifier)) {
      const file = resolveModuleFile(directory, target);
      if (file) return file;
    }
    return undefined;
  }
  const base = resolve(directory, specifier);
  const stem = base.replace(JS_EXTENSION, '');
  const candidates = [
    ...(stem !== base ? EXTENSIONS.map((extension) => stem + extension) : []),
    base,
    ...EXTENSIONS.map((extension) => base + extension),
    ...EXTENSIONS.map((extension) => resolve(base, `index${extension}`)),
  ];
  return candidates.find(isFile);
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

export interface LoadedModule {
  readonly program: TSESTree.Program;
  readonly source: string;
}

/** A module's text (BOM dropped) and tree, parsed once per process per modification time; undefined when unreadable. */
export function loadModule(file: string): LoadedModule | undefined {
  checkDeclaredRead('imported-modules', file);
  let mtimeMs: number;
  try {
    mtimeMs = statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
  const cached = moduleCache.get(file);
  if (cached && cached.mtimeMs === mtimeMs) return cached.loaded;
  let loaded: LoadedModule | undefined;
  try {
    const source = readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
    loaded = { program: parseSource(file, source), source };
  } catch {
    loaded = undefined;
  }
  if (moduleCache.size >= CACHE_LIMIT) moduleCache.clear();
  moduleCache.set(file, { mtimeMs, loaded });
  return loaded;
}

interface PathAliases {
  /** Directory the targets are relative to (`baseUrl`, else the tsconfig's own directory). */
  readonly base: string;
  readonly paths: ReadonlyArray<readonly [pattern: string, targets: readonly string[]]>;
}

/** Nearest tsconfig.json / jsconfig.json's `paths`, per directory, read once per process. */
const aliasesOfDirectory = new Map<string, PathAliases | null>();

/**
 * Absolute paths an aliased specifier (`@/shared/db`) stands for, from the nearest tsconfig.json or jsconfig.json's
 * `compilerOptions.paths` (`"@/*": ["src/*"]`). `extends` is not followed: a config without `paths` of its own
 * resolves nothing, and the import stays unknown (and reported).
 */
function aliasTargets(directory: string, specifier: string): string[] {
  const aliases = nearestAliases(directory);
  if (!aliases) return [];
  for (const [pattern, targets] of aliases.paths) {
    const star = pattern.indexOf('*');
    const prefix = star < 0 ? pattern : pattern.slice(0, star);
    const suffix = star < 0 ? '' : pattern.slice(star + 1);
    const matches =
      star < 0
        ? specifier === pattern
        : specifier.startsWith(prefix) &&
          specifier.endsWith(suffix) &&
          specifier.length >= prefix.length + suffix.length;
    if (!matches) continue;
    const captured = star < 0 ? '' : specifier.slice(prefix.length, specifier.length - suffix.length);
    return targets.map((target) => resolve(aliases.base, target.replace('*', captured)));
  }
  return [];
}

function nearestAliases(directory: string): PathAliases | null {
  const known = aliasesOfDirectory.get(directory);
  if (known !== undefined) return known;
  let found: PathAliases | null = null;
  for (const name of ['tsconfig.json', 'jsconfig.json']) {
    const config = readJsonc(join(directory, name));
    if (config === undefined) continue;
    const options = (config as { compilerOptions?: { baseUrl?: unknown; paths?: unknown } }).compilerOptions;
    const paths =
      options?.paths && typeof options.paths === 'object'
        ? Object.entries(options.paths as Record<string, unknown>)
        : [];
    found = {
      base: resolve(directory, typeof options?.baseUrl === 'string' ? options.baseUrl : '.'),
      paths: paths.map(
        ([pattern, targets]) =>
          [
            pattern,
            Array.isArray(targets) ? targets.filter((target): target is string => typeof target === 'string') : [],
          ] as const,
      ),
    };
    break;
  }
  if (!found) {
    const parent = dirname(directory);
    found = parent === directory ? null : nearestAliases(parent);
  }
  aliasesOfDirectory.set(directory, found);
  return found;
}

/** tsconfig.json is JSON with comments and trailing commas; undefined when missing or unreadable. */
function readJsonc(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  // Strings are kept whole (a `"@/*"` holds `/*`); comments outside them go, then trailing commas.
  const stripped = text
    .replace(/("(?:[^"\\]|\\.)*")|\/\/[^\n]*|\/\*[\s\S]*?\*\//g, (match, string: string | undefined) => string ?? '')
    .replace(/,(\s*[}\]])/g, '$1');
  try {
    return JSON.parse(stripped) as unknown;
  } catch {
    return undefined;
  }
}

/** A bare specifier split into the package name and the rest: `@acme/db/lib/x.js` → ['@acme/db', 'lib/x.js']. */
function splitPackageSpecifier(specifier: string): readonly [name: string, subpath: string] | undefined {
  const match = /^((?:@[^/\s]+\/)?[^/@\s.][^/\s]*)(?:\/(.*))?$/.exec(specifier);
  return match ? [match[1] as string, match[2] ?? ''] : undefined;
}

/** Package name → its folder, for the workspace whose root is a folder (`workspaces` in its package.json). */
const workspaceOfRoot = new Map<string, ReadonlyMap<string, string> | null>();
/** Folder → the packages of the nearest workspace root above it (null: none). */
const workspaceOfDirectory = new Map<string, ReadonlyMap<string, string> | null>();

/**
 * Whether `specifier` names a package of the npm / yarn / pnpm-style workspace holding `directory` (a monorepo's own
 * package, which `node_modules` would only link to): such an import is followed on disk like a relative one.
 */
export function isWorkspacePackage(directory: string, specifier: string): boolean {
  checkDeclaredRead('imported-modules', `'${specifier}' from ${directory}`);
  const name = splitPackageSpecifier(specifier)?.[0];
  return name !== undefined && workspacePackages(directory)?.has(name) === true;
}

/**
 * The file a bare specifier loads when it names a package of the workspace holding `directory`: the package's
 * `exports` (`.` or the subpath, conditions `import`, `node`, `default`, `require`, `types` in that order), else its
 * `main`, else its `index`; a subpath the `exports` do not map is read as a path inside the package.
 */
export function resolveWorkspaceModule(directory: string, specifier: string): string | undefined {
  checkDeclaredRead('imported-modules', `'${specifier}' from ${directory}`);
  const split = splitPackageSpecifier(specifier);
  if (!split) return undefined;
  const [name, subpath] = split;
  const packageDir = workspacePackages(directory)?.get(name);
  if (packageDir === undefined) return undefined;
  const manifest = readJsonc(join(packageDir, 'package.json')) as
    { exports?: unknown; main?: unknown; types?: unknown } | undefined;
  const key = subpath === '' ? '.' : `./${subpath}`;
  const exported = exportTarget(manifest?.exports, key);
  const target =
    exported ?? (subpath !== '' ? `./${subpath}` : typeof manifest?.main === 'string' ? manifest.main : './index');
  return resolveModuleFile(packageDir, target.startsWith('.') ? target : `./${target}`);
}

const EXPORT_CONDITIONS = ['import', 'node', 'default', 'require', 'types'];

/** The target `exports` gives for `key` (`.`, `./lib/x.js`, or a `./*` pattern), following nested conditions. */
function exportTarget(exports: unknown, key: string): string | undefined {
  if (exports === undefined || exports === null) return undefined;
  const pick = (value: unknown): string | undefined => {
    if (typeof value === 'string') return value;
    if (Array.isArray(value)) return value.map(pick).find((target) => target !== undefined);
    if (value && typeof value === 'object') {
      const conditions = value as Record<string, unknown>;
      for (const condition of EXPORT_CONDITIONS) {
        const target = condition in conditions ? pick(conditions[condition]) : undefined;
        if (target !== undefined) return target;
      }
    }
    return undefined;
  };
  if (typeof exports === 'string' || Array.isArray(exports)) return key === '.' ? pick(exports) : undefined;
  if (typeof exports !== 'object') return undefined;
  const map = exports as Record<string, unknown>;
  // Conditions at the top (`{ "import": "./index.js" }`) stand for `.` alone.
  if (!Object.keys(map).some((entry) => entry.startsWith('.'))) return key === '.' ? pick(map) : undefined;
  if (key in map) return pick(map[key]);
  for (const [pattern, value] of Object.entries(map)) {
    const star = pattern.indexOf('*');
    if (star < 0) continue;
    const prefix = pattern.slice(0, star);
    const suffix = pattern.slice(star + 1);
    if (key.startsWith(prefix) && key.endsWith(suffix) && key.length >= prefix.length + suffix.length) {
      const target = pick(value);
      return target?.replace('*', key.slice(prefix.length, key.length - suffix.length));
    }
  }
  return undefined;
}

/** The packages of the nearest folder above `directory` whose package.json lists `workspaces`; read once per process. */
function workspacePackages(directory: string): ReadonlyMap<string, string> | undefined {
  const visited: string[] = [];
  let found: ReadonlyMap<string, string> | null = null;
  for (let current = resolve(directory); ;) {
    const known = workspaceOfDirectory.get(current);
    if (known !== undefined) {
      found = known;
      break;
    }
    visited.push(current);
    const manifest = readJsonc(join(current, 'package.json')) as { workspaces?: unknown } | undefined;
    const patterns = workspacePatterns(manifest?.workspaces);
    if (patterns.length > 0) {
      if (!workspaceOfRoot.has(current)) workspaceOfRoot.set(current, packagesOf(current, patterns));
      found = workspaceOfRoot.get(current) ?? null;
      break;
    }
    const parent = dirname(current);
    if (parent === current) break;
    current = parent;
  }
  for (const folder of visited) workspaceOfDirectory.set(folder, found);
  return found ?? undefined;
}

/** `"workspaces": ["db", "packages/*"]` or `{ "packages": [...] }` (yarn). */
function workspacePatterns(workspaces: unknown): string[] {
  const list = Array.isArray(workspaces)
    ? workspaces
    : workspaces && typeof workspaces === 'object'
      ? (workspaces as { packages?: unknown }).packages
      : undefined;
  return Array.isArray(list) ? list.filter((entry): entry is string => typeof entry === 'string') : [];
}

/**
 * Each workspace folder (a literal path, or one `*` / `**` level at the end) with a named package.json. A pattern
 * that leads out of the workspace root (`../shared/*`, an absolute path) is not read: a manifest decides no read
 * outside the tree it sits in.
 */
function packagesOf(root: string, patterns: readonly string[]): ReadonlyMap<string, string> | null {
  const packages = new Map<string, string>();
  const add = (folder: string) => {
    if (!isInside(folder, root)) return;
    const manifest = readJsonc(join(folder, 'package.json')) as { name?: unknown } | undefined;
    if (typeof manifest?.name === 'string' && !packages.has(manifest.name)) packages.set(manifest.name, folder);
  };
  for (const pattern of patterns) {
    if (pattern.startsWith('!')) continue;
    const wildcard = /^(.*?)\/?\*{1,2}$/.exec(pattern);
    if (!wildcard) {
      add(resolve(root, pattern));
      continue;
    }
    const parent = resolve(root, wildcard[1] ?? '');
    if (!isInside(parent, root)) continue;
    let children: import('node:fs').Dirent[];
    try {
      children = readdirSync(parent, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const child of children)
      if (child.isDirectory() && child.name !== 'node_modules') add(join(parent, child.name));
  }
  return packages.size > 0 ? packages : null;
}

/** Folder → whether the nearest tsconfig.json / jsconfig.json has `checkJs` (own or through `extends`). */
const checkJsOfDirectory = new Map<string, boolean>();

/**
 * Whether the compiler checks JavaScript files in `directory`: the nearest tsconfig.json or jsconfig.json sets
 * `compilerOptions.checkJs` (read through relative `extends`, up to a few levels). The nearest config stands for
 * the one whose program holds the file: a config above that does not include the file still counts as checking it.
 */
export function checksJavaScript(directory: string): boolean {
  checkDeclaredRead('project-config', `the tsconfig.json / jsconfig.json above ${directory}`);
  const known = checkJsOfDirectory.get(directory);
  if (known !== undefined) return known;
  let found: boolean | undefined;
  for (const name of ['tsconfig.json', 'jsconfig.json']) {
    const file = join(directory, name);
    if (!isFile(file)) continue;
    found = configChecksJs(file, 0) ?? false;
    break;
  }
  if (found === undefined) {
    const parent = dirname(directory);
    found = parent === directory ? false : checksJavaScript(parent);
  }
  checkJsOfDirectory.set(directory, found);
  return found;
}

function configChecksJs(file: string, depth: number): boolean | undefined {
  const config = readJsonc(file) as { extends?: unknown; compilerOptions?: { checkJs?: unknown } } | undefined;
  const own = config?.compilerOptions?.checkJs;
  if (typeof own === 'boolean') return own;
  const parents =
    typeof config?.extends === 'string' ? [config.extends] : Array.isArray(config?.extends) ? config.extends : [];
  for (const parent of [...parents].reverse()) {
    if (typeof parent !== 'string' || !parent.startsWith('.') || depth >= 4) continue;
    const target = resolve(dirname(file), parent);
    const inherited = configChecksJs(isFile(target) ? target : `${target}.json`, depth + 1);
    if (inherited !== undefined) return inherited;
  }
  return undefined;
}
