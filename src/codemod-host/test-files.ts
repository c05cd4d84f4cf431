/**
 * What a test file is, one predicate for every codemod: their sites are left and reported by default (a test's
 * throwaway pools, clients and consumers live for one test; a test-only import would land in production
 * dependencies), and `--tests` includes them.
 */
import { dirname, relative, resolve, sep } from 'node:path';
import type { CodemodResult } from './codemod.js';
import { nearestManifest, packageFactsFor } from '../core/package-evidence.js';

/** The left reason every codemod gives a site of a test file without `--tests`. */
export const TEST_FILE_REASON = 'in a test file: pass --tests to include it';

/**
 * Test files by the conventions of the common runners: `*.test.*`, `*.spec.*`, `__tests__/`, `test/`, `tests/`, `e2e/`.
 * Folders are read below `packageRoot` (the nearest package.json's folder) when given, so a checkout that happens to
 * live under a folder called `test` is not all tests.
 */
export function isTestFile(filePath: string, packageRoot?: string): boolean {
  const absolute = resolve(filePath);
  const inPackage = packageRoot && absolute.startsWith(packageRoot + sep) ? relative(packageRoot, absolute) : filePath;
  const path = inPackage.replaceAll('\\', '/');
  return (
    /\.(?:test|spec|e2e-spec|e2e)\.[cm]?[jt]sx?$/.test(path) ||
    /(?:^|\/)(?:__tests__|__mocks__|test|tests|spec|e2e)\//.test(path)
  );
}

/** A monorepo's package of tests (`@temporalio/test`, `e2e`): every file in it is test code, whatever its name. */
export function isTestPackageName(name: string | undefined): boolean {
  return name !== undefined && /^(?:@[^/]+\/)?(?:test|tests|e2e)$/.test(name);
}

/** `isTestFile` with the folder of the file's nearest package.json as the root, or any file of a test package. */
export function isTestFileInPackage(filePath: string): boolean {
  const manifest = nearestManifest(resolve(filePath));
  return (
    isTestFile(filePath, manifest && dirname(manifest)) ||
    isTestPackageName(manifest && packageFactsFor(manifest)?.name)
  );
}

/** A test file's result without `--tests`: nothing written, every site it would have rewritten left with the reason. */
export function leaveTestFile(result: CodemodResult): CodemodResult {
  const left = [
    ...result.rewritten.map((site) => ({ ...site, message: `${TEST_FILE_REASON} (${site.message})` })),
    ...result.left,
  ].sort((a, b) => a.line - b.line || a.column - b.column);
  // Whether the checker could change what is found stays the codemod's word (it only changes what is listed here).
  const waits = result.waitsForTypes === undefined ? {} : { waitsForTypes: result.waitsForTypes };
  return { edits: [], rewritten: [], left, imports: [], ...(result.done ? { done: result.done } : {}), ...waits };
}
