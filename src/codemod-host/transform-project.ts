/**
 * One file's trip through a project session (see `Codemod.prepareProject`): the asynchronous twin of
 * transform-text.ts. Strips the BOM, hands the text to the session, applies its edits, puts the BOM back.
 */
import type { ProjectSession } from './codemod.js';
import { applyTextEdits } from '../analysis/text-edit.js';
import { doneOf, type TextOutcome } from './transform-text.js';

const BOM = '\uFEFF';

export async function transformWithSession(session: ProjectSession, filePath: string, text: string): Promise<TextOutcome> {
  const hasBom = text.startsWith(BOM);
  const source = hasBom ? text.slice(1) : text;
  const start = performance.now();
  try {
    const result = await session.transformFile({ filePath, source });
    const rewrittenSource = applyTextEdits(source, result.edits);
    const timings = { parseMs: 0, transformMs: performance.now() - start };
    const sites = { rewritten: result.rewritten, left: result.left, ...doneOf(result), timings };
    if (rewrittenSource === source) return { status: 'unchanged', ...sites };
    const edits = hasBom ? result.edits.map((edit) => ({ start: edit.start + 1, end: edit.end + 1, text: edit.text })) : result.edits;
    return { status: 'changed', output: (hasBom ? BOM : '') + rewrittenSource, imports: result.imports ?? [], edits, ...sites };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { status: 'error', error: { phase: 'transform', message }, timings: { parseMs: 0, transformMs: performance.now() - start } };
  }
}
