/**
 * `quickwins index-advisor`: its options, registered on the CLI's commander program by src/cli/main.ts. The run
 * (and pg, libpg-query) loads only when the command is used, so codemod runs do not pay for it.
 */
import { Option, type Command } from 'commander';
import type { AdviseOptions } from './advisor.js';
import type { IndexAdvisorFlags } from './run.js';

/** Kept in step with migration.ts's MIGRATION_FORMATS (not imported, to keep this module light). */
const FORMATS = ['sql', 'node-pg-migrate', 'knex'];
const JUDGES: AdviseOptions['judge'][] = ['auto', 'hypopg', 'estimate'];

export interface CommandIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly env: NodeJS.ProcessEnv;
}

export function registerIndexAdvisor(program: Command, io: CommandIo, setExitCode: (code: number) => void): void {
  program
    .command('index-advisor')
    .description(
      'find missing PostgreSQL indexes from pg_stat_statements and write a safe migration (read-only unless --apply)',
    )
    .option('--database-url <url>', 'the database to analyse (default: $DATABASE_URL)')
    .option('--out <dir>', 'write the migration into this folder')
    .addOption(new Option('--format <format>', 'migration format').choices(FORMATS).default('sql'))
    .option('--apply', 'build the proposed indexes now, one by one (CREATE INDEX CONCURRENTLY), checking each is valid')
    .option('--verify', 'with --apply: EXPLAIN the served statements before and after')
    .option('--json', 'print one JSON document instead of the table')
    .addOption(
      new Option('--judge <method>', 'hypopg (planner with hypothetical indexes), estimate, or auto')
        .choices(JUDGES)
        .default('auto'),
    )
    .option(
      '--min-saving <percent>',
      'propose only indexes that cut a statement’s planner cost by at least this much',
      '50',
    )
    .option('--min-calls <n>', 'ignore statements called fewer times', '1')
    .option(
      '--lock-timeout <duration>',
      'lock_timeout for each build (migration and --apply): 500ms, 5s, 10min, 1h, 1d; 0 = none',
      '5s',
    )
    .option(
      '--statement-timeout <duration>',
      'statement_timeout for each build (migration and --apply); 0 = none',
      '1h',
    )
    .option('--connect-timeout <duration>', 'client-side limit on connecting to the server', '10s')
    .option(
      '--query-timeout <duration>',
      'client-side limit on each analysis query (a build: --statement-timeout plus this)',
      '60s',
    )
    .action(async (flags: IndexAdvisorFlags) => {
      const { runIndexAdvisor } = await import('./run.js');
      setExitCode(await runIndexAdvisor(flags, io));
    });
}
