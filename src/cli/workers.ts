/**
 * Spreads a run over worker threads. The files are cut into chunks on one queue; each worker asks
 * for the next chunk when it is done with one, and the main thread takes chunks too while the
 * workers start up (loading the parser takes a few hundred milliseconds), so no core sits idle and
 * a run never waits for a worker that has nothing to do. A worker that dies gives its chunk back.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { AnyCodemod } from '../codemod-host/registry.js';
import { transformText, type TextOutcome } from '../codemod-host/transform-text.js';

export interface WorkerInit {
  readonly codemodId: string;
  readonly options: Readonly<Record<string, unknown>>;
}

export interface WorkerChunk {
  readonly chunkId: number;
  readonly files: readonly SourceText[];
}

export interface WorkerReply {
  readonly chunkId: number;
  readonly outcomes: readonly TextOutcome[];
}

export interface SourceText {
  readonly path: string;
  readonly text: string;
}

const CHUNK_SIZE = 16;

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
  /** Resolves when each worker has said it is ready (or has died). */
  readonly ready: readonly Promise<boolean>[];
  stop(): Promise<void>;
}

/** No workers: the run stays on the main thread. */
export const NO_WORKERS: WorkerPool = { workers: [], ready: [], stop: async () => {} };

export function startWorkers(codemodId: string, options: Readonly<Record<string, unknown>>, count: number): WorkerPool {
  const entry = workerEntry();
  const init: WorkerInit = { codemodId, options };
  const workers = entry === undefined ? [] : Array.from({ length: count }, () => new Worker(entry, { workerData: init }));
  const ready = workers.map(
    (worker) =>
      new Promise<boolean>((resolve) => {
        worker.once('message', () => resolve(true));
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
export async function transformInParallel(
  codemod: AnyCodemod,
  options: Readonly<Record<string, unknown>>,
  files: readonly SourceText[],
  pool: WorkerPool,
  onOutcome: (index: number, outcome: TextOutcome) => void,
  shouldStop: () => boolean = () => false,
): Promise<(TextOutcome | undefined)[]> {
  // A stopped run hands out no more chunks; the files never transformed stay undefined.
  const outcomes = new Array<TextOutcome | undefined>(files.length);
  const pending: number[] = [];
  for (let start = 0; start < files.length; start += CHUNK_SIZE) pending.push(start);
  const record = (chunkStart: number, chunkOutcomes: readonly TextOutcome[]): void => {
    chunkOutcomes.forEach((outcome, offset) => {
      outcomes[chunkStart + offset] = outcome;
      onOutcome(chunkStart + offset, outcome);
    });
  };
  const chunkAt = (start: number): WorkerChunk => ({ chunkId: start, files: files.slice(start, start + CHUNK_SIZE) });

  const workersDone = pool.workers.map((worker, index) => feedWorker(worker, pool.ready[index] ?? Promise.resolve(false)));

  await drainOnMainThread();
  await Promise.all(workersDone);
  await drainOnMainThread(); // chunks given back by a worker that died after the main thread ran dry
  await pool.stop();
  return outcomes;

  /** The main thread works through the same queue, yielding between chunks so worker replies are handled. */
  async function drainOnMainThread(): Promise<void> {
    while (pending.length > 0 && !shouldStop()) {
      const start = pending.shift() as number;
      record(
        start,
        chunkAt(start).files.map((file) => transformText(codemod, file.path, file.text, options as never)),
      );
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  async function feedWorker(worker: Worker, ready: Promise<boolean>): Promise<void> {
    if (!(await ready)) return;
    const inFlight = new Set<number>();
    await new Promise<void>((resolve) => {
      const send = (): void => {
        while (inFlight.size < CHUNKS_IN_FLIGHT && pending.length > 0 && !shouldStop()) {
          const start = pending.shift() as number;
          inFlight.add(start);
          worker.postMessage(chunkAt(start));
        }
        if (inFlight.size === 0) resolve();
      };
      worker.on('message', (message: WorkerReply) => {
        record(message.chunkId, message.outcomes);
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
