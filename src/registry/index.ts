/**
 * The codemods `npx quickwins` knows, by id. Built-in codemods are imported here; extra ones (a
 * team's own codemod, the runner's tests) are loaded from the modules named in the
 * QUICKWINS_CODEMODS environment variable (paths separated by the platform's path delimiter),
 * each exporting `codemod`. Worker threads inherit the variable, so they see the same registry.
 */
import { delimiter, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Codemod } from '../codemod-host/codemod.js';
import { runnable, type RunnableCodemod } from '../codemod-host/runnable.js';
import { codemod as authLogging } from '../../codemods/auth-logging.js';
import { codemod as graphqlCache } from '../../codemods/graphql-cache.js';
import { codemod as grpcRotation } from '../../codemods/grpc-rotation.js';
import { codemod as poolBackpressure } from '../../codemods/pool-backpressure.js';
import { codemod as kafkaDedupe } from '../../codemods/kafka-dedupe.js';
import { codemod as narrowEslintDisable } from '../../codemods/narrow-eslint-disable.js';

const BUILT_IN: readonly RunnableCodemod[] = [
  runnable(poolBackpressure),
  runnable(authLogging),
  runnable(narrowEslintDisable),
  runnable(grpcRotation),
  runnable(graphqlCache),
  runnable(kafkaDedupe),
];

export const EXTRA_CODEMODS_ENV = 'QUICKWINS_CODEMODS';

/** Loads the registry: built-ins first, then extra modules in the order given. Later ids replace earlier ones. */
export async function loadCodemods(
  env: NodeJS.ProcessEnv = process.env,
): Promise<ReadonlyMap<string, RunnableCodemod>> {
  const codemods = new Map<string, RunnableCodemod>();
  for (const codemod of BUILT_IN) codemods.set(codemod.id, codemod);
  for (const modulePath of (env[EXTRA_CODEMODS_ENV] ?? '').split(delimiter).filter(Boolean)) {
    const loaded = (await import(pathToFileURL(resolve(modulePath)).href)) as { codemod?: unknown };
    if (!isCodemod(loaded.codemod)) {
      throw new Error(`${EXTRA_CODEMODS_ENV}: ${modulePath} does not export \`codemod\``);
    }
    codemods.set(loaded.codemod.id, runnable(loaded.codemod));
  }
  return codemods;
}

/** A module's export checked only for the members the runner calls; its options are what its option list resolves. */
function isCodemod(value: unknown): value is Codemod {
  const candidate = value as Partial<Codemod> | null | undefined;
  return (
    typeof candidate?.id === 'string' &&
    typeof candidate.transform === 'function' &&
    typeof candidate.mightApply === 'function' &&
    Array.isArray(candidate.options)
  );
}
