/**
 * Codemods that add an `@quickwins/runtime` import make the rewritten code depend on that package, so the run
 * declares it: in the nearest package.json above each such file that does not list it yet (in `dependencies`,
 * `devDependencies` or `peerDependencies`), it is added to `dependencies` at the toolkit's own version (`^x.y.z`,
 * the range `npm install` would write), or to `devDependencies` when every such file of that package is a test file
 * (a test-only import must not reach the package's consumers). The edit is one text insertion: indentation, a one-line object's layout, key
 * order, line endings and the final newline stay as they were. Other modules a codemod imports (`--import-from ./lib/db`,
 * a team's own wrapper) are the project's business and are never declared.
 */
import { readFileSync } from 'node:fs';
import { findNodeAtLocation, parse, parseTree, type Node, type ParseError } from 'jsonc-parser';
import { dirname } from 'node:path';
import { nearestManifest } from '../core/package-evidence.js';
import { isTestFile, isTestPackageName } from '../codemod-host/test-files.js';
import { displayPath, unifiedTextDiff } from './report.js';
import type { FileRecord } from './run.js';
import type { RunWriter } from './write.js';

export const RUNTIME_PACKAGE = '@quickwins/runtime';
const LISTS = ['dependencies', 'devDependencies', 'peerDependencies'] as const;
/** The list a declaration goes to: production code's, or the dev list when only tests import the package. */
export type DependencyList = 'dependencies' | 'devDependencies';

export interface DependencyChange {
  /** Absolute path of the package.json; undefined when no package.json is above the files (`no-manifest`). */
  readonly manifest: string | undefined;
  readonly name: string;
  readonly range: string;
  readonly list: DependencyList;
  /** Absolute paths of the rewritten files that import the package. */
  readonly files: readonly string[];
  /** `added` (written), `would-add` (dry run), `error` (left as it was; `error` says why), `no-manifest` (nowhere to declare it). */
  readonly status: 'added' | 'would-add' | 'error' | 'no-manifest';
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
function indentUnitOf(text: string): string {
  return /\n([ \t]+)\S/.exec(text)?.[1] ?? '  ';
}

/** The leading whitespace of the line holding `offset`. */
function lineIndentAt(text: string, offset: number): string {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart))![0];
}

/** How the file writes what goes between a key and its value, and between two entries on one line (`": "` and `", "`, or none). */
function separatorsOf(text: string, root: Node): { colon: string; comma: string } {
  const pairs: Node[] = [];
  const collect = (node: Node): void => {
    if (node.type === 'property') pairs.push(node);
    node.children?.forEach(collect);
  };
  collect(root);
  const first = pairs[0]?.children;
  const colon = first && first.length === 2 ? text.slice(first[0]!.offset + first[0]!.length, first[1]!.offset) : ': ';
  // two entries on one line show the file's comma; else the comma follows the colon's spacing
  const between = pairs.slice(1).flatMap((next, index) => {
    const pair = pairs[index]!;
    return next.parent === pair.parent ? [text.slice(pair.offset + pair.length, next.offset)] : [];
  });
  const comma = between.find((gap) => !gap.includes('\n')) ?? (colon.endsWith(' ') ? ', ' : ',');
  return { colon: colon.includes('\n') ? ': ' : colon, comma };
}

/** One text insertion that adds `entry` (`"key": value`) to `object` as its `index`th entry, in the object's own layout. */
function insertEntry(
  text: string,
  object: Node,
  index: number,
  entry: string,
  layout: { comma: string; eol: string; unit: string },
): { offset: number; insert: string } {
  const entries = object.children ?? [];
  const multiLine = text.slice(object.offset, object.offset + object.length).includes('\n');
  if (entries.length === 0) {
    // `{ }` becomes `{ "key": value }`, `{}` becomes `{"key": value}`
    if (!multiLine) return { offset: object.offset + 1, insert: object.length > 2 ? ` ${entry}` : entry };
    const indent = lineIndentAt(text, object.offset);
    return { offset: object.offset + 1, insert: `${layout.eol}${indent}${layout.unit}${entry}` };
  }
  const separator = multiLine ? `,${layout.eol}${lineIndentAt(text, entries[0]!.offset)}` : layout.comma;
  if (index < entries.length) return { offset: entries[index]!.offset, insert: `${entry}${separator}` };
  const last = entries.at(-1)!;
  return { offset: last.offset + last.length, insert: `${separator}${entry}` };
}

/**
 * `text` with `"name": "range"` added to `list` (created last when missing). The entry goes where npm would
 * put it when the existing entries are sorted, else last. One insertion, written the way the object around it is:
 * one entry a line at its siblings' indentation, or on the same line with the file's own separators; nothing else in
 * the text changes.
 */
export function addDependencyText(
  text: string,
  name: string,
  range: string,
  list: DependencyList = 'dependencies',
): string {
  parseManifest(text);
  const root = parseTree(text)!;
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const unit = indentUnitOf(text);
  const { colon, comma } = separatorsOf(text, root);
  const entry = `${JSON.stringify(name)}${colon}${JSON.stringify(range)}`;
  const dependencies = findNodeAtLocation(root, [list]);
  let edit: { offset: number; insert: string };
  if (dependencies === undefined) {
    const rootMultiLine = text.slice(root.offset, root.offset + root.length).includes('\n');
    const childIndent = root.children?.[0] ? lineIndentAt(text, root.children[0].offset) : unit;
    const padding = /^\{\s/.test(text.slice(root.offset)) ? ' ' : '';
    const body = rootMultiLine
      ? `{${eol}${childIndent}${unit}${entry}${eol}${childIndent}}`
      : `{${padding}${entry}${padding}}`;
    edit = insertEntry(text, root, root.children?.length ?? 0, `${JSON.stringify(list)}${colon}${body}`, {
      comma,
      eol,
      unit,
    });
  } else {
    if (dependencies.type !== 'object') throw new Error(`"${list}" is not an object`);
    const keys = (dependencies.children ?? []).map((pair) => pair.children![0]!.value as string);
    const sorted = keys.every((key, index) => index === 0 || keys[index - 1]!.localeCompare(key, 'en') <= 0);
    const position = sorted ? keys.filter((key) => key.localeCompare(name, 'en') < 0).length : keys.length;
    edit = insertEntry(text, dependencies, position, entry, { comma, eol, unit });
  }
  return text.slice(0, edit.offset) + edit.insert + text.slice(edit.offset);
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
  const withoutManifest: string[] = [];
  for (const [file, modules] of request.imports) {
    if (!modules.some((module) => packageNameOf(module) === RUNTIME_PACKAGE)) continue;
    const manifest = nearestManifest(file, cache);
    if (manifest === undefined) withoutManifest.push(file);
    else filesOfManifest.set(manifest, [...(filesOfManifest.get(manifest) ?? []), file]);
  }
  const range = `^${request.version}`;
  const changes: DependencyChange[] = [];
  // Nothing to edit, but the rewritten code needs the package: said, so the project does not find out at run time.
  if (withoutManifest.length > 0) {
    changes.push({
      manifest: undefined,
      name: RUNTIME_PACKAGE,
      range,
      list: 'dependencies',
      files: withoutManifest.sort(),
      status: 'no-manifest',
    });
  }
  const byPath = [...filesOfManifest].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [manifest, files] of byPath) {
    let list: DependencyList = files.every((file) => isTestFile(file, dirname(manifest)))
      ? 'devDependencies'
      : 'dependencies';
    const base = { manifest, name: RUNTIME_PACKAGE, range, list, files };
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
      if (isTestPackageName(typeof parsed.name === 'string' ? parsed.name : undefined)) list = 'devDependencies';
      const after = addDependencyText(before, RUNTIME_PACKAGE, range, list);
      if (request.write) {
        const written = request.writer.writeManifest(manifest, after, before);
        if (!written.written) {
          changes.push({ ...base, list, status: 'error', error: written.reason });
          continue;
        }
      }
      changes.push({ ...base, list, status: request.write ? 'added' : 'would-add', before, after });
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
  const tests = change.list === 'devDependencies' ? ', all test files' : '';
  const by = `imported by ${change.files.length} rewritten ${change.files.length === 1 ? 'file' : 'files'}${tests}`;
  if (change.manifest === undefined) {
    const first = displayPath(cwd, change.files[0]!);
    return `dependency: "${change.name}" not declared (${by}, first ${first}): no package.json above them; add "${change.name}": "${change.range}" where they run`;
  }
  const manifest = displayPath(cwd, change.manifest);
  if (change.status === 'error') return `error ${manifest}: could not add ${change.name} (${by}): ${change.error}`;
  const verb = change.status === 'added' ? 'added' : 'would add';
  return `dependency ${manifest}: ${verb} "${change.name}": "${change.range}" to ${change.list} (${by}; --no-add-dependency to skip)`;
}

/** The --json entry; a dry run carries the diff like the files' entries do. */
export function dependencyJson(change: DependencyChange, cwd: string) {
  const manifest = change.manifest === undefined ? null : displayPath(cwd, change.manifest);
  return {
    manifest,
    name: change.name,
    range: change.range,
    ...(manifest === null ? {} : { list: change.list }),
    status: change.status,
    files: change.files.map((file) => displayPath(cwd, file)),
    ...(change.error === undefined ? {} : { error: change.error }),
    ...(change.status === 'would-add' && manifest !== null
      ? { diff: unifiedTextDiff(manifest, change.before ?? '', change.after ?? '', false) }
      : {}),
  };
}
