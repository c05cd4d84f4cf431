/**
 * prom-client is an optional peer. The metrics modules take it from here: loaded once, when the area's module loads
 * (nothing per call); when it is not installed they record nothing and the process is warned once. A bundler does not
 * follow this require: a bundled service keeps prom-client external (installed next to the bundle) to have metrics.
 */
import { createRequire } from 'node:module';
import type * as PromClientModule from 'prom-client';

export type PromClient = typeof PromClientModule;

// One warning per process, though each subpath's bundle carries its own copy of this module.
const WARNED = Symbol.for('quickwins.runtime.promClientMissingWarned');

function load(): PromClient | undefined {
  try {
    return createRequire(import.meta.url)('prom-client') as PromClient;
  } catch (error) {
    // only prom-client itself missing; a broken install of it (a dependency of its own missing) still throws
    const firstLine = String((error as Error).message).split('\n')[0]!;
    if ((error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' && firstLine.includes("'prom-client'"))
      return undefined;
    throw error;
  }
}

export const promClient: PromClient | undefined = load();

/** Called where metrics were asked for but prom-client is missing: says so once per process. */
export function warnPromClientMissing(): void {
  const flags = globalThis as Record<symbol, boolean | undefined>;
  if (flags[WARNED]) return;
  flags[WARNED] = true;
  process.emitWarning(
    'prom-client is not installed: @quickwins/runtime records no metrics (npm install prom-client to have them)',
    {
      code: 'QUICKWINS_NO_PROM_CLIENT',
    },
  );
}
