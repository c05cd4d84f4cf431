/**
 * Programs the tests need but npm does not ship (pre-commit, redis-server, librdkafka), taken from Debian's archive
 * when the machine lacks them: `apt-get download` (no root needed, nothing installed system-wide) and `dpkg-deb -x`
 * into a cache under node_modules/.cache. The second run finds the cache and fetches nothing.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** node_modules/.cache/<name>: where one tool's packages are unpacked. */
export function cacheFolder(name: string): string {
  return join(repoRoot, 'node_modules', '.cache', name);
}

export function runQuiet(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): { ok: boolean; output: string } {
  const result = spawnSync(command, args, { cwd: options.cwd, env: options.env, encoding: 'utf8', timeout: 300_000 });
  const output = `${result.error?.message ?? ''}${result.stdout ?? ''}${result.stderr ?? ''}`.trim();
  return { ok: result.status === 0, output };
}

function downloadDebs(what: string, packages: readonly string[], into: string): void {
  const download = (): { ok: boolean; output: string } => runQuiet('apt-get', ['download', ...packages], { cwd: into });
  let result = download();
  // A fresh image has empty package lists; root can fill them (that changes no installed package).
  if (!result.ok && process.getuid?.() === 0 && runQuiet('apt-get', ['update', '-qq']).ok) result = download();
  if (!result.ok) {
    throw new Error(
      `could not provision ${what}: apt-get download ${packages.join(' ')} failed ` +
        `(install ${what} yourself, or run apt-get update first):\n${result.output}`,
    );
  }
}

function unpack(what: string, debFolder: string, into: string): void {
  for (const deb of readdirSync(debFolder).filter((name) => name.endsWith('.deb'))) {
    const result = runQuiet('dpkg-deb', ['-x', join(debFolder, deb), into]);
    if (!result.ok) throw new Error(`could not provision ${what}: dpkg-deb -x ${deb} failed:\n${result.output}`);
  }
}

/**
 * Downloads and unpacks `packages` into `prefix` (replacing what was there), through a fresh folder moved into
 * place at the end, so an interrupted run leaves no half cache. `finish` may add files (wrappers) before the move.
 */
export function provisionDebianPackages(
  what: string,
  packages: readonly string[],
  prefix: string,
  finish?: (staging: string) => void,
): void {
  const staging = `${prefix}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  const debs = join(staging, 'debs');
  mkdirSync(debs, { recursive: true });
  try {
    downloadDebs(what, packages, debs);
    unpack(what, debs, staging);
    rmSync(debs, { recursive: true, force: true });
    finish?.(staging);
    rmSync(prefix, { recursive: true, force: true });
    renameSync(staging, prefix);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** The unpacked shared-library folders (`lib/<triplet>`, `usr/lib/<triplet>`), for LD_LIBRARY_PATH. */
export function libraryPath(prefix: string): string {
  const folders = ['lib', join('usr', 'lib')].flatMap((base) => {
    const root = join(prefix, base);
    if (!existsSync(root)) return [];
    return readdirSync(root)
      .filter((name) => name.endsWith('-linux-gnu'))
      .map((name) => join(root, name));
  });
  return [...folders, process.env.LD_LIBRARY_PATH].filter(Boolean).join(delimiter);
}
