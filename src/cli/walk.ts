/**
 * Which files a run covers: every source file under the given paths (any extension the parser
 * handles, so one run covers a mixed repo), minus what git would ignore (.gitignore files at every
 * level, from the work tree's root down, and .git/info/exclude), minus dependencies, build output
 * and declaration files. A file or folder named explicitly is taken even when ignored: the user asked for it.
 */
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { glob } from 'tinyglobby';
import { isSourceFile, SOURCE_EXTENSIONS } from '../core/parse.js';

/** Folders never walked: installed dependencies and the usual build output. */
export const SKIPPED_DIRECTORIES = ['node_modules', 'dist', 'build', 'coverage', '.git'];

const SOURCE_GLOB = `**/*.{${[...SOURCE_EXTENSIONS.keys()].map((extension) => extension.slice(1)).join(',')}}`;
const SKIPPED_GLOBS = SKIPPED_DIRECTORIES.map((directory) => `**/${directory}/**`);

export interface WalkResult {
  /** Absolute paths, sorted, without duplicates. */
  readonly files: readonly string[];
  /** The given paths that do not exist. */
  readonly missing: readonly string[];
  /** Each file's real path (a file named through a link, or under a linked folder, has another). */
  readonly realPaths: ReadonlyMap<string, string>;
}

export async function collectFiles(paths: readonly string[], cwd: string): Promise<WalkResult> {
  // Keyed by real path: a file reached twice (two overlapping paths, a symlink and its target) runs once.
  const files = new Map<string, string>();
  const missing: string[] = [];
  const folderRealPaths = new FolderRealPaths();
  const add = (file: string, real: string): void => {
    if (!files.has(real)) files.set(real, file);
  };
  for (const given of paths) {
    const absolute = resolve(cwd, given);
    const kind = statKind(absolute);
    if (kind === 'missing') missing.push(given);
    else if (kind === 'file') {
      // Named on the command line, it may be a link: its own real path.
      if (isSourceFile(absolute)) add(absolute, realpathOrSelf(absolute));
    } else for (const file of await walkDirectory(absolute)) add(file, folderRealPaths.of(file));
  }
  const realPaths = new Map([...files].map(([real, file]) => [file, real]));
  return { files: [...files.values()].sort(), missing, realPaths };
}

/**
 * Real paths of walked files, resolved once per folder rather than once per file (each realpath() is a syscall, and
 * libc's walks every folder on the way). A walk lists no links (links are not followed), so a walked file's real path
 * is its folder's real path and its name.
 */
class FolderRealPaths {
  private readonly folders = new Map<string, string>();

  of(file: string): string {
    // String cuts, not dirname/basename/join: this runs for every file of the run.
    const cut = file.lastIndexOf(sep);
    const folder = file.slice(0, cut) || sep;
    let real = this.folders.get(folder);
    if (real === undefined) {
      real = realpathOrSelf(folder);
      this.folders.set(folder, real);
    }
    return real.endsWith(sep) ? real + file.slice(cut + 1) : real + sep + file.slice(cut + 1);
  }
}

function realpathOrSelf(path: string): string {
  try {
    return realpathSync.native(path);
  } catch {
    return path;
  }
}

function statKind(path: string): 'file' | 'directory' | 'missing' {
  try {
    return statSync(path).isDirectory() ? 'directory' : 'file';
  } catch {
    return 'missing';
  }
}

async function walkDirectory(directory: string): Promise<string[]> {
  // One walk for both: source files, and the .gitignore files that may exclude some of them. Dot-folders are not
  // walked (so their .gitignore files do not matter either), and dot-files are not sources.
  const found = await glob([SOURCE_GLOB, '**/.gitignore'], {
    cwd: directory,
    ignore: [...SKIPPED_GLOBS, '**/.*/**'],
    dot: true,
    absolute: true,
    followSymbolicLinks: false,
  });
  const nestedIgnoreFiles = found.filter((file) => basename(file) === '.gitignore');
  const candidates = found.filter((file) => !basename(file).startsWith('.'));
  // A folder named explicitly that git ignores (build output, a scratch corpus) is walked anyway: the user
  // asked for it. Then only the .gitignore files inside it count.
  const ancestorRules = ancestorIgnoreRules(directory);
  const namedFolderIgnored = isIgnored(`${directory}${sep}`, ancestorRules);
  const rules = [
    ...(namedFolderIgnored ? [] : ancestorRules),
    ...nestedIgnoreFiles.map((file) => loadRule(resolve(file))),
  ]
    // Shallow rules first, so that a deeper .gitignore can re-include (`!x`) what a shallower one ignored.
    .sort((a, b) => a.base.length - b.base.length);
  // tinyglobby gives absolute paths with `/`: already what `resolve` would give on POSIX.
  const absolute = sep === '/' ? candidates : candidates.map((file) => resolve(file));
  return absolute.filter((file) => isSourceFile(file) && !isIgnored(file, rules));
}

interface IgnoreRule {
  /** The folder the patterns are relative to. */
  readonly base: string;
  readonly matcher: Ignore;
}

function loadRule(ignoreFile: string, base = dirname(ignoreFile)): IgnoreRule {
  return { base, matcher: ignore().add(readFileSync(ignoreFile, 'utf8')) };
}

/** .gitignore files above `directory` up to its git work tree's root, and the repository's info/exclude. */
function ancestorIgnoreRules(directory: string): IgnoreRule[] {
  const rules: IgnoreRule[] = [];
  let current = directory;
  while (!existsSync(join(current, '.git'))) {
    const parent = dirname(current);
    if (parent === current) return []; // not inside a git work tree: only the walked folder's own files count
    current = parent;
    const ignoreFile = join(current, '.gitignore');
    if (existsSync(ignoreFile)) rules.push(loadRule(ignoreFile));
  }
  const exclude = join(current, '.git', 'info', 'exclude');
  if (existsSync(exclude)) rules.push(loadRule(exclude, current));
  return rules;
}

const TRAILING_SEPARATOR = sep === '/' ? /\/$/ : /[\\/]$/;

function isIgnored(file: string, rules: readonly IgnoreRule[]): boolean {
  let ignored = false;
  for (const rule of rules) {
    if (!file.startsWith(rule.base + sep)) continue;
    // The path below the rule's folder, with `/` and a trailing `/` for a folder, so that folder-only patterns
    // (`build/`) match folders. (A slice: path.relative resolves both sides on every call, per file per rule.)
    const inside = file.slice(rule.base.length + 1).replace(TRAILING_SEPARATOR, '');
    if (inside === '') continue; // the rule's own folder
    const path = (sep === '/' ? inside : inside.split(sep).join('/')) + (file.endsWith(sep) ? '/' : '');
    const verdict = rule.matcher.test(path);
    if (verdict.ignored) ignored = true;
    else if (verdict.unignored) ignored = false;
  }
  return ignored;
}
