/**
 * Runs a codemod that has a project session (`Codemod.prepareProject`): prepares it once on the main thread and,
 * for a large run, once on each worker thread (each loads the project's ESLint and config once), then transforms
 * the files, each thread its share, one file after another per thread; the outcomes come back in file order with
 * each file's record for the session's `finish`, which the caller runs on the main thread once it knows which
 * rewrites the run kept.
 */
import type { ProjectFileOutput, ProjectRecord, ProjectSession } from '../codemod-host/codemod.js';
import type { AnyCodemod } from '../registry/index.js';
import type { SessionOutcome } from '../codemod-host/transform-project.js';
import { NO_WORKERS, startWorkers, transformProjectInParallel, type SourceText } from './workers.js';

/**
 * Below this many files past the pre-filter, a project run stays on the main thread. A worker's start costs 0.5 to
 * 0.7 s of CPU (ESLint and a small config; seconds for large shared configs) plus its own JIT warm-up, and a file
 * costs two lints (20 to 40 ms on the bench's files): below a few dozen files there is too little to share. Chosen
 * from those figures, not tuned: bench/narrow-eslint-disable.ts ran on a loaded machine (see README).
 */
export const PROJECT_PARALLEL_THRESHOLD = 48;

export interface ProjectRun {
  /** In the order of the files given; undefined for a file a stopped run never transformed. */
  readonly results: readonly (SessionOutcome | undefined)[];
  /** Worker threads used besides the main thread. */
  readonly workers: number;
  /** The session's last step, given the records of the files whose rewrite the run kept. */
  finish(records: readonly ProjectRecord[]): Promise<readonly ProjectFileOutput[]>;
}

export interface ProjectRunRequest {
  readonly codemod: AnyCodemod;
  readonly options: Readonly<Record<string, unknown>>;
  readonly cwd: string;
  readonly files: readonly SourceText[];
  /** Worker threads to start for a large run (besides the main thread). */
  readonly maxWorkers: number;
  readonly onOutcome: () => void;
  readonly shouldStop: () => boolean;
}

const NOTHING: ProjectRun = { results: [], workers: 0, finish: async () => [] };

/** Throws what `prepareProject` throws on the main thread (CodemodSetupError for a project that lacks what the codemod needs). */
export async function runProjectSession(request: ProjectRunRequest): Promise<ProjectRun> {
  const { codemod, options, cwd, files } = request;
  if (!codemod.prepareProject || files.length === 0) return NOTHING;
  const paths = files.map((file) => file.path);
  // The workers prepare their sessions while the main thread prepares its own.
  const pool =
    files.length >= PROJECT_PARALLEL_THRESHOLD && request.maxWorkers > 0
      ? startWorkers(codemod.id, options, request.maxWorkers, { cwd, files: paths })
      : NO_WORKERS;
  let session: ProjectSession;
  try {
    session = await codemod.prepareProject({ cwd, files: paths, options: options as never });
  } catch (error) {
    await pool.stop();
    throw error;
  }
  const used = session.parallel === false ? NO_WORKERS : pool;
  if (used !== pool) await pool.stop();
  const workers = used.workers.length;
  const results = await transformProjectInParallel(session, files, used, request.onOutcome, request.shouldStop);
  const { finish } = session;
  return { results, workers, finish: async (records) => (finish ? await finish.call(session, records) : []) };
}
