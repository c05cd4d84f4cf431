/**
 * The one way a run writes a file: the codemod's sources, a file a codemod's project session writes besides them
 * (eslint-suppressions.json) and package.json of the dependency step: `RunWriter.writeSource`, `writeExtraFile` and
 * `writeManifest`, one entry for each kind, all through the same guarded write.
 *
 * What it guarantees, checked on the real path when the file is written, not when the run started:
 * - only a regular file whose real path is inside the root the run checked for it (its git work tree, or with
 *   --allow-no-git the path named on the command line) is written; a link leading outside is never followed;
 * - the file is still what the run read (device, inode, size, mtime and ctime; or its text; or still absent),
 *   looked at once more just before the rename, so an edit made meanwhile is never lost and a file swapped for a link
 *   meanwhile is never written through;
 * - the new bytes go to a temporary file next to the target (created exclusively, so never through a link), take the
 *   target's mode and replace it with rename(2), which replaces a final link rather than following it: a crash or a
 *   full disk never leaves half a file. A temporary file a killed run left behind is removed by the next writing run
 *   once its process is gone.
 * Node has no openat/renameat: a process that swaps a folder of the path between the last look and the rename (a
 * window of one system call) is not covered.
 */
import {
  chmodSync,
  linkSync,
  lstatSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
  type BigIntStats,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { isInside } from '../core/paths.js';
import type { ProjectFileOutput } from '../codemod-host/codemod.js';
import { encodeFile, type FileEncoding } from './encoding.js';
import { quotePath } from './names.js';

/** The reason given for a file another process changed (or replaced, or removed) between the run's read and its write. */
export const CHANGED_REASON = 'changed while the run worked on it';

/** What the run saw of a file when it read it; a file another process writes or replaces since has another. */
export interface FileFingerprint {
  readonly dev: bigint;
  readonly ino: bigint;
  readonly size: bigint;
  readonly mtimeNs: bigint;
  readonly ctimeNs: bigint;
}

export function fingerprintOf(stats: BigIntStats): FileFingerprint {
  return { dev: stats.dev, ino: stats.ino, size: stats.size, mtimeNs: stats.mtimeNs, ctimeNs: stats.ctimeNs };
}

/** What the file must still be when it is replaced: as read (its fingerprint), holding exactly `text`, or absent. */
export type ExpectedFile =
  { readonly fingerprint: FileFingerprint } | { readonly text: string } | { readonly absent: true };

export type WriteResult = { readonly written: true } | { readonly written: false; readonly reason: string };

/** Where a run may write: the real path of the folder a write to `path` must stay inside, undefined for none. */
export interface WriteScope {
  rootOf(path: string): string | undefined;
}

/** `.<name>.quickwins-<pid>-<n>.tmp`: the temporary files this module creates, and the only ones it removes. */
const TEMPORARY_NAME = /^\..+\.quickwins-(\d+)-\d+\.tmp$/;

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
    if ((folderMode & 0o222) === 0)
      return `read-only folder (mode ${folderMode.toString(8)}); --force writes it anyway`;
  } catch {
    return undefined; // the write itself reports what is wrong
  }
  return undefined;
}

let counter = 0;

export class RunWriter {
  private readonly swept = new Set<string>();
  private readonly removedFiles: string[] = [];

  constructor(
    private readonly scope: WriteScope,
    private readonly options: { readonly force: boolean },
  ) {}

  /** Stale temporary files removed so far (absolute paths). */
  get removed(): readonly string[] {
    return this.removedFiles;
  }

  /**
   * A source file the run rewrote: `text` encoded as the file was read, written while the file is still as it was
   * read (its fingerprint). Throws the error of a write that was allowed but failed (permissions, a full disk).
   */
  writeSource(
    path: string,
    text: string,
    asRead: { readonly encoding: FileEncoding; readonly fingerprint: FileFingerprint },
  ): WriteResult {
    const encoded = encodeFile(text, asRead.encoding);
    if (!encoded.ok) return refused(encoded.reason);
    return this.write(path, encoded.bytes, { fingerprint: asRead.fingerprint });
  }

  /**
   * A file a codemod's project session returned: written while it still holds what the session read (or is still
   * absent). Never throws: a failed write is a reason like a refused one.
   */
  writeExtraFile(output: ProjectFileOutput): WriteResult {
    const expected: ExpectedFile = output.previous === undefined ? { absent: true } : { text: output.previous };
    try {
      return this.write(output.path, output.text, expected);
    } catch (error) {
      return refused(`write failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** The dependency step's package.json: written while it still holds `before`. Throws like `writeSource`. */
  writeManifest(path: string, after: string, before: string): WriteResult {
    return this.write(path, after, { text: before });
  }

  /**
   * Writes `content` to `path` when every guard above holds; otherwise writes nothing and says why. Throws the
   * error of a write that was allowed but failed (permissions, a full disk).
   */
  private write(path: string, content: string | Uint8Array, expected: ExpectedFile): WriteResult {
    const root = this.scope.rootOf(path);
    if (root === undefined) return refused('not in a git work tree this run checked');
    const real = realPathForWrite(path, expected);
    if (real === undefined) return refused(CHANGED_REASON);
    const current = lstatOrUndefined(real);
    if (!stillAsRead(real, current, expected)) return refused(CHANGED_REASON);
    if (!isInside(real, root)) return refused(outsideReason(path, real));
    if (current && !current.isFile()) return refused('not a regular file: never written');
    const readOnly = this.options.force ? undefined : readOnlyReason(real);
    if (readOnly) return refused(readOnly);

    const folder = dirname(real);
    this.sweep(folder);
    const temporary = join(folder, `.${basename(real)}.quickwins-${process.pid}-${counter++}.tmp`);
    try {
      if (current) {
        const mode = Number(current.mode) & 0o7777;
        writeFileSync(temporary, content, { mode, flag: 'wx' });
        chmodSync(temporary, mode); // writeFileSync's mode is filtered by the umask; the original's mode is kept exactly
      } else writeFileSync(temporary, content, { flag: 'wx' }); // a new file: the umask decides, as for any new file
      // The last look, as close to the rename as Node allows: same folder, same file.
      if (realpathSync.native(folder) !== folder || !stillAsRead(real, lstatOrUndefined(real), expected)) {
        removeQuietly(temporary);
        return refused(CHANGED_REASON);
      }
      if ('absent' in expected) {
        // link(2) fails when a file appeared meanwhile, where rename(2) would replace it.
        linkSync(temporary, real);
        removeQuietly(temporary);
      } else renameSync(temporary, real);
    } catch (error) {
      removeQuietly(temporary);
      if ((error as NodeJS.ErrnoException).code === 'EEXIST' && 'absent' in expected) return refused(CHANGED_REASON);
      throw error;
    }
    return { written: true };
  }

  /**
   * Removes, once per folder, the temporary files of this module whose process is gone (a run killed while writing).
   * A live process's file (another run at work) and any other name are left alone.
   */
  sweep(folder: string): void {
    if (this.swept.has(folder)) return;
    this.swept.add(folder);
    let names: string[];
    try {
      names = readdirSync(folder);
    } catch {
      return; // an unreadable folder is the write's problem, reported there
    }
    for (const name of names) {
      const pid = Number(TEMPORARY_NAME.exec(name)?.[1]);
      if (!Number.isSafeInteger(pid) || pid <= 0 || isAlive(pid)) continue;
      const path = join(folder, name);
      try {
        if (!lstatSync(path).isFile()) continue;
        unlinkSync(path);
        this.removedFiles.push(path);
      } catch {
        // gone already, or not ours to remove
      }
    }
  }
}

function refused(reason: string): WriteResult {
  return { written: false, reason };
}

/** The real path the write goes to; a file expected absent has none yet (its folder's real path and its name). */
function realPathForWrite(path: string, expected: ExpectedFile): string | undefined {
  try {
    return realpathSync.native(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (!('absent' in expected)) return undefined; // removed meanwhile: not recreated
  try {
    if (lstatSync(path).isSymbolicLink()) return undefined; // a dangling link: writing would create its target
  } catch {
    // absent indeed
  }
  return join(realpathSync.native(dirname(path)), basename(path));
}

function lstatOrUndefined(path: string): BigIntStats | undefined {
  try {
    return lstatSync(path, { bigint: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function stillAsRead(real: string, current: BigIntStats | undefined, expected: ExpectedFile): boolean {
  if ('absent' in expected) return current === undefined;
  if (!current?.isFile()) return false;
  if ('text' in expected) return readFileSync(real, 'utf8') === expected.text;
  const { fingerprint } = expected;
  return (
    current.dev === fingerprint.dev &&
    current.ino === fingerprint.ino &&
    current.size === fingerprint.size &&
    current.mtimeNs === fingerprint.mtimeNs &&
    current.ctimeNs === fingerprint.ctimeNs
  );
}

function outsideReason(path: string, real: string): string {
  let link = false;
  try {
    link = lstatSync(path).isSymbolicLink();
  } catch {
    // gone: described by its real path
  }
  return link
    ? `symlink to ${quotePath(real)}, outside the work tree: not followed for writing`
    : `outside the work tree (its real path is ${quotePath(real)}): not followed for writing`;
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // alive, someone else's
  }
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // never created, or already gone
  }
}
