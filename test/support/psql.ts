/**
 * Runs a SQL file the way a deploy does: `psql -X -v ON_ERROR_STOP=1 -f <file>`. psql comes from PATH, the highest
 * /usr/lib/postgresql/<version>/bin, or the embedded server's bin folder (which ships none today). Without any psql
 * the file goes through PostgreSQL's own parser (libpg-query) split into statements, each sent on its own with the
 * simple query protocol, as psql sends them; the test output then says so.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadModule, parseSync } from 'libpg-query';
import pg from 'pg';
import { findEmbeddedBinDir } from '../setup/embedded-postgres.js';

export function findPsql(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':'))
    if (dir && existsSync(join(dir, 'psql'))) return join(dir, 'psql');
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((name) => existsSync(join(root, name, 'bin', 'psql')))
      .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a));
    if (versions[0] !== undefined) return join(root, versions[0], 'bin', 'psql');
  }
  const embedded = findEmbeddedBinDir();
  return embedded !== undefined && existsSync(join(embedded, 'psql')) ? join(embedded, 'psql') : undefined;
}

let warned = false;

/** Applies the file; throws with psql's (or the server's) message on the first failing statement. */
export async function runSqlFile(url: string, file: string): Promise<void> {
  const psql = findPsql();
  if (psql !== undefined) {
    try {
      execFileSync(psql, ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', url, '-f', file], { stdio: 'pipe' });
    } catch (error) {
      throw new Error(`psql -f failed: ${String((error as { stderr?: Buffer }).stderr ?? error)}`, { cause: error });
    }
    return;
  }
  if (!warned)
    console.warn('no psql binary found: SQL files run statement by statement through libpg-query and pg instead');
  warned = true;
  await loadModule();
  const text = readFileSync(file, 'utf8');
  const bytes = Buffer.from(text);
  const client = new pg.Client(url);
  await client.connect();
  try {
    for (const { stmt_location = 0, stmt_len } of parseSync(text).stmts as {
      stmt_location?: number;
      stmt_len?: number;
    }[]) {
      // Locations are byte offsets; a last statement without a length runs to the end of the file.
      const statement = bytes
        .subarray(stmt_location, stmt_len === undefined || stmt_len === 0 ? undefined : stmt_location + stmt_len)
        .toString();
      await client.query(statement);
    }
  } finally {
    await client.end();
  }
}
