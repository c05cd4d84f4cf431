/**
 * Spreads a run over worker threads. The files are cut into chunks on one queue; each worker asks
 * for the next chunk when it is done with one, and the main thread takes chunks too while the
 * workers start up (loading the parser takes a few hundred milliseconds), so no core sits idle and
 * a run never waits for a worker that has nothing to do. A worker that dies gives its chunk back.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { AnyCodemod } from './registry.js';
import { transformText, type TextOutcome } from './transform-text.js';

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

/**
 * Runs the codemod over `files` on the main thread and `workerCount` workers, calling `onOutcome`
 * as each file finishes; resolves with the outcomes in the order of `files`.
 */
export async function transformInParallel(
  codemod: AnyCodemod,
  options: Readonly<Record<string, unknown>>,
  files: readonly SourceText[],
  workerCount: number,
  onOutcome: (index: number, outcome: TextOutcome) => void,
): Promise<TextOutcome[]> {
  const entry = workerEntry();
  const outcomes: TextOutcome[] = new Array<TextOutcome>(files.length);
  const pending: number[] = [];
  for (let start = 0; start < files.length; start += CHUNK_SIZE) pending.push(start);
  const record = (chunkStart: number, chunkOutcomes: readonly TextOutcome[]): void => {
    chunkOutcomes.forEach((outcome, offset) => {
      outcomes[chunkStart + offset] = outcome;
      onOutcome(chunkStart + offset, outcome);
    });
  };
  const chunkAt = (start: number): WorkerChunk => ({ chunkId: start, files: files.slice(start, start + CHUNK_SIZE) });

  const workersDone = entry === undefined ? [] : Array.from({ length: workerCount }, () => runWorker(entry));

  await drainOnMainThread();
  await Promise.all(workersDone);
  await drainOnMainThread(); // chunks given back by a worker that died after the main thread ran dry
  return outcomes;

  /** The main thread works through the same queue, yielding between chunks so worker replies are handled. */
  async function drainOnMainThread(): Promise<void> {
    while (pending.length > 0) {
      const start = pending.shift() as number;
      record(
        start,
        chunkAt(start).files.map((file) => transformText(codemod, file.path, file.text, options as never)),
      );
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  function runWorker(path: string): Promise<void> {
    return new Promise((resolve) => {
      const init: WorkerInit = { codemodId: codemod.id, options };
      const worker = new Worker(path, { workerData: init });
      let current: number | undefined;
      const next = (): void => {
        current = pending.shift();
        if (current === undefined) void worker.terminate().then(() => resolve());
        else worker.postMessage(chunkAt(current));
      };
      worker.on('message', (message: WorkerReply | { ready: true }) => {
        if ('outcomes' in message) record(message.chunkId, message.outcomes);
        next();
      });
      worker.on('error', () => {
        // Give the chunk back; the main thread (or another worker) takes it.
        if (current !== undefined) pending.unshift(current);
        current = undefined;
        resolve();
      });
      worker.on('exit', () => resolve());
    });
  }
}
