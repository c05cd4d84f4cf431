/**
 * What a run prints: a unified diff per changed file (--dry, --check), one JSON document (--json),
 * progress while it runs and a closing summary. Paths are shown relative to the working folder,
 * with forward slashes, so a report reads the same on every machine.
 */
import { relative, sep } from 'node:path';
import type { TextEdit } from '../core/text-edit.js';
import type { CodemodSite } from '../codemod-host/codemod.js';
import { hunksFromEdits } from './edit-diff.js';
import { escapeControl, quotePath } from './names.js';
import type { CoveredSite, CoveringSite } from './reconcile.js';
import { INTERRUPTED_REASON, type FileRecord, type RunResult } from './run.js';

export function displayPath(cwd: string, absolute: string): string {
  // Most paths are under the working directory: a slice, not path.relative (which resolves both sides every call).
  const under = cwd.endsWith(sep) ? cwd : cwd + sep;
  const path = absolute.startsWith(under) ? absolute.slice(under.length) : relative(cwd, absolute) || '.';
  return sep === '/' ? path : path.split(sep).join('/');
}

/** displayPath for people: a name with a control character quoted as git quotes it (names.ts). */
export function humanPath(cwd: string, absolute: string): string {
  return quotePath(displayPath(cwd, absolute));
}

/** A git-style unified diff (`git apply` takes it) of one changed file, from its text before and the edits made. */
export function unifiedDiff(path: string, before: string, edits: readonly TextEdit[], color: boolean): string {
  // Quoted as git quotes a name that needs it, so the header stays one line and `git apply` reads the name back.
  const [a, b] = [quotePath(`a/${path}`), quotePath(`b/${path}`)];
  const text = `diff --git ${a} ${b}\n--- ${a}\n+++ ${b}\n${hunksFromEdits(before, edits)}`;
  return color ? colorize(text) : text;
}

function colorize(patch: string): string {
  return patch
    .split('\n')
    .map((line) => {
      if (line.startsWith('+++') || line.startsWith('---') || line.startsWith('diff --git'))
        return `\x1b[1m${line}\x1b[22m`;
      if (line.startsWith('@@')) return `\x1b[36m${line}\x1b[39m`;
      if (line.startsWith('+')) return `\x1b[32m${line}\x1b[39m`;
      if (line.startsWith('-')) return `\x1b[31m${line}\x1b[39m`;
      return line;
    })
    .join('\n');
}

export interface Totals {
  readonly files: number;
  readonly changed: number;
  readonly unchanged: number;
  readonly skipped: number;
  readonly failed: number;
  /** Files the runner left untouched for a reason of its own (encoding, size, time, permissions, interruption). */
  readonly left: number;
  readonly rewrittenSites: number;
  readonly leftSites: number;
  /** Sites a file left that another file of the run rewrote or had already (reconcile.ts): not counted as left. */
  readonly coveredSites: number;
}

export function totalsOf(records: readonly FileRecord[]): Totals {
  const totals = {
    files: records.length,
    changed: 0,
    unchanged: 0,
    skipped: 0,
    failed: 0,
    left: 0,
    rewrittenSites: 0,
    leftSites: 0,
    coveredSites: 0,
  };
  for (const { outcome, covered } of records) {
    totals.coveredSites += covered?.length ?? 0;
    if (outcome.status === 'error') totals.failed++;
    else totals[outcome.status]++;
    if (outcome.status === 'changed' || outcome.status === 'unchanged') {
      totals.rewrittenSites += outcome.rewritten.length;
      totals.leftSites += outcome.left.length;
    }
  }
  return totals;
}

export interface RunInfo {
  readonly codemod: string;
  readonly cwd: string;
  readonly dry: boolean;
  readonly elapsedMs: number;
  /** Peak resident memory of the run and heap in use at its end, MB. */
  readonly memory?: { readonly peakRssMb: number; readonly heapUsedMb: number };
  /** Changed files the project's prettier formatted (format.ts). */
  readonly formatted?: readonly string[];
}

/** The --json document: one record per file, totals, and where the time went. */
export function jsonReport(info: RunInfo, result: RunResult, extra: Readonly<Record<string, unknown>> = {}): string {
  const files = result.records.map((record) => {
    const path = displayPath(info.cwd, record.path);
    const { outcome } = record;
    const sites = (list: readonly CodemodSite[]) =>
      list.map((site) => ({
        at: `${path}:${site.line}:${site.column + 1}`,
        line: site.line,
        column: site.column + 1,
        message: site.message,
      }));
    return {
      path,
      status: outcome.status === 'error' ? 'error' : outcome.status,
      typed: record.typed,
      ...(record.encoding && record.encoding !== 'utf8' ? { encoding: record.encoding } : {}),
      ...(outcome.status === 'left' ? { reason: outcome.reason } : {}),
      rewritten: outcome.status === 'changed' || outcome.status === 'unchanged' ? sites(outcome.rewritten) : [],
      left: outcome.status === 'changed' || outcome.status === 'unchanged' ? sites(outcome.left) : [],
      ...(record.covered && record.covered.length > 0
        ? {
            covered: record.covered.map((covered) => ({
              ...sites([covered.site])[0],
              by: coveringJson(info.cwd, covered.by),
            })),
          }
        : {}),
      // A dry run's JSON carries the diff too, so a bot can post it without running the codemod twice.
      ...(info.dry && outcome.status === 'changed'
        ? { diff: unifiedDiff(path, record.before ?? '', outcome.edits, false) }
        : {}),
      ...(outcome.status === 'error'
        ? {
            error: {
              phase: outcome.error.phase,
              message: outcome.error.message,
              at: errorLocation(path, outcome.error),
            },
          }
        : {}),
      timings: { parseMs: round(outcome.timings.parseMs), transformMs: round(outcome.timings.transformMs) },
    };
  });
  return JSON.stringify(
    {
      codemod: info.codemod,
      dry: info.dry,
      files,
      totals: totalsOf(result.records),
      timings: { totalMs: round(info.elapsedMs), programMs: round(result.programMs) },
      memory: info.memory,
      workers: result.workers,
      programsBuilt: result.programsBuilt,
      ...(result.typesUnavailable ? { typesUnavailable: result.typesUnavailable } : {}),
      ...extra,
      typedFiles: result.typedFiles,
      formatted: (info.formatted ?? []).map((path) => displayPath(info.cwd, path)),
      interrupted: result.interrupted,
    },
    null,
    2,
  );
}

function coveringJson(cwd: string, by: CoveringSite) {
  const path = displayPath(cwd, by.path);
  return { at: `${path}:${by.site.line}:${by.site.column + 1}`, how: by.how, message: by.site.message };
}

/** `covered` line of the human summary: the left site, then where the run handled it. */
function coveredLine(cwd: string, path: string, covered: CoveredSite): string {
  const { site, by } = covered;
  const where = `${humanPath(cwd, by.path)}:${by.site.line}:${by.site.column + 1}`;
  const how = by.how === 'rewritten' ? 'rewritten by this run at' : 'already done at';
  return `covered ${path}:${site.line}:${site.column + 1}: ${how} ${where} (${escapeControl(by.site.message)})`;
}

function errorLocation(path: string, error: { line?: number; column?: number }): string {
  if (error.line === undefined) return path;
  return error.column === undefined ? `${path}:${error.line}` : `${path}:${error.line}:${error.column}`;
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}

/** A reason given at more sites than this is one summary line (unless --verbose); --json always lists every site. */
export const REPEATED_REASON_SITES = 5;
/** Sites named on a repeated reason's summary line. */
const FIRST_SITES_SHOWN = 3;

/**
 * The reason a left site's message gives, without what differs from site to site: the code it names (a leading
 * `` `pool.query()`: ``) and the evidence (a trailing ` [pg pool: …]`).
 */
export function reasonOf(message: string): string {
  return message.replace(/^`[^`]*`: /, '').replace(/ \[[^\]]*\]$/, '');
}

/** How many left sites give each reason. */
function sitesPerReason(records: readonly FileRecord[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const { outcome } of records) {
    if (outcome.status !== 'changed' && outcome.status !== 'unchanged') continue;
    for (const site of outcome.left) counts.set(reasonOf(site.message), (counts.get(reasonOf(site.message)) ?? 0) + 1);
  }
  return counts;
}

/** Each repeated reason's summary line, keyed by reason: its count and its first sites (in the order of the run). */
function repeatedReasonLines(records: readonly FileRecord[], cwd: string): Map<string, string> {
  const counts = sitesPerReason(records);
  const firstSites = new Map<string, string[]>();
  for (const record of records) {
    const { outcome } = record;
    if (outcome.status !== 'changed' && outcome.status !== 'unchanged') continue;
    for (const site of outcome.left) {
      const reason = reasonOf(site.message);
      if ((counts.get(reason) ?? 0) <= REPEATED_REASON_SITES) continue;
      const shown = firstSites.get(reason) ?? [];
      if (shown.length < FIRST_SITES_SHOWN)
        shown.push(`${humanPath(cwd, record.path)}:${site.line}:${site.column + 1}`);
      firstSites.set(reason, shown);
    }
  }
  return new Map(
    [...firstSites].map(([reason, shown]) => [
      reason,
      `left  ${counts.get(reason)} sites: ${escapeControl(reason)} (${shown.join(', ')}, …; --verbose or --json lists every site)`,
    ]),
  );
}

/**
 * Closing lines for humans: sites left (with why), files that failed (with the error), and the counts. A reason
 * given at many sites is one line, where its first site would be, so it does not bury the others; `verbose` lists
 * every site.
 */
export function summary(
  info: RunInfo & { readonly check: boolean; readonly verbose?: boolean },
  result: RunResult,
): string {
  const lines: string[] = [];
  const repeated = info.verbose ? new Map<string, string>() : repeatedReasonLines(result.records, info.cwd);
  const summarised = new Set<string>();
  for (const record of result.records) {
    const { outcome } = record;
    if (outcome.status === 'error') {
      const path = humanPath(info.cwd, record.path);
      lines.push(
        `error ${errorLocation(path, outcome.error)}: ${outcome.error.phase} failed: ${escapeControl(firstLine(outcome.error.message))}`,
      );
    } else if (outcome.status === 'left') {
      lines.push(`left  ${humanPath(info.cwd, record.path)}: file left as it was: ${escapeControl(outcome.reason)}`);
    } else if (outcome.status !== 'skipped') {
      const path = humanPath(info.cwd, record.path);
      for (const site of outcome.left) {
        const reason = reasonOf(site.message);
        const grouped = repeated.get(reason);
        if (grouped === undefined)
          lines.push(`left  ${path}:${site.line}:${site.column + 1}: ${escapeControl(site.message)}`);
        else if (!summarised.has(reason)) {
          summarised.add(reason);
          lines.push(grouped);
        }
      }
      for (const covered of record.covered ?? []) lines.push(coveredLine(info.cwd, path, covered));
    }
  }
  const totals = totalsOf(result.records);
  const verb = info.dry ? (info.check ? 'would change' : 'would change (dry run, nothing written)') : 'changed';
  lines.push(
    `${info.codemod}: ${totals.changed} ${plural(totals.changed, 'file')} ${verb}, ${totals.unchanged} unchanged, ` +
      `${totals.skipped} skipped, ${totals.failed} failed${totals.left > 0 ? `, ${totals.left} left` : ''} — ${totals.rewrittenSites} ${plural(totals.rewrittenSites, 'site')} rewritten, ` +
      `${totals.leftSites} left${totals.coveredSites > 0 ? ` (${totals.coveredSites} more covered by other files)` : ''}; ${totals.files} ${plural(totals.files, 'file')} in ${(info.elapsedMs / 1000).toFixed(2)}s`,
  );
  return lines.join('\n');
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? '';
}

function plural(count: number, word: string): string {
  return count === 1 ? word : `${word}s`;
}

/** What an interrupted run prints after its summary: what was written, what was not, and how to finish. */
export function interruptionReport(info: RunInfo, result: RunResult, resume: string): string {
  const written = result.records.filter((record) => record.written).length;
  const notWritten = result.records.filter(
    (record) => record.outcome.status === 'left' && record.outcome.reason === INTERRUPTED_REASON,
  ).length;
  return [
    `interrupted: ${written} ${plural(written, 'file')} written (the \`changed\` lines above), ${notWritten} not written or not looked at (the \`left\` lines above).`,
    `Every rewritten file is whole, and rewriting it again changes nothing; to finish, run the same command on the same paths with --allow-dirty (the written files are now uncommitted):`,
    `  ${resume}`,
  ].join('\n');
}

/** Time on one file before the progress line names it. */
const NAME_SLOW_FILE_AFTER_MS = 2_000;

/**
 * A one-line progress indicator for a TTY: redraws itself at most every 50 ms; names the file being worked on
 * (with the seconds spent) once one takes more than two seconds, redrawn every second while it lasts.
 */
export function progressLine(
  stream: NodeJS.WriteStream,
  show: (path: string) => string,
): { update: (done: number, total: number) => void; working: (path: string | undefined) => void; clear: () => void } {
  let last = 0;
  let shown = false;
  let counts = '';
  let slow: { path: string; since: number; timer: NodeJS.Timeout } | undefined;
  const draw = (): void => {
    const name =
      slow && Date.now() - slow.since >= NAME_SLOW_FILE_AFTER_MS
        ? ` — ${show(slow.path)} (${Math.floor((Date.now() - slow.since) / 1000)} s)`
        : '';
    shown = true;
    stream.write(`\r\x1b[K${counts}${name}`);
  };
  const stopSlow = (): void => {
    if (slow) clearInterval(slow.timer);
    slow = undefined;
  };
  return {
    update(done, total) {
      counts = `${done}/${total} files`;
      const now = Date.now();
      if (done !== total && now - last < 50) return;
      last = now;
      draw();
    },
    working(path) {
      stopSlow();
      if (path === undefined) return;
      const timer = setInterval(draw, 1_000);
      timer.unref();
      slow = { path, since: Date.now(), timer };
    },
    clear() {
      stopSlow();
      if (shown) stream.write('\r\x1b[K');
    },
  };
}

/** A diff of two whole texts (a package.json before and after): the one edit between them, through unifiedDiff. */
export function unifiedTextDiff(path: string, before: string, after: string, color: boolean): string {
  let start = 0;
  while (start < before.length && start < after.length && before[start] === after[start]) start += 1;
  let tail = 0;
  while (
    tail < before.length - start &&
    tail < after.length - start &&
    before[before.length - 1 - tail] === after[after.length - 1 - tail]
  )
    tail += 1;
  return unifiedDiff(
    path,
    before,
    [{ start, end: before.length - tail, text: after.slice(start, after.length - tail) }],
    color,
  );
}
