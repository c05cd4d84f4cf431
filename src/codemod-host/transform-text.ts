/**
 * One file's trip through a codemod, shared by every front door that holds text in memory (the
 * quickwins runner, its workers, the jscodeshift wrapper): strip the BOM, pre-filter, parse,
 * transform, apply the edits, put the BOM back. Nothing here touches the file system.
 */
import type { TSESTree } from '@typescript-eslint/typescript-estree';
import type { Codemod, CodemodRead, CodemodResult, CodemodSite, TypeServices } from './codemod.js';
import { isStackOverflow, NestingTooDeepError, parseSource } from '../core/parse.js';
import { withDeclaredReads } from '../core/project-reads.js';
import { applyTextEdits, type TextEdit } from '../core/text-edit.js';

const BOM = '\uFEFF';

/** What parsing one file gives: the ESTree program and, in type-aware mode, its type services. */
export interface ParsedFile {
  readonly program: TSESTree.Program;
  readonly types?: TypeServices;
}

/** How to parse a file; the default is `parseSource` (no types). */
export type ParseFile = (filePath: string, source: string) => ParsedFile;

export const parseWithoutTypes: ParseFile = (filePath, source) => ({ program: parseSource(filePath, source) });

export type TextOutcome =
  /** The pre-filter said the file cannot contain a site; it was never parsed. */
  | { readonly status: 'skipped'; readonly timings: Timings }
  | {
      readonly status: 'unchanged';
      readonly rewritten: readonly CodemodSite[];
      readonly left: readonly CodemodSite[];
      /** The codemod's `done` sites (see codemod.ts); omitted when it gave none. */
      readonly done?: readonly CodemodSite[];
      readonly timings: Timings;
      /** Parsed without types: the codemod's `waitsForTypes` (see codemod.ts). */
      readonly waitsForTypes?: boolean;
    }
  | {
      readonly status: 'changed';
      /** The whole new file text, BOM included when the input had one. */
      readonly output: string;
      /** The codemod's `imports` (modules the new text imports because of the rewrite). */
      readonly imports: readonly string[];
      /** The edits that made `output`, as offsets into the input text (BOM included): what a diff is built from. */
      readonly edits: readonly TextEdit[];
      readonly rewritten: readonly CodemodSite[];
      readonly left: readonly CodemodSite[];
      readonly done?: readonly CodemodSite[];
      readonly timings: Timings;
      readonly waitsForTypes?: boolean;
    }
  | { readonly status: 'error'; readonly error: FileError; readonly timings: Timings }
  | UntouchedFile;

/**
 * The file untouched, for `reason`: one the parser cannot read safely here, or one the runner will not touch (see
 * run.ts). Reports call this status `left`; a codemod's `left` sites are another thing (sites it did not rewrite).
 */
export interface UntouchedFile {
  readonly status: 'left';
  readonly reason: string;
  readonly timings: Timings;
}

export interface FileError {
  /** `parse`: the file does not parse (the codemod never ran); `transform`: the codemod threw; `read`/`write`: the file system refused. */
  readonly phase: 'read' | 'parse' | 'transform' | 'write';
  readonly message: string;
  /** 1-based, when the parser says where. */
  readonly line?: number;
  readonly column?: number;
}

/** Milliseconds spent in each phase of one file. */
export interface Timings {
  readonly parseMs: number;
  readonly transformMs: number;
}

export function transformText<Options>(
  codemod: Codemod<Options>,
  filePath: string,
  text: string,
  options: Options,
  parse: ParseFile = parseWithoutTypes,
): TextOutcome {
  const source = withoutBom(text);
  // Any other parser is the type-aware one, where the checker alone can make a receiver a pool.
  const typed = parse !== parseWithoutTypes;
  if (!heldToReads(codemod, () => codemod.mightApply(source, { typed, filePath })))
    return { status: 'skipped', timings: { parseMs: 0, transformMs: 0 } };
  return transformParsed(codemod, filePath, text, options, parseText(filePath, text, parse));
}

/** What parsing a file's text once gives: the parsed file, or the outcome every codemod gets for it (left, error). */
export type ParseAttempt =
  | { readonly ok: true; readonly parsed: ParsedFile; readonly parseMs: number }
  | { readonly ok: false; readonly outcome: TextOutcome };

/** Parses a file's text (BOM and all, as read) once, for one codemod or for several (`quickwins plan`). */
export function parseText(filePath: string, text: string, parse: ParseFile = parseWithoutTypes): ParseAttempt {
  const parseStart = performance.now();
  try {
    const parsed = parse(filePath, withoutBom(text));
    return { ok: true, parsed, parseMs: performance.now() - parseStart };
  } catch (error) {
    const parseMs = performance.now() - parseStart;
    if (error instanceof NestingTooDeepError)
      return { ok: false, outcome: { status: 'left', reason: error.message, timings: { parseMs, transformMs: 0 } } };
    return {
      ok: false,
      outcome: { status: 'error', error: describeParseError(error), timings: { parseMs, transformMs: 0 } },
    };
  }
}

/** One codemod on a file already parsed (its pre-filter passed): the codemod's edits applied, BOM kept. */
export function transformParsed<Options>(
  codemod: Codemod<Options>,
  filePath: string,
  text: string,
  options: Options,
  attempt: ParseAttempt,
): TextOutcome {
  if (!attempt.ok) return attempt.outcome;
  const { parsed, parseMs } = attempt;
  const hasBom = text.startsWith(BOM);
  const source = hasBom ? text.slice(1) : text;
  const transformStart = performance.now();
  try {
    const input = { filePath, source, program: parsed.program, options, types: parsed.types };
    const result = heldToReads(codemod, () => codemod.transform(input));
    const edits = keepLineEndings(source, result.edits);
    const rewrittenSource = applyTextEdits(source, edits);
    const transformMs = performance.now() - transformStart;
    const sites = {
      rewritten: result.rewritten,
      left: result.left,
      ...doneOf(result),
      timings: { parseMs, transformMs },
      waitsForTypes: result.waitsForTypes,
    };
    if (rewrittenSource === source) return { status: 'unchanged', ...sites };
    const inText = hasBom
      ? edits.map((edit) => ({ start: edit.start + 1, end: edit.end + 1, text: edit.text }))
      : edits;
    return {
      status: 'changed',
      output: (hasBom ? BOM : '') + rewrittenSource,
      imports: result.imports ?? [],
      edits: inText,
      ...sites,
    };
  } catch (error) {
    const transformMs = performance.now() - transformStart;
    if (isStackOverflow(error))
      return { status: 'left', reason: STACK_OVERFLOW_REASON, timings: { parseMs, transformMs } };
    const message = error instanceof Error ? error.message : String(error);
    return { status: 'error', error: { phase: 'transform', message }, timings: { parseMs, transformMs } };
  }
}

/** What the host holds a codemod to: `reads` may be missing in a plain-JavaScript codemod. */
export interface DeclaredReads {
  readonly id: string;
  readonly reads?: readonly CodemodRead[];
}

/**
 * Runs the codemod's own work holding it to its `reads`. A codemod that does not say (plain JavaScript written before
 * the field) runs as before, unheld.
 */
export function heldToReads<Result>(codemod: DeclaredReads, work: () => Result): Result {
  return Array.isArray(codemod.reads) ? withDeclaredReads(codemod.id, codemod.reads, work) : work();
}

function withoutBom(text: string): string {
  return text.startsWith(BOM) ? text.slice(1) : text;
}

/** A tree the parser read (in a separate process, see parse.ts) but deeper than the JavaScript stack lets a codemod walk. */
export const STACK_OVERFLOW_REASON = 'nests too deeply for the codemod to walk (the JavaScript stack overflowed)';

/** The codemod's `done` sites, as an outcome carries them: absent when there are none (most codemods, most files). */
export function doneOf(result: CodemodResult): { done?: readonly CodemodSite[] } {
  return result.done && result.done.length > 0 ? { done: result.done } : {};
}

/**
 * A safety net for codemods that build added code with `\n`: in a file written with CRLF, every
 * line break the edits add becomes CRLF too, so a rewrite never leaves a file with mixed endings.
 */
function keepLineEndings(source: string, edits: readonly TextEdit[]): readonly TextEdit[] {
  if (!usesCrlf(source)) return edits;
  return edits.map((edit) =>
    edit.text.includes('\n') ? { ...edit, text: edit.text.replace(/\r?\n/g, '\r\n') } : edit,
  );
}

function usesCrlf(source: string): boolean {
  const firstBreak = source.indexOf('\n');
  return firstBreak > 0 && source[firstBreak - 1] === '\r';
}

/** Both parsers throw errors with `lineNumber` (1-based) and `column` (0-based): parse.ts's SourceParseError, typescript-estree's TSError. */
function describeParseError(error: unknown): FileError {
  const message = error instanceof Error ? error.message : String(error);
  const where = error as { lineNumber?: unknown; column?: unknown } | null;
  const line = typeof where?.lineNumber === 'number' ? where.lineNumber : undefined;
  const column = typeof where?.column === 'number' ? where.column + 1 : undefined;
  return { phase: 'parse', message, line, column };
}
