/**
 * One file's trip through a project session (see `Codemod.prepareProject`): the asynchronous twin of
 * transform-text.ts. Strips the BOM, hands the text to the session, applies its edits, puts the BOM back.
 */
import type { ProjectSession } from './codemod.js';
import { applyTextEdits } from '../core/text-edit.js';
import { doneOf, type TextOutcome } from './transform-text.js';

const BOM = '\uFEFF';

/** A file's outcome, and the session's record for `finish` (undefined when the file failed or gave none). */
export interface SessionOutcome {
  readonly outcome: TextOutcome;
  readonly record?: unknown;
}

export async function transformWithSession(
  session: ProjectSession,
  filePath: string,
  text: string,
): Promise<SessionOutcome> {
  const hasBom = text.startsWith(BOM);
  const source = hasBom ? text.slice(1) : text;
  const start = performance.now();
  try {
    const result = await session.transformFile({ filePath, source });
    const rewrittenSource = applyTextEdits(source, result.edits);
    const timings = { parseMs: 0, transformMs: performance.now() - start };
    const sites = { rewritten: result.rewritten, left: result.left, ...doneOf(result), timings };
    if (rewrittenSource === source) return { outcome: { status: 'unchanged', ...sites }, record: result.record };
    const edits = hasBom
      ? result.edits.map((edit) => ({ start: edit.start + 1, end: edit.end + 1, text: edit.text }))
      : result.edits;
    return {
      outcome: {
        status: 'changed',
        output: (hasBom ? BOM : '') + rewrittenSource,
        imports: result.imports ?? [],
        edits,
        ...sites,
      },
      record: result.record,
    };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return {
      outcome: {
        status: 'error',
        error: { phase: 'transform', message },
        timings: { parseMs: 0, transformMs: performance.now() - start },
      },
    };
  }
}
