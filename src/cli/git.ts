/**
 * The safety checks before writing: a run must not mix its rewrite with someone's uncommitted work,
 * or `git diff` can no longer show what the codemod did and `git checkout .` would lose both; and a run
 * writes only inside the work trees it checked (write.ts holds it to that on every write).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { isInside } from '../core/paths.js';
import type { WriteScope } from './write.js';

export interface UncommittedFiles {
  /** Modified, staged or untracked. */
  readonly changed: readonly string[];
  /** Untracked and ignored by git: nothing in git to diff against or restore from. */
  readonly ignored: readonly string[];
}

/**
 * The files among `files` (absolute real paths) that git could not restore as they are: uncommitted changes, staged
 * or not, untracked, or ignored, in whatever git work trees hold them. Files outside any work tree are none of these.
 */
export function findUncommittedFiles(files: readonly string[]): UncommittedFiles {
  const byRoot = new Map<string, string[]>();
  const rootOfDirectory = new Map<string, string | undefined>();
  for (const file of files) {
    const directory = dirname(file);
    if (!rootOfDirectory.has(directory)) rootOfDirectory.set(directory, findWorkTreeRoot(directory));
    const root = rootOfDirectory.get(directory);
    if (root === undefined) continue;
    byRoot.set(root, [...(byRoot.get(root) ?? []), file]);
  }
  const changed: string[] = [];
  const ignored: string[] = [];
  for (const [root, rootFiles] of byRoot) {
    const changedHere = changedPaths(root);
    changed.push(...rootFiles.filter((file) => changedHere.has(file)));
    ignored.push(
      ...ignoredPaths(
        root,
        rootFiles.filter((file) => !changedHere.has(file)),
      ),
    );
  }
  return { changed, ignored };
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

export function findWorkTreeRoot(directory: string): string | undefined {
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

/**
 * Those of `files` (in the work tree at `root`, none listed by `git status`) that git does not track: `git status
 * --untracked-files=all` lists every untracked file but an ignored one, so these are the ignored ones.
 */
function ignoredPaths(root: string, files: readonly string[]): string[] {
  if (files.length === 0) return [];
  let output: string;
  try {
    // Reads the index only: cheaper than asking git's ignore rules about every file (check-ignore).
    output = execFileSync('git', ['ls-files', '-z'], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      maxBuffer: 256 * 1024 * 1024,
    });
  } catch {
    return []; // git missing or not really a work tree: nothing to protect
  }
  const tracked = new Set(
    output
      .split('\0')
      .filter(Boolean)
      .map((path) => resolve(root, path)),
  );
  return files.filter((file) => !tracked.has(file));
}

/**
 * The write scope of a run: a file is written only inside the work tree that holds the path it was named by, when
 * the run checked that tree (the git checks above ran on its files); with --allow-no-git, a file outside any work
 * tree only inside the path named on the command line that led to it (`namedRoots`, absolute, lexical).
 */
export function createWriteScope(
  checkedFiles: readonly string[],
  namedRoots: readonly string[] | undefined,
): WriteScope {
  const rootOfDirectory = new Map<string, string | undefined>();
  const treeOf = (path: string): string | undefined => {
    const directory = dirname(path);
    if (!rootOfDirectory.has(directory)) rootOfDirectory.set(directory, findWorkTreeRoot(directory));
    return rootOfDirectory.get(directory);
  };
  const checked = new Set(checkedFiles.map(treeOf).filter((root) => root !== undefined));
  const realRoots = new Map<string, string | undefined>();
  const realRoot = (root: string): string | undefined => {
    if (!realRoots.has(root)) realRoots.set(root, realpathOrUndefined(root));
    return realRoots.get(root);
  };
  return {
    rootOf(path) {
      const tree = treeOf(path);
      if (tree !== undefined) return checked.has(tree) ? realRoot(tree) : undefined;
      const named = namedRoots?.filter((root) => isInside(path, root)).sort((a, b) => b.length - a.length)[0];
      return named === undefined ? undefined : realRoot(named);
    },
  };
}

function realpathOrUndefined(path: string): string | undefined {
  try {
    return realpathSync.native(path);
  } catch {
    return undefined;
  }
}
