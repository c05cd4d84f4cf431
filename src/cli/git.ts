/**
 * The safety check before writing: a run must not mix its rewrite with someone's uncommitted work,
 * or `git diff` can no longer show what the codemod did and `git checkout .` would lose both.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/**
 * The files among `files` (absolute paths) that have uncommitted changes, staged or not, or are
 * untracked, in whatever git work trees hold them. Files outside any work tree are never dirty.
 */
export function findUncommittedFiles(files: readonly string[]): string[] {
  const byRoot = new Map<string, string[]>();
  const rootOfDirectory = new Map<string, string | undefined>();
  for (const file of files) {
    const directory = dirname(file);
    if (!rootOfDirectory.has(directory)) rootOfDirectory.set(directory, findWorkTreeRoot(directory));
    const root = rootOfDirectory.get(directory);
    if (root === undefined) continue;
    byRoot.set(root, [...(byRoot.get(root) ?? []), file]);
  }
  const dirty: string[] = [];
  for (const [root, rootFiles] of byRoot) {
    const changed = changedPaths(root);
    dirty.push(...rootFiles.filter((file) => changed.has(file)));
  }
  return dirty;
}

/** The files among `files` (absolute paths) that no git work tree holds. */
export function filesOutsideWorkTree(files: readonly string[]): string[] {
  const rootOfDirectory = new Map<string, string | undefined>();
  return files.filter((file) => {
    const directory = dirname(file);
    if (!rootOfDirectory.has(directory)) rootOfDirectory.set(directory, findWorkTreeRoot(directory));
    return rootOfDirectory.get(directory) === undefined;
  });
}

function findWorkTreeRoot(directory: string): string | undefined {
  let current = directory;
  for (;;) {
    if (existsSync(join(current, '.git'))) return current;
    const parent = dirname(current);
    if (parent === current) return undefined;
    current = parent;
  }
}

/** Absolute paths `git status` lists in the work tree at `root` (modified, staged, untracked, ...). */
function changedPaths(root: string): Set<string> {
  let output: string;
  try {
    output = execFileSync('git', ['status', '--porcelain=v1', '-z', '--untracked-files=all'], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      maxBuffer: 256 * 1024 * 1024,
    });
  } catch {
    return new Set(); // git missing or not really a work tree: nothing to protect
  }
  const paths = new Set<string>();
  const entries = output.split('\0');
  for (let index = 0; index < entries.length; index++) {
    const entry = entries[index] ?? '';
    if (entry.length < 4) continue;
    paths.add(resolve(root, entry.slice(3)));
    // Renames and copies are followed by their original path, which is not a file in the tree any more.
    if (entry[0] === 'R' || entry[0] === 'C') index++;
  }
  return paths;
}
