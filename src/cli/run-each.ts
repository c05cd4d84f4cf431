/**
 * Every codemod over the same files in one dry run (`quickwins plan`): each file is read once and, when any codemod's
 * pre-filter wants it, parsed once for all of them (on the worker pool for a large run); the files whose sites wait
 * for the checker are parsed once more with types, for all the codemods that wait on them. A codemod with a project
 * session runs its session over the files it wants, as in its own run. Each codemod gets the records its own
 * `--dry` run would give (same outcomes, same reconciliation of left sites), so its totals are the same.
 * Nothing is written.
 */
import { CodemodSetupError } from '../codemod-host/codemod.js';
import { transformEach, type ConfiguredCodemod, type RunnableCodemod } from '../codemod-host/runnable.js';
import type { TextOutcome } from '../codemod-host/transform-text.js';
import {
  ISOLATE_CHARS,
  timeLimitReason,
  transformEachIsolated,
  transformIsolated,
  type FileBudget,
  type IsolatedEachOutcome,
} from './budget.js';
import type { FileEncoding } from './encoding.js';
import { reconcileLeftSites } from './reconcile.js';
import { runProjectSession } from './run-project.js';
import {
  INTERRUPTED_REASON,
  PARALLEL_THRESHOLD,
  readSourceFile,
  waitsForTypes,
  type FileOutcome,
  type FileRecord,
} from './run.js';
import { loadTypeAwareParser } from './type-aware-loader.js';
import { NO_WORKERS, startWorkersForEach, transformEachInParallel, type SourceText } from './workers.js';

export interface EachRunRequest {
  readonly codemods: readonly ConfiguredCodemod[];
  /** Absolute paths. */
  readonly files: readonly string[];
  readonly typeAware: boolean;
  readonly maxWorkers: number;
  readonly budget: FileBudget;
  /** Where the run started; a codemod with a project session resolves the project's tools from here. */
  readonly cwd: string;
  readonly shouldStop?: () => boolean;
  /** Each file's text as read (BOM included), for what the caller looks for besides the codemods' sites. */
  readonly onText?: (path: string, text: string) => void;
}

/** One codemod's share of the run: its records (as its own dry run gives them), or why it could not run here. */
export interface CodemodRun {
  readonly codemod: RunnableCodemod;
  readonly records: readonly FileRecord[];
  /** The project lacks what the codemod needs (its `prepareProject` refused): the message, one line. */
  readonly setupError?: string;
}

export interface EachRunResult {
  readonly runs: readonly CodemodRun[];
  /** Files parsed without types (at most once each) and with types (at most once each). */
  readonly parsedFiles: number;
  readonly typedFiles: number;
  /** Worker threads that parsed files besides the main thread. */
  readonly workers: number;
  /** Workers started for large files, each on one of its own under the time limit (one a file for all the codemods). */
  readonly isolatedWorkers: number;
  /** Why the type-aware pass went on without types; undefined otherwise. */
  readonly typesUnavailable?: string;
  readonly interrupted: boolean;
}

const SKIPPED: TextOutcome = { status: 'skipped', timings: { parseMs: 0, transformMs: 0 } };

export async function runEachCodemod(request: EachRunRequest): Promise<EachRunResult> {
  const { files, budget } = request;
  const stopped = (): boolean => request.shouldStop?.() ?? false;
  const textCodemods = request.codemods.filter(({ codemod }) => !codemod.hasProjectSession);
  const projectCodemods = request.codemods.filter(({ codemod }) => codemod.hasProjectSession);
  const pool =
    files.length >= PARALLEL_THRESHOLD && textCodemods.length > 0
      ? startWorkersForEach(textCodemods, request.maxWorkers)
      : undefined;

  // Read once: the outcome of a file that cannot be read is every codemod's outcome for it.
  const texts = new Array<string | undefined>(files.length);
  const encodings = new Array<FileEncoding | undefined>(files.length);
  const readOutcomes = new Array<FileOutcome | undefined>(files.length);
  files.forEach((path, index) => {
    const read = readSourceFile(path, budget);
    if (!('outcome' in read)) {
      texts[index] = read.text;
      request.onText?.(path, read.text);
      encodings[index] = read.encoding;
    } else readOutcomes[index] = read.outcome;
  });
  const readable = files.flatMap((_, index) => (texts[index] === undefined ? [] : [index]));
  const source = (index: number): string => stripBom(texts[index] as string);

  // Text codemods: one parse per file for all of them; a large file on a worker of its own, under the time limit
  // their own runs give it.
  const outcomes = textCodemods.map(() => new Array<FileOutcome | undefined>(files.length));
  // Each codemod's pre-filter, as its own run asks it (with types when it uses them), once per file.
  const wants = textCodemods.map(({ codemod }) =>
    files.map(
      (_, index) =>
        texts[index] !== undefined &&
        codemod.mightApply(source(index), {
          typed: request.typeAware && codemod.usesTypes,
          filePath: files[index] as string,
        }),
    ),
  );
  const wantsTyped = (position: number, index: number): boolean => wants[position]![index] === true;
  const wanted = readable.filter((index) => textCodemods.some((_, position) => wantsTyped(position, index)));
  const large = wanted.filter((index) => (texts[index] as string).length >= ISOLATE_CHARS);
  const small = wanted.filter((index) => (texts[index] as string).length < ISOLATE_CHARS);
  let isolatedWorkers = 0;
  for (const index of large) {
    if (stopped()) break;
    const file = { path: files[index] as string, text: texts[index] as string };
    const positions = textCodemods.flatMap((_, position) => (wantsTyped(position, index) ? [position] : []));
    const wanting = positions.map((position) => textCodemods[position]!);
    const each = wanting.length < 2 ? undefined : await transformLargeForEach(wanting, file, budget.maxMs);
    if (each !== undefined) isolatedWorkers++;
    for (const [at, position] of positions.entries()) {
      if (stopped()) break;
      // Past the time limit together (or a worker that died): each codemod alone, as its own run gives it the limit.
      const done = each?.kind === 'done' ? each.outcomes[at] : undefined;
      outcomes[position]![index] =
        done ?? (await transformLarge(textCodemods[position]!, file, budget.maxMs, () => isolatedWorkers++));
    }
  }
  const used = pool && small.length >= PARALLEL_THRESHOLD ? pool : NO_WORKERS;
  if (pool && used !== pool) await pool.stop();
  const sources: SourceText[] = small.map((index) => ({ path: files[index] as string, text: texts[index] as string }));
  const results = await transformEachInParallel(textCodemods, sources, used, () => {}, stopped);
  results.forEach((each, position) => {
    each?.forEach((outcome, codemodPosition) => (outcomes[codemodPosition]![small[position] as number] = outcome));
  });
  let parsedFiles = 0;
  for (const index of small) {
    if (textCodemods.some((_, position) => outcomes[position]![index]?.status !== 'skipped')) parsedFiles++;
  }

  // Types: every file a codemod waits on is parsed once more, with types, for all the codemods waiting on it.
  const waiting = (position: number, index: number): boolean => {
    const { codemod } = textCodemods[position]!;
    return (
      request.typeAware && codemod.usesTypes && wantsTyped(position, index) && waitsForTypes(outcomes[position]![index])
    );
  };
  const typedIndexes = wanted.filter((index) => textCodemods.some((_, position) => waiting(position, index)));
  const typeLoad = typedIndexes.length > 0 ? await loadTypeAwareParser() : undefined;
  const typeParser = typeLoad?.parser;
  if (typeParser) {
    typeParser.prepare(typedIndexes.map((index) => files[index] as string));
    for (const index of typedIndexes) {
      if (stopped()) break;
      const positions = textCodemods.flatMap((_, position) => (waiting(position, index) ? [position] : []));
      const typed = transformEach(
        positions.map((position) => textCodemods[position]!),
        files[index] as string,
        texts[index] as string,
        typeParser.parse,
      );
      positions.forEach((position, at) => (outcomes[position]![index] = typed[at]));
      await new Promise((resolve) => setImmediate(resolve)); // lets a signal handler run between files
    }
  }

  const runs = new Map<RunnableCodemod, CodemodRun>();
  textCodemods.forEach(({ codemod }, position) => {
    const records = files.map((path, index) => {
      const outcome =
        readOutcomes[index] ??
        outcomes[position]![index] ??
        (wantsTyped(position, index) ? leftFile(INTERRUPTED_REASON) : SKIPPED);
      return recordOf(path, outcome, texts[index], encodings[index], typeParser?.isTyped(path) ?? false);
    });
    runs.set(codemod, { codemod, records: reconcileLeftSites(records) });
  });

  for (const configured of projectCodemods) {
    const { codemod } = configured;
    const candidates = readable.filter((index) =>
      codemod.mightApply(source(index), { typed: false, filePath: files[index] as string }),
    );
    const projectOutcomes = new Array<FileOutcome | undefined>(files.length);
    let setupError: string | undefined;
    try {
      const project = await runProjectSession({
        codemod: configured,
        cwd: request.cwd,
        files: candidates.map((index) => ({ path: files[index] as string, text: texts[index] as string })),
        maxWorkers: request.maxWorkers,
        onOutcome: () => {},
        shouldStop: stopped,
      });
      project.results.forEach((result, position) => {
        if (result) projectOutcomes[candidates[position] as number] = result.outcome;
      });
    } catch (error) {
      if (!(error instanceof CodemodSetupError)) throw error;
      setupError = error.message;
    }
    const records = files.map((path, index) => {
      const fallback = candidates.includes(index) ? leftFile(setupError ?? INTERRUPTED_REASON) : SKIPPED;
      return recordOf(
        path,
        readOutcomes[index] ?? projectOutcomes[index] ?? fallback,
        texts[index],
        encodings[index],
        false,
      );
    });
    runs.set(codemod, {
      codemod,
      records: reconcileLeftSites(records),
      ...(setupError === undefined ? {} : { setupError }),
    });
  }

  return {
    runs: request.codemods.map(({ codemod }) => runs.get(codemod) as CodemodRun),
    parsedFiles,
    typedFiles: typeParser ? typedIndexes.length : 0,
    workers: used.workers.length,
    isolatedWorkers,
    typesUnavailable:
      typeLoad && !typeLoad.parser ? typeLoad.unavailable : typeParser?.unbuilt().join('\n') || undefined,
    interrupted: stopped(),
  };
}

function recordOf(
  path: string,
  outcome: FileOutcome,
  text: string | undefined,
  encoding: FileEncoding | undefined,
  typed: boolean,
): FileRecord {
  return { path, outcome, before: outcome.status === 'changed' ? text : undefined, typed, encoding, written: false };
}

/**
 * A large file for the codemods that want it, on one worker of its own with one parse; undefined when there is no
 * built worker (running from sources).
 */
function transformLargeForEach(
  codemods: readonly ConfiguredCodemod[],
  file: SourceText,
  maxMs: number,
): Promise<IsolatedEachOutcome | undefined> {
  const each = codemods.map((configured) => ({ codemodId: configured.codemod.id, options: configured.values }));
  return transformEachIsolated({ codemodId: '', options: {}, each }, file, maxMs);
}

/** A large file for one codemod on a worker of its own, stopped at the time limit, as the codemod's own run does it. */
async function transformLarge(
  configured: ConfiguredCodemod,
  file: SourceText,
  maxMs: number,
  onWorker: () => void,
): Promise<FileOutcome> {
  const isolated = await transformIsolated(
    { codemodId: configured.codemod.id, options: configured.values },
    file,
    maxMs,
  );
  if (isolated === undefined) return configured.transformText(file.path, file.text);
  onWorker();
  if (isolated.kind === 'timed-out') return leftFile(timeLimitReason(maxMs));
  if (isolated.kind === 'died')
    return {
      status: 'error',
      error: { phase: 'transform', message: `the worker transforming this file died: ${isolated.message}` },
      timings: { parseMs: 0, transformMs: 0 },
    };
  return isolated.outcome;
}

function stripBom(text: string): string {
  return text.startsWith('\uFEFF') ? text.slice(1) : text;
}

function leftFile(reason: string): FileOutcome {
  return { status: 'left', reason, timings: { parseMs: 0, transformMs: 0 } };
}
