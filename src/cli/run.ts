/**
 * One run of one codemod over a list of files: read (as each file is encoded), pre-filter, transform
 * (in-process, on worker threads, large files on a worker of their own under a time limit; type-aware
 * only for the files whose sites wait for the checker), and write the changed files back unless dry.
 * Printing is report.ts's job; this module returns what happened to every file.
 */
import { readFileSync, statSync } from 'node:fs';
import type { ProjectFileOutput, ProjectRecord } from '../codemod-host/codemod.js';
import type { ConfiguredCodemod, RunnableCodemod } from '../codemod-host/runnable.js';
import type { FileError, UntouchedFile, TextOutcome } from '../codemod-host/transform-text.js';
import { ISOLATE_CHARS, sizeLimitReason, timeLimitReason, transformIsolated, type FileBudget } from './budget.js';
import { decodeFile, type FileEncoding } from './encoding.js';
import { runProjectSession, type ProjectRun } from './run-project.js';
import { loadTypeAwareParser, type TypeAwareLoad } from './type-aware-loader.js';
import type { TypeAwareParser } from './types.js';
import { NO_WORKERS, startWorkers, transformInParallel, type WorkerPool } from './workers.js';
import { reconcileLeftSites, type CoveredSite } from './reconcile.js';
import { fingerprintOf, type FileFingerprint, type RunWriter } from './write.js';

/**
 * Below this many files that pass the pre-filter, a run stays on the main thread: starting a worker
 * (loading the parser) costs more than it saves. Measured with bench/codemod-speed.ts (docs/benchmarks.md).
 */
export const PARALLEL_THRESHOLD = 300;

/** The reason given for a path that is not a regular file (never opened). */
export const NOT_A_FILE_REASON =
  'not a regular file (a named pipe, socket or device): never opened, since reading one can wait for ever';

/** The reason given for every file a stopped run did not write. */
export const INTERRUPTED_REASON = 'not written: the run was interrupted';

export interface RunRequest {
  /** The codemod with its options resolved. */
  readonly codemod: ConfiguredCodemod;
  /** Absolute paths. */
  readonly files: readonly string[];
  /** false for --dry and --check. */
  readonly write: boolean;
  /** Use TypeScript programs when the codemod wants types and a tsconfig covers the file. */
  readonly typeAware: boolean;
  /** Worker threads to start for a large run (besides the main thread); 0 keeps the run on the main thread. */
  readonly maxWorkers: number;
  readonly budget: FileBudget;
  /** How the run writes files (write.ts): required unless `write` is false. */
  readonly writer?: RunWriter;
  /** Asked between files: true once the user asked the run to stop (SIGINT / SIGTERM). */
  readonly shouldStop?: () => boolean;
  /** The new text of a changed file, before it is written or diffed: the project's formatter (format.ts). */
  readonly format?: (path: string, before: string, after: string) => Promise<string>;
  readonly onProgress?: (done: number, total: number) => void;
  /** Where the run started; a codemod with a project session resolves the project's tools from here. */
  readonly cwd?: string;
  /** The file a long step is working on (a large file on its own worker), undefined when it is done. */
  readonly onWorking?: (path: string | undefined) => void;
}

/** What the runner did with a file: the codemod's outcome, or the file left as it was with the reason. */
export type FileOutcome = TextOutcome | UntouchedFile;

type ChangedOutcome = Extract<FileOutcome, { status: 'changed' }>;

/** The runner left the file untouched, for `reason` (an encoding it cannot write back, a size or time budget, permissions, an interruption, nesting too deep to parse safely). */
export type { UntouchedFile };

export interface FileRecord {
  readonly path: string;
  readonly outcome: FileOutcome;
  /** The file's text before the run; kept for changed files only (for the diff). */
  readonly before?: string;
  /** Whether the codemod had type information for this file. */
  readonly typed: boolean;
  /** How the file was decoded (and written back). */
  readonly encoding?: FileEncoding;
  /** The run wrote the file. */
  readonly written: boolean;
  /** Sites the codemod left here that another file of the run rewrote (or had already): see reconcile.ts. */
  readonly covered?: readonly CoveredSite[];
}

/** A file a project session wrote besides the sources, or left with the reason (write.ts). */
export interface ExtraFile extends ProjectFileOutput {
  readonly written: boolean;
  readonly notWrittenReason?: string;
}

export interface RunResult {
  readonly records: readonly FileRecord[];
  /** Worker threads used besides the main thread. */
  readonly workers: number;
  readonly programsBuilt: number;
  readonly programMs: number;
  /** Files a project session wrote (or, in a dry run, would write, or the runner left) besides the sources. */
  readonly extraFiles?: readonly ExtraFile[];
  /** Why a type-aware run went on without types (no `typescript` in the project); undefined otherwise. */
  readonly typesUnavailable?: string;
  /** Files a type-aware run parsed with types (those whose sites waited for the checker). */
  readonly typedFiles: number;
  /** The run stopped early (SIGINT / SIGTERM). */
  readonly interrupted: boolean;
}

export async function runCodemod(request: RunRequest): Promise<RunResult> {
  const run = startRun(request);
  const files = request.files.map((path): FileInRun => ({ path }));
  // Workers start loading the codemod now, on the other cores, while this thread reads and pre-filters.
  // A codemod with a project session (it lints with the project's own tools) starts its own workers (run-project.ts).
  const pool =
    !run.codemod.hasProjectSession && files.length >= PARALLEL_THRESHOLD
      ? startWorkers(request.codemod, request.maxWorkers)
      : undefined;
  // Most files of a repo stop at the cheap pre-filter, and the choice between in-process, workers and types depends
  // on how many are left.
  const candidates = readAndPrefilter(run, files);

  // Every file is first transformed without types: with the project session, or (large ones each on a worker of
  // their own under the time limit) in-process or on the worker pool. A type-aware run keeps the result of every file
  // whose sites are all decided and parses again, with types, only the files where a site still waits for the checker.
  const project = run.codemod.hasProjectSession ? await transformInProjectSession(run, candidates) : undefined;
  const textCandidates = project ? [] : candidates;
  const poolWorkers = await transformWithoutTypes(run, textCandidates, pool);
  const typing = await transformWithTypes(
    run,
    run.typeAware ? textCandidates.filter((file) => waitsForTypes(file.outcome)) : [],
  );

  const interrupted = run.stopped();
  const records: FileRecord[] = [];
  for (const file of files) records.push(await settleFile(run, file, typing.parser));
  const extraFiles = await finishProjectSession(run, project, files);
  const { parser } = typing;
  return {
    // After the writes: a rewrite that was not written (read-only, interrupted) covers nothing.
    records: reconcileLeftSites(records),
    workers: poolWorkers + (project?.workers ?? 0),
    extraFiles,
    programsBuilt: parser?.programsBuilt() ?? 0,
    programMs: parser?.buildMs() ?? 0,
    typesUnavailable:
      typing.load && !typing.load.parser ? typing.load.unavailable : parser?.unbuilt().join('\n') || undefined,
    typedFiles: parser ? typing.files : 0,
    interrupted: interrupted || run.stopped(),
  };
}

/** One file on its way through a run: what was read, what the codemod (or the runner) made of it. */
interface FileInRun {
  readonly path: string;
  /** Absent for a file never read (not a regular file, over the size limit, unreadable). */
  read?: FileAsRead;
  /** Set by the step that decides the file; still unset at the end, the run was stopped before it got there. */
  outcome?: FileOutcome;
  /** The project session's record of this file, for the session's `finish`. */
  sessionRecord?: unknown;
  /** The outcome that stands once the file was written (or not), and whether it was. */
  settled?: { readonly outcome: FileOutcome; readonly written: boolean };
}

/** A file read and decoded: its text, how to encode it back, and what it was on disk (the writer checks it still is). */
export interface FileAsRead {
  readonly text: string;
  readonly encoding: FileEncoding;
  readonly fingerprint: FileFingerprint;
}

/** A file the pre-filter kept: read, waiting for the codemod. */
type Candidate = FileInRun & { readonly read: FileAsRead };

/** What every step of one run shares. */
interface Run {
  readonly request: RunRequest;
  readonly codemod: RunnableCodemod;
  /** The request asks for types and the codemod uses them. */
  readonly typeAware: boolean;
  readonly stopped: () => boolean;
  /** One more file decided (the progress line). */
  readonly progress: () => void;
}

function startRun(request: RunRequest): Run {
  const total = request.files.length;
  let done = 0;
  return {
    request,
    codemod: request.codemod.codemod,
    typeAware: request.typeAware && request.codemod.codemod.usesTypes,
    stopped: () => request.shouldStop?.() ?? false,
    progress: () => request.onProgress?.(++done, total),
  };
}

/** Reads every file (as it is encoded) and applies the pre-filter; returns the files it kept, in order. */
function readAndPrefilter(run: Run, files: readonly FileInRun[]): Candidate[] {
  const candidates: Candidate[] = [];
  for (const file of files) {
    const read = readSourceFile(file.path, run.request.budget);
    if ('outcome' in read) {
      file.outcome = read.outcome;
      run.progress();
      continue;
    }
    const candidate: Candidate = Object.assign(file, { read });
    const { text } = read;
    if (
      run.codemod.mightApply(text.startsWith('\uFEFF') ? text.slice(1) : text, {
        typed: run.typeAware,
        filePath: file.path,
      })
    )
      candidates.push(candidate);
    else {
      file.outcome = { status: 'skipped', timings: { parseMs: 0, transformMs: 0 } };
      run.progress();
    }
  }
  return candidates;
}

/** The file as read, or the outcome of a file the runner does not read (or could not). */
export function readSourceFile(path: string, budget: FileBudget): FileAsRead | { readonly outcome: FileOutcome } {
  try {
    const stats = statSync(path, { bigint: true });
    // A named pipe, socket or device named on the command line: opening one to read can block for ever.
    if (!stats.isFile()) return { outcome: untouchedFile(NOT_A_FILE_REASON) };
    const size = Number(stats.size);
    if (size > budget.maxBytes) return { outcome: untouchedFile(sizeLimitReason(size, budget.maxBytes)) };
    const decoded = decodeFile(readFileSync(path));
    if (!decoded.ok) return { outcome: untouchedFile(decoded.reason) };
    return { text: decoded.text, encoding: decoded.encoding, fingerprint: fingerprintOf(stats) };
  } catch (error) {
    return { outcome: failed('read', error) };
  }
}

/** A codemod with a project session transforms every candidate through it (run-project.ts). */
async function transformInProjectSession(run: Run, candidates: readonly Candidate[]): Promise<ProjectRun> {
  const { request } = run;
  const project = await runProjectSession({
    codemod: request.codemod,
    cwd: request.cwd ?? process.cwd(),
    files: candidates.map((file) => ({ path: file.path, text: file.read.text })),
    maxWorkers: request.maxWorkers,
    onOutcome: run.progress,
    shouldStop: run.stopped,
  });
  project.results.forEach((result, position) => {
    const file = candidates[position];
    if (!result || !file) return;
    file.outcome = result.outcome;
    if (result.record !== undefined) file.sessionRecord = result.record;
  });
  return project;
}

/**
 * Large files each on a worker of their own under the time limit, the rest in-process or on the pool (when enough
 * are left to pay for it). Returns the pool workers used.
 */
async function transformWithoutTypes(
  run: Run,
  candidates: readonly Candidate[],
  pool: WorkerPool | undefined,
): Promise<number> {
  const large = candidates.filter((file) => file.read.text.length >= ISOLATE_CHARS);
  const small = candidates.filter((file) => file.read.text.length < ISOLATE_CHARS);
  for (const file of large) {
    if (run.stopped()) break;
    file.outcome = await transformLarge(run.request, file.path, file.read.text);
    run.progress();
  }
  const used = pool && small.length >= PARALLEL_THRESHOLD ? pool : NO_WORKERS;
  if (pool && used !== pool) await pool.stop();
  const sources = small.map((file) => ({ path: file.path, text: file.read.text }));
  const results = await transformInParallel(run.request.codemod, sources, used, () => run.progress(), run.stopped);
  results.forEach((outcome, position) => {
    const file = small[position];
    if (outcome && file) file.outcome = outcome;
  });
  return used.workers.length;
}

interface TypedPass {
  /** Why types could not be loaded at all; undefined when nothing waited for them. */
  readonly load?: TypeAwareLoad;
  readonly parser?: TypeAwareParser;
  /** Files parsed again with types. */
  readonly files: number;
}

/** Parses again, with types, the files whose sites wait for the checker: one program per tsconfig, main thread. */
async function transformWithTypes(run: Run, waiting: readonly Candidate[]): Promise<TypedPass> {
  // Loaded only when used: it brings in the TypeScript compiler (the project's own, an optional peer), which a run
  // without types never needs; without one the run goes on with the results it has and says so once.
  const load = waiting.length > 0 ? await loadTypeAwareParser() : undefined;
  const parser = load?.parser;
  if (!parser) return { load, files: 0 };
  // One TypeScript program per tsconfig, holding only the files that wait (and what they import).
  parser.prepare(waiting.map((file) => file.path));
  const { request } = run;
  for (const file of waiting) {
    if (run.stopped()) break;
    request.onWorking?.(file.path);
    file.outcome = request.codemod.transformText(file.path, file.read.text, parser.parse);
    await nextTurn(); // lets a signal handler run between files
  }
  request.onWorking?.(undefined);
  return { load, parser, files: waiting.length };
}

/** The file's record: its outcome formatted and written (a writing run), or left with the reason. */
async function settleFile(run: Run, file: FileInRun, parser: TypeAwareParser | undefined): Promise<FileRecord> {
  const { request } = run;
  let outcome = file.outcome ?? untouchedFile(INTERRUPTED_REASON);
  const before = outcome.status === 'changed' ? file.read?.text : undefined;
  let written = false;
  if (outcome.status === 'changed' && file.read) {
    if (request.format)
      outcome = { ...outcome, output: await request.format(file.path, file.read.text, outcome.output) };
    if (outcome.status === 'changed' && request.write)
      ({ outcome, written } = await writeChanged(run, file.path, file.read, outcome));
  }
  file.settled = { outcome, written };
  return {
    path: file.path,
    outcome,
    before,
    typed: parser?.isTyped(file.path) ?? false,
    encoding: file.read?.encoding,
    written,
  };
}

/** Writes a changed file back as it was encoded, unless the run was stopped or the file changed since it was read. */
async function writeChanged(
  run: Run,
  path: string,
  read: FileAsRead,
  changed: ChangedOutcome,
): Promise<{ outcome: FileOutcome; written: boolean }> {
  // Between files, never inside one: a stopped run leaves every file either written whole or untouched.
  if (run.stopped()) return { outcome: untouchedFile(INTERRUPTED_REASON), written: false };
  let settled: { outcome: FileOutcome; written: boolean };
  try {
    const result = writerOf(run.request).writeSource(path, changed.output, read);
    settled = result.written
      ? { outcome: changed, written: true }
      : { outcome: untouchedFile(result.reason), written: false };
  } catch (error) {
    settled = { outcome: failed('write', error), written: false };
  }
  await nextTurn();
  return settled;
}

/**
 * The project session's last step, told about the files whose outcome stands (written, or in a dry run would be),
 * and the files it returns written through the same writer as the sources.
 */
async function finishProjectSession(
  run: Run,
  project: ProjectRun | undefined,
  files: readonly FileInRun[],
): Promise<ExtraFile[]> {
  if (!project) return [];
  const { request } = run;
  const kept: ProjectRecord[] = [];
  for (const file of files) {
    const settled = file.settled;
    if (!settled || !('sessionRecord' in file)) continue;
    const { outcome, written } = settled;
    if (outcome.status === 'unchanged' || (outcome.status === 'changed' && (written || !request.write)))
      kept.push({ filePath: file.path, record: file.sessionRecord });
  }
  const outputs: readonly ProjectFileOutput[] = await project.finish(kept);
  return outputs.map((output) => {
    if (!request.write) return { ...output, written: false };
    const result = writerOf(request).writeExtraFile(output);
    return result.written
      ? { ...output, written: true }
      : { ...output, written: false, notWrittenReason: result.reason };
  });
}

function writerOf(request: RunRequest): RunWriter {
  if (!request.writer) throw new Error('runCodemod: a writing run needs a writer');
  return request.writer;
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A large file on a worker of its own, stopped at the time limit; in-process when no built worker exists. */
async function transformLarge(request: RunRequest, path: string, text: string): Promise<FileOutcome> {
  request.onWorking?.(path);
  try {
    const { codemod } = request;
    const isolated = await transformIsolated(
      { codemodId: codemod.codemod.id, options: codemod.values },
      { path, text },
      request.budget.maxMs,
    );
    if (isolated === undefined) return codemod.transformText(path, text);
    if (isolated.kind === 'timed-out') return untouchedFile(timeLimitReason(request.budget.maxMs));
    if (isolated.kind === 'died')
      return failed('transform', new Error(`the worker transforming this file died: ${isolated.message}`));
    return isolated.outcome;
  } finally {
    request.onWorking?.(undefined);
  }
}

/**
 * Whether a file's result without types may change with the checker: the codemod says so (`waitsForTypes`);
 * a codemod that does not say is asked again with types for every file it looked at, as before; a file that
 * did not parse is parsed again by typescript-estree, whose answer (and message) a typed run has always given.
 */
export function waitsForTypes(outcome: FileOutcome | undefined): boolean {
  if (outcome === undefined) return false;
  // It passed the typed pre-filter but not the untyped one: only the checker can find a site in it.
  if (outcome.status === 'skipped') return true;
  if (outcome.status === 'error') return outcome.error.phase === 'parse';
  if (outcome.status !== 'changed' && outcome.status !== 'unchanged') return false;
  return outcome.waitsForTypes ?? true;
}

/** A file the runner did not touch, with why (encoding, size, time, permissions, interruption). */
function untouchedFile(reason: string): UntouchedFile {
  return { status: 'left', reason, timings: { parseMs: 0, transformMs: 0 } };
}

function failed(phase: FileError['phase'], error: unknown): TextOutcome {
  const message = error instanceof Error ? error.message : String(error);
  return { status: 'error', error: { phase, message }, timings: { parseMs: 0, transformMs: 0 } };
}
