/**
 * Modules on disk as the detectors follow them without a program: the file a specifier names (extensions, `.js` for
 * `.ts`, index files, tsconfig `paths` and `baseUrl` through `extends`; packages of the npm / yarn workspace through
 * `resolveWorkspaceModule`), and its text and tree, parsed at most once per process per modification time. Nothing
 * above the repository root (the nearest folder with `.git`) is read.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
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
 * The file a relative (or tsconfig-`paths` / `baseUrl` aliased, see `resolveAliasedModule`) specifier names from
 * `directory`, as Node and TypeScript find it: the path itself, `.js` written for `.ts`, the source extensions, then
 * `index` files; undefined when none is on disk.
 */
export function resolveModuleFile(directory: string, specifier: string): string | undefined {
  checkDeclaredRead('imported-modules', `'${specifier}' from ${directory}`);
  if (!isRelativePath(specifier)) {
    const aliased = resolveAliasedModule(directory, specifier);
    return aliased?.kind === 'file' ? aliased.file : undefined;
  }
  return fileAt(resolve(directory, specifier));
}

function isRelativePath(specifier: string): boolean {
  return specifier.startsWith('.') || specifier.startsWith('/');
}

/** The module file an absolute path names: itself, `.js` written for `.ts`, the source extensions, `index` files. */
function fileAt(base: string): string | undefined {
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

/** What the repository root holds: nothing above it is read (configs, `paths` targets, `extends`, workspaces). */
const rootOfDirectory = new Map<string, string | null>();

/**
 * The repository `directory` belongs to: the nearest folder above holding `.git` (a folder, or a file in a git
 * worktree). Outside any git work tree there is no such bound: null.
 */
export function repositoryRoot(directory: string): string | null {
  const known = rootOfDirectory.get(directory);
  if (known !== undefined) return known;
  const parent = dirname(directory);
  const found = existsSync(join(directory, '.git')) ? directory : parent === directory ? null : repositoryRoot(parent);
  rootOfDirectory.set(directory, found);
  return found;
}

function insideRepository(path: string, root: string | null): boolean {
  return root === null || isInside(path, root);
}

/** One `paths` entry: `"@app/*": ["src/*", "generated/*"]`. */
interface PathPattern {
  readonly prefix: string;
  /** undefined: the pattern has no `*` and matches itself only. */
  readonly suffix: string | undefined;
  readonly targets: readonly string[];
}

/** What a tsconfig.json / jsconfig.json says about modules, its `extends` chain merged the way TypeScript merges it. */
interface ConfigOptions {
  /** `baseUrl`, absolute (relative to the config that sets it). */
  readonly baseUrl?: string;
  /** `paths`, and the folder of the config that sets them. */
  readonly paths?: { readonly patterns: readonly PathPattern[]; readonly directory: string };
  readonly checkJs?: boolean;
  /** An `extends` outside the repository root, not read (as written in the config). */
  readonly unreadExtends?: string;
}

/** How many configs deep an `extends` chain is read (TypeScript has no limit; real chains are two or three long). */
const MAX_EXTENDS_DEPTH = 8;

/** Config file → its merged options, read once per process. */
const optionsOfConfig = new Map<string, ConfigOptions>();

/**
 * A config's options with those of the configs it `extends` (a path, a package in node_modules, or a list whose
 * later entries win); its own `baseUrl`, `paths` and `checkJs` override what it inherits. A config outside the
 * repository root is not read: the chain stops there and says so (`unreadExtends`).
 */
function configOptions(file: string, root: string | null, depth = 0): ConfigOptions {
  const known = optionsOfConfig.get(file);
  if (known) return known;
  // Marked first: a chain that extends itself stops here.
  optionsOfConfig.set(file, {});
  const config = readJsonc(file) as { extends?: unknown; compilerOptions?: Record<string, unknown> } | undefined;
  const parents =
    typeof config?.extends === 'string' ? [config.extends] : Array.isArray(config?.extends) ? config.extends : [];
  let inherited: ConfigOptions = {};
  for (const parent of parents) {
    if (typeof parent !== 'string' || depth >= MAX_EXTENDS_DEPTH) continue;
    const located = extendedConfig(dirname(file), parent, root);
    if (located === 'outside') inherited = { ...inherited, unreadExtends: inherited.unreadExtends ?? parent };
    else if (located !== undefined) inherited = mergeOptions(inherited, configOptions(located, root, depth + 1));
  }
  const own = config?.compilerOptions;
  const paths = own?.paths;
  const merged: ConfigOptions = mergeOptions(inherited, {
    ...(typeof own?.baseUrl === 'string' ? { baseUrl: resolve(dirname(file), own.baseUrl) } : {}),
    ...(paths && typeof paths === 'object' && !Array.isArray(paths)
      ? { paths: { patterns: pathPatterns(paths as Record<string, unknown>), directory: dirname(file) } }
      : {}),
    ...(typeof own?.checkJs === 'boolean' ? { checkJs: own.checkJs } : {}),
  });
  optionsOfConfig.set(file, merged);
  return merged;
}

function mergeOptions(base: ConfigOptions, over: ConfigOptions): ConfigOptions {
  const baseUrl = over.baseUrl ?? base.baseUrl;
  const paths = over.paths ?? base.paths;
  const checkJs = over.checkJs ?? base.checkJs;
  const unreadExtends = base.unreadExtends ?? over.unreadExtends;
  return {
    ...(baseUrl !== undefined ? { baseUrl } : {}),
    ...(paths !== undefined ? { paths } : {}),
    ...(checkJs !== undefined ? { checkJs } : {}),
    ...(unreadExtends !== undefined ? { unreadExtends } : {}),
  };
}

/** The file an `extends` names, as TypeScript finds it; 'outside' when that leaves the repository root. */
function extendedConfig(directory: string, written: string, root: string | null): string | 'outside' | undefined {
  const withJson = (path: string) => (path.endsWith('.json') ? [path] : [path, `${path}.json`]);
  if (isRelativePath(written)) {
    const path = resolve(directory, written);
    if (!insideRepository(path, root)) return 'outside';
    return withJson(path).find(isFile);
  }
  // A package (`@tsconfig/node20/tsconfig.json`, `@acme/tsconfig`): node_modules folders up to the root.
  for (let current = directory; insideRepository(current, root);) {
    const path = join(current, 'node_modules', written);
    const found = [...withJson(path), join(path, 'tsconfig.json')].find(isFile);
    if (found) return found;
    const parent = dirname(current);
    if (parent === current) break;
    current = parent;
  }
  return undefined;
}

/** Patterns with at most one `*` (TypeScript rejects more), their targets as written. */
function pathPatterns(paths: Record<string, unknown>): PathPattern[] {
  const patterns: PathPattern[] = [];
  for (const [pattern, targets] of Object.entries(paths)) {
    const star = pattern.indexOf('*');
    if (star !== pattern.lastIndexOf('*')) continue;
    patterns.push({
      prefix: star < 0 ? pattern : pattern.slice(0, star),
      suffix: star < 0 ? undefined : pattern.slice(star + 1),
      targets: Array.isArray(targets) ? targets.filter((target): target is string => typeof target === 'string') : [],
    });
  }
  return patterns;
}

/**
 * The pattern TypeScript picks for `specifier`, and what its `*` captured: an exact pattern first, else the one
 * with the longest prefix before its `*` (the first of equals).
 */
function matchPattern(
  patterns: readonly PathPattern[],
  specifier: string,
): { readonly pattern: PathPattern; readonly captured: string } | undefined {
  const exact = patterns.find((pattern) => pattern.suffix === undefined && pattern.prefix === specifier);
  if (exact) return { pattern: exact, captured: '' };
  let best: PathPattern | undefined;
  for (const pattern of patterns) {
    const { prefix, suffix } = pattern;
    if (suffix === undefined || (best && best.prefix.length >= prefix.length)) continue;
    if (specifier.length >= prefix.length + suffix.length && specifier.startsWith(prefix) && specifier.endsWith(suffix))
      best = pattern;
  }
  return (
    best && {
      pattern: best,
      captured: specifier.slice(best.prefix.length, specifier.length - (best.suffix ?? '').length),
    }
  );
}

/** Folder → the nearest tsconfig.json / jsconfig.json at or above it, inside the repository (null: none). */
const configOfDirectory = new Map<string, string | null>();

function nearestConfig(directory: string, root: string | null): string | null {
  const known = configOfDirectory.get(directory);
  if (known !== undefined) return known;
  let found = ['tsconfig.json', 'jsconfig.json'].map((name) => join(directory, name)).find(isFile) ?? null;
  if (found === null && directory !== root) {
    const parent = dirname(directory);
    found = parent === directory ? null : nearestConfig(parent, root);
  }
  configOfDirectory.set(directory, found);
  return found;
}

/** What a bare specifier maps to through the tsconfig: a file on disk, or a place outside the repository. */
export type AliasedModule =
  | { readonly kind: 'file'; readonly file: string }
  /** A `paths` target outside the repository root, as written with its `*` filled in: not read. */
  | { readonly kind: 'outside-repository'; readonly target: string };

/**
 * What the nearest tsconfig.json or jsconfig.json (its `extends` chain included) makes of a bare specifier, in
 * TypeScript's order: the best-matching `paths` pattern, its targets in order (relative to `baseUrl`, else to the
 * config that sets `paths`); then the `baseUrl` folder. Undefined when neither leads to a file: the import is a
 * package's (node_modules) as far as the config goes. A target outside the repository root is never looked at:
 * what is there stays unknown.
 */
export function resolveAliasedModule(directory: string, specifier: string): AliasedModule | undefined {
  checkDeclaredRead('imported-modules', `'${specifier}' from ${directory}`);
  if (isRelativePath(specifier)) return undefined;
  const root = repositoryRoot(resolve(directory));
  const config = nearestConfig(resolve(directory), root);
  if (config === null) return undefined;
  const options = configOptions(config, root);
  const match = options.paths && matchPattern(options.paths.patterns, specifier);
  if (options.paths && match) {
    const base = options.baseUrl ?? options.paths.directory;
    for (const written of match.pattern.targets) {
      const target = written.replace('*', match.captured);
      const path = resolve(base, target);
      if (!insideRepository(path, root)) return { kind: 'outside-repository', target };
      const file = fileAt(path);
      if (file) return { kind: 'file', file };
    }
  }
  if (options.baseUrl !== undefined) {
    const path = resolve(options.baseUrl, specifier);
    const file = insideRepository(path, root) ? fileAt(path) : undefined;
    if (file) return { kind: 'file', file };
  }
  return undefined;
}

/**
 * The `extends` of the nearest tsconfig.json / jsconfig.json that leaves the repository root (as written), when
 * there is one: `paths` and `baseUrl` set there are unknown, so a bare import may be an alias nobody read.
 */
export function unreadConfigExtends(directory: string): string | undefined {
  checkDeclaredRead('imported-modules', `the tsconfig.json / jsconfig.json above ${directory}`);
  const root = repositoryRoot(resolve(directory));
  const config = nearestConfig(resolve(directory), root);
  return config === null ? undefined : configOptions(config, root).unreadExtends;
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

/**
 * The packages of the nearest folder above `directory`, inside the repository, whose package.json lists `workspaces`;
 * read once per process.
 */
function workspacePackages(directory: string): ReadonlyMap<string, string> | undefined {
  const visited: string[] = [];
  let found: ReadonlyMap<string, string> | null = null;
  const root = repositoryRoot(resolve(directory));
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
    if (parent === current || current === root) break;
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

/**
 * Whether the compiler checks JavaScript files in `directory`: the nearest tsconfig.json or jsconfig.json (inside the
 * repository) sets `compilerOptions.checkJs`, its own or through `extends`. The nearest config stands for the one
 * whose program holds the file: a config above that does not include the file still counts as checking it.
 */
export function checksJavaScript(directory: string): boolean {
  checkDeclaredRead('project-config', `the tsconfig.json / jsconfig.json above ${directory}`);
  const root = repositoryRoot(resolve(directory));
  const config = nearestConfig(resolve(directory), root);
  return config !== null && configOptions(config, root).checkJs === true;
}
