/**
 * Write: the migration file for the proposed indexes. CREATE INDEX CONCURRENTLY cannot run inside a transaction,
 * so every format runs each statement on its own: plain SQL for `psql -f` (no --single-transaction), node-pg-migrate
 * with `pgm.noTransaction()`, knex with `config.transaction = false`. Each index is one statement (several
 * concurrent builds in one multi-statement string would run as one implicit transaction and fail). Names and
 * messages reach the file only through escape.ts: quoted identifiers, literals, one-line comments, JS strings.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { jsComment, jsString, sqlComment, sqlLiteral } from './escape.js';
import { dropIndexStatement } from './index-sql.js';
import type { JudgeMethod, Proposal } from './types.js';

export type MigrationFormat = 'sql' | 'node-pg-migrate' | 'knex';
export const MIGRATION_FORMATS: readonly MigrationFormat[] = ['sql', 'node-pg-migrate', 'knex'];

export interface MigrationSettings {
  /** How long a build may wait for a lock (and for older transactions) before it gives up, e.g. '5s'. */
  readonly lockTimeout: string;
  /** How long one build may run, e.g. '1h'; '0' means no limit. */
  readonly statementTimeout: string;
}

export function settingStatements(settings: MigrationSettings): string[] {
  return [
    `SET lock_timeout = ${sqlLiteral(settings.lockTimeout)}`,
    `SET statement_timeout = ${sqlLiteral(settings.statementTimeout)}`,
  ];
}

/** The file is UTF-8: said first, so psql reads the names in it as UTF-8 whatever the client's locale. */
const CLIENT_ENCODING = "SET client_encoding = 'UTF8'";

/** What a proposal's comment says; the caller escapes it for the file it goes into. */
function description(proposal: Proposal, method: JudgeMethod): string {
  const before = proposal.served.reduce((sum, cost) => sum + cost.before, 0);
  const after = proposal.served.reduce((sum, cost) => sum + cost.after, 0);
  const cost = method === 'hypopg' && !proposal.estimated ? 'planner cost' : 'estimated cost (not planner-judged)';
  return `${proposal.candidate.table.schema}.${proposal.candidate.table.name}: serves ${proposal.served.length} statement(s), ${proposal.calls} calls; ${cost} ${before.toFixed(0)} → ${after.toFixed(0)}`;
}

/** The statements that build one proposal: a same-definition INVALID leftover dropped first (IF NOT EXISTS would keep it). */
function buildStatements(proposal: Proposal): string[] {
  const drop = proposal.replacesInvalid ? [dropIndexStatement(proposal.name, proposal.candidate.table)] : [];
  return [...drop, proposal.definition];
}

const LEFTOVER_NOTE =
  'an INVALID index of this name and definition is left from an earlier build: dropped, then built again';

export function sqlMigration(
  proposals: readonly Proposal[],
  settings: MigrationSettings,
  method: JudgeMethod = 'hypopg',
): string {
  const lines = [
    '-- Indexes proposed by quickwins index-advisor.',
    '-- CREATE INDEX CONCURRENTLY cannot run inside a transaction: run this file with `psql -f <file>` as is, never',
    '-- with --single-transaction nor from a tool that wraps each file in BEGIN/COMMIT.',
    '-- A build that fails leaves an INVALID index that IF NOT EXISTS would then skip: check pg_index.indisvalid and',
    '-- drop a leftover (`quickwins index-advisor --apply` does both).',
    `${CLIENT_ENCODING};`,
    ...settingStatements(settings).map((statement) => `${statement};`),
    '',
  ];
  for (const proposal of proposals) {
    lines.push(sqlComment(description(proposal, method)));
    if (proposal.replacesInvalid) lines.push(sqlComment(LEFTOVER_NOTE));
    lines.push(sqlComment(`rollback: ${dropIndexStatement(proposal.name, proposal.candidate.table)};`));
    lines.push(...buildStatements(proposal).map((statement) => `${statement};`), '');
  }
  return lines.join('\n');
}

export function nodePgMigrateMigration(
  proposals: readonly Proposal[],
  settings: MigrationSettings,
  method: JudgeMethod = 'hypopg',
): string {
  const sql = (statement: string): string => `  pgm.sql(${jsString(statement)});`;
  const up = proposals.flatMap((proposal) => [
    `  ${jsComment(description(proposal, method))}`,
    ...buildStatements(proposal).map(sql),
  ]);
  const down = [...proposals]
    .reverse()
    .map((proposal) => sql(dropIndexStatement(proposal.name, proposal.candidate.table)));
  return [
    '// Indexes proposed by quickwins index-advisor. CREATE INDEX CONCURRENTLY cannot run inside a transaction:',
    '// noTransaction() runs this migration outside one, one statement per pgm.sql().',
    '/** @param {import("node-pg-migrate").MigrationBuilder} pgm */',
    'exports.up = (pgm) => {',
    '  pgm.noTransaction();',
    ...[CLIENT_ENCODING, ...settingStatements(settings)].map(sql),
    ...up,
    '};',
    '',
    '/** @param {import("node-pg-migrate").MigrationBuilder} pgm */',
    'exports.down = (pgm) => {',
    '  pgm.noTransaction();',
    ...down,
    '};',
    '',
  ].join('\n');
}

export function knexMigration(
  proposals: readonly Proposal[],
  settings: MigrationSettings,
  method: JudgeMethod = 'hypopg',
): string {
  const raw = (statement: string): string => `    await knex.raw(${jsString(statement)}).connection(connection);`;
  const up = proposals.flatMap((proposal) => [
    `    ${jsComment(description(proposal, method))}`,
    ...buildStatements(proposal).map(raw),
  ]);
  const down = [...proposals]
    .reverse()
    .map((proposal) => raw(dropIndexStatement(proposal.name, proposal.candidate.table)));
  const onOneConnection = (body: string[]): string[] => [
    '  // One pooled connection for every statement, so the SET timeouts apply to the builds that follow them.',
    '  const connection = await knex.client.acquireConnection();',
    '  try {',
    ...body,
    '  } finally {',
    '    await knex.client.releaseConnection(connection);',
    '  }',
  ];
  return [
    '// Indexes proposed by quickwins index-advisor. CREATE INDEX CONCURRENTLY cannot run inside a transaction:',
    '// `config.transaction = false` makes knex run this migration outside one, one statement per knex.raw().',
    'exports.config = { transaction: false };',
    '',
    '/** @param {import("knex").Knex} knex */',
    'exports.up = async (knex) => {',
    ...onOneConnection([...[CLIENT_ENCODING, ...settingStatements(settings)].map(raw), ...up]),
    '};',
    '',
    '/** @param {import("knex").Knex} knex */',
    'exports.down = async (knex) => {',
    ...onOneConnection(down),
    '};',
    '',
  ].join('\n');
}

/** The file name each tool expects: a sortable UTC timestamp prefix. */
export function migrationFileName(format: MigrationFormat, now: Date): string {
  const stamp = now.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  switch (format) {
    case 'sql':
      return `${stamp}_quickwins_indexes.sql`;
    case 'node-pg-migrate':
      return `${now.getTime()}_quickwins-indexes.js`;
    case 'knex':
      return `${stamp}_quickwins_indexes.js`;
  }
}

export function migrationText(
  format: MigrationFormat,
  proposals: readonly Proposal[],
  settings: MigrationSettings,
  method: JudgeMethod,
): string {
  switch (format) {
    case 'sql':
      return sqlMigration(proposals, settings, method);
    case 'knex':
      return knexMigration(proposals, settings, method);
    case 'node-pg-migrate':
      return nodePgMigrateMigration(proposals, settings, method);
  }
}

export function writeMigration(
  dir: string,
  format: MigrationFormat,
  proposals: readonly Proposal[],
  settings: MigrationSettings,
  method: JudgeMethod,
  now = new Date(),
): string {
  const text = migrationText(format, proposals, settings, method);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, migrationFileName(format, now));
  writeFileSync(path, text, { flag: 'wx' });
  return path;
}
