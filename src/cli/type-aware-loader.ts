/**
 * `typescript` is an optional peer of quickwins: a type-aware run uses the project's own compiler. This loads the
 * type-aware parser (src/cli/types.ts, which requires `typescript`) and, when the project has no TypeScript, says
 * why instead of failing: the run then goes on without types.
 */
import type { TypeAwareParser } from './types.js';

export type TypeAwareLoad =
  { readonly parser: TypeAwareParser } | { readonly parser?: undefined; readonly unavailable: string };

/** The one line a run prints (and puts in --json) when it had to go on without types. */
export const TYPESCRIPT_MISSING =
  'typescript is not installed here (it is an optional peer of quickwins): running without type information; ' +
  'install typescript in the project, or pass --no-types to silence this';

function isMissingTypeScript(error: unknown): boolean {
  const { code, message } = error as { code?: string; message?: string };
  return (
    (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') &&
    /Cannot find (?:module|package) '(?:typescript|@typescript-eslint\/typescript-estree)(?:\/[^']*)?'/.test(
      message ?? '',
    )
  );
}

export async function loadTypeAwareParser(): Promise<TypeAwareLoad> {
  try {
    // Loaded only when used: it brings in the TypeScript compiler, which a run without types never needs.
    return { parser: (await import('./types.js')).createTypeAwareParser() };
  } catch (error) {
    if (isMissingTypeScript(error)) return { unavailable: TYPESCRIPT_MISSING };
    throw error;
  }
}
