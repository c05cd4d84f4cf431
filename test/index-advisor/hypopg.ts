/**
 * Whether the server binaries the tests start have HypoPG, decided before any test is declared so a missing
 * extension is named in the test summary (never a silent skip), and a marker that `.ci/run` checks: CI fails when
 * the HypoPG tests did not run.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findPostgresBinDir } from '../setup/postgres.js';

export const HYPOPG_MARKER = fileURLToPath(
  new URL('../../node_modules/.cache/quickwins/hypopg-tests-ran', import.meta.url),
);

export function serverMajor(binDir: string): string {
  const version = execFileSync(join(binDir, 'pg_config'), ['--version'], { encoding: 'utf8' });
  return /PostgreSQL (\d+)/.exec(version)?.[1] ?? '<major>';
}

/** The folder the server binaries really live in (PATH may hold symlinks to them), with pg_config and psql. */
export function serverBinDir(): string | undefined {
  try {
    return dirname(realpathSync(join(findPostgresBinDir().binDir, 'initdb')));
  } catch {
    return undefined; // no server binaries at all (the setup says so itself)
  }
}

export function hypopgInstalled(): { installed: boolean; hint: string } {
  const binDir = serverBinDir();
  if (binDir === undefined || !existsSync(join(binDir, 'pg_config'))) {
    return {
      installed: false,
      hint: 'no PostgreSQL server binaries with pg_config: apt-get install postgresql postgresql-<major>-hypopg',
    };
  }
  const shareDir = execFileSync(join(binDir, 'pg_config'), ['--sharedir'], { encoding: 'utf8' }).trim();
  const installed = existsSync(join(shareDir, 'extension', 'hypopg.control'));
  return { installed, hint: `apt-get install postgresql-${serverMajor(binDir)}-hypopg` };
}

export function markHypopgTestsRan(): void {
  mkdirSync(dirname(HYPOPG_MARKER), { recursive: true });
  writeFileSync(HYPOPG_MARKER, `${new Date().toISOString()}\n`);
}
