/**
 * A worker thread of the runner: receives chunks of files (path and text), runs the codemod on
 * each with the same `transformText` the main thread uses, and sends the outcomes back.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadCodemods } from '../codemod-host/registry.js';
import { transformText } from '../codemod-host/transform-text.js';
import type { WorkerChunk, WorkerInit, WorkerReply } from './workers.js';

const port = parentPort;
if (!port) throw new Error('worker.js runs only as a worker thread');

const init = workerData as WorkerInit;

// Built as CommonJS (dist/cli/worker.cjs, see cli.ts for why), so no top-level await: the worker says it is
// ready once the registry is loaded, and the main thread sends chunks only after that.
void loadCodemods().then((codemods) => {
  const codemod = codemods.get(init.codemodId);
  if (!codemod) throw new Error(`worker: unknown codemod ${init.codemodId}`);
  port.on('message', (chunk: WorkerChunk) => {
    const reply: WorkerReply = {
      chunkId: chunk.chunkId,
      outcomes: chunk.files.map((file) => transformText(codemod, file.path, file.text, init.options as never)),
    };
    port.postMessage(reply);
  });
  port.postMessage({ ready: true });
});
