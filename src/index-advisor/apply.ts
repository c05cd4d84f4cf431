/**
 * --apply: the migration's statements one by one on one connection (never in a transaction), each build checked in
 * pg_index.indisvalid afterwards. A failed or cancelled CONCURRENTLY build leaves an INVALID index behind, which
 * IF NOT EXISTS would skip on the next run: it is dropped and reported.
 */
import type pg from 'pg';
import { dropIndexStatement, qualifiedIndexName } from './index-sql.js';
import { settingStatements, type MigrationSettings } from './migration.js';
import type { Proposal } from './types.js';

export interface ApplyOutcome {
  readonly name: string;
  readonly definition: string;
  readonly status: 'created' | 'already-existed' | 'failed';
  readonly message?: string;
  readonly droppedInvalid: boolean;
  readonly seconds: number;
}

async function validity(client: pg.ClientBase, proposal: Proposal): Promise<boolean | undefined> {
  const qualified = qualifiedIndexName(proposal.name, proposal.candidate.table);
  const result = await client.query<{ valid: boolean }>(
    'SELECT indisvalid AS valid FROM pg_index WHERE indexrelid = to_regclass($1)',
    [qualified],
  );
  return result.rows[0]?.valid;
}

/**
 * Drops an INVALID leftover with the server's default timeouts (the build's own statement_timeout may be what
 * cancelled it). Returns the error message when even that fails, e.g. a long transaction still holds the table.
 */
async function dropLeftover(
  client: pg.ClientBase,
  proposal: Proposal,
  settings: MigrationSettings,
): Promise<string | undefined> {
  try {
    await client.query('RESET statement_timeout');
    await client.query('RESET lock_timeout');
    await client.query(dropIndexStatement(proposal.name, proposal.candidate.table));
    return undefined;
  } catch (error) {
    return (error as Error).message.split('\n')[0];
  } finally {
    for (const statement of settingStatements(settings)) await client.query(statement);
  }
}

/** The first line of a pg error, for one-line outcomes. */
function firstLine(error: unknown): string {
  return ((error as Error).message ?? String(error)).split('\n')[0] ?? '';
}

/** setTimeout's ceiling: a build with no statement_timeout gets this client-side limit (24.8 days). */
const LONGEST_TIMER_MS = 2_147_483_647;

/**
 * `buildLimitMs`: how long the client waits for one build (the server's statement_timeout should end it first).
 */
export async function applyProposals(
  client: pg.ClientBase,
  proposals: readonly Proposal[],
  settings: MigrationSettings,
  buildLimitMs: number = LONGEST_TIMER_MS,
): Promise<ApplyOutcome[]> {
  for (const statement of settingStatements(settings)) await client.query(statement);
  const outcomes: ApplyOutcome[] = [];
  let lost: string | undefined;
  for (const proposal of proposals) {
    if (lost !== undefined) {
      outcomes.push({
        name: proposal.name,
        definition: proposal.definition,
        status: 'failed',
        message: `not attempted: ${lost}`,
        droppedInvalid: false,
        seconds: 0,
      });
      continue;
    }
    const started = performance.now();
    let droppedInvalid = false;
    let message: string | undefined;
    const before = await validity(client, proposal);
    if (before === false) {
      // A leftover of an earlier failed build: IF NOT EXISTS would keep it, so drop it and build again.
      const dropError = await dropLeftover(client, proposal, settings);
      if (dropError === undefined) droppedInvalid = true;
      else message = `an INVALID index of that name exists and could not be dropped: ${dropError}`;
    }
    if (message === undefined) {
      try {
        // query_timeout per query is read by pg's Client but missing from its QueryConfig type.
        const build = {
          text: proposal.definition,
          query_timeout: Math.min(buildLimitMs, LONGEST_TIMER_MS),
        } as pg.QueryConfig;
        await client.query(build);
      } catch (error) {
        message = firstLine(error);
      }
    }
    let after: boolean | undefined;
    try {
      after = await validity(client, proposal);
    } catch (error) {
      // The backend died (killed, server restart): a concurrent build it started stays behind as an INVALID index.
      lost = `the connection was lost (${firstLine(error)})`;
      const drop = dropIndexStatement(proposal.name, proposal.candidate.table);
      message = `${message ?? 'the build did not finish'}; ${lost}: an INVALID index ${qualifiedIndexName(proposal.name, proposal.candidate.table)} may be left, which the next run drops and builds again (or: ${drop})`;
    }
    if (after === false) {
      const dropError = await dropLeftover(client, proposal, settings);
      if (dropError === undefined) droppedInvalid = true;
      message = `${message ?? 'the build left the index INVALID'}${
        dropError === undefined
          ? ''
          : `; the INVALID index is still there (${dropError}): ${dropIndexStatement(proposal.name, proposal.candidate.table)}`
      }`;
    }
    const seconds = (performance.now() - started) / 1000;
    const status = message !== undefined || after !== true ? 'failed' : before === true ? 'already-existed' : 'created';
    outcomes.push({ name: proposal.name, definition: proposal.definition, status, message, droppedInvalid, seconds });
  }
  return outcomes;
}
