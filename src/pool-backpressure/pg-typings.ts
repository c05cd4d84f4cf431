/**
 * A project's own typings for pg (`declare module 'pg' { export class Pool { … } }` in a `.d.ts`, written when
 * @types/pg is not installed) win over any installed ones, and often declare only what the project calls. The
 * helpers read a pool's `totalCount`, `idleCount` and `waitingCount`: a Pool declared without them cannot be passed
 * to them, so a TypeScript file using it is left (the rewrite would not type-check), typed or not.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, relative } from 'node:path';
import { checksJavaScript } from '../core/modules.js';
import { packageFiles } from '../core/package-files.js';
import { checkDeclaredRead } from '../core/project-reads.js';

/** What the helpers' `PoolLike` requires of a pool beyond `connect`. */
export const HELPER_POOL_MEMBERS: readonly string[] = ['totalCount', 'idleCount', 'waitingCount'];

export interface PgTypingsShim {
  /** The declaration file, relative to the package root. */
  readonly file: string;
  /** Members of HELPER_POOL_MEMBERS its Pool does not declare. */
  readonly missing: readonly string[];
}

/** Folders never holding a project's own declarations (installed packages, build output, VCS). */
/** A bound on the walk: a package with more files than this is read no further (a shim lives near its sources). */
const MAX_FILES = 20_000;

const shimOfRoot = new Map<string, PgTypingsShim | undefined>();

/** The package's own `declare module 'pg'` whose Pool lacks what the helpers read, if any; read once per package root. */
export function pgTypingsShimIn(packageRoot: string): PgTypingsShim | undefined {
  checkDeclaredRead('project-config', `the pg typings under ${packageRoot}`);
  if (!shimOfRoot.has(packageRoot)) shimOfRoot.set(packageRoot, findShim(packageRoot));
  return shimOfRoot.get(packageRoot);
}

function findShim(root: string): PgTypingsShim | undefined {
  let files = 0;
  for (const path of packageFiles(root)) {
    if (++files > MAX_FILES) return undefined;
    if (!/\.d\.[cm]?ts$/.test(path)) continue;
    const missing = missingPoolMembers(readFileSync(path, 'utf8'));
    if (missing && missing.length > 0) return { file: relative(root, path).replaceAll('\\', '/'), missing };
  }
  return undefined;
}

/**
 * The helper members the `Pool` class (or interface) of a `declare module 'pg'` block leaves out; undefined when the
 * text declares no such module or no Pool in it. Read from the text: a shim is a short, plain declaration.
 */
export function missingPoolMembers(text: string): readonly string[] | undefined {
  const moduleStart = /declare\s+module\s+['"]pg['"]\s*\{/.exec(text);
  if (!moduleStart) return undefined;
  const body = balancedBlock(text, moduleStart.index + moduleStart[0].length - 1);
  // In a file with its own top-level import or export, `declare module 'pg'` augments the installed typings
  // (their Pool keeps its members); only in a script file does it replace them.
  if (/^(?:import|export)\b/m.test(text.replace(body, ''))) return undefined;
  const poolStart = /\b(?:class|interface)\s+Pool\b[^{]*\{/.exec(body);
  if (!poolStart) return undefined;
  const poolBody = balancedBlock(body, poolStart.index + poolStart[0].length - 1);
  return HELPER_POOL_MEMBERS.filter((member) => !new RegExp(`\\b${member}\\b`).test(poolBody));
}

/** The text of the `{ … }` block opening at `open`, braces balanced (to the end of the text when unbalanced). */
function balancedBlock(text: string, open: number): string {
  let depth = 0;
  for (let at = open; at < text.length; at++) {
    if (text[at] === '{') depth++;
    else if (text[at] === '}' && --depth === 0) return text.slice(open + 1, at);
  }
  return text.slice(open + 1);
}

/**
 * For the detector's `pgTypingsShim` option: in a TypeScript file (the only kind the compiler checks against those
 * typings), the shim of the file's package, looked up only when a pool site asks.
 */
export function pgTypingsShimLookup(
  filePath: string,
  packageRoot: string | undefined,
): (() => PgTypingsShim | undefined) | undefined {
  if (packageRoot === undefined || !isTypeCheckedFile(filePath)) return undefined;
  return () => pgTypingsShimIn(packageRoot);
}

/**
 * What tsc checks, so a rewrite there must type-check: a TypeScript source (not a declaration file), or a JavaScript
 * file with `// @ts-check`, or under a tsconfig / jsconfig with `checkJs` (and no `// @ts-nocheck`).
 */
export function isTypeCheckedFile(filePath: string, source?: string): boolean {
  if (/\.d\.[cm]?ts$/i.test(filePath)) return false;
  if (/\.[cm]?tsx?$/i.test(filePath)) return true;
  if (!/\.[cm]?jsx?$/i.test(filePath)) return false;
  const directive = source === undefined ? null : /\/\/\s*@ts-(no)?check\b/.exec(leadingComments(source));
  if (directive) return directive[1] === undefined;
  return isAbsolute(filePath) && checksJavaScript(dirname(filePath));
}

/** The comments before a file's first statement, where TypeScript reads `// @ts-check` and `// @ts-nocheck`. */
function leadingComments(source: string): string {
  const match = /^(?:#![^\n]*\n)?(?:\s|\/\/[^\n]*|\/\*[\s\S]*?\*\/)*/.exec(source);
  return match?.[0] ?? '';
}
