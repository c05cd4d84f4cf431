/**
 * Scores `graphql-cache`, `kafka-dedupe` and `grpc-rotation` against the hand-made labels in
 * corpus/<graphql|kafka|grpc>-labels.tsv (tuning set, repositories in corpus/repos-libs.tsv) and, with `--heldout`,
 * corpus/heldout-<graphql|kafka|grpc>-labels.tsv (repositories in corpus/heldout-repos.tsv). Fetches nothing: it takes a
 * folder of checkouts (`<dir>/<owner>+<name>/`) and runs the real CLI (`<codemod> --dry --json`) in each.
 *
 * A label's kind says what a correct run does with the site: `site` is rewritten, `left` is reported with a reason and
 * not rewritten, `decoy` is not rewritten (a report is fine). Per repository it prints:
 *   rewritten (sites rewritten), wrong (left or decoy labels rewritten), left (site or left labels reported left),
 *   silent (site or left labels neither rewritten nor reported), failed (site or left labels in a file the run
 *   reported as failed: it could not parse it), unlabelled rewrites (to review).
 *
 *   npx tsx corpus/score-libs.ts <checkouts-dir> [--heldout] [--typed] [--bin <bin.js>] [--only owner+name,…] [--json]
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cliJsonReport } from './cli-report.js';
import { readTsv } from './score-pool.js';

const CORPUS = fileURLToPath(new URL('./', import.meta.url));
const DEFAULT_BIN = fileURLToPath(new URL('../dist/cli/bin.js', import.meta.url));

export const LIBS_CODEMODS = ['graphql-cache', 'kafka-dedupe', 'grpc-rotation'] as const;
export type LibsCodemod = (typeof LIBS_CODEMODS)[number];

/** The short name a label file carries: `graphql-labels.tsv` for graphql-cache. */
const LABEL_STEM: Record<LibsCodemod, string> = {
  'graphql-cache': 'graphql',
  'kafka-dedupe': 'kafka',
  'grpc-rotation': 'grpc',
};

export type LabelKind = 'site' | 'left' | 'decoy';

export interface LibsLabel {
  readonly repo: string;
  readonly path: string;
  readonly line: number;
  readonly kind: LabelKind;
  readonly why: string;
}

export interface LibsRepo {
  readonly repo: string;
  readonly commit: string;
  readonly codemod: LibsCodemod;
  /** Folders or files the run is given, relative to the checkout (`.` when the row names none). */
  readonly paths: readonly string[];
}

export interface LibsScore {
  readonly codemod: LibsCodemod;
  readonly repo: string;
  readonly sites: number;
  readonly expectedLeft: number;
  readonly rewritten: number;
  readonly wrong: number;
  readonly left: number;
  readonly silent: number;
  /** Site or left labels in a file the run reported as failed (it could not parse it): reported, not silent. */
  readonly failed: number;
  readonly unlabelledRewrites: number;
  readonly notes: readonly string[];
}

/** `site`, `left` and `decoy`; held-out files may say `rewrite` for `site` and `leave` for `left`. */
function labelKind(file: string, raw: string | undefined, at: string): LabelKind {
  const kind = { site: 'site', rewrite: 'site', left: 'left', leave: 'left', decoy: 'decoy' }[
    raw?.trim().toLowerCase() ?? ''
  ];
  if (!kind) throw new Error(`${file}: kind must be site, left or decoy, got ${raw ?? '(none)'} (${at})`);
  return kind as LabelKind;
}

export function readLibsLabels(file: string): LibsLabel[] {
  return readTsv(file).map((row) => {
    const at = `${row.repo ?? ''} ${row.path ?? ''}:${row.line ?? ''}`;
    const line = Number(row.line);
    if (!Number.isInteger(line) || line < 1) throw new Error(`${file}: line must be a positive integer (${at})`);
    return {
      repo: row.repo ?? '',
      path: row.path ?? '',
      line,
      kind: labelKind(file, row.kind, at),
      why: row.why ?? '',
    };
  });
}

/** Codemod of a repository row: a `codemod` column, else `kind` (`graphql`, `kafka`, `grpc` or a codemod id). */
function codemodOf(row: Record<string, string>): LibsCodemod | undefined {
  const raw = (row.codemod ?? row.kind ?? '').trim();
  return LIBS_CODEMODS.find((id) => id === raw || LABEL_STEM[id] === raw);
}

/** The rows of these three codemods (a shared held-out list also holds other codemods' rows, e.g. `pool`). */
export function readLibsRepos(file: string): LibsRepo[] {
  return readTsv(file).flatMap((row) => {
    const codemod = codemodOf(row);
    if (codemod === undefined) return [];
    return [
      {
        repo: (row.repo ?? '').replace('/', '+'),
        commit: row.commit ?? '',
        codemod,
        paths: (row.paths ?? '.').split(/\s+/).filter((path) => path !== ''),
      },
    ];
  });
}

interface ReportedFile {
  readonly path: string;
  readonly status?: string;
  readonly error?: { readonly message: string };
  readonly rewritten: readonly { readonly line: number }[];
  readonly left: readonly { readonly line: number }[];
}

export function runLibsCodemod(
  bin: string,
  checkout: string,
  entry: LibsRepo,
  extra: readonly string[],
): ReportedFile[] {
  const paths = entry.paths.length > 0 ? entry.paths : ['.'];
  const args = [entry.codemod, '--dry', '--json', '--allow-dirty', ...extra, ...paths];
  return cliJsonReport<{ files: ReportedFile[] }>(bin, checkout, args, `${checkout}: ${entry.codemod}`).files;
}

/** Matches one run's report to the labels of its repository by path and line. */
export function scoreLibsReport(
  codemod: LibsCodemod,
  repo: string,
  files: readonly ReportedFile[],
  labels: readonly LibsLabel[],
): LibsScore {
  const pathKey = (path: string) => path.replaceAll('\\', '/').replace(/^\.\//, '');
  const key = (path: string, line: number) => `${pathKey(path)}:${line}`;
  const rewritten = new Set(files.flatMap((file) => file.rewritten.map((site) => key(file.path, site.line))));
  const left = new Set(files.flatMap((file) => file.left.map((site) => key(file.path, site.line))));
  const labelled = new Map(labels.map((label) => [key(label.path, label.line), label]));
  const failedFiles = new Map(
    files.filter((file) => file.status === 'error').map((file) => [pathKey(file.path), file.error?.message ?? '']),
  );
  const notes: string[] = [];
  const count = { rewritten: 0, wrong: 0, left: 0, silent: 0, failed: 0 };
  for (const [at, label] of labelled) {
    if (rewritten.has(at)) {
      if (label.kind === 'site') count.rewritten++;
      else {
        count.wrong++;
        notes.push(`wrong: ${label.kind} rewritten ${at} (${label.why})`);
      }
    } else if (label.kind === 'decoy') continue;
    else if (left.has(at)) {
      count.left++;
      if (label.kind === 'site') notes.push(`site left ${at}`);
    } else if (failedFiles.has(pathKey(label.path))) {
      count.failed++;
      notes.push(`failed file ${at} (${failedFiles.get(pathKey(label.path))})`);
    } else {
      count.silent++;
      notes.push(`silent ${at} (${label.kind}: ${label.why})`);
    }
  }
  const unlabelled = [...rewritten].filter((at) => !labelled.has(at));
  for (const at of unlabelled) notes.push(`unlabelled rewrite ${at}`);
  return {
    codemod,
    repo,
    sites: labels.filter((label) => label.kind === 'site').length,
    expectedLeft: labels.filter((label) => label.kind === 'left').length,
    ...count,
    unlabelledRewrites: unlabelled.length,
    notes,
  };
}

export interface LibsScoreOptions {
  readonly bin?: string;
  readonly heldout?: boolean;
  /** Typed runs (each file's tsconfig); untyped (`--no-types`) by default: the checkouts' dependencies are not installed. */
  readonly typed?: boolean;
  readonly only?: readonly string[];
}

export function libsFiles(heldout: boolean): { repos: string; labels: (codemod: LibsCodemod) => string } {
  return heldout
    ? {
        repos: join(CORPUS, 'heldout-repos.tsv'),
        labels: (codemod) => join(CORPUS, `heldout-${LABEL_STEM[codemod]}-labels.tsv`),
      }
    : { repos: join(CORPUS, 'repos-libs.tsv'), labels: (codemod) => join(CORPUS, `${LABEL_STEM[codemod]}-labels.tsv`) };
}

export async function scoreLibs(checkoutsDir: string, options: LibsScoreOptions = {}): Promise<LibsScore[]> {
  const bin = resolve(options.bin ?? DEFAULT_BIN);
  if (!existsSync(bin)) throw new Error(`${bin} does not exist: run \`npm run build\` first`);
  const files = libsFiles(options.heldout ?? false);
  const repos = readLibsRepos(files.repos).filter((entry) => !options.only || options.only.includes(entry.repo));
  const scores: LibsScore[] = [];
  for (const codemod of LIBS_CODEMODS) {
    const labels = readLibsLabels(files.labels(codemod));
    for (const entry of repos.filter((row) => row.codemod === codemod)) {
      const checkout = join(checkoutsDir, entry.repo);
      if (!existsSync(checkout)) throw new Error(`${checkout}: no checkout (see corpus/README.md)`);
      const report = runLibsCodemod(bin, checkout, entry, options.typed ? [] : ['--no-types']);
      scores.push(
        scoreLibsReport(
          codemod,
          entry.repo,
          report,
          labels.filter((label) => label.repo === entry.repo),
        ),
      );
    }
  }
  return scores;
}

function total(codemod: LibsCodemod, rows: readonly LibsScore[]): LibsScore {
  const sum = (pick: (score: LibsScore) => number) => rows.reduce((all, score) => all + pick(score), 0);
  return {
    codemod,
    repo: 'total',
    sites: sum((score) => score.sites),
    expectedLeft: sum((score) => score.expectedLeft),
    rewritten: sum((score) => score.rewritten),
    wrong: sum((score) => score.wrong),
    left: sum((score) => score.left),
    silent: sum((score) => score.silent),
    failed: sum((score) => score.failed),
    unlabelledRewrites: sum((score) => score.unlabelledRewrites),
    notes: [],
  };
}

export function libsTotals(scores: readonly LibsScore[]): LibsScore[] {
  return LIBS_CODEMODS.filter((codemod) => scores.some((score) => score.codemod === codemod)).map((codemod) =>
    total(
      codemod,
      scores.filter((score) => score.codemod === codemod),
    ),
  );
}

/** True when nothing was rewritten wrongly and no labelled site went unreported. */
export function libsScoresOk(scores: readonly LibsScore[]): boolean {
  return scores.every((score) => score.wrong === 0 && score.silent === 0);
}

export function formatLibsScores(scores: readonly LibsScore[]): string {
  const header = [
    'codemod',
    'repository',
    'sites',
    'rewritten',
    'to leave',
    'left',
    'wrong',
    'silent',
    'failed (file not parsed)',
    'unlabelled rewrites',
  ];
  const rows = [...scores, ...libsTotals(scores)].map((score) => [
    score.codemod,
    score.repo,
    String(score.sites),
    String(score.rewritten),
    String(score.expectedLeft),
    String(score.left),
    String(score.wrong),
    String(score.silent),
    String(score.failed),
    String(score.unlabelledRewrites),
  ]);
  const lines = [header, header.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`);
  const notes = scores.flatMap((score) => score.notes.map((note) => `${score.codemod} ${score.repo}: ${note}`));
  return [...lines, ...(notes.length > 0 ? ['', ...notes] : [])].join('\n');
}

async function main(argv: readonly string[]): Promise<number> {
  const args = [...argv];
  const take = (flag: string) => {
    const index = args.indexOf(flag);
    return index >= 0 ? args.splice(index, 2)[1] : undefined;
  };
  const bin = take('--bin');
  const only = take('--only')?.split(',');
  const [dir] = args.filter((arg) => !arg.startsWith('--'));
  if (!dir) {
    process.stderr.write(
      'usage: npx tsx corpus/score-libs.ts <checkouts-dir> [--heldout] [--typed] [--bin <bin.js>] [--only owner+name,…] [--json]\n',
    );
    return 2;
  }
  const scores = await scoreLibs(resolve(dir), {
    bin,
    heldout: args.includes('--heldout'),
    typed: args.includes('--typed'),
    ...(only ? { only } : {}),
  });
  process.stdout.write(
    args.includes('--json')
      ? `${JSON.stringify({ scores, totals: libsTotals(scores) }, null, 2)}\n`
      : `${formatLibsScores(scores)}\n`,
  );
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`score-libs: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
