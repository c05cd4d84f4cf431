/**
 * Which modules of a package import a file, read from the package's own sources (relative specifiers), so a module
 * that client code loads is known as browser code even when nothing in the module itself says so (a mock server
 * imported by a React entry). One walk of the package per process, made only when a file has a site to judge.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { resolveModuleFile } from '../core/modules.js';
import { packageFiles } from '../core/package-files.js';
import { checkDeclaredRead } from '../core/project-reads.js';

const SOURCE_FILE = /\.[cm]?[jt]sx?$/;
const RELATIVE_SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)['"](\.{1,2}(?:\/[^'"\n]*)?)['"]/g;
/** A package larger than this is not walked: the answer would cost more than it saves. */
const FILE_LIMIT = 20_000;

const importersByRoot = new Map<string, ReadonlyMap<string, readonly string[]> | undefined>();

function sourceFiles(root: string): string[] | undefined {
  const files: string[] = [];
  for (const path of packageFiles(root)) {
    if (!SOURCE_FILE.test(path) || path.endsWith('.d.ts')) continue;
    files.push(path);
    if (files.length > FILE_LIMIT) return undefined;
  }
  return files;
}

/** Every module of the package under `root` → the modules of the package that import it (absolute paths). */
function importersIn(root: string): ReadonlyMap<string, readonly string[]> | undefined {
  checkDeclaredRead('package-sources', root);
  // Checked here too: a map cached by an earlier run must not let a codemod that withholds this read go unchecked.
  checkDeclaredRead('imported-modules', `the modules imported under ${root}`);
  if (importersByRoot.has(root)) return importersByRoot.get(root);
  const files = sourceFiles(root);
  let importers: Map<string, string[]> | undefined;
  if (files !== undefined) {
    importers = new Map();
    for (const file of files) {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        continue;
      }
      for (const [, specifier = ''] of text.matchAll(RELATIVE_SPECIFIER)) {
        const target = resolveModuleFile(dirname(file), specifier);
        if (target === undefined || target === file) continue;
        const list = importers.get(target) ?? [];
        if (!list.includes(file)) list.push(file);
        importers.set(target, list);
      }
    }
  }
  importersByRoot.set(root, importers);
  return importers;
}

/**
 * The first module, walking up the imports of `file` inside its package (breadth first, nearest first), for which
 * `isClient` gives a reason, with that reason; undefined when no importer is client code.
 */
export function clientImporter(
  root: string,
  file: string,
  isClient: (module: string) => string | undefined,
): { module: string; reason: string } | undefined {
  const importers = importersIn(resolve(root));
  if (importers === undefined) return undefined;
  const seen = new Set([resolve(file)]);
  let frontier = [resolve(file)];
  while (frontier.length > 0) {
    const next: string[] = [];
    for (const module of frontier) {
      for (const importer of importers.get(module) ?? []) {
        if (seen.has(importer)) continue;
        seen.add(importer);
        const reason = isClient(importer);
        if (reason !== undefined) return { module: importer, reason };
        next.push(importer);
      }
    }
    frontier = next;
  }
  return undefined;
}
