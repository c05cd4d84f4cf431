/**
 * One run of one codemod over a list of files: read, pre-filter, transform (in-process, on worker
 * threads, or type-aware from TypeScript programs), and write the changed files back unless dry.
 * Printing is report.ts's job; this module returns what happened to every file.
 */
import { readFileSync } from 'node:fs';
import { decodeFile, encodeFile, type FileEncoding } from './encoding.js';
import type { AnyCodemod } from '../codemod-host/registry.js';
import { transformText, type FileError, type TextOutcome } from '../codemod-host/transform-text.js';
import { NO_WORKERS, startWorkers, transformInParallel, type SourceText } from './workers.js';
import { writeFileAtomic } from './write.js';

/**
 * Below this many files that pass the pre-filter, a run stays on the main thread: starting a worker
 * (loading the parser) costs more than it saves. Measured with bench/codemod-speed.ts (see README).
 */
export const PARALLEL_THRESHOLD = 300;

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
  readonly onProgress?: (done: number, total: number) => void;
}

/** What the runner did with a file: the codemod's outcome, or the file left as it was with the reason. */
export type FileOutcome = TextOutcome | LeftFile;

/** The runner left the file untouched, for `reason` (an encoding it cannot write back, a size or time budget, permissions, an interruption). */
export interface LeftFile {
  readonly status: 'left';
  readonly reason: string;
  readonly timings: TextOutcome['timings'];
}

export interface FileRecord {
  readonly path: string;
  readonly outcome: FileOutcome;
  /** The file's text before the run; kept for changed files only (for the diff). */
  readonly before?: string;
  /** Whether the codemod had type information for this file. */
  readonly typed: boolean;
  /** How the file was decoded (and written back). */
  readonly encoding?: FileEncoding;
}

export interface RunResult {
  readonly records: readonly FileRecord[];
  /** Worker threads used besides the main thread. */
  readonly workers: number;
  readonly programsBuilt: number;
  readonly programMs: number;
}

export async function runCodemod(request: RunRequest): Promise<RunResult> {
  const { codemod, options, files } = request;
  const total = files.length;
  let done = 0;
  const progress = (): void => request.onProgress?.(++done, total);

  // Read everything and apply the cheap pre-filter first: most files of a repo stop here, and the
  // choice between in-process, workers and types depends on how many are left.
  const typeAware = request.typeAware && codemod.usesTypes;
  // Workers start loading the codemod now, on the other cores, while this thread reads and pre-filters.
  const pool = !typeAware && total >= PARALLEL_THRESHOLD ? startWorkers(codemod.id, options, request.maxWorkers) : undefined;
  const outcomes = new Array<FileOutcome | undefined>(total);
  const texts = new Array<string | undefined>(total);
  const encodings = new Array<FileEncoding | undefined>(total);
  const candidates: number[] = [];
  for (const [index, path] of files.entries()) {
    try {
      const decoded = decodeFile(readFileSync(path));
      if (!decoded.ok) {
        outcomes[index] = leftFile(decoded.reason);
        progress();
        continue;
      }
      const { text } = decoded;
      texts[index] = text;
      encodings[index] = decoded.encoding;
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

  let workers = 0;
  // Loaded only when used: it brings in the TypeScript compiler, which a run without types never needs.
  const typeParser = typeAware ? (await import('./types.js')).createTypeAwareParser() : undefined;
  if (typeParser) {
    // One TypeScript program per tsconfig, shared by every file: this stays on the main thread.
    typeParser.prepare(candidates.map((index) => files[index] as string));
    for (const index of candidates) {
      outcomes[index] = transformText(codemod, files[index] as string, texts[index] as string, options as never, typeParser.parse);
      progress();
    }
  } else {
    const used = pool && candidates.length >= PARALLEL_THRESHOLD ? pool : NO_WORKERS;
    if (pool && used !== pool) await pool.stop();
    workers = used.workers.length;
    const sources: SourceText[] = candidates.map((index) => ({ path: files[index] as string, text: texts[index] as string }));
    const results = await transformInParallel(codemod, options, sources, used, () => progress());
    results.forEach((outcome, position) => (outcomes[candidates[position] as number] = outcome));
  }

  const records: FileRecord[] = files.map((path, index) => {
    let outcome = outcomes[index] as FileOutcome;
    const before = outcome.status === 'changed' ? texts[index] : undefined;
    const encoding = encodings[index];
    if (outcome.status === 'changed' && request.write) {
      const encoded = encodeFile(outcome.output, encoding ?? 'utf8');
      if (!encoded.ok) outcome = leftFile(encoded.reason);
      else {
        try {
          writeFileAtomic(path, encoded.bytes);
        } catch (error) {
          outcome = failed('write', error);
        }
      }
    }
    return { path, outcome, before, typed: typeParser?.isTyped(path) ?? false, encoding };
  });
  return { records, workers, programsBuilt: typeParser?.programsBuilt() ?? 0, programMs: typeParser?.buildMs() ?? 0 };
}

/** A file the runner did not touch, with why (encoding, size, time, permissions, interruption). */
function leftFile(reason: string): LeftFile {
  return { status: 'left', reason, timings: { parseMs: 0, transformMs: 0 } };
}

function failed(phase: FileError['phase'], error: unknown): TextOutcome {
  const message = error instanceof Error ? error.message : String(error);
  return { status: 'error', error: { phase, message }, timings: { parseMs: 0, transformMs: 0 } };
}
