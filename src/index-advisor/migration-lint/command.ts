/**
 * `quickwins lint-migrations <files...>`: prints `file:line  rule  message` per finding; exit 0 clean, 1 findings or a
 * file that cannot be read, 2 usage (no file given, a path that does not exist, not a migration file).
 */
import type { Command } from 'commander';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { relative, resolve } from 'node:path';

export interface LintIo {
  readonly cwd: string;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

export function registerLintMigrations(program: Command, io: LintIo, setExitCode: (code: number) => void): void {
  program
    .command('lint-migrations')
    .description(
      'check migration files (.sql, node-pg-migrate, knex) for index builds that block writes or fail in a transaction',
    )
    .argument('<files...>', 'migration files')
    .option('--json', 'print the findings as JSON')
    .action(async (files: string[], flags: { json?: boolean }) => {
      setExitCode(await runLintMigrations(files, flags, io));
    });
}

export async function runLintMigrations(
  files: readonly string[],
  flags: { json?: boolean },
  io: LintIo,
): Promise<number> {
  const { isMigrationFile, readMigration } = await import('./sources.js');
  const { lintMigration, loadSqlParser } = await import('./lint.js');
  const paths = files.map((file) => resolve(io.cwd, file));
  const missing = files.filter(
    (_file, index) => !existsSync(paths[index] ?? '') || !statSync(paths[index] ?? '').isFile(),
  );
  if (missing.length > 0) {
    io.stderr.write(`quickwins lint-migrations: not a file: ${missing.join(', ')}\n`);
    return 2;
  }
  const unsupported = files.filter((file) => !isMigrationFile(file));
  if (unsupported.length > 0) {
    io.stderr.write(`quickwins lint-migrations: not a migration file (.sql, .js, .ts, …): ${unsupported.join(', ')}\n`);
    return 2;
  }
  await loadSqlParser();
  const results: { file: string; line: number; rule: string; message: string }[] = [];
  let failed = false;
  for (const path of paths) {
    const shown = relative(io.cwd, path) || path;
    try {
      for (const finding of lintMigration(readMigration(path, readFileSync(path, 'utf8'))))
        results.push({ file: shown, ...finding });
    } catch (error) {
      failed = true;
      io.stderr.write(`quickwins lint-migrations: ${shown}: cannot read: ${(error as Error).message.split('\n')[0]}\n`);
    }
  }
  if (flags.json) io.stdout.write(`${JSON.stringify({ files: paths.length, findings: results }, null, 2)}\n`);
  else {
    for (const item of results) io.stdout.write(`${item.file}:${item.line}  ${item.rule}  ${item.message}\n`);
    io.stderr.write(`lint-migrations: ${paths.length} file(s), ${results.length} finding(s)\n`);
  }
  return failed || results.length > 0 ? 1 : 0;
}
