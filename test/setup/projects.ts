/**
 * Splits the test files into the two vitest projects by what they use, read from their sources (and the sources of
 * the local helpers they import, transitively):
 *
 * - integration: the file (or a helper it imports) calls vitest's `inject` (the PostgreSQL URL from the global setup),
 *   imports `node:child_process` (the built CLI, git, psql, redis-server, the Kafka mock broker, pre-commit),
 *   imports from a `dist/` folder, or names a built codemod (the `.cjs` next to each codemod): all need the build.
 * - unit: everything else. Such a file runs in-process only (in-process servers on 127.0.0.1 included), needs no
 *   PostgreSQL, no build and no global setup, so `npm run test:unit` starts at once on a machine with only Node.
 * - unit-timing: a unit file that times code itself (with the `performance` or `process` high-resolution clock, here
 *   or in a helper such as support/growth.ts) to assert a cost ratio. It runs in a process of its own, after the other unit files: the
 *   unit project shares one process (and one heap) between files, and a heap full of other files' modules and
 *   garbage changes the cost ratio of code that allocates.
 *
 * The rule is computed, not listed, so a unit file that starts needing PostgreSQL moves to the integration project
 * by itself; test/setup/projects.test.ts holds the rule on known files.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

export type TestKind = 'unit' | 'unit-timing' | 'integration';

/** What makes a source need more than the test process: each with the reason reported by `classifyTestFile`. */
const INTEGRATION_MARKERS: ReadonlyArray<{ pattern: RegExp; reason: string }> = [
  { pattern: /\binject\(/, reason: 'reads the global setup (vitest inject)' },
  { pattern: /from\s+['"](?:node:)?child_process['"]/, reason: 'starts processes (child_process)' },
  { pattern: /(?:from\s+|import\()\s*['"][^'"]*\/dist\/[^'"]*['"]/, reason: 'imports the build (dist/)' },
  { pattern: /'codemods',\s*`[^`]*\.cjs`|codemods\/[^'"`\s]*\.cjs['"`]/, reason: 'reads the built codemods (.cjs)' },
];

/** What makes a unit file time code itself. */
const TIMING_MARKERS: ReadonlyArray<{ pattern: RegExp; reason: string }> = [
  { pattern: /\bperformance\.now\(\)|\bprocess\.hrtime\b/, reason: 'times code with a high-resolution clock' },
];

const RELATIVE_IMPORT = /(?:from\s+|import\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g;

/** A relative `.js` specifier names a `.ts` file in the sources. */
function resolveLocalImport(fromFile: string, specifier: string): string | undefined {
  const target = resolve(dirname(fromFile), specifier);
  for (const candidate of [target.replace(/\.js$/, '.ts'), target, `${target}.ts`]) {
    if (candidate.endsWith('.ts') && existsSync(candidate)) return candidate;
  }
  return undefined;
}

/**
 * Why `file` needs the integration project (marker and the file that has it), or undefined for a unit file.
 * Only imports that stay under `testRoot` are followed: the code under test never reaches the global setup.
 */
export function integrationReason(file: string, testRoot: string): string | undefined {
  return markerReason(INTEGRATION_MARKERS, file, testRoot, new Set());
}

/** Why `file` times code itself (marker and the file that has it), or undefined; imports followed as above. */
export function timingReason(file: string, testRoot: string): string | undefined {
  return markerReason(TIMING_MARKERS, file, testRoot, new Set());
}

function markerReason(
  markers: typeof INTEGRATION_MARKERS,
  file: string,
  testRoot: string,
  seen: Set<string>,
): string | undefined {
  if (seen.has(file)) return undefined;
  seen.add(file);
  const source = readFileSync(file, 'utf8');
  const marker = markers.find(({ pattern }) => pattern.test(source));
  if (marker !== undefined) return `${relative(testRoot, file)} ${marker.reason}`;
  for (const [, specifier] of source.matchAll(RELATIVE_IMPORT)) {
    const imported = specifier === undefined ? undefined : resolveLocalImport(file, specifier);
    if (imported === undefined || !imported.startsWith(testRoot + sep)) continue;
    const reason = markerReason(markers, imported, testRoot, seen);
    if (reason !== undefined) return reason;
  }
  return undefined;
}

export function classifyTestFile(file: string, testRoot: string): TestKind {
  if (integrationReason(file, testRoot) !== undefined) return 'integration';
  return timingReason(file, testRoot) === undefined ? 'unit' : 'unit-timing';
}

function listTestFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return listTestFiles(path);
    return entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

/** Test files of one kind, as paths relative to `repoRoot` with `/` separators (vitest `include` globs). */
export function testFilesOfKind(repoRoot: string, kind: TestKind): string[] {
  const testRoot = join(repoRoot, 'test');
  return listTestFiles(testRoot)
    .filter((file) => classifyTestFile(file, testRoot) === kind)
    .map((file) => relative(repoRoot, file).split(sep).join('/'))
    .sort();
}
