/**
 * The index-advisor run: analysis, then the migration file, --apply, --verify; output and exit code (0 done,
 * 1 failure, 2 usage).
 */
import type pg from 'pg';
import { adviseIndexes, connect, DEFAULT_ADVISE_OPTIONS, type AdviceRun, type AdviseOptions } from './advisor.js';
import { applyProposals } from './apply.js';
import { AdvisorError, checkDatabaseUrl, describeDatabaseError } from './errors.js';
import { explainGeneric, indexesUsed } from './judge.js';
import { writeMigration, type MigrationFormat, type MigrationSettings } from './migration.js';
import type { CommandIo } from './command.js';
import { jsonReport, textReport, type RunReport, type VerifiedStatement } from './report.js';

export interface IndexAdvisorFlags {
  readonly databaseUrl?: string;
  readonly out?: string;
  readonly format: MigrationFormat;
  readonly apply?: boolean;
  readonly verify?: boolean;
  readonly json?: boolean;
  readonly judge: AdviseOptions['judge'];
  readonly minSaving: string;
  readonly minCalls: string;
  readonly lockTimeout: string;
  readonly statementTimeout: string;
}

export async function runIndexAdvisor(flags: IndexAdvisorFlags, io: CommandIo): Promise<number> {
  let client: pg.Client | undefined;
  let url = '';
  try {
    const options = adviseOptions(flags);
    if (flags.verify && !flags.apply) throw new AdvisorError('--verify compares plans before and after --apply: pass both', 2);
    url = checkDatabaseUrl(flags.databaseUrl ?? io.env.DATABASE_URL);
    const settings: MigrationSettings = { lockTimeout: flags.lockTimeout, statementTimeout: flags.statementTimeout };
    client = await connect(url);
    const run = await adviseIndexes(client, options);
    const report: { -readonly [K in keyof RunReport]: RunReport[K] } = { advice: run.advice };
    if (flags.out !== undefined && run.advice.proposals.length > 0) {
      report.migrationPath = writeMigration(flags.out, flags.format, run.advice.proposals, settings);
    }
    if (flags.apply) {
      report.applied = await applyProposals(client, run.advice.proposals, settings);
      if (flags.verify) report.verified = await verify(client, run);
    }
    io.stdout.write(flags.json ? `${jsonReport(report)}\n` : textReport(report));
    return report.applied?.some((outcome) => outcome.status === 'failed') ? 1 : 0;
  } catch (error) {
    const failure = error instanceof AdvisorError ? error : describeDatabaseError(error, url);
    io.stderr.write(`quickwins index-advisor: ${failure.message}\n`);
    return failure.exitCode;
  } finally {
    await client?.end().catch(() => undefined);
  }
}

function adviseOptions(flags: IndexAdvisorFlags): AdviseOptions {
  const saving = Number(flags.minSaving);
  if (!Number.isFinite(saving) || saving <= 0 || saving >= 100) {
    throw new AdvisorError(`--min-saving needs a percentage between 0 and 100, got ${JSON.stringify(flags.minSaving)}`, 2);
  }
  const calls = Number(flags.minCalls);
  if (!Number.isInteger(calls) || calls < 1) throw new AdvisorError(`--min-calls needs a whole number ≥ 1, got ${JSON.stringify(flags.minCalls)}`, 2);
  return { ...DEFAULT_ADVISE_OPTIONS, judge: flags.judge, minSaving: saving / 100, minCalls: calls };
}

/** The served statements planned again with the new indexes real (no hypothetical ones). */
async function verify(client: pg.ClientBase, run: AdviceRun): Promise<VerifiedStatement[]> {
  const verified: VerifiedStatement[] = [];
  for (const proposal of run.advice.proposals) {
    for (const cost of proposal.served) {
      const statement = run.statements.get(cost.queryId);
      const before = run.plansBefore.get(cost.queryId);
      if (!statement || !before) continue;
      const after = await explainGeneric(client, statement, run.catalog.serverVersion);
      verified.push({
        queryId: cost.queryId,
        query: statement.statement.query,
        costBefore: before['Total Cost'],
        costAfter: after['Total Cost'],
        indexesBefore: indexesUsed(before),
        indexesAfter: indexesUsed(after),
      });
    }
  }
  return verified;
}
