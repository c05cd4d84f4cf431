/**
 * What the advisor prints: a table for people, one JSON document for machines.
 */
import type { ApplyOutcome } from './apply.js';
import { candidateKey } from './candidates.js';
import { formatCost } from './judge.js';
import { printable } from './escape.js';
import { indexBody } from './index-sql.js';
import type { Advice } from './types.js';

export interface VerifiedStatement {
  readonly queryId: string;
  readonly query: string;
  readonly costBefore: number;
  readonly costAfter: number;
  readonly indexesBefore: readonly string[];
  readonly indexesAfter: readonly string[];
}

export interface RunReport {
  readonly advice: Advice;
  readonly migrationPath?: string;
  readonly applied?: readonly ApplyOutcome[];
  readonly verified?: readonly VerifiedStatement[];
}

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]?.map((_cell, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  return rows
    .map((row) =>
      row
        .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function textReport(report: RunReport): string {
  const { advice } = report;
  const out: string[] = [];
  out.push(
    `index-advisor: ${advice.statementsRead} statements read, ${advice.proposals.length} index(es) proposed; ${advice.methodNote}`,
  );
  if (advice.proposals.length > 0) {
    const rows = [
      [
        'table',
        'seq / index scans',
        'name',
        'proposed index',
        'statements',
        'calls',
        advice.method === 'hypopg' ? 'cost before → after' : 'est. cost before → after (ESTIMATE)',
        'size',
        'writes: rows → maintenance vs reads saved',
      ],
    ];
    for (const proposal of advice.proposals) {
      const before = proposal.served.reduce((sum, cost) => sum + cost.before, 0);
      const after = proposal.served.reduce((sum, cost) => sum + cost.after, 0);
      rows.push([
        printable(proposal.candidate.table.name),
        `${proposal.tableScans.seqScan.toLocaleString('en-US')} / ${proposal.tableScans.idxScan === null ? 'no index' : proposal.tableScans.idxScan.toLocaleString('en-US')}`,
        proposal.name,
        printable(indexBody(proposal.candidate)),
        String(proposal.served.length),
        proposal.calls.toLocaleString('en-US'),
        `${formatCost(before)} → ${formatCost(after)}${proposal.estimated && advice.method === 'hypopg' ? ' (ESTIMATE: GIN, not simulated by HypoPG)' : ''}`,
        proposal.upkeep ? formatBytes(proposal.upkeep.bytes) : '?',
        proposal.upkeep ? upkeepText(proposal.upkeep) : '?',
      ]);
    }
    out.push('', table(rows));
  }
  if (advice.rejections.length > 0) {
    out.push('', 'Considered, not proposed:');
    for (const rejection of advice.rejections)
      out.push(`  ${printable(candidateKey(rejection.candidate))}: ${printable(rejection.reason)}`);
  }
  for (const note of advice.notes ?? []) out.push('', `Note: ${printable(note)}`);
  if ((advice.redundantIndexes ?? []).length > 0) {
    out.push('', 'Existing indexes the proposals make redundant (drop after checking nothing else relies on them):');
    for (const item of advice.redundantIndexes ?? [])
      out.push(
        `  ${printable(`${item.table.schema}.${item.name}`)} (${formatBytes(item.bytes)}): ${printable(item.reason)}`,
      );
  }
  if ((advice.unusedIndexes ?? []).length > 0) {
    out.push('', 'Existing indexes never scanned since the statistics were reset (constraint indexes left out):');
    for (const item of advice.unusedIndexes ?? [])
      out.push(
        `  ${printable(`${item.table.schema}.${item.name}`)} on ${printable(item.table.name)} (${formatBytes(item.bytes)})`,
      );
  }
  if (advice.unanalysedTables.length > 0) {
    const none = advice.statementsAnalysed === 0 ? ' (no statement could be analysed)' : '';
    out.push('', `Tables not analysed: ${advice.unanalysedTables.length}${none}`);
    for (const item of advice.unanalysedTables)
      out.push(`  ${printable(`${item.table.schema}.${item.table.name}`)}: ${printable(item.reason)}`);
  }
  if (advice.invalidIndexes.length > 0) {
    out.push('', `INVALID indexes (left by a failed concurrent build): ${advice.invalidIndexes.length}`);
    for (const item of advice.invalidIndexes)
      out.push(`  ${printable(`${item.table.schema}.${item.name}`)}: ${item.action}`);
  }
  if (advice.skipped.length > 0) {
    const byReason = new Map<string, number>();
    for (const item of advice.skipped) byReason.set(item.reason, (byReason.get(item.reason) ?? 0) + 1);
    out.push('', `Statements not analysed: ${advice.skipped.length} (--json lists each)`);
    for (const [reason, count] of [...byReason].sort((a, b) => b[1] - a[1]))
      out.push(`  ${count} × ${printable(reason)}`);
  }
  if (report.migrationPath) out.push('', `Migration written: ${report.migrationPath}`);
  else if (advice.proposals.length > 0 && !report.applied)
    out.push('', 'Nothing was created (read-only). --out <dir> writes the migration; --apply builds the indexes.');
  for (const outcome of report.applied ?? []) {
    const dropped = outcome.droppedInvalid ? '; an INVALID leftover was dropped' : '';
    const detail = outcome.message ? `: ${outcome.message}` : '';
    const status = outcome.status === 'failed' ? 'FAILED' : outcome.status;
    out.push(`${status} ${printable(outcome.name)} (${outcome.seconds.toFixed(1)} s)${printable(detail)}${dropped}`);
  }
  if (report.verified && report.verified.length > 0) {
    out.push('', 'Verify (EXPLAIN before → after):');
    for (const item of report.verified) {
      const used = item.indexesAfter.length > 0 ? item.indexesAfter.map(printable).join(', ') : 'no index';
      out.push(
        `  ${formatCost(item.costBefore)} → ${formatCost(item.costAfter)}  uses ${used}  ${oneLine(item.query)}`,
      );
    }
  }
  return `${out.join('\n')}\n`;
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(0)} kB`;
  return `${bytes.toFixed(0)} B`;
}

function upkeepText(upkeep: NonNullable<Advice['proposals'][number]['upkeep']>): string {
  const ms = (value: number): string => (value >= 1000 ? `${(value / 1000).toFixed(1)} s` : `${value.toFixed(1)} ms`);
  return `${Math.round(upkeep.rowsWritten).toLocaleString('en-US')} (+${formatBytes(upkeep.bytesWritten)}) → ${ms(upkeep.writeMs)} vs ${ms(upkeep.readMsSaved)}`;
}

function oneLine(query: string): string {
  const flat = printable(query.replace(/\s+/g, ' ').trim());
  return flat.length > 100 ? `${flat.slice(0, 97)}...` : flat;
}

export function jsonReport(report: RunReport): string {
  const { advice } = report;
  return JSON.stringify(
    {
      method: advice.method,
      methodNote: advice.methodNote,
      statementsRead: advice.statementsRead,
      statementsAnalysed: advice.statementsAnalysed,
      proposals: advice.proposals.map((proposal) => ({
        table: proposal.candidate.table,
        name: proposal.name,
        definition: proposal.definition,
        columns: proposal.candidate.columns,
        conditions: proposal.candidate.conditions,
        calls: proposal.calls,
        tableScans: proposal.tableScans,
        statements: proposal.served,
        replacesInvalid: proposal.replacesInvalid ?? false,
        estimated: proposal.estimated ?? false,
        upkeep: proposal.upkeep ?? null,
      })),
      rejected: advice.rejections.map((rejection) => ({
        candidate: candidateKey(rejection.candidate),
        statements: rejection.candidate.statementIds,
        reason: rejection.reason,
      })),
      skipped: advice.skipped,
      unanalysedTables: advice.unanalysedTables,
      invalidIndexes: advice.invalidIndexes,
      redundantIndexes: advice.redundantIndexes ?? [],
      unusedIndexes: advice.unusedIndexes ?? [],
      notes: advice.notes ?? [],
      migrationPath: report.migrationPath ?? null,
      applied: report.applied ?? null,
      verified: report.verified ?? null,
    },
    null,
    2,
  );
}
