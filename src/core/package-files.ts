/**
 * A package's own files, walked once by whoever needs to read its sources (the modules that import a file, a
 * project's own typings). Dot entries and the folders that hold no source of the package are passed over.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Dependencies, build output and tool folders: none holds a module of the package's own source. */
export const NOT_SOURCE_FOLDERS: ReadonlySet<string> = new Set(['node_modules', 'dist', 'build', 'out', 'coverage']);

/**
 * The files under `root` (absolute paths), depth first. An unreadable folder is passed over; a symlinked folder is
 * not followed (a Dirent of a symlink is neither a file nor a folder), so the walk stays inside the package.
 */
export function* packageFiles(root: string): Generator<string> {
  const pending = [root];
  while (pending.length > 0) {
    const directory = pending.pop() as string;
    let entries: import('node:fs').Dirent[];
    try {
      entries = readdirSync(directory, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const path = join(directory, entry.name);
      if (entry.isDirectory()) {
        if (!NOT_SOURCE_FOLDERS.has(entry.name)) pending.push(path);
      } else if (entry.isFile()) yield path;
    }
  }
}
