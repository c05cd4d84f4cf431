/**
 * Modules on disk as the detectors follow them without a program: the file a specifier names (extensions, `.js` for
 * `.ts`, index files, tsconfig `paths`), and its text and tree, parsed at most once per process per modification time.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { TSESTree } from '@typescript-eslint/typescript-estree';
import { parseSource } from './parse.js';
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
