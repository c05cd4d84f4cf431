/**
 * Scores `pool-backpressure` against the hand-made labels in corpus/pool-labels.tsv. Fetches nothing: it takes a
 * folder of checkouts (`<dir>/<owner>+<name>/`, one work tree per line of corpus/repos.tsv), runs the real CLI
 * (`node dist/cli/bin.js pool-backpressure --dry --json`, typed and `--no-types`) in each, and prints per
 * repository and in total:
 *   labelled sites, rewritten, recall, decoys rewritten (false rewrites), silent skips (labelled sites neither
 *   rewritten nor reported as `left`), unlabelled rewrites (sites rewritten that no label names: to review).
 *
 *   npx tsx corpus/score-pool.ts <checkouts-dir> [--tests] [--heldout | --labels <tsv> [--repos <tsv>]]
 *                                [--bin <path to bin.js>] [--only owner+name,…] [--json]
 *
 * `--tests` passes `--tests` to the CLI (test files rewritten too). `--heldout` scores the held-out set
 * (corpus/heldout-pool-labels.tsv, its repositories from corpus/heldout-repos.tsv when present, else from the
 * labels' `repo` column); `--labels`/`--repos` score any other pair of files in the same columns.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cliJsonReport } from './cli-report.js';

const CORPUS = fileURLToPath(new URL('./', import.meta.url));
const DEFAULT_BIN = fileURLToPath(new URL('../dist/cli/bin.js', import.meta.url));
export const HELDOUT_LABELS = join(CORPUS, 'heldout-pool-labels.tsv');
export const HELDOUT_REPOS = join(CORPUS, 'heldout-repos.tsv');

export type Mode = 'typed' | 'untyped';

export interface PoolScore {
  readonly repo: string;
  readonly mode: Mode;
  readonly labelledSites: number;
  readonly rewritten: number;
  readonly recall: number;
  readonly decoysRewritten: number;
  /** Labelled sites reported as `left` (with a reason). */
  readonly left: number;
  readonly silentSkips: number;
  readonly unlabelledRewrites: number;
  /** `path:line` of every silent skip, decoy rewritten and unlabelled rewrite, for review. */
  readonly notes: readonly string[];
}

export interface Label {
  readonly repo: string;
  readonly path: string;
  readonly line: number;
  readonly kind: 'site' | 'decoy';
  readonly why: string;
}

export interface CorpusRepo {
  readonly repo: string;
  readonly commit: string;
  /** pool, auth, both; or another scorer's (graphql, kafka, grpc) in a shared repos file. */
  readonly kind: string;
  readonly why: string;
}

/** Rows of a TSV with a header line, as records keyed by the header's column names. */
export function readTsv(file: string): Record<string, string>[] {
  const [header = '', ...lines] = readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'));
  const columns = header.split('\t');
  return lines.map((line) =>
    Object.fromEntries(line.split('\t').map((cell, index) => [columns[index] ?? `#${index}`, cell])),
  );
}

export function readRepos(file = join(CORPUS, 'repos.tsv')): CorpusRepo[] {
  return readTsv(file).map((row) => ({
    repo: row.repo ?? '',
    commit: row.commit ?? '',
    kind: row.kind ?? 'pool',
    why: row.why ?? '',
  }));
}

export function readPoolLabels(file = join(CORPUS, 'pool-labels.tsv')): Label[] {
  return readTsv(file).map((row) => {
    const kind = row.kind;
    if (kind !== 'site' && kind !== 'decoy')
      throw new Error(`${file}: kind must be site or decoy, got ${kind} (${row.repo} ${row.path}:${row.line})`);
    return { repo: row.repo ?? '', path: row.path ?? '', line: Number(row.line), kind, why: row.why ?? '' };
  });
}

interface ReportedSite {
  readonly line: number;
}

interface ReportedFile {
  readonly path: string;
  readonly status: string;
  readonly rewritten: readonly ReportedSite[];
  readonly left: readonly ReportedSite[];
}

/** Runs the CLI in one checkout; `extra` holds flags such as `--no-types` or `--no-tests`. */
export function runPoolCodemod(bin: string, checkout: string, extra: readonly string[]): ReportedFile[] {
  const args = ['pool-backpressure', '--dry', '--json', '--allow-dirty', ...extra, '.'];
  return cliJsonReport<{ files: ReportedFile[] }>(bin, checkout, args, `${checkout}: the CLI`).files;
}

/** Compares one run's report with the labels of its repository. Sites are matched by path and line. */
export function scoreReport(
  repo: string,
  mode: Mode,
  files: readonly ReportedFile[],
  labels: readonly Label[],
): PoolScore {
  const key = (path: string, line: number) => `${path.replaceAll('\\', '/')}:${line}`;
  const rewritten = new Set<string>();
  const left = new Set<string>();
  for (const file of files) {
    for (const site of file.rewritten) rewritten.add(key(file.path, site.line));
    for (const site of file.left) left.add(key(file.path, site.line));
  }
  const labelled = new Map(labels.map((label) => [key(label.path, label.line), label]));
  const notes: string[] = [];
  let found = 0;
  let leftSites = 0;
  let silent = 0;
  let decoys = 0;
  for (const [at, label] of labelled) {
    if (label.kind === 'site') {
      if (rewritten.has(at)) found++;
      else if (left.has(at)) leftSites++;
      else {
        silent++;
        notes.push(`silent skip ${at}`);
      }
    } else if (rewritten.has(at)) {
      decoys++;
      notes.push(`decoy rewritten ${at}`);
    }
  }
  const unlabelled = [...rewritten].filter((at) => !labelled.has(at));
  for (const at of unlabelled) notes.push(`unlabelled rewrite ${at}`);
  const sites = labels.filter((label) => label.kind === 'site').length;
  return {
    repo,
    mode,
    labelledSites: sites,
    rewritten: found,
    recall: sites === 0 ? 1 : found / sites,
    decoysRewritten: decoys,
    left: leftSites,
    silentSkips: silent,
    unlabelledRewrites: unlabelled.length,
    notes,
  };
}

export interface ScoreOptions {
  readonly bin?: string;
  /** Labels to score against (default corpus/pool-labels.tsv). */
  readonly labelsFile?: string;
  /** Repositories to run (default corpus/repos.tsv; without it and with `labelsFile`, the labels' repositories). */
  readonly reposFile?: string;
  /** Flags passed to every run (e.g. `--no-tests`). */
  readonly extra?: readonly string[];
  readonly modes?: readonly Mode[];
  /** Only these repositories (`owner+name`). */
  readonly only?: readonly string[];
}

/** The repositories a run covers: the repos file, or (labels given alone) every repository its labels name. */
export function reposToScore(options: ScoreOptions, labels: readonly Label[]): CorpusRepo[] {
  if (options.reposFile || !options.labelsFile) return readRepos(options.reposFile);
  return [...new Set(labels.map((label) => label.repo))].map((repo) => ({
    repo,
    commit: '',
    kind: 'pool' as const,
    why: '',
  }));
}

/** Scores every pool repository of corpus/repos.tsv found under `checkoutsDir`; a missing checkout is an error. */
export async function scorePool(checkoutsDir: string, options: ScoreOptions = {}): Promise<PoolScore[]> {
  const bin = resolve(options.bin ?? DEFAULT_BIN);
  if (!existsSync(bin)) throw new Error(`${bin} does not exist: run \`npm run build\` first`);
  const labels = readPoolLabels(options.labelsFile);
  const scores: PoolScore[] = [];
  // A repos file may list repositories for other scorers too (auth, graphql, kafka, grpc): only pool ones are run here.
  const chosen = reposToScore(options, labels).filter(
    (entry) => (entry.kind === 'pool' || entry.kind === 'both') && (!options.only || options.only.includes(entry.repo)),
  );
  for (const { repo } of chosen) {
    const checkout = join(checkoutsDir, repo);
    if (!existsSync(checkout)) throw new Error(`${checkout}: no checkout (see corpus/README.md: corpus/checkout.sh)`);
    const repoLabels = labels.filter((label) => label.repo === repo);
    for (const mode of options.modes ?? (['typed', 'untyped'] as const)) {
      const files = runPoolCodemod(bin, checkout, [
        ...(mode === 'untyped' ? ['--no-types'] : []),
        ...(options.extra ?? []),
      ]);
      scores.push(scoreReport(repo, mode, files, repoLabels));
    }
  }
  return scores;
}

/** Sums per mode: the `total` rows. */
export function totalsOf(scores: readonly PoolScore[]): PoolScore[] {
  const modes = [...new Set(scores.map((score) => score.mode))];
  return modes.map((mode) => {
    const rows = scores.filter((score) => score.mode === mode);
    const sum = (pick: (score: PoolScore) => number) => rows.reduce((total, score) => total + pick(score), 0);
    const labelledSites = sum((score) => score.labelledSites);
    const rewritten = sum((score) => score.rewritten);
    return {
      repo: 'total',
      mode,
      labelledSites,
      rewritten,
      recall: labelledSites === 0 ? 1 : rewritten / labelledSites,
      decoysRewritten: sum((score) => score.decoysRewritten),
      left: sum((score) => score.left),
      silentSkips: sum((score) => score.silentSkips),
      unlabelledRewrites: sum((score) => score.unlabelledRewrites),
      notes: [],
    };
  });
}

export function formatPoolScores(scores: readonly PoolScore[]): string {
  const header = [
    'repository',
    'mode',
    'sites',
    'rewritten',
    'recall',
    'left',
    'silent skips',
    'decoys rewritten',
    'unlabelled rewrites',
  ];
  const rows = [...scores, ...totalsOf(scores)].map((score) => [
    score.repo,
    score.mode,
    String(score.labelledSites),
    String(score.rewritten),
    `${(score.recall * 100).toFixed(1)} %`,
    String(score.left),
    String(score.silentSkips),
    String(score.decoysRewritten),
    String(score.unlabelledRewrites),
  ]);
  const lines = [header, header.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`);
  const notes = scores.flatMap((score) => score.notes.map((note) => `${score.mode}: ${score.repo} ${note}`));
  return [...lines, ...(notes.length > 0 ? ['', ...notes] : [])].join('\n');
}

/** The labels and repositories files `--heldout` stands for; the repos file only when it exists. */
export function heldOutFiles(): { labelsFile: string; reposFile?: string } {
  if (!existsSync(HELDOUT_LABELS)) throw new Error(`${HELDOUT_LABELS} does not exist: no held-out labels to score`);
  return { labelsFile: HELDOUT_LABELS, ...(existsSync(HELDOUT_REPOS) ? { reposFile: HELDOUT_REPOS } : {}) };
}

const USAGE =
  'usage: npx tsx corpus/score-pool.ts <checkouts-dir> [--tests] [--heldout | --labels <tsv> [--repos <tsv>]] [--bin <bin.js>] [--only owner+name,…] [--json]\n';

async function main(argv: readonly string[]): Promise<number> {
  const args = [...argv];
  const valueOf = (flag: string): string | undefined => {
    const index = args.indexOf(flag);
    if (index < 0) return undefined;
    const value = args[index + 1];
    if (value === undefined || value.startsWith('--')) throw new UsageError(`${flag} needs a value`);
    args.splice(index, 2);
    return value;
  };
  let bin: string | undefined;
  let only: string[] | undefined;
  let labelsFile: string | undefined;
  let reposFile: string | undefined;
  try {
    bin = valueOf('--bin');
    only = valueOf('--only')?.split(',');
    labelsFile = valueOf('--labels');
    reposFile = valueOf('--repos');
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`score-pool: ${error.message}\n${USAGE}`);
    return 2;
  }
  const json = args.includes('--json');
  const tests = args.includes('--tests');
  const heldOut = args.includes('--heldout');
  const [dir] = args.filter((arg) => !arg.startsWith('--'));
  if (!dir || (heldOut && labelsFile)) {
    process.stderr.write(USAGE);
    return 2;
  }
  for (const file of [labelsFile, reposFile]) {
    if (file && !existsSync(file)) {
      process.stderr.write(`score-pool: ${file} does not exist\n`);
      return 2;
    }
  }
  const files = heldOut
    ? heldOutFiles()
    : {
        ...(labelsFile ? { labelsFile: resolve(labelsFile) } : {}),
        ...(reposFile ? { reposFile: resolve(reposFile) } : {}),
      };
  const scores = await scorePool(resolve(dir), {
    bin,
    ...files,
    ...(tests ? { extra: ['--tests'] } : {}),
    ...(only ? { only } : {}),
  });
  process.stdout.write(
    json ? `${JSON.stringify({ scores, totals: totalsOf(scores) }, null, 2)}\n` : `${formatPoolScores(scores)}\n`,
  );
  return 0;
}

class UsageError extends Error {}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`score-pool: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
