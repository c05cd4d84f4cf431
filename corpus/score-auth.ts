/**
 * Scores the `auth-logging` codemod against hand-made labels: the tuning corpus (corpus/repos-auth.tsv +
 * corpus/auth-labels.tsv) and, when its files are present, the held-out third (corpus/auth-heldout-repos.tsv +
 * corpus/auth-heldout-labels.tsv, labelled by someone who never read the detector), each in its own table.
 *
 *   npx tsx corpus/score-auth.ts <checkouts>              # <checkouts>/<owner>+<name>/ work trees, pinned as the repos files say
 *   npx tsx corpus/score-auth.ts <checkouts> --only owner/name
 *   npx tsx corpus/score-auth.ts <checkouts> --tuning     # or --heldout: one set only
 *   npx tsx corpus/score-auth.ts <checkouts> --heldout2   # the second held-out set, only when asked for
 *   npx tsx corpus/score-auth.ts <checkouts> --heldout3   # the third, likewise
 *
 * Fetches nothing. For each labelled repository it runs the built CLI (`node dist/cli/bin.js auth-logging --dry
 * --json .`, so `npm run build` first) in the checkout and matches the sites it reports to the labels by path and line.
 * A label's line is either where the handler function starts or where it is registered (the two label files use
 * different conventions): a label matches a wrap at its own line, at a `path:line` / `line N` its `why` names as the
 * registration, or through the run's `covered` report (a declaration left here and wrapped where a route registers it).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const CLI = resolve(HERE, '..', 'dist', 'cli', 'bin.js');

export interface AuthLabel {
  readonly repo: string;
  readonly path: string;
  readonly line: number;
  /** `decoy` (the held-out file's word) reads as `not-handler`. */
  readonly kind: 'handler' | 'not-handler';
  readonly framework: string;
  readonly why: string;
}

export interface ReportedSite {
  readonly path: string;
  readonly line: number;
  readonly message: string;
  readonly wrapped: boolean;
  /** A declaration left here and wrapped where another site of the run registers it: that site's path and line. */
  readonly coveredBy?: { readonly path: string; readonly line: number };
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
  /** Wraps that match no handler label: on a labelled decoy, or on anything unlabelled. */
  readonly nonHandlerWraps: readonly string[];
  /** Of those, the wraps on a labelled decoy. */
  readonly decoyWraps: number;
  /** Labelled handlers neither wrapped nor left. */
  readonly silentSkips: readonly string[];
  /** Labelled handlers reported `left`, with the reason given (for review). */
  readonly leftReasons: readonly string[];
}

export interface LabelSet {
  readonly name: string;
  readonly repos: string;
  readonly labels: string;
}

export const TUNING: LabelSet = {
  name: 'tuning',
  repos: join(HERE, 'repos-auth.tsv'),
  labels: join(HERE, 'auth-labels.tsv'),
};
export const HELD_OUT: LabelSet = {
  name: 'held-out',
  repos: join(HERE, 'auth-heldout-repos.tsv'),
  labels: join(HERE, 'auth-heldout-labels.tsv'),
};

/**
 * A second held-out set, labelled apart from the first with the same columns. Scored only under `--heldout2`, never by
 * default, so no run while tuning shows its figures.
 */
export const HELD_OUT_2: LabelSet = {
  name: 'held-out 2',
  repos: join(HERE, 'auth-heldout2-repos.tsv'),
  labels: join(HERE, 'auth-heldout2-labels.tsv'),
};

/** A third, labelled by another engineer who never read the detector; only under `--heldout3`. */
export const HELD_OUT_3: LabelSet = {
  name: 'held-out 3',
  repos: join(HERE, 'auth-heldout3-repos.tsv'),
  labels: join(HERE, 'auth-heldout3-labels.tsv'),
};

/** The sets a command line asks for: one flag picks one set; none picks every set scored by default that exists. */
export function labelSetsFor(args: readonly string[]): LabelSet[] {
  if (args.includes('--heldout3')) return [HELD_OUT_3];
  if (args.includes('--heldout2')) return [HELD_OUT_2];
  if (args.includes('--heldout')) return [HELD_OUT];
  if (args.includes('--tuning')) return [TUNING];
  return [TUNING, HELD_OUT].filter((set) => existsSync(set.labels));
}

/** The first of a set's two files that is missing, or undefined. */
export function missingLabelFile(set: LabelSet): string | undefined {
  return [set.repos, set.labels].find((file) => !existsSync(file));
}

function readTsv(file: string): Record<string, string>[] {
  const [header, ...lines] = readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '');
  const columns = (header ?? '').split('\t');
  return lines.map((line) =>
    Object.fromEntries(line.split('\t').map((value, index) => [columns[index] ?? `${index}`, value])),
  );
}

export function readAuthLabels(file = TUNING.labels): AuthLabel[] {
  return readTsv(file).map((row, index) => {
    const kind = row.kind === 'decoy' ? 'not-handler' : row.kind;
    if (kind !== 'handler' && kind !== 'not-handler') {
      throw new Error(
        `${file}:${index + 2}: kind must be handler, not-handler or decoy, got ${JSON.stringify(row.kind)}`,
      );
    }
    const line = Number(row.line);
    if (!Number.isInteger(line) || line <= 0)
      throw new Error(`${file}:${index + 2}: line must be a positive integer, got ${JSON.stringify(row.line)}`);
    return {
      repo: row.repo ?? '',
      path: row.path ?? '',
      line,
      kind,
      framework: row.framework ?? '',
      why: row.why ?? '',
    };
  });
}

function pinnedCommits(file: string): Map<string, string> {
  return new Map(readTsv(file).map((row) => [(row.repo ?? '').replace('+', '/'), row.commit ?? '']));
}

interface CliSite {
  readonly line: number;
  readonly message: string;
}

interface CliReport {
  readonly files: readonly {
    readonly path: string;
    readonly rewritten: readonly CliSite[];
    readonly left: readonly CliSite[];
    /** Left here, wrapped by another file of the run (the runner's cross-file report): reported, not silent. */
    readonly covered?: readonly (CliSite & { readonly by?: { readonly at: string } })[];
  }[];
}

/** `src/routes/auth.js:12:3` → path and line. */
function parseAt(at: string | undefined): { path: string; line: number } | undefined {
  const match = at ? /^(.*):(\d+):\d+$/.exec(at) : null;
  return match ? { path: match[1] ?? '', line: Number(match[2]) } : undefined;
}

/** Runs the real CLI on one checkout and returns every site it wrapped, left or reported covered. */
export function reportedSites(checkout: string): ReportedSite[] {
  let stdout: string;
  try {
    stdout = execFileSync(process.execPath, [CLI, 'auth-logging', '--dry', '--json', '.'], {
      cwd: checkout,
      encoding: 'utf8',
      maxBuffer: 1 << 28,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
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
    ...(file.covered ?? []).map((site) => {
      const by = parseAt(site.by?.at);
      return {
        path: file.path,
        line: site.line,
        message: site.message,
        wrapped: false,
        ...(by ? { coveredBy: by } : {}),
      };
    }),
  ]);
}

interface Place {
  readonly path: string | undefined;
  readonly line: number;
}

/**
 * Where a label may be matched: its own line, and the registration its `why` names (`routes.js:25`, `line 72`,
 * `(41)`, `at 149)`): a path-less number is a line of the label's own file.
 */
export function labelPlaces(label: AuthLabel): Place[] {
  const places: Place[] = [{ path: label.path, line: label.line }];
  for (const match of label.why.matchAll(/([\w./[\]()@-]+\.[cm]?[jt]sx?):(\d+)/g))
    places.push({ path: match[1], line: Number(match[2]) });
  for (const match of label.why.matchAll(/(?:\bline |\(|\bat )(\d+)\b/g))
    places.push({ path: label.path, line: Number(match[1]) });
  return places;
}

function samePath(reported: string, labelled: string): boolean {
  return reported === labelled || reported.endsWith(`/${labelled}`) || labelled.endsWith(`/${reported}`);
}

/** Lines a decorated method's decorators may span: the report names the first decorator, a label may name the method. */
const DECORATOR_SPAN = 6;

function at(site: { path: string; line: number; message?: string }, place: Place, labelPath: string): boolean {
  if (!samePath(site.path, place.path ?? labelPath)) return false;
  if (site.line === place.line) return true;
  // `@Post /login (login): decorated ...`, `@Mutation login: ...`: the site's line is its first decorator's.
  return site.message?.startsWith('@') === true && place.line > site.line && place.line - site.line <= DECORATOR_SPAN;
}

/** The candidate nearest the label's line (an exact match first; else the decorator just above the method). */
function closest<T extends { line: number }>(candidates: readonly T[], line: number): T | undefined {
  return [...candidates].sort((a, b) => Math.abs(a.line - line) - Math.abs(b.line - line))[0];
}

export function scoreRepository(
  repo: string,
  labels: readonly AuthLabel[],
  sites: readonly ReportedSite[],
  commit?: string,
): AuthScoreRow {
  const handlers = labels.filter((label) => label.kind === 'handler');
  const decoys = labels.filter((label) => label.kind === 'not-handler');
  const wraps = sites.filter((site) => site.wrapped);
  const claimed = new Set<ReportedSite>();
  let wrapped = 0;
  let left = 0;
  const silentSkips: string[] = [];
  const leftReasons: string[] = [];
  for (const label of handlers) {
    const places = labelPlaces(label);
    const wrap = closest(
      wraps.filter((site) => !claimed.has(site) && places.some((place) => at(site, place, label.path))),
      label.line,
    );
    // A declaration the run left here and wrapped where its route registers it.
    const covered = sites.find(
      (site) => site.coveredBy && at(site, { path: label.path, line: label.line }, label.path),
    );
    const coveringWrap =
      covered?.coveredBy &&
      wraps.find((site) => at(site, { path: covered.coveredBy?.path, line: covered.coveredBy?.line ?? 0 }, ''));
    if (wrap || coveringWrap) {
      wrapped++;
      if (wrap) claimed.add(wrap);
      if (coveringWrap) claimed.add(coveringWrap);
      continue;
    }
    const reported = closest(
      sites.filter((site) => !site.wrapped && places.some((place) => at(site, place, label.path))),
      label.line,
    );
    if (reported) {
      left++;
      leftReasons.push(`${label.path}:${label.line} ${reported.message}`);
    } else {
      silentSkips.push(`${label.path}:${label.line} ${label.why}`);
    }
  }
  const wrong = wraps.filter((site) => !claimed.has(site));
  const onDecoy = (site: ReportedSite): boolean =>
    decoys.some((label) => labelPlaces(label).some((place) => at(site, place, label.path)));
  return {
    repo,
    commit,
    handlers: handlers.length,
    wrapped,
    left,
    recall: handlers.length === 0 ? 1 : wrapped / handlers.length,
    wraps: wraps.length,
    nonHandlerWraps: wrong.map((site) => `${site.path}:${site.line} ${onDecoy(site) ? '(decoy) ' : ''}${site.message}`),
    decoyWraps: wrong.filter(onDecoy).length,
    silentSkips,
    leftReasons,
  };
}

/** Scores every repository of one label set found under `checkoutsDir` (`<owner>+<name>/`); a missing checkout is an error. */
export function scoreLabelSet(checkoutsDir: string, set: LabelSet, only?: string): AuthScoreRow[] {
  const labels = readAuthLabels(set.labels);
  const commits = pinnedCommits(set.repos);
  const repos = [...new Set(labels.map((label) => label.repo))].filter((repo) => only === undefined || repo === only);
  const missing = repos.filter((repo) => !existsSync(join(checkoutsDir, repo.replace('/', '+'))));
  if (missing.length > 0) {
    throw new Error(
      `${set.name}: no checkout under ${checkoutsDir} of ${missing.map((repo) => `${repo} (${commits.get(repo) ?? 'unpinned'})`).join(', ')}`,
    );
  }
  return repos.map((repo) =>
    scoreRepository(
      repo,
      labels.filter((label) => label.repo === repo),
      reportedSites(join(checkoutsDir, repo.replace('/', '+'))),
      commits.get(repo),
    ),
  );
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
    decoyWraps: sum((row) => row.decoyWraps),
    silentSkips: rows.flatMap((row) => row.silentSkips),
    leftReasons: rows.flatMap((row) => row.leftReasons),
  };
}

const percent = (part: number, whole: number): string => (whole === 0 ? '-' : `${((part / whole) * 100).toFixed(1)} %`);

export function formatAuthScore(rows: readonly AuthScoreRow[], options: { readonly details?: boolean } = {}): string {
  const header = [
    'repository',
    'commit',
    'handlers',
    'wrapped',
    'recall',
    'left',
    'wraps',
    'wrong wraps',
    'on decoys',
    'wrong %',
    'silent misses',
  ];
  const line = (row: AuthScoreRow): string[] => [
    row.repo,
    row.commit?.slice(0, 10) ?? '',
    `${row.handlers}`,
    `${row.wrapped}`,
    percent(row.wrapped, row.handlers),
    `${row.left}`,
    `${row.wraps}`,
    `${row.nonHandlerWraps.length}`,
    `${row.decoyWraps}`,
    percent(row.nonHandlerWraps.length, row.wraps),
    `${row.silentSkips.length}`,
  ];
  const table = [header, ...rows.map(line), line(totalOf(rows))];
  const widths = header.map((_, column) => Math.max(...table.map((cells) => (cells[column] ?? '').length)));
  const text = table.map((cells) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd(),
  );
  const details = rows.flatMap((row) => [
    ...row.nonHandlerWraps.map((site) => `  wrong wrap     ${row.repo} ${site}`),
    ...row.silentSkips.map((site) => `  silent miss    ${row.repo} ${site}`),
    ...(options.details ? row.leftReasons.map((site) => `  left           ${row.repo} ${site}`) : []),
  ]);
  return [...text, ...(details.length > 0 ? ['', ...details] : [])].join('\n');
}

/** `npm run corpus` (corpus/score.ts): the tuning table, then the held-out one when its label file is present. */
export async function scoreAuth(checkoutsDir: string): Promise<{ table: string; ok: boolean }> {
  const sections: string[] = [];
  let ok = true;
  for (const set of [TUNING, HELD_OUT]) {
    if (!existsSync(set.labels)) continue;
    try {
      sections.push(`### ${set.name}\n\n${formatAuthScore(scoreLabelSet(checkoutsDir, set))}`);
    } catch (error) {
      ok = false;
      sections.push(`### ${set.name}\n\n${(error as Error).message}`);
    }
  }
  return { table: sections.join('\n\n'), ok };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const dir = args.find((arg) => !arg.startsWith('--') && args[args.indexOf(arg) - 1] !== '--only');
  const onlyIndex = args.indexOf('--only');
  const only = onlyIndex >= 0 ? args[onlyIndex + 1] : undefined;
  if (!dir || (onlyIndex >= 0 && !only)) {
    console.error(
      'usage: npx tsx corpus/score-auth.ts <checkouts-dir> [--only owner/name] [--tuning | --heldout | --heldout2 | --heldout3] [--left]   (<dir>/<owner>+<name>/ work trees)',
    );
    process.exit(2);
  }
  const sets = labelSetsFor(args);
  const missing = sets.map(missingLabelFile).find((file) => file !== undefined);
  if (missing) {
    console.error(`score-auth: ${relative(process.cwd(), missing)} does not exist (its label set cannot be scored)`);
    process.exit(2);
  }
  try {
    for (const set of sets)
      console.log(
        `### ${set.name}\n\n${formatAuthScore(scoreLabelSet(resolve(dir), set, only), { details: args.includes('--left') })}\n`,
      );
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
}
