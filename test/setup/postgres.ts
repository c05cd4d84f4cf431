/**
 * vitest globalSetup: a throwaway PostgreSQL cluster for the whole test run.
 *
 * - `DATABASE_URL` set → use it as is (nothing is started or removed).
 * - otherwise → `initdb` + `pg_ctl` into a fresh temp dir on a free loopback port, trust auth, fsync off,
 *   as user `postgres` when we run as root (initdb refuses root), removed again in teardown.
 * - neither works → setup throws with a message saying what to install or set. Tests never skip silently.
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

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}

const run = promisify(execFile);

export interface ThrowawayPostgres {
  url: string;
  /** Stops the server and removes its directory. Safe to call twice. */
  stop(): Promise<void>;
}

const PG_USER = 'postgres';

/** initdb from PATH, else the highest `/usr/lib/postgresql/<version>/bin`. Undefined when neither exists. */
export function findPostgresBinDir(): string | undefined {
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

/** Root cannot run initdb/postgres: run them as `postgres` through runuser (or su). */
function runnerForCurrentUser(): Runner {
  const isRoot = process.getuid?.() === 0;
  if (!isRoot) {
    return {
      exec: async (file, args) => void (await run(file, args, { timeout: 60_000 })),
      execSync: (file, args) => void execFileSync(file, args, { stdio: 'ignore', timeout: 30_000 }),
    };
  }
  const wrap = (file: string, args: string[]): [string, string[]] => {
    if (existsSync('/usr/sbin/runuser') || existsSync('/sbin/runuser')) return ['runuser', ['-u', PG_USER, '--', file, ...args]];
    const quoted = [file, ...args].map((part) => `'${part.replaceAll("'", `'\\''`)}'`).join(' ');
    return ['su', [PG_USER, '-s', '/bin/sh', '-c', quoted]];
  };
  return {
    exec: async (file, args) => void (await run(...wrap(file, args), { timeout: 60_000 })),
    execSync: (file, args) => void execFileSync(...wrap(file, args), { stdio: 'ignore', timeout: 30_000 }),
  };
}

function postgresUserIds(): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith(`${PG_USER}:`));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (uid === undefined || gid === undefined) {
    throw new Error(`running as root, but there is no '${PG_USER}' user to own the throwaway cluster (create it, or set DATABASE_URL)`);
  }
  return { uid: Number(uid), gid: Number(gid) };
}

function describeFailure(error: unknown): string {
  const failed = error as { stderr?: string; message?: string };
  return (failed.stderr || failed.message || String(error)).trim();
}

export interface ThrowawayOptions {
  /** Extra `name=value` server settings, e.g. `shared_preload_libraries=pg_stat_statements`. */
  readonly serverSettings?: readonly string[];
}

/** Starts a fresh cluster: trust auth, loopback only, no fsync, sockets in its own dir. */
export async function startThrowawayPostgres(options: ThrowawayOptions = {}): Promise<ThrowawayPostgres> {
  const binDir = findPostgresBinDir();
  if (binDir === undefined) {
    throw new Error(
      'PostgreSQL tests need a server: neither initdb/pg_ctl (in PATH or /usr/lib/postgresql/*/bin) nor DATABASE_URL was found. ' +
        'Install PostgreSQL (Debian: apt-get install postgresql) or set DATABASE_URL=postgres://user@host:port/db.',
    );
  }
  const runner = runnerForCurrentUser();
  const dir = mkdtempSync(join(tmpdir(), 'quickwins-pg-'));
  if (process.getuid?.() === 0) {
    const { uid, gid } = postgresUserIds();
    chownSync(dir, uid, gid);
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
      const serverOptions = [
        `-p ${port}`,
        `-k ${dir}`,
        '-c listen_addresses=127.0.0.1',
        '-F', // fsync off: the data is thrown away anyway
        '-c synchronous_commit=off',
        '-c full_page_writes=off',
        '-c max_connections=200',
        '-c shared_buffers=32MB',
        ...(options.serverSettings ?? []).map((setting) => `-c ${setting}`),
      ].join(' ');
      try {
        await runner.exec(pgCtl, ['start', '-D', dataDir, '-l', logFile, '-w', '-t', '30', '-o', serverOptions]);
        started = true;
        return { url: `postgres://${PG_USER}@127.0.0.1:${port}/postgres`, stop };
      } catch (error) {
        lastError = error;
      }
    }
    const log = existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-2000) : '';
    throw new Error(`pg_ctl could not start the throwaway cluster: ${describeFailure(lastError)}\n${log}`, { cause: lastError });
  } catch (error) {
    await stop();
    process.removeListener('exit', stopOnExit);
    throw new Error(`could not start a throwaway PostgreSQL (user ${userInfo().username}): ${describeFailure(error)}`, {
      cause: error,
    });
  }
}

/** `DATABASE_URL` when set, else a throwaway cluster. */
export async function resolveDatabase(): Promise<ThrowawayPostgres> {
  const fromEnv = process.env.DATABASE_URL;
  if (fromEnv) return { url: fromEnv, stop: async () => undefined };
  return startThrowawayPostgres();
}

/** One round trip, so a wrong DATABASE_URL fails the run here with one clear message, not in every test. */
async function assertReachable(url: string, source: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
    await client.query('select 1');
  } catch (error) {
    const where = url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
    throw new Error(`PostgreSQL from ${source} (${where}) is not reachable: ${describeFailure(error)}`, { cause: error });
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
  project.provide('databaseUrl', database.url);
  process.env.QUICKWINS_TEST_DATABASE_URL = database.url;
  return async () => {
    await database.stop();
  };
}
