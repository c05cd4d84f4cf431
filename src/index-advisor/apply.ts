/**
 * --apply: the migration's statements one by one on one connection (never in a transaction), each build checked in
 * pg_index.indisvalid afterwards. A failed or cancelled CONCURRENTLY build leaves an INVALID index behind, which
 * IF NOT EXISTS would skip on the next run: it is dropped and reported.
 */
import type pg from 'pg';
import { dropIndexStatement, quoteIdent } from './index-sql.js';
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
  const qualified = `${quoteIdent(proposal.candidate.table.schema)}.${quoteIdent(proposal.name)}`;
  const result = await client.query<{ valid: boolean }>('SELECT indisvalid AS valid FROM pg_index WHERE indexrelid = to_regclass($1)', [qualified]);
  return result.rows[0]?.valid;
}

/**
 * Drops an INVALID leftover with the server's default timeouts (the build's own statement_timeout may be what
 * cancelled it). Returns the error message when even that fails, e.g. a long transaction still holds the table.
 */
async function dropLeftover(client: pg.ClientBase, proposal: Proposal, settings: MigrationSettings): Promise<string | undefined> {
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

export async function applyProposals(client: pg.ClientBase, proposals: readonly Proposal[], settings: MigrationSettings): Promise<ApplyOutcome[]> {
  for (const statement of settingStatements(settings)) await client.query(statement);
  const outcomes: ApplyOutcome[] = [];
  for (const proposal of proposals) {
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
        await client.query(proposal.definition);
      } catch (error) {
        message = (error as Error).message.split('\n')[0];
      }
    }
    const after = await validity(client, proposal);
    if (after === false) {
      const dropError = await dropLeftover(client, proposal, settings);
      if (dropError === undefined) droppedInvalid = true;
      message = `${message ?? 'the build left the index INVALID'}${
        dropError === undefined ? '' : `; the INVALID index is still there (${dropError}): ${dropIndexStatement(proposal.name, proposal.candidate.table)}`
      }`;
    }
    const seconds = (performance.now() - started) / 1000;
    const status = message !== undefined || after !== true ? 'failed' : before === true ? 'already-existed' : 'created';
    outcomes.push({ name: proposal.name, definition: proposal.definition, status, message, droppedInvalid, seconds });
  }
  return outcomes;
}
