/**
 * Codemods that add an `@quickwins/runtime` import make the rewritten code depend on that package, so the run
 * declares it: in the nearest package.json above each such file that does not list it yet (in `dependencies`,
 * `devDependencies` or `peerDependencies`), it is added to `dependencies` at the toolkit's own version (`^x.y.z`,
 * the range `npm install` would write). The edit is a minimal text insertion (jsonc-parser): indentation, key order,
 * line endings and the final newline stay as they were. Other modules a codemod imports (`--import-from ./lib/db`,
 * a team's own wrapper) are the project's business and are never declared.
 */
import { readFileSync } from 'node:fs';
import { applyEdits, modify, parse, type ParseError } from 'jsonc-parser';
import { nearestManifest } from '../analysis/package-evidence.js';
import { displayPath, unifiedTextDiff } from './report.js';
import type { FileRecord } from './run.js';
import type { RunWriter } from './write.js';

export const RUNTIME_PACKAGE = '@quickwins/runtime';
const LISTS = ['dependencies', 'devDependencies', 'peerDependencies'] as const;

export interface DependencyChange {
  /** Absolute path of the package.json. */
  readonly manifest: string;
  readonly name: string;
  readonly range: string;
  /** Absolute paths of the rewritten files that import the package. */
  readonly files: readonly string[];
  /** `added` (written), `would-add` (dry run), `error` (left as it was; `error` says why). */
  readonly status: 'added' | 'would-add' | 'error';
  readonly before?: string;
  readonly after?: string;
  readonly error?: string;
}

/** `@scope/name/sub/path` → `@scope/name`, `name/sub` → `name`; relative and absolute specifiers → undefined. */
export function packageNameOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:')) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** Whether the manifest already lists the package in any of the lists that make it resolvable. */
export function listsPackage(manifest: Record<string, unknown>, name: string): boolean {
  return LISTS.some((list) => {
    const entries = manifest[list];
    return typeof entries === 'object' && entries !== null && Object.hasOwn(entries, name);
  });
}

/** The file's indentation unit: the leading whitespace of its first indented line (two spaces when it has none). */
function indentationOf(text: string): { insertSpaces: boolean; tabSize: number } {
  const indent = /\n([ \t]+)\S/.exec(text)?.[1];
  if (indent === undefined) return { insertSpaces: true, tabSize: 2 };
  return indent.startsWith('\t') ? { insertSpaces: false, tabSize: 1 } : { insertSpaces: true, tabSize: indent.length };
}

/**
 * `text` with `"name": "range"` added to `dependencies` (created when missing). The entry goes where npm would put
 * it when the existing entries are sorted, else last; nothing else in the text changes.
 */
export function addDependencyText(text: string, name: string, range: string): string {
  const manifest = parseManifest(text);
  const existing = manifest.dependencies;
  const keys = typeof existing === 'object' && existing !== null ? Object.keys(existing) : [];
  const sorted = keys.every((key, index) => index === 0 || keys[index - 1]!.localeCompare(key, 'en') <= 0);
  const position = sorted ? keys.filter((key) => key.localeCompare(name, 'en') < 0).length : keys.length;
  const edits = modify(text, ['dependencies', name], range, {
    formattingOptions: { ...indentationOf(text), eol: text.includes('\r\n') ? '\r\n' : '\n' },
    // Called for the object that receives the new key: `dependencies`, or the root when that has to be created
    // (then it goes last, after the keys already there).
    getInsertionIndex: (properties) => (keys.length > 0 || typeof existing === 'object' ? position : properties.length),
  });
  return applyEdits(text, edits);
}

function parseManifest(text: string): Record<string, unknown> {
  const errors: ParseError[] = [];
  const value = parse(text, errors, { allowTrailingComma: false, disallowComments: true }) as unknown;
  if (errors.length > 0 || typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error('not a JSON object');
  }
  return value as Record<string, unknown>;
}

export interface DeclareRequest {
  /** Rewritten files and the modules each now imports because of the codemod (absolute paths). */
  readonly imports: ReadonlyMap<string, readonly string[]>;
  /** The toolkit's version; the runtime is published at the same one. */
  readonly version: string;
  readonly write: boolean;
  /** The run's one write path (write.ts): a package.json changed meanwhile, or outside the work tree, is left. */
  readonly writer: RunWriter;
}

/** One change per package.json that needs the runtime and does not list it. Never throws: a bad manifest is an `error` entry. */
export function declareRuntimeDependency(request: DeclareRequest): DependencyChange[] {
  const filesOfManifest = new Map<string, string[]>();
  const cache = new Map<string, string | undefined>();
  for (const [file, modules] of request.imports) {
    if (!modules.some((module) => packageNameOf(module) === RUNTIME_PACKAGE)) continue;
    const manifest = nearestManifest(file, cache);
    if (manifest === undefined) continue;
    filesOfManifest.set(manifest, [...(filesOfManifest.get(manifest) ?? []), file]);
  }
  const range = `^${request.version}`;
  const changes: DependencyChange[] = [];
  const byPath = [...filesOfManifest].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [manifest, files] of byPath) {
    const base = { manifest, name: RUNTIME_PACKAGE, range, files };
    try {
      const before = readFileSync(manifest, 'utf8');
      let parsed: Record<string, unknown>;
      try {
        parsed = parseManifest(before);
      } catch {
        changes.push({ ...base, status: 'error', error: 'not valid JSON; add the dependency by hand' });
        continue;
      }
      if (listsPackage(parsed, RUNTIME_PACKAGE)) continue;
      const after = addDependencyText(before, RUNTIME_PACKAGE, range);
      if (request.write) {
        const written = request.writer.write(manifest, after, { text: before });
        if (!written.written) {
          changes.push({ ...base, status: 'error', error: written.reason });
          continue;
        }
      }
      changes.push({ ...base, status: request.write ? 'added' : 'would-add', before, after });
    } catch (error) {
      changes.push({ ...base, status: 'error', error: (error as Error).message });
    }
  }
  return changes;
}

/** Rewritten files and the modules the codemod says each now imports. */
export function importsOfRecords(records: readonly FileRecord[]): Map<string, readonly string[]> {
  const imports = new Map<string, readonly string[]>();
  for (const { path, outcome } of records) {
    if (outcome.status === 'changed' && outcome.imports.length > 0) imports.set(path, outcome.imports);
  }
  return imports;
}

/** The summary's one line per package.json. */
export function dependencyLine(change: DependencyChange, cwd: string): string {
  const manifest = displayPath(cwd, change.manifest);
  const by = `imported by ${change.files.length} rewritten ${change.files.length === 1 ? 'file' : 'files'}`;
  if (change.status === 'error') return `error ${manifest}: could not add ${change.name} (${by}): ${change.error}`;
  const verb = change.status === 'added' ? 'added' : 'would add';
  return `dependency ${manifest}: ${verb} "${change.name}": "${change.range}" to dependencies (${by}; --no-add-dependency to skip)`;
}

/** The --json entry; a dry run carries the diff like the files' entries do. */
export function dependencyJson(change: DependencyChange, cwd: string) {
  const manifest = displayPath(cwd, change.manifest);
  return {
    manifest,
    name: change.name,
    range: change.range,
    status: change.status,
    files: change.files.map((file) => displayPath(cwd, file)),
    ...(change.error === undefined ? {} : { error: change.error }),
    ...(change.status === 'would-add' ? { diff: unifiedTextDiff(manifest, change.before ?? '', change.after ?? '', false) } : {}),
  };
}
