/**
 * Scores the `auth-logging` codemod against the hand-made labels in corpus/auth-labels.tsv.
 *
 *   npx tsx corpus/score-auth.ts <checkouts>      # <checkouts>/<owner>+<name>/ work trees, pinned as corpus/repos-auth.tsv says
 *
 * Fetches nothing. For each labelled repository it runs the built CLI (`node dist/cli/bin.js auth-logging --dry
 * --json .`, so `npx tsup` first) in the checkout and matches the sites it reports against the labels (same file, the
 * nearest reported line within LINE_SLACK of the label). Per repository and in total it prints: labelled handlers,
 * wrapped, recall, wraps that are not request handlers (a wrap matching no handler label, near-miss labels included),
 * and silent skips (a labelled handler neither wrapped nor reported `left`).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const CLI = resolve(HERE, '..', 'dist', 'cli', 'bin.js');
/** Labels give the line a site starts at (the route call, the first decorator of a method, the export): exact. */
const LINE_SLACK = 0;

export interface AuthLabel {
  readonly repo: string;
  readonly path: string;
  readonly line: number;
  readonly kind: 'handler' | 'not-handler';
  readonly framework: string;
  readonly why: string;
}

export interface ReportedSite {
  readonly path: string;
  readonly line: number;
  readonly message: string;
  readonly wrapped: boolean;
}

export interface AuthScoreRow {
  readonly repo: string;
  readonly commit: string | undefined;
  readonly handlers: number;
  readonly wrapped: number;
  /** Labelled handlers reported `left` with a reason. */
  readonly left: number;
  readonly recall: number;
  readonly wraps: number;
  /** Wraps that match no handler label: near-miss labels and anything unlabelled. */
  readonly nonHandlerWraps: readonly string[];
  /** Labelled handlers neither wrapped nor left. */
  readonly silentSkips: readonly string[];
}

function readTsv(file: string): Record<string, string>[] {
  const [header, ...lines] = readFileSync(file, 'utf8').split('\n').filter((line) => line.trim() !== '');
  const columns = (header ?? '').split('\t');
  return lines.map((line) => Object.fromEntries(line.split('\t').map((value, index) => [columns[index] ?? `${index}`, value])));
}

export function readAuthLabels(file = join(HERE, 'auth-labels.tsv')): AuthLabel[] {
  return readTsv(file).map((row) => {
    const kind = row.kind;
    if (kind !== 'handler' && kind !== 'not-handler') throw new Error(`${file}: kind must be handler or not-handler, got ${JSON.stringify(kind)}`);
    return { repo: row.repo ?? '', path: row.path ?? '', line: Number(row.line), kind, framework: row.framework ?? '', why: row.why ?? '' };
  });
}

function pinnedCommits(file = join(HERE, 'repos-auth.tsv')): Map<string, string> {
  return new Map(readTsv(file).map((row) => [row.repo ?? '', row.commit ?? '']));
}

interface CliReport {
  readonly files: readonly {
    readonly path: string;
    readonly rewritten: readonly { line: number; message: string }[];
    readonly left: readonly { line: number; message: string }[];
    /** Left here, wrapped by another file of the run (the runner's cross-file report): reported, not silent. */
    readonly covered?: readonly { line: number; message: string }[];
  }[];
}

/** Runs the real CLI on one checkout and returns every site it wrapped or left. */
export function reportedSites(checkout: string): ReportedSite[] {
  let stdout: string;
  try {
    stdout = execFileSync(process.execPath, [CLI, 'auth-logging', '--dry', '--json', '.'], { cwd: checkout, encoding: 'utf8', maxBuffer: 1 << 28 });
  } catch (error) {
    // `--dry --json` exits 1 when a file could not be handled; the report is still on stdout.
    const output = (error as { stdout?: string }).stdout;
    if (!output) throw new Error(`auth-logging failed in ${checkout}: ${(error as Error).message}`, { cause: error });
    stdout = output;
  }
  const report = JSON.parse(stdout) as CliReport;
  return report.files.flatMap((file) => [
    ...file.rewritten.map((site) => ({ path: file.path, line: site.line, message: site.message, wrapped: true })),
    ...file.left.map((site) => ({ path: file.path, line: site.line, message: site.message, wrapped: false })),
    ...(file.covered ?? []).map((site) => ({ path: file.path, line: site.line, message: site.message, wrapped: false })),
  ]);
}

/** The reported site nearest to a label in the same file, within LINE_SLACK lines. */
function nearest(label: AuthLabel, sites: readonly ReportedSite[], wrapped: boolean): ReportedSite | undefined {
  let best: ReportedSite | undefined;
  for (const site of sites) {
    if (site.path !== label.path || site.wrapped !== wrapped) continue;
    const distance = Math.abs(site.line - label.line);
    if (distance <= LINE_SLACK && (!best || distance < Math.abs(best.line - label.line))) best = site;
  }
  return best;
}

export function scoreRepository(repo: string, labels: readonly AuthLabel[], sites: readonly ReportedSite[], commit?: string): AuthScoreRow {
  const handlers = labels.filter((label) => label.kind === 'handler');
  const wraps = sites.filter((site) => site.wrapped);
  const handlerWraps = new Set<ReportedSite>();
  let wrapped = 0;
  let left = 0;
  const silentSkips: string[] = [];
  for (const label of handlers) {
    const wrap = nearest(label, wraps, true);
    if (wrap) {
      wrapped++;
      handlerWraps.add(wrap);
    } else if (nearest(label, sites, false)) {
      left++;
    } else {
      silentSkips.push(`${label.path}:${label.line} ${label.why}`);
    }
  }
  const nonHandlerWraps = wraps.filter((site) => !handlerWraps.has(site)).map((site) => `${site.path}:${site.line} ${site.message}`);
  return {
    repo,
    commit,
    handlers: handlers.length,
    wrapped,
    left,
    recall: handlers.length === 0 ? 1 : wrapped / handlers.length,
    wraps: wraps.length,
    nonHandlerWraps,
    silentSkips,
  };
}

/** Scores every labelled repository found under `checkoutsDir` (`<owner>+<name>/`); a missing checkout is an error. */
export function scoreAuth(checkoutsDir: string): AuthScoreRow[] {
  const labels = readAuthLabels();
  const commits = pinnedCommits();
  const repos = [...new Set(labels.map((label) => label.repo))];
  return repos.map((repo) => {
    const checkout = join(checkoutsDir, repo.replace('/', '+'));
    if (!existsSync(checkout)) throw new Error(`${checkout}: no checkout of ${repo} (pinned at ${commits.get(repo) ?? 'no commit in repos-auth.tsv'})`);
    return scoreRepository(repo, labels.filter((label) => label.repo === repo), reportedSites(checkout), commits.get(repo));
  });
}

export function totalOf(rows: readonly AuthScoreRow[]): AuthScoreRow {
  const sum = (pick: (row: AuthScoreRow) => number): number => rows.reduce((total, row) => total + pick(row), 0);
  const handlers = sum((row) => row.handlers);
  const wrapped = sum((row) => row.wrapped);
  return {
    repo: 'total',
    commit: undefined,
    handlers,
    wrapped,
    left: sum((row) => row.left),
    recall: handlers === 0 ? 1 : wrapped / handlers,
    wraps: sum((row) => row.wraps),
    nonHandlerWraps: rows.flatMap((row) => row.nonHandlerWraps),
    silentSkips: rows.flatMap((row) => row.silentSkips),
  };
}

export function formatAuthScore(rows: readonly AuthScoreRow[]): string {
  const header = ['repository', 'commit', 'handlers', 'wrapped', 'recall', 'left', 'wraps', 'non-handler wraps', 'silent skips'];
  const line = (row: AuthScoreRow): string[] => [
    row.repo,
    row.commit?.slice(0, 10) ?? '',
    `${row.handlers}`,
    `${row.wrapped}`,
    `${(row.recall * 100).toFixed(0)} %`,
    `${row.left}`,
    `${row.wraps}`,
    `${row.nonHandlerWraps.length}`,
    `${row.silentSkips.length}`,
  ];
  const table = [header, ...rows.map(line), line(totalOf(rows))];
  const widths = header.map((_, column) => Math.max(...table.map((cells) => (cells[column] ?? '').length)));
  const text = table.map((cells) => cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd());
  const details = rows.flatMap((row) => [
    ...row.nonHandlerWraps.map((site) => `  non-handler wrap  ${row.repo} ${site}`),
    ...row.silentSkips.map((site) => `  silent skip       ${row.repo} ${site}`),
  ]);
  return [...text, ...(details.length > 0 ? ['', ...details] : [])].join('\n');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2];
  if (!dir) {
    console.error('usage: npx tsx corpus/score-auth.ts <checkouts-dir>   (<dir>/<owner>+<name>/ work trees)');
    process.exit(2);
  }
  try {
    console.log(formatAuthScore(scoreAuth(resolve(dir))));
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
}
