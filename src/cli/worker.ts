/**
 * A worker thread of the runner: receives chunks of files (path and text), runs the codemod on
 * each with the same `transformText` the main thread uses, and sends the outcomes back. For a codemod
 * with a project session, it prepares a session of its own first (the project's ESLint, loaded once per
 * thread) and transforms each chunk's files one after another with it, as the main thread does.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { ProjectSession } from '../codemod-host/codemod.js';
import { loadCodemods } from '../registry/index.js';
import { transformEach, type ConfiguredCodemod } from '../codemod-host/runnable.js';
import { transformWithSession } from '../codemod-host/transform-project.js';
import type { WorkerChunk, WorkerInit, WorkerReady, WorkerReply } from './workers.js';

const port = parentPort;
if (!port) throw new Error('worker.js runs only as a worker thread');

const init = workerData as WorkerInit;

async function prepare(codemod: ConfiguredCodemod): Promise<ProjectSession | undefined> {
  if (!init.project || !codemod.prepareProject) return undefined;
  return codemod.prepareProject({ cwd: init.project.cwd, files: init.project.files });
}

async function transformChunk(
  codemod: ConfiguredCodemod,
  session: ProjectSession | undefined,
  chunk: WorkerChunk,
): Promise<WorkerReply> {
  const codemods = each;
  if (codemods) {
    return {
      chunkId: chunk.chunkId,
      outcomes: [],
      outcomesOfEach: chunk.files.map((file) => transformEach(codemods, file.path, file.text)),
    };
  }
  if (!session) {
    return { chunkId: chunk.chunkId, outcomes: chunk.files.map((file) => codemod.transformText(file.path, file.text)) };
  }
  const results = [];
  for (const file of chunk.files) results.push(await transformWithSession(session, file.path, file.text));
  return {
    chunkId: chunk.chunkId,
    outcomes: results.map((result) => result.outcome),
    records: results.map((result) => result.record),
  };
}

// Built as CommonJS (dist/cli/worker.cjs, see cli.ts for why), so no top-level await: the worker says it is
// ready once the registry is loaded (and its session prepared), and the main thread sends chunks only after that.
// A session that cannot be prepared here says not ready: the main thread, which prepared its own, does the work.
let each: ConfiguredCodemod[] | undefined;

void (async () => {
  const registry = await loadCodemods();
  // The values the main thread resolved: resolving them again gives the same options.
  const configured = (codemodId: string, options: Readonly<Record<string, unknown>>): ConfiguredCodemod => {
    const registered = registry.get(codemodId);
    if (!registered) throw new Error(`worker: unknown codemod ${codemodId}`);
    return registered.configure(options);
  };
  if (init.each) each = init.each.map(({ codemodId, options }) => configured(codemodId, options));
  const codemod = each?.[0] ?? configured(init.codemodId, init.options);
  let session: ProjectSession | undefined;
  try {
    session = await prepare(codemod);
  } catch {
    port.postMessage({ ready: false } satisfies WorkerReady);
    return;
  }
  // Chunks arrive while one is still being transformed: one after another, so each reply is whole and in order.
  let queue = Promise.resolve();
  port.on('message', (chunk: WorkerChunk) => {
    queue = queue.then(async () => port.postMessage(await transformChunk(codemod, session, chunk)));
  });
  port.postMessage({ ready: true } satisfies WorkerReady);
})();
