/**
 * Atomic file replacement: the new text goes to a temporary file next to the target, takes the
 * target's mode, and is renamed over it, so a crash or a full disk never leaves half a file.
 * A symlink is followed and its target rewritten; the link itself stays a link.
 */
import { chmodSync, realpathSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Why a file must not be written without --force: the file or its folder is read-only. Read from the mode bits,
 * not from access(2), because the rename would go through for root (and for the folder's owner) all the same.
 */
export function readOnlyReason(filePath: string): string | undefined {
  try {
    const target = realpathSync(filePath);
    const fileMode = statSync(target).mode & 0o777;
    if ((fileMode & 0o222) === 0) return `read-only file (mode ${fileMode.toString(8)}); --force writes it anyway`;
    const folderMode = statSync(dirname(target)).mode & 0o777;
    if ((folderMode & 0o222) === 0) return `read-only folder (mode ${folderMode.toString(8)}); --force writes it anyway`;
  } catch {
    return undefined; // the write itself reports what is wrong
  }
  return undefined;
}

let counter = 0;

export function writeFileAtomic(filePath: string, content: string | Uint8Array): void {
  const target = realpathSync(filePath);
  const { mode } = statSync(target);
  const temporary = join(dirname(target), `.${basename(target)}.quickwins-${process.pid}-${counter++}.tmp`);
  try {
    writeFileSync(temporary, content, { mode, flag: 'wx' });
    chmodSync(temporary, mode); // writeFileSync's mode is filtered by the umask; the original's mode is kept exactly
    renameSync(temporary, target);
  } catch (error) {
    try {
      unlinkSync(temporary);
    } catch {
      // the temporary file was never created or is already gone
    }
    throw error;
  }
}
