/**
 * Whether a module runs in a browser, read as a reviewer reads it: under a client folder of its package, named by the
 * package.json `browser` field, an entry of a bundler config or of index.html at the package root, using the page's
 * `window` / `document` (beyond a `typeof` guard, which marks code meant for both sides), or imported, directly or
 * not, by a module of its package that is client code by those marks (or renders with react-dom). The runtime's
 * graphql module loads Node's crypto, prom-client and pino, so a rewrite there breaks the browser bundle.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { TSESTree } from '@typescript-eslint/typescript-estree';
import { basename, dirname, relative, resolve } from 'node:path';
import { nearestManifest } from '../core/package-evidence.js';
import { checkDeclaredRead } from '../core/project-reads.js';
import { traverse } from '../core/traverse.js';
import { clientImporter } from './client-reach.js';

const CLIENT_FOLDERS = new Set(['client', 'public', 'browser', 'frontend']);
const PAGE_GLOBALS = new Set(['window', 'document']);
const BUNDLER_CONFIG = /^(?:webpack|vite|rollup|parcel|esbuild)\.config\.[cm]?[jt]s$|^index\.html$/;

/** Text of a file read once per run (package.json files and bundler configs are few). */
const textOf = new Map<string, string | undefined>();
function readOnce(path: string): string | undefined {
  checkDeclaredRead('project-config', path);
  if (!textOf.has(path)) {
    try {
      textOf.set(path, readFileSync(path, 'utf8'));
    } catch {
      textOf.set(path, undefined);
    }
  }
  return textOf.get(path);
}

/** `./src/a.js` and `src/a` name the same module: compared without `./`, extension or `/index`. */
function stem(path: string): string {
  return path
    .replaceAll('\\', '/')
    .replace(/^\.\//, '')
    .replace(/\.[cm]?[jt]sx?$/, '')
    .replace(/\/index$/, '');
}

/** The files a package.json `browser` field names: the string form, or the keys and string values of the object form. */
function browserFieldFiles(manifestText: string): string[] {
  let browser: unknown;
  try {
    browser = (JSON.parse(manifestText.replace(/^\uFEFF/, '')) as { browser?: unknown }).browser;
  } catch {
    return [];
  }
  if (typeof browser === 'string') return [browser];
  if (browser === null || typeof browser !== 'object') return [];
  return Object.entries(browser).flatMap(([key, value]) => [key, ...(typeof value === 'string' ? [value] : [])]);
}

/** A bundler config or index.html at the package root that names the module (`./src/main.ts`, `/src/main.ts`). */
function bundlerEntryOf(root: string, inPackage: string): string | undefined {
  checkDeclaredRead('project-config', root);
  let names: string[];
  try {
    names = readdirSync(root).filter((name) => BUNDLER_CONFIG.test(name));
  } catch {
    return undefined;
  }
  const module = stem(inPackage);
  const mention = new RegExp(
    `['"\`/.](?:\\./|/)?${module.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?:\\.[cm]?[jt]sx?)?['"\`]`,
  );
  return names.find((name) => mention.test(readOnce(resolve(root, name)) ?? ''));
}

/** `window` / `document` read as the page's globals: not a member name, key or `typeof` guard, not declared here. */
function pageGlobalUsed(program: TSESTree.Program): string | undefined {
  const declared = new Set<string>();
  let used: string | undefined;
  traverse(program, (node, parent) => {
    if (node.type === 'VariableDeclarator' && node.id.type === 'Identifier') declared.add(node.id.name);
    if ((node.type === 'FunctionDeclaration' || node.type === 'ClassDeclaration') && node.id)
      declared.add(node.id.name);
    if (node.type !== 'Identifier' || !PAGE_GLOBALS.has(node.name) || used !== undefined) return;
    if (parent?.type === 'MemberExpression' && parent.property === node && !parent.computed) return;
    if (parent?.type === 'Property' && parent.key === node && !parent.computed) return;
    if (parent?.type === 'UnaryExpression' && parent.operator === 'typeof') return;
    if (parent?.type === 'TSQualifiedName' || parent?.type === 'TSTypeReference') return;
    used = node.name;
  });
  return used !== undefined && !declared.has(used) ? used : undefined;
}

/** What the module's place in its package says: a client folder, the `browser` field, a bundler entry. */
function placeEvidence(absolute: string, manifest: string | undefined, given = absolute): string | undefined {
  const root = manifest === undefined ? undefined : dirname(manifest);
  // Outside any package, only the path as given is read: folders above a checkout say nothing about it.
  const inPackage = (root === undefined ? given : relative(root, absolute)).replaceAll('\\', '/');
  const folder = inPackage
    .split('/')
    .slice(0, -1)
    .find((segment) => CLIENT_FOLDERS.has(segment));
  if (folder !== undefined) return `under ${folder}/`;
  if (manifest === undefined || root === undefined) return undefined;
  const named = browserFieldFiles(readOnce(manifest) ?? '').some((entry) => stem(entry) === stem(inPackage));
  if (named) return `named by the \`browser\` field of ${basename(dirname(manifest))}/package.json`;
  const config = bundlerEntryOf(root, inPackage);
  return config === undefined ? undefined : `an entry of ${config}`;
}

const REACT_DOM = /(?:\bfrom\s*|\brequire\s*\(\s*)['"]react-dom(?:\/client)?['"]/;

/** Whether an importer is client code: its place in the package, or rendering a page with react-dom. */
function importerEvidence(manifest: string, module: string): string | undefined {
  const placed = placeEvidence(module, manifest);
  if (placed !== undefined) return placed;
  return REACT_DOM.test(readOnce(module) ?? '') ? 'it renders with react-dom' : undefined;
}

/**
 * Why the module runs in a browser (for the report), or undefined when nothing says so: its own place, path or use of
 * the page's globals, or client code of its package that imports it (directly or through other modules).
 */
export function browserEvidence(filePath: string | undefined, program: TSESTree.Program): string | undefined {
  if (filePath === undefined) return pageGlobalEvidence(program);
  const absolute = resolve(filePath);
  const manifest = nearestManifest(absolute);
  const own = placeEvidence(absolute, manifest, filePath) ?? pageGlobalEvidence(program);
  if (own !== undefined || manifest === undefined) return own;
  const root = dirname(manifest);
  const reached = clientImporter(root, absolute, (module) => importerEvidence(manifest, module));
  if (reached === undefined) return undefined;
  return `client code imports it: ${relative(root, reached.module).replaceAll('\\', '/')}, ${reached.reason}`;
}

function pageGlobalEvidence(program: TSESTree.Program): string | undefined {
  const global = pageGlobalUsed(program);
  return global === undefined ? undefined : `it uses \`${global}\``;
}
