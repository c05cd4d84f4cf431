/**
 * Atomic file replacement: the new text goes to a temporary file next to the target, takes the
 * target's mode, and is renamed over it, so a crash or a full disk never leaves half a file.
 * A symlink is followed and its target rewritten; the link itself stays a link.
 */
import { chmodSync, realpathSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

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
