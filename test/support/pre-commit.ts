/**
 * The pre-commit framework (https://pre-commit.com) for the hook test, on a machine that does not have it.
 *
 * PyPI may be out of reach (it is on our CI), Debian's archive is not: the framework and its Python dependencies are
 * unpacked from Debian's packages into a cache under node_modules/.cache (test/support/debian.ts), and run by the
 * machine's python3 with PYTHONPATH pointing there, through a small `pre-commit` wrapper script.
 *
 * A `pre-commit` already on PATH is used as is, unless `QUICKWINS_TEST_PRE_COMMIT=provisioned` asks for the cache.
 * When neither works this throws, naming what failed: the test fails, it never skips.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { cacheFolder, provisionDebianPackages, runQuiet } from './debian.js';

/** Debian packages that make `python3 -m pre_commit` work for `language: system` hooks (bookworm names). */
export const PRE_COMMIT_DEBIAN_PACKAGES = [
  'pre-commit',
  'python3-cfgv',
  'python3-identify',
  'nodeenv',
  'python3-virtualenv',
  'python3-yaml',
];

const DEFAULT_CACHE = cacheFolder('quickwins-pre-commit');

export interface PreCommitProgram {
  /** Where it came from: already on PATH, or unpacked into the cache. */
  source: 'path' | 'provisioned';
  /** Environment additions for every process that runs pre-commit, including `git commit` (the installed hook). */
  env: NodeJS.ProcessEnv;
}

/** Debian's own python3 first: the unpacked C extensions (PyYAML) were built for it. */
function pythonInterpreter(): string {
  if (existsSync('/usr/bin/python3')) return '/usr/bin/python3';
  if (runQuiet('python3', ['--version']).ok) return 'python3';
  throw new Error('provisioning pre-commit needs python3 (none in /usr/bin or PATH)');
}

function envFor(prefix: string): NodeJS.ProcessEnv {
  const sitePackages = join(prefix, 'usr', 'lib', 'python3', 'dist-packages');
  return {
    PATH: [join(prefix, 'bin'), process.env.PATH ?? ''].join(delimiter),
    PYTHONPATH: [sitePackages, process.env.PYTHONPATH].filter(Boolean).join(delimiter),
  };
}

function works(env: NodeJS.ProcessEnv): { ok: boolean; output: string } {
  const result = spawnSync('pre-commit', ['--version'], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
  return {
    ok: result.status === 0,
    output: `${result.error?.message ?? ''}${result.stdout ?? ''}${result.stderr ?? ''}`.trim(),
  };
}

/** Fetches and unpacks the packages, with a `pre-commit` wrapper that runs them with the machine's python3. */
function provision(prefix: string): void {
  provisionDebianPackages('pre-commit', PRE_COMMIT_DEBIAN_PACKAGES, prefix, (staging) => {
    mkdirSync(join(staging, 'bin'));
    const sitePackages = join(prefix, 'usr', 'lib', 'python3', 'dist-packages');
    const wrapper = join(staging, 'bin', 'pre-commit');
    writeFileSync(
      wrapper,
      `#!/bin/sh\n# pre-commit unpacked from Debian's packages (see test/support/pre-commit.ts)\n` +
        `PYTHONPATH="${sitePackages}\${PYTHONPATH:+:$PYTHONPATH}" exec ${pythonInterpreter()} -m pre_commit "$@"\n`,
    );
    chmodSync(wrapper, 0o755);
  });
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
