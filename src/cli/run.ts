/**
 * One run of one codemod over a list of files: read (as each file is encoded), pre-filter, transform
 * (in-process, on worker threads, large files on a worker of their own under a time limit; type-aware
 * only for the files whose sites wait for the checker), and write the changed files back unless dry.
 * Printing is report.ts's job; this module returns what happened to every file.
 */
import { readFileSync, statSync } from 'node:fs';
import type { ProjectFileOutput, ProjectRecord } from '../codemod-host/codemod.js';
import type { AnyCodemod } from '../registry/index.js';
import { transformText, type FileError, type LeftFile, type TextOutcome } from '../codemod-host/transform-text.js';
import { ISOLATE_CHARS, sizeLimitReason, timeLimitReason, transformIsolated, type FileBudget } from './budget.js';
import { decodeFile, encodeFile, type FileEncoding } from './encoding.js';
import { runProjectSession, type ProjectRun } from './run-project.js';
import { loadTypeAwareParser } from './type-aware-loader.js';
import { NO_WORKERS, startWorkers, transformInParallel, type SourceText } from './workers.js';
import { reconcileLeftSites, type CoveredSite } from './reconcile.js';
import { CHANGED_REASON, fingerprintOf, type ExpectedFile, type FileFingerprint, type RunWriter } from './write.js';

/**
 * Below this many files that pass the pre-filter, a run stays on the main thread: starting a worker
 * (loading the parser) costs more than it saves. Measured with bench/codemod-speed.ts (see README).
 */
export const PARALLEL_THRESHOLD = 300;

/** The reason given for a path that is not a regular file (never opened). */
export const NOT_A_FILE_REASON = 'not a regular file (a named pipe, socket or device): never opened, since reading one can wait for ever';

/** The reason given for every file a stopped run did not write. */
export const INTERRUPTED_REASON = 'not written: the run was interrupted';

export interface RunRequest {
  readonly codemod: AnyCodemod;
  readonly options: Readonly<Record<string, unknown>>;
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
  readonly finish?: (path: string, before: string, after: string) => Promise<string>;
  readonly onProgress?: (done: number, total: number) => void;
  /** Where the run started; a codemod with a project session resolves the project's tools from here. */
  readonly cwd?: string;
  /** The file a long step is working on (a large file on its own worker), undefined when it is done. */
  readonly onWorking?: (path: string | undefined) => void;
}

/** What the runner did with a file: the codemod's outcome, or the file left as it was with the reason. */
export type FileOutcome = TextOutcome | LeftFile;

/** The runner left the file untouched, for `reason` (an encoding it cannot write back, a size or time budget, permissions, an interruption, nesting too deep to parse safely). */
export type { LeftFile };

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
  readonly leftReason?: string;
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
  const { codemod, options, files, budget } = request;
  const total = files.length;
  const stopped = (): boolean => request.shouldStop?.() ?? false;
  let done = 0;
  const progress = (): void => request.onProgress?.(++done, total);

  // Read everything and apply the cheap pre-filter first: most files of a repo stop here, and the
  // choice between in-process, workers and types depends on how many are left.
  const typeAware = request.typeAware && codemod.usesTypes;
  // Workers start loading the codemod now, on the other cores, while this thread reads and pre-filters.
  // A codemod with a project session (it lints with the project's own tools) starts its own workers (run-project.ts).
  const pool = !codemod.prepareProject && total >= PARALLEL_THRESHOLD ? startWorkers(codemod.id, options, request.maxWorkers) : undefined;
  const outcomes = new Array<FileOutcome | undefined>(total);
  const texts = new Array<string | undefined>(total);
  const encodings = new Array<FileEncoding | undefined>(total);
  // What each file was when it was read: the writer replaces it only while it still is.
  const fingerprints = new Array<FileFingerprint | undefined>(total);
  const candidates: number[] = [];
  for (const [index, path] of files.entries()) {
    try {
      const stats = statSync(path, { bigint: true });
      // A named pipe, socket or device named on the command line: opening one to read can block for ever.
      if (!stats.isFile()) {
        outcomes[index] = leftFile(NOT_A_FILE_REASON);
        progress();
        continue;
      }
      const size = Number(stats.size);
      if (size > budget.maxBytes) {
        outcomes[index] = leftFile(sizeLimitReason(size, budget.maxBytes));
        progress();
        continue;
      }
      const decoded = decodeFile(readFileSync(path));
      if (!decoded.ok) {
        outcomes[index] = leftFile(decoded.reason);
        progress();
        continue;
      }
      const { text } = decoded;
      texts[index] = text;
      encodings[index] = decoded.encoding;
      fingerprints[index] = fingerprintOf(stats);
      if (codemod.mightApply(text.startsWith('\uFEFF') ? text.slice(1) : text, { typed: typeAware })) candidates.push(index);
      else {
        outcomes[index] = { status: 'skipped', timings: { parseMs: 0, transformMs: 0 } };
        progress();
      }
    } catch (error) {
      outcomes[index] = failed('read', error);
      progress();
    }
  }

  // Every file is first transformed without types: large ones each on a worker of its own under the time limit,
  // the rest in-process or on the worker pool. A type-aware run keeps the result of every file whose sites are all
  // decided and parses again, with types, only the files where a site still waits for the checker.
  let project: ProjectRun | undefined;
  const projectRecords = new Map<number, unknown>();
  if (codemod.prepareProject) {
    const sources = candidates.map((index) => ({ path: files[index] as string, text: texts[index] as string }));
    project = await runProjectSession({
      codemod,
      options,
      cwd: request.cwd ?? process.cwd(),
      files: sources,
      maxWorkers: request.maxWorkers,
      onOutcome: progress,
      shouldStop: stopped,
    });
    project.results.forEach((result, position) => {
      if (!result) return;
      outcomes[candidates[position] as number] = result.outcome;
      if (result.record !== undefined) projectRecords.set(candidates[position] as number, result.record);
    });
  }
  const passed = codemod.prepareProject ? [] : candidates;
  const large = passed.filter((index) => (texts[index] as string).length >= ISOLATE_CHARS);
  const small = passed.filter((index) => (texts[index] as string).length < ISOLATE_CHARS);
  for (const index of large) {
    if (stopped()) break;
    outcomes[index] = await transformLarge(request, files[index] as string, texts[index] as string);
    progress();
  }
  const used = pool && small.length >= PARALLEL_THRESHOLD ? pool : NO_WORKERS;
  if (pool && used !== pool) await pool.stop();
  const workers = used.workers.length + (project?.workers ?? 0);
  const sources: SourceText[] = small.map((index) => ({ path: files[index] as string, text: texts[index] as string }));
  const results = await transformInParallel(codemod, options, sources, used, () => progress(), stopped);
  results.forEach((outcome, position) => {
    if (outcome) outcomes[small[position] as number] = outcome;
  });

  const waiting = typeAware ? passed.filter((index) => waitsForTypes(outcomes[index])) : [];
  // Loaded only when used: it brings in the TypeScript compiler (the project's own, an optional peer), which a run
  // without types never needs; without one the run goes on with the results it has and says so once.
  const typeLoad = waiting.length > 0 ? await loadTypeAwareParser() : undefined;
  const typeParser = typeLoad?.parser;
  if (typeParser) {
    // One TypeScript program per tsconfig, holding only the files that wait (and what they import): main thread.
    typeParser.prepare(waiting.map((index) => files[index] as string));
    for (const index of waiting) {
      if (stopped()) break;
      request.onWorking?.(files[index]);
      outcomes[index] = transformText(codemod, files[index] as string, texts[index] as string, options as never, typeParser.parse);
      await new Promise((resolve) => setImmediate(resolve)); // lets a signal handler run between files
    }
    request.onWorking?.(undefined);
  }

  const interrupted = stopped();
  const records: FileRecord[] = [];
  // What the project session's last step hears about: the files whose outcome stands (written, or would be).
  const keptRecords: ProjectRecord[] = [];
  for (const [index, path] of files.entries()) {
    let outcome = outcomes[index] ?? leftFile(INTERRUPTED_REASON);
    const encoding = encodings[index];
    const before = outcome.status === 'changed' ? texts[index] : undefined;
    let written = false;
    if (outcome.status === 'changed' && request.finish) {
      outcome = { ...outcome, output: await request.finish(path, texts[index] as string, outcome.output) };
    }
    if (outcome.status === 'changed' && request.write) {
      // Between files, never inside one: a stopped run leaves every file either written whole or untouched.
      if (stopped()) outcome = leftFile(INTERRUPTED_REASON);
      else {
        const encoded = encodeFile(outcome.output, encoding ?? 'utf8');
        const fingerprint = fingerprints[index];
        if (!encoded.ok) outcome = leftFile(encoded.reason);
        else if (!fingerprint) outcome = leftFile(CHANGED_REASON);
        else {
          try {
            const result = writerOf(request).write(path, encoded.bytes, { fingerprint });
            if (result.written) written = true;
            else outcome = leftFile(result.reason);
          } catch (error) {
            outcome = failed('write', error);
          }
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    records.push({ path, outcome, before, typed: typeParser?.isTyped(path) ?? false, encoding, written });
    const kept = outcome.status === 'unchanged' || (outcome.status === 'changed' && (written || !request.write));
    if (kept && projectRecords.has(index)) keptRecords.push({ filePath: path, record: projectRecords.get(index) });
  }
  const outputs: readonly ProjectFileOutput[] = project ? await project.finish(keptRecords) : [];
  const extraFiles = outputs.map((output) => (request.write ? writeExtraFile(writerOf(request), output) : { ...output, written: false }));
  return {
    // After the writes: a rewrite that was not written (read-only, interrupted) covers nothing.
    records: reconcileLeftSites(records),
    workers,
    extraFiles,
    programsBuilt: typeParser?.programsBuilt() ?? 0,
    programMs: typeParser?.buildMs() ?? 0,
    typesUnavailable: typeLoad && !typeLoad.parser ? typeLoad.unavailable : typeParser?.unbuilt().join('\n') || undefined,
    typedFiles: typeParser ? waiting.length : 0,
    interrupted: interrupted || stopped(),
  };
}

function writerOf(request: RunRequest): RunWriter {
  if (!request.writer) throw new Error('runCodemod: a writing run needs a writer');
  return request.writer;
}

/** A project session's file, through the same write path as the sources; what it was when the session read it decides. */
function writeExtraFile(writer: RunWriter, output: ProjectFileOutput): ExtraFile {
  const expected: ExpectedFile = output.previous === undefined ? { absent: true } : { text: output.previous };
  try {
    const result = writer.write(output.path, output.text, expected);
    return result.written ? { ...output, written: true } : { ...output, written: false, leftReason: result.reason };
  } catch (error) {
    return { ...output, written: false, leftReason: `write failed: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/** A large file on a worker of its own, stopped at the time limit; in-process when no built worker exists. */
async function transformLarge(request: RunRequest, path: string, text: string): Promise<FileOutcome> {
  request.onWorking?.(path);
  try {
    const isolated = await transformIsolated({ codemodId: request.codemod.id, options: request.options }, { path, text }, request.budget.maxMs);
    if (isolated === undefined) return transformText(request.codemod, path, text, request.options as never);
    if (isolated.kind === 'timed-out') return leftFile(timeLimitReason(request.budget.maxMs));
    if (isolated.kind === 'died') return failed('transform', new Error(`the worker transforming this file died: ${isolated.message}`));
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
function waitsForTypes(outcome: FileOutcome | undefined): boolean {
  if (outcome === undefined) return false;
  // It passed the typed pre-filter but not the untyped one: only the checker can find a site in it.
  if (outcome.status === 'skipped') return true;
  if (outcome.status === 'error') return outcome.error.phase === 'parse';
  if (outcome.status !== 'changed' && outcome.status !== 'unchanged') return false;
  return outcome.waitsForTypes ?? true;
}

/** A file the runner did not touch, with why (encoding, size, time, permissions, interruption). */
function leftFile(reason: string): LeftFile {
  return { status: 'left', reason, timings: { parseMs: 0, transformMs: 0 } };
}

function failed(phase: FileError['phase'], error: unknown): TextOutcome {
  const message = error instanceof Error ? error.message : String(error);
  return { status: 'error', error: { phase, message }, timings: { parseMs: 0, transformMs: 0 } };
}
