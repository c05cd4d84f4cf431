/**
 * The index-advisor run: analysis, then the migration file, --apply, --verify; output and exit code (0 done,
 * 1 failure, 2 usage).
 */
import type pg from 'pg';
import {
  adviseIndexes,
  connect,
  disconnect,
  DEFAULT_ADVISE_OPTIONS,
  type AdviceRun,
  type AdviseOptions,
  type ClientTimeouts,
} from './advisor.js';
import { applyProposals } from './apply.js';
import { durationMs } from './duration.js';
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
  readonly connectTimeout: string;
  readonly queryTimeout: string;
}

export async function runIndexAdvisor(flags: IndexAdvisorFlags, io: CommandIo): Promise<number> {
  let client: pg.Client | undefined;
  let url = '';
  try {
    const options = adviseOptions(flags);
    const { settings, statementTimeoutMs } = migrationSettings(flags);
    const timeouts: ClientTimeouts = {
      connectMs: durationMs('--connect-timeout', flags.connectTimeout, { allowZero: false }),
      queryMs: durationMs('--query-timeout', flags.queryTimeout, { allowZero: false }),
    };
    if (flags.verify && !flags.apply)
      throw new AdvisorError('--verify compares plans before and after --apply: pass both', 2);
    url = checkDatabaseUrl(flags.databaseUrl ?? io.env.DATABASE_URL);
    client = await connect(url, timeouts);
    const run = await adviseIndexes(client, options);
    const report: { -readonly [K in keyof RunReport]: RunReport[K] } = { advice: run.advice };
    if (flags.out !== undefined && run.advice.proposals.length > 0) {
      report.migrationPath = writeMigration(flags.out, flags.format, run.advice.proposals, settings, run.advice.method);
    }
    if (flags.apply) {
      // The server's statement_timeout ends a build first; the client waits that long plus one query's limit.
      const buildLimitMs = statementTimeoutMs === 0 ? undefined : statementTimeoutMs + timeouts.queryMs;
      report.applied = await applyProposals(client, run.advice.proposals, settings, buildLimitMs);
      const connectionLost = report.applied.some((outcome) => outcome.message?.includes('the connection was lost'));
      if (flags.verify && !connectionLost) report.verified = await verify(client, run);
    }
    io.stdout.write(flags.json ? `${jsonReport(report)}\n` : textReport(report));
    return exitCode(report);
  } catch (error) {
    const failure = error instanceof AdvisorError ? error : describeDatabaseError(error, url);
    io.stderr.write(`quickwins index-advisor: ${failure.message}\n`);
    return failure.exitCode;
  } finally {
    if (client) await disconnect(client);
  }
}

/** 1 when a build failed, or when the workload reads tables but none of its statements could be analysed. */
function exitCode(report: RunReport): number {
  if (report.applied?.some((outcome) => outcome.status === 'failed')) return 1;
  const { advice } = report;
  return advice.unanalysedTables.length > 0 && advice.statementsAnalysed === 0 ? 1 : 0;
}

function migrationSettings(flags: IndexAdvisorFlags): { settings: MigrationSettings; statementTimeoutMs: number } {
  durationMs('--lock-timeout', flags.lockTimeout, { allowZero: true });
  const statementTimeoutMs = durationMs('--statement-timeout', flags.statementTimeout, { allowZero: true });
  return {
    settings: { lockTimeout: flags.lockTimeout.trim(), statementTimeout: flags.statementTimeout.trim() },
    statementTimeoutMs,
  };
}

function adviseOptions(flags: IndexAdvisorFlags): AdviseOptions {
  const saving = Number(flags.minSaving);
  if (!Number.isFinite(saving) || saving <= 0 || saving >= 100) {
    throw new AdvisorError(
      `--min-saving needs a percentage between 0 and 100, got ${JSON.stringify(flags.minSaving)}`,
      2,
    );
  }
  const calls = Number(flags.minCalls);
  if (!Number.isInteger(calls) || calls < 1)
    throw new AdvisorError(`--min-calls needs a whole number ≥ 1, got ${JSON.stringify(flags.minCalls)}`, 2);
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
