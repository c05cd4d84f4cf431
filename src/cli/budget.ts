/**
 * The per-file budget: a file larger than `--max-file-size` is never read, and a large file is
 * transformed on a worker thread of its own that is stopped when `--max-file-time` runs out, so one
 * pathological file is left and reported instead of stalling the run. (A JavaScript thread cannot
 * be interrupted in the middle of a synchronous transform; a worker can be terminated.)
 */
import { Worker } from 'node:worker_threads';
import type { TextOutcome } from '../codemod-host/transform-text.js';
import {
  workerEntry,
  type SourceText,
  type WorkerChunk,
  type WorkerInit,
  type WorkerReady,
  type WorkerReply,
} from './workers.js';

export interface FileBudget {
  /** Bytes on disk; larger files are left unread. */
  readonly maxBytes: number;
  /** Milliseconds one file may take in the codemod; a file that takes longer is left. */
  readonly maxMs: number;
}

export const DEFAULT_MAX_FILE_BYTES = 20 * 1024 * 1024;
export const DEFAULT_MAX_FILE_MS = 300_000;

/**
 * Files at least this long (characters) go to a worker of their own. Below it a file takes well under a
 * second (a 2,000-function, 400 kB module took 0.5 s in the codemod), so a worker's start-up (≈0.3 s) would
 * cost more than the limit protects.
 */
export const ISOLATE_CHARS = 256 * 1024;

export type IsolatedOutcome =
  | { readonly kind: 'done'; readonly outcome: TextOutcome }
  | { readonly kind: 'timed-out' }
  | { readonly kind: 'died'; readonly message: string };

/**
 * Transforms one file on a worker thread of its own, stopping it after `maxMs`. Undefined when the runner runs
 * from sources (no built worker entry): the caller then transforms the file in-process.
 */
export async function transformIsolated(
  init: WorkerInit,
  file: SourceText,
  maxMs: number,
): Promise<IsolatedOutcome | undefined> {
  const isolated = await onWorkerOfItsOwn(init, file, maxMs, (reply) => reply.outcomes[0]);
  return isolated && (isolated.kind === 'done' ? { kind: 'done', outcome: isolated.value } : isolated);
}

/** As transformIsolated, for several codemods on one parse (`WorkerInit.each`): one outcome per codemod, in order. */
export async function transformEachIsolated(
  init: WorkerInit & { readonly each: NonNullable<WorkerInit['each']> },
  file: SourceText,
  maxMs: number,
): Promise<IsolatedEachOutcome | undefined> {
  const isolated = await onWorkerOfItsOwn(init, file, maxMs, (reply) => reply.outcomesOfEach?.[0]);
  return isolated && (isolated.kind === 'done' ? { kind: 'done', outcomes: isolated.value } : isolated);
}

export type IsolatedEachOutcome =
  { readonly kind: 'done'; readonly outcomes: readonly TextOutcome[] } | Exclude<IsolatedOutcome, { kind: 'done' }>;

async function onWorkerOfItsOwn<T>(
  init: WorkerInit,
  file: SourceText,
  maxMs: number,
  valueOf: (reply: WorkerReply) => T | undefined,
): Promise<{ readonly kind: 'done'; readonly value: T } | Exclude<IsolatedOutcome, { kind: 'done' }> | undefined> {
  const entry = workerEntry();
  if (entry === undefined) return undefined;
  const worker = new Worker(entry, { workerData: init });
  try {
    return await new Promise((resolve) => {
      const timer = setTimeout(() => resolve({ kind: 'timed-out' }), maxMs);
      const settle = (outcome: Parameters<typeof resolve>[0]): void => {
        clearTimeout(timer);
        resolve(outcome);
      };
      let ready = false;
      worker.on('message', (message: WorkerReply | WorkerReady) => {
        if (!ready) {
          ready = true;
          const chunk: WorkerChunk = { chunkId: 0, files: [file] };
          worker.postMessage(chunk);
          return;
        }
        const value = valueOf(message as WorkerReply);
        if (value !== undefined) settle({ kind: 'done', value });
      });
      worker.on('error', (error) => settle({ kind: 'died', message: error.message }));
      worker.on('exit', (code) => settle({ kind: 'died', message: `worker exited with code ${code}` }));
    });
  } finally {
    await worker.terminate();
  }
}

/** The reason a report gives for a file past its time budget. */
export function timeLimitReason(maxMs: number): string {
  return `the codemod took longer than ${formatSeconds(maxMs)} on this file (--max-file-time); it was stopped`;
}

export function sizeLimitReason(bytes: number, maxBytes: number): string {
  return `${formatBytes(bytes)} is over --max-file-size ${formatBytes(maxBytes)}`;
}

function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Number((bytes / 1024 / 1024).toFixed(1))} MB`;
  if (bytes >= 1024) return `${Number((bytes / 1024).toFixed(1))} kB`;
  return `${bytes} bytes`;
}

/** `--max-file-size`: bytes, or a number with k / kb / m / mb (1024-based). */
export function parseSize(value: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(b|k|kb|m|mb|g|gb)?\s*$/i.exec(value);
  if (!match) return undefined;
  const unit = (match[2] ?? 'b').toLowerCase()[0];
  const scale = unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : 1;
  const bytes = Math.round(Number(match[1]) * scale);
  return bytes > 0 ? bytes : undefined;
}

/** `--max-file-time`: seconds (fractions allowed). */
export function parseSeconds(value: string): number | undefined {
  const seconds = Number(value);
  return value.trim() !== '' && Number.isFinite(seconds) && seconds > 0 ? Math.round(seconds * 1000) : undefined;
}
