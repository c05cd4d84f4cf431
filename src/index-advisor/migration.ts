/**
 * Write: the migration file for the proposed indexes. CREATE INDEX CONCURRENTLY cannot run inside a transaction,
 * so every format runs each statement on its own: plain SQL for `psql -f` (no --single-transaction), node-pg-migrate
 * with `pgm.noTransaction()`, knex with `config.transaction = false`. Each index is one statement (several
 * concurrent builds in one multi-statement string would run as one implicit transaction and fail).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dropIndexStatement } from './index-sql.js';
import type { Proposal } from './types.js';

export type MigrationFormat = 'sql' | 'node-pg-migrate' | 'knex';
export const MIGRATION_FORMATS: readonly MigrationFormat[] = ['sql', 'node-pg-migrate', 'knex'];

export interface MigrationSettings {
  /** How long a build may wait for a lock (and for older transactions) before it gives up, e.g. '5s'. */
  readonly lockTimeout: string;
  /** How long one build may run, e.g. '1h'; '0' means no limit. */
  readonly statementTimeout: string;
}

export function settingStatements(settings: MigrationSettings): string[] {
  return [`SET lock_timeout = ${literal(settings.lockTimeout)}`, `SET statement_timeout = ${literal(settings.statementTimeout)}`];
}

function literal(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

function comment(proposal: Proposal): string {
  const before = proposal.served.reduce((sum, cost) => sum + cost.before, 0);
  const after = proposal.served.reduce((sum, cost) => sum + cost.after, 0);
  return `serves ${proposal.served.length} statement(s), ${proposal.calls} calls; planner cost ${before.toFixed(0)} → ${after.toFixed(0)}`;
}

export function sqlMigration(proposals: readonly Proposal[], settings: MigrationSettings): string {
  const lines = [
    '-- Indexes proposed by quickwins index-advisor.',
    '-- CREATE INDEX CONCURRENTLY cannot run inside a transaction: run this file with `psql -f <file>` as is, never',
    '-- with --single-transaction nor from a tool that wraps each file in BEGIN/COMMIT.',
    '-- A build that fails leaves an INVALID index that IF NOT EXISTS would then skip: check pg_index.indisvalid and',
    '-- drop a leftover (`quickwins index-advisor --apply` does both).',
    ...settingStatements(settings).map((statement) => `${statement};`),
    '',
  ];
  for (const proposal of proposals) {
    lines.push(`-- ${proposal.candidate.table.name}: ${comment(proposal)}`);
    lines.push(`-- rollback: ${dropIndexStatement(proposal.name, proposal.candidate.table)};`);
    lines.push(`${proposal.definition};`, '');
  }
  return lines.join('\n');
}

export function nodePgMigrateMigration(proposals: readonly Proposal[], settings: MigrationSettings): string {
  const up = proposals.map((proposal) => `  // ${comment(proposal)}\n  pgm.sql(${JSON.stringify(proposal.definition)});`);
  const down = [...proposals].reverse().map((proposal) => `  pgm.sql(${JSON.stringify(dropIndexStatement(proposal.name, proposal.candidate.table))});`);
  const set = settingStatements(settings).map((statement) => `  pgm.sql(${JSON.stringify(statement)});`);
  return [
    '// Indexes proposed by quickwins index-advisor. CREATE INDEX CONCURRENTLY cannot run inside a transaction:',
    '// noTransaction() runs this migration outside one, one statement per pgm.sql().',
    '/** @param {import("node-pg-migrate").MigrationBuilder} pgm */',
    'exports.up = (pgm) => {',
    '  pgm.noTransaction();',
    ...set,
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

export function knexMigration(proposals: readonly Proposal[], settings: MigrationSettings): string {
  const raw = (statement: string): string => `    await knex.raw(${JSON.stringify(statement)}).connection(connection);`;
  const up = proposals.map((proposal) => `    // ${comment(proposal)}\n${raw(proposal.definition)}`);
  const down = [...proposals].reverse().map((proposal) => raw(dropIndexStatement(proposal.name, proposal.candidate.table)));
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
    ...onOneConnection([...settingStatements(settings).map(raw), ...up]),
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

export function writeMigration(dir: string, format: MigrationFormat, proposals: readonly Proposal[], settings: MigrationSettings, now = new Date()): string {
  const text =
    format === 'sql' ? sqlMigration(proposals, settings) : format === 'knex' ? knexMigration(proposals, settings) : nodePgMigrateMigration(proposals, settings);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, migrationFileName(format, now));
  writeFileSync(path, text, { flag: 'wx' });
  return path;
}
