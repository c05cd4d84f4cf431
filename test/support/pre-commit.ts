/**
 * The pre-commit framework (https://pre-commit.com) for the hook test, on a machine that does not have it.
 *
 * PyPI may be out of reach (it is on our CI), Debian's archive is not: the framework and its Python dependencies are
 * fetched as .deb files with `apt-get download` (no root needed, nothing installed system-wide), unpacked with
 * `dpkg-deb -x` into a cache under node_modules/.cache, and run by the machine's python3 with PYTHONPATH pointing
 * there, through a small `pre-commit` wrapper script. The second run finds the cache and fetches nothing.
 *
 * A `pre-commit` already on PATH is used as is, unless `QUICKWINS_TEST_PRE_COMMIT=provisioned` asks for the cache.
 * When neither works this throws, naming what failed: the test fails, it never skips.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Debian packages that make `python3 -m pre_commit` work for `language: system` hooks (bookworm names). */
export const PRE_COMMIT_DEBIAN_PACKAGES = ['pre-commit', 'python3-cfgv', 'python3-identify', 'nodeenv', 'python3-virtualenv', 'python3-yaml'];

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const DEFAULT_CACHE = join(repoRoot, 'node_modules', '.cache', 'quickwins-pre-commit');

export interface PreCommitProgram {
  /** Where it came from: already on PATH, or unpacked into the cache. */
  source: 'path' | 'provisioned';
  /** Environment additions for every process that runs pre-commit, including `git commit` (the installed hook). */
  env: NodeJS.ProcessEnv;
}

function runQuiet(command: string, args: readonly string[], cwd?: string): { ok: boolean; output: string } {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 300_000 });
  const output = `${result.error?.message ?? ''}${result.stdout ?? ''}${result.stderr ?? ''}`.trim();
  return { ok: result.status === 0, output };
}

/** Debian's own python3 first: the unpacked C extensions (PyYAML) were built for it. */
function pythonInterpreter(): string {
  if (existsSync('/usr/bin/python3')) return '/usr/bin/python3';
  if (runQuiet('python3', ['--version']).ok) return 'python3';
  throw new Error('provisioning pre-commit needs python3 (none in /usr/bin or PATH)');
}

function downloadDebs(into: string): void {
  const download = (): { ok: boolean; output: string } => runQuiet('apt-get', ['download', ...PRE_COMMIT_DEBIAN_PACKAGES], into);
  let result = download();
  // A fresh image has empty package lists; root can fill them (that changes no installed package).
  if (!result.ok && process.getuid?.() === 0 && runQuiet('apt-get', ['update', '-qq']).ok) result = download();
  if (!result.ok) {
    throw new Error(
      `could not provision pre-commit: apt-get download ${PRE_COMMIT_DEBIAN_PACKAGES.join(' ')} failed ` +
        `(install pre-commit yourself, or run apt-get update first):\n${result.output}`,
    );
  }
}

function unpack(debFolder: string, into: string): void {
  for (const deb of readdirSync(debFolder).filter((name) => name.endsWith('.deb'))) {
    const result = runQuiet('dpkg-deb', ['-x', join(debFolder, deb), into]);
    if (!result.ok) throw new Error(`could not provision pre-commit: dpkg-deb -x ${deb} failed:\n${result.output}`);
  }
}

function envFor(prefix: string): NodeJS.ProcessEnv {
  const sitePackages = join(prefix, 'usr', 'lib', 'python3', 'dist-packages');
  return {
    PATH: [join(prefix, 'bin'), process.env.PATH ?? ''].join(delimiter),
    PYTHONPATH: [sitePackages, process.env.PYTHONPATH].filter(Boolean).join(delimiter),
  };
}

function works(env: NodeJS.ProcessEnv): { ok: boolean; output: string } {
  const result = spawnSync('pre-commit', ['--version'], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });
  return { ok: result.status === 0, output: `${result.error?.message ?? ''}${result.stdout ?? ''}${result.stderr ?? ''}`.trim() };
}

/** Fetches and unpacks into a fresh folder, then moves it into place, so an interrupted run leaves no half cache. */
function provision(prefix: string): void {
  const staging = `${prefix}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  const debs = join(staging, 'debs');
  mkdirSync(debs, { recursive: true });
  try {
    downloadDebs(debs);
    unpack(debs, staging);
    rmSync(debs, { recursive: true, force: true });
    mkdirSync(join(staging, 'bin'));
    const sitePackages = join(prefix, 'usr', 'lib', 'python3', 'dist-packages');
    const wrapper = join(staging, 'bin', 'pre-commit');
    writeFileSync(
      wrapper,
      `#!/bin/sh\n# pre-commit unpacked from Debian's packages (see test/support/pre-commit.ts)\n` +
        `PYTHONPATH="${sitePackages}\${PYTHONPATH:+:$PYTHONPATH}" exec ${pythonInterpreter()} -m pre_commit "$@"\n`,
    );
    chmodSync(wrapper, 0o755);
    rmSync(prefix, { recursive: true, force: true });
    renameSync(staging, prefix);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** pre-commit from PATH, else from the cache (filled on first use). Throws when it cannot get a working one. */
export function ensurePreCommit(cacheRoot = DEFAULT_CACHE): PreCommitProgram {
  if (process.env.QUICKWINS_TEST_PRE_COMMIT !== 'provisioned' && works({}).ok) return { source: 'path', env: {} };
  const prefix = join(cacheRoot, 'debian');
  const env = envFor(prefix);
  if (!works(env).ok) provision(prefix);
  const check = works(env);
  if (!check.ok) throw new Error(`pre-commit unpacked into ${prefix} does not run:\n${check.output}`);
  return { source: 'provisioned', env };
}
