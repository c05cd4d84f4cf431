/**
 * Follows relative imports for pg-pool detection without type information:
 * `import { pool } from './db.js'` is a pool when `./db.ts` exports `new Pool()` (or something typed
 * pg.Pool, or an object / class instance holding one). Each imported module is read and parsed at
 * most once per process (keyed by path and mtime), and chains stop after a few hops, so the cost stays
 * a handful of small parses per run, not a program build.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { TSESTree } from '@typescript-eslint/typescript-estree';
import { parseSource } from './parse.js';
import { exportedPoolVerdict, type ImportResolver, type PoolVerdict } from './pool-values.js';

/** How many modules deep an import is followed (`a` imports `b` re-exporting `c`: 2 hops). */
const MAX_DEPTH = 4;
const CACHE_LIMIT = 2000;

interface CachedModule {
  readonly mtimeMs: number;
  readonly loaded: LoadedModule | undefined;
}

const moduleCache = new Map<string, CachedModule>();

/** Source extensions tried for a specifier, TypeScript first: `./db.js` in a TS project names `./db.ts`. */
const EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs', '.d.ts'];
const JS_EXTENSION = /\.(?:[cm]?js|jsx)$/;

/** A resolver for imports written in `fromFile` (a path on disk, relative to the working directory or absolute). */
export function createFileImportResolver(fromFile: string, depth = 0, visiting: ReadonlySet<string> = new Set()): ImportResolver {
  const directory = dirname(resolve(fromFile));
  return (specifier, path) => {
    if (depth >= MAX_DEPTH) return { kind: 'unknown', reason: `'${specifier}' is too many imports away` };
    const file = resolveModuleFile(directory, specifier);
    if (!file) return { kind: 'unknown', reason: `'${specifier}' could not be found on disk` };
    if (visiting.has(file)) return { kind: 'unknown', reason: `'${specifier}' imports itself in a cycle` };
    const loaded = loadModule(file);
    if (!loaded) return { kind: 'unknown', reason: `'${specifier}' does not parse` };
    const verdict = exportedPoolVerdict(loaded.program, loaded.source, path, createFileImportResolver(file, depth + 1, new Set([...visiting, file])));
    return describeImported(verdict, specifier, path);
  };
}

function describeImported(verdict: PoolVerdict, specifier: string, path: readonly string[]): PoolVerdict {
  const what = path.filter((segment) => !segment.startsWith('#')).join('.') || 'the module';
  switch (verdict.kind) {
    case 'pool':
      return { kind: 'pool', evidence: `${what} from '${specifier}': ${verdict.evidence}` };
    case 'not-pool':
      return { kind: 'not-pool', reason: `${what} from '${specifier}': ${verdict.reason}` };
    case 'unknown':
      return { kind: 'unknown', reason: `${what} from '${specifier}': ${verdict.reason}` };
  }
}

function resolveModuleFile(directory: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.') && !specifier.startsWith('/')) return undefined;
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

interface LoadedModule {
  readonly program: TSESTree.Program;
  readonly source: string;
}

function loadModule(file: string): LoadedModule | undefined {
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
