/**
 * Spreads a run over worker threads. The files are cut into chunks on one queue; each worker asks
 * for the next chunk when it is done with one, and the main thread takes chunks too while the
 * workers start up (loading the parser takes a few hundred milliseconds), so no core sits idle and
 * a run never waits for a worker that has nothing to do. A worker that dies gives its chunk back.
 * A codemod with a project session (it lints with the project's ESLint) runs the same way: each worker
 * prepares a session of its own, and the results come back in file order with each file's record.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ProjectSession } from '../codemod-host/codemod.js';
import { transformEach, type ConfiguredCodemod } from '../codemod-host/runnable.js';
import { transformWithSession, type SessionOutcome } from '../codemod-host/transform-project.js';
import type { TextOutcome } from '../codemod-host/transform-text.js';

export interface WorkerInit {
  readonly codemodId: string;
  /** The main thread's resolved option values (`ConfiguredCodemod.values`). */
  readonly options: Readonly<Record<string, unknown>>;
  /** For a codemod with a project session: the worker prepares its own session with this context. */
  readonly project?: WorkerProject;
  /** Instead of `codemodId`: several codemods run on each file with one parse (`quickwins plan`), with their values. */
  readonly each?: readonly { readonly codemodId: string; readonly options: Readonly<Record<string, unknown>> }[];
}

export interface WorkerProject {
  readonly cwd: string;
  /** The files the run's sessions are prepared for (`ProjectContext.files`). */
  readonly files: readonly string[];
}

export interface WorkerChunk {
  readonly chunkId: number;
  readonly files: readonly SourceText[];
}

export interface WorkerReply {
  readonly chunkId: number;
  readonly outcomes: readonly TextOutcome[];
  /** With a project session: each file's record for `finish`, in the order of `outcomes`. */
  readonly records?: readonly unknown[];
  /** With `WorkerInit.each`: each file's outcomes, one per codemod in the order given (`outcomes` is then empty). */
  readonly outcomesOfEach?: readonly (readonly TextOutcome[])[];
}

/** What a worker says once it has loaded the codemod (and prepared its session), or could not. */
export interface WorkerReady {
  readonly ready: boolean;
}

export interface SourceText {
  readonly path: string;
  readonly text: string;
}

const CHUNK_SIZE = 16;
/**
 * A project session's file costs two lints (≈ 20 ms on the benchmark's files, against well under 1 ms for a text
 * codemod), so its chunks are smaller: the last one a thread takes leaves the other threads idle for less.
 */
const PROJECT_CHUNK_SIZE = 4;

/** The built worker entry, next to the runner's bundle in dist/cli/; absent when running from sources. */
export function workerEntry(): string | undefined {
  const path = fileURLToPath(new URL('./worker.cjs', import.meta.url));
  return existsSync(path) ? path : undefined;
}

/** Chunks a worker holds at once: the next one is already there when it finishes one, so it never waits for the main thread. */
const CHUNKS_IN_FLIGHT = 2;

/**
 * Worker threads started ahead of the work (while the main thread reads and pre-filters the files),
 * each loading the codemod; `stop()` ends the ones a run turns out not to need.
 */
export interface WorkerPool {
  readonly workers: readonly Worker[];
  /** Resolves when each worker has said it is ready (or has died, or could not prepare its session). */
  readonly ready: readonly Promise<boolean>[];
  stop(): Promise<void>;
}

/** No workers: the run stays on the main thread. */
export const NO_WORKERS: WorkerPool = { workers: [], ready: [], stop: async () => {} };

export function startWorkers(codemod: ConfiguredCodemod, count: number, project?: WorkerProject): WorkerPool {
  return spawnWorkers({ codemodId: codemod.codemod.id, options: codemod.values, project }, count);
}

/** Workers that run several codemods on each file with one parse (`transformEachInParallel`). */
export function startWorkersForEach(codemods: readonly ConfiguredCodemod[], count: number): WorkerPool {
  const each = codemods.map((configured) => ({ codemodId: configured.codemod.id, options: configured.values }));
  return spawnWorkers({ codemodId: '', options: {}, each }, count);
}

function spawnWorkers(init: WorkerInit, count: number): WorkerPool {
  const entry = workerEntry();
  const workers =
    entry === undefined ? [] : Array.from({ length: count }, () => new Worker(entry, { workerData: init }));
  const ready = workers.map(
    (worker) =>
      new Promise<boolean>((resolve) => {
        worker.once('message', (message: WorkerReady) => resolve(message.ready));
        worker.once('error', () => resolve(false));
        worker.once('exit', () => resolve(false));
      }),
  );
  return { workers, ready, stop: async () => void (await Promise.all(workers.map((worker) => worker.terminate()))) };
}

/**
 * Runs the codemod over `files` on the main thread and the pool's workers, calling `onOutcome`
 * as each file finishes; resolves with the outcomes in the order of `files`. Stops the workers.
 */
export function transformInParallel(
  codemod: ConfiguredCodemod,
  files: readonly SourceText[],
  pool: WorkerPool,
  onOutcome: (index: number, outcome: TextOutcome) => void,
  shouldStop: () => boolean = () => false,
): Promise<(TextOutcome | undefined)[]> {
  return inParallel<TextOutcome>({
    files,
    pool,
    chunkSize: CHUNK_SIZE,
    onMainThread: async (chunk) => chunk.map((file) => codemod.transformText(file.path, file.text)),
    fromReply: (reply) => reply.outcomes,
    onResult: onOutcome,
    shouldStop,
  });
}

/**
 * Several codemods over `files`, one parse per file (`quickwins plan`), on the main thread and the pool's workers
 * (started with `startWorkersForEach` and the same codemods): resolves with each file's outcomes, one per codemod.
 */
export function transformEachInParallel(
  codemods: readonly ConfiguredCodemod[],
  files: readonly SourceText[],
  pool: WorkerPool,
  onOutcomes: (index: number) => void,
  shouldStop: () => boolean = () => false,
): Promise<(readonly TextOutcome[] | undefined)[]> {
  return inParallel<readonly TextOutcome[]>({
    files,
    pool,
    chunkSize: CHUNK_SIZE,
    onMainThread: async (chunk) => chunk.map((file) => transformEach(codemods, file.path, file.text)),
    fromReply: (reply) => reply.outcomesOfEach ?? [],
    onResult: (index) => onOutcomes(index),
    shouldStop,
  });
}

/**
 * The same for a codemod with a project session: the main thread transforms with `session`, each worker with the
 * session it prepared (a pool started with `project`). Resolves with each file's outcome and record, in file order.
 */
export function transformProjectInParallel(
  session: ProjectSession,
  files: readonly SourceText[],
  pool: WorkerPool,
  onOutcome: (index: number) => void,
  shouldStop: () => boolean = () => false,
): Promise<(SessionOutcome | undefined)[]> {
  return inParallel<SessionOutcome>({
    files,
    pool,
    chunkSize: PROJECT_CHUNK_SIZE,
    onMainThread: async (chunk) => {
      const results: SessionOutcome[] = [];
      for (const file of chunk) results.push(await transformWithSession(session, file.path, file.text));
      return results;
    },
    fromReply: (reply) => reply.outcomes.map((outcome, index) => ({ outcome, record: reply.records?.[index] })),
    onResult: (index) => onOutcome(index),
    shouldStop,
  });
}

interface ParallelRun<Result> {
  readonly files: readonly SourceText[];
  readonly pool: WorkerPool;
  readonly chunkSize: number;
  readonly onMainThread: (chunk: readonly SourceText[]) => Promise<readonly Result[]>;
  readonly fromReply: (reply: WorkerReply) => readonly Result[];
  readonly onResult: (index: number, result: Result) => void;
  readonly shouldStop: () => boolean;
}

async function inParallel<Result>(run: ParallelRun<Result>): Promise<(Result | undefined)[]> {
  const { files, pool, chunkSize, shouldStop } = run;
  // A stopped run hands out no more chunks; the files never transformed stay undefined.
  const results = new Array<Result | undefined>(files.length);
  const pending: number[] = [];
  for (let start = 0; start < files.length; start += chunkSize) pending.push(start);
  const record = (chunkStart: number, chunkResults: readonly Result[]): void => {
    chunkResults.forEach((result, offset) => {
      results[chunkStart + offset] = result;
      run.onResult(chunkStart + offset, result);
    });
  };
  const chunkAt = (start: number): WorkerChunk => ({ chunkId: start, files: files.slice(start, start + chunkSize) });

  const workersDone = pool.workers.map((worker, index) =>
    feedWorker(worker, pool.ready[index] ?? Promise.resolve(false)),
  );

  await drainOnMainThread();
  await Promise.all(workersDone);
  await drainOnMainThread(); // chunks given back by a worker that died after the main thread ran dry
  await pool.stop();
  return results;

  /** The main thread works through the same queue, yielding between chunks so worker replies are handled. */
  async function drainOnMainThread(): Promise<void> {
    while (!shouldStop()) {
      const start = pending.shift();
      if (start === undefined) return;
      record(start, await run.onMainThread(chunkAt(start).files));
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  async function feedWorker(worker: Worker, ready: Promise<boolean>): Promise<void> {
    if (!(await ready)) return;
    const inFlight = new Set<number>();
    await new Promise<void>((resolve) => {
      const send = (): void => {
        while (inFlight.size < CHUNKS_IN_FLIGHT && !shouldStop()) {
          const start = pending.shift();
          if (start === undefined) break;
          inFlight.add(start);
          worker.postMessage(chunkAt(start));
        }
        if (inFlight.size === 0) resolve();
      };
      worker.on('message', (message: WorkerReply) => {
        record(message.chunkId, run.fromReply(message));
        inFlight.delete(message.chunkId);
        send();
      });
      const giveBack = (): void => {
        // The main thread (or another worker) takes the chunks this one held.
        pending.unshift(...inFlight);
        inFlight.clear();
        resolve();
      };
      worker.on('error', giveBack);
      worker.on('exit', giveBack);
      send();
    });
  }
}
