/**
 * The text side of `narrow-eslint-disable --ts-nocheck`: where TypeScript's `// @ts-nocheck` pragmas are, and where
 * a `@ts-expect-error` goes so that it covers exactly the errors TypeScript reports on one line. Pure: it reads a
 * TypeScript SourceFile and diagnostics (from the project's own compiler, passed in as `ts`) and returns text edits
 * or the reason a file cannot be rewritten. Type-checking lives in typescript-project.ts.
 */
import type * as TypeScript from 'typescript';
import type { TextEdit } from '../core/text-edit.js';

// Without the `default` an ES module namespace adds: both `import ts from` and `import * as ts from` fit.
export type TypeScriptModule = Omit<typeof TypeScript, 'default'>;

/** The reason written after `@ts-expect-error` when `--description` gives none (typescript-eslint's ban-ts-comment wants one). */
export const DEFAULT_EXPECT_ERROR_DESCRIPTION = 'TODO: was hidden by @ts-nocheck';

/**
 * TypeScript reads pragmas from the comments before the first token only (`processCommentPragmas`), single-line
 * ones as `//` or `///` then `@name`, the name ending at a space, a colon or the line's end, in any case.
 */
const NOCHECK_PRAGMA = /^\/\/\/?\s*@ts-nocheck(?![^\s:])/i;

/** Any `// @ts-nocheck` comment line, wherever it stands: to name the ones TypeScript ignores. */
const NOCHECK_LINE = /^[ \t]*\/\/\/?[ \t]*@ts-nocheck(?![^\s:])/gim;

export interface NocheckComment {
  /** Offset of the `//`. */
  readonly start: number;
  readonly end: number;
}

/** The `// @ts-nocheck` pragmas TypeScript honours in `text` (after a shebang too). */
export function nocheckPragmas(ts: TypeScriptModule, text: string): NocheckComment[] {
  return (ts.getLeadingCommentRanges(text, 0) ?? [])
    .filter(
      (range) =>
        range.kind === ts.SyntaxKind.SingleLineCommentTrivia && NOCHECK_PRAGMA.test(text.slice(range.pos, range.end)),
    )
    .map((range) => ({ start: range.pos, end: range.end }));
}

/** Offsets of every `// @ts-nocheck` comment that starts a line, read from the text alone (no TypeScript at hand). */
export function nocheckLines(text: string): number[] {
  return [...text.matchAll(NOCHECK_LINE)].map((match) => match.index + (match[0].length - match[0].trimStart().length));
}

/** Offsets of `// @ts-nocheck` comment lines that are not pragmas (after the first token): TypeScript ignores them. */
export function ignoredNocheckLines(text: string, pragmas: readonly NocheckComment[]): number[] {
  return nocheckLines(text).filter((start) => !pragmas.some((pragma) => pragma.start === start));
}

/** `text` with each pragma overwritten by spaces: TypeScript checks it, and every offset stays the same. */
export function blankPragmas(text: string, pragmas: readonly NocheckComment[]): string {
  let blanked = text;
  for (const { start, end } of pragmas)
    blanked = blanked.slice(0, start) + ' '.repeat(end - start) + blanked.slice(end);
  return blanked;
}

/**
 * Removes a `//` comment (a pragma, an unused directive): its whole line when it stands alone (line break included),
 * else the comment and the blanks before it.
 */
export function pragmaRemoval(text: string, { start, end }: NocheckComment): TextEdit {
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  const newline = text.indexOf('\n', end);
  const lineEnd = newline === -1 ? text.length : newline;
  if (text.slice(lineStart, start).trim() === '' && text.slice(end, lineEnd).trim() === '') {
    if (newline !== -1) return { start: lineStart, end: newline + 1, text: '' };
    // The last line, without a line break: the line break before it goes with it (none when the file is one line).
    const previousBreak = lineStart === 0 ? 0 : text[lineStart - 2] === '\r' ? lineStart - 2 : lineStart - 1;
    return { start: previousBreak, end: text.length, text: '' };
  }
  let from = start;
  while (from > lineStart && (text[from - 1] === ' ' || text[from - 1] === '\t')) from--;
  return { start: from, end, text: '' };
}

export interface ExpectErrorLine {
  /** 1-based line of the errors it covers. */
  readonly line: number;
  /** The first error's code and message (one line), and how many more errors the line has. */
  readonly firstError: string;
  readonly moreErrors: number;
  readonly edit: TextEdit;
}

/** A `@ts-expect-error` already in the file that has nothing left to cover once the pragma is gone (TS2578). */
export interface UnusedDirective {
  /** 1-based. */
  readonly line: number;
  readonly edit: TextEdit;
}

export type ExpectErrorPlan =
  | {
      readonly kind: 'planned';
      readonly lines: readonly ExpectErrorLine[];
      readonly unused: readonly UnusedDirective[];
    }
  | { readonly kind: 'impossible'; readonly line: number; readonly reason: string };

type LineContext = 'code' | 'jsx-children' | 'literal';

/** "Unused '@ts-expect-error' directive." */
const UNUSED_DIRECTIVE = 2578;

/**
 * One `@ts-expect-error <description>` above each line where an error starts (several errors on a line: one
 * directive), indented like that line, with the file's line break: `//` in code, `{/* … *\/}` among JSX children
 * (where `//` is text). Above an `// eslint-disable-next-line` comment, which must stay right above its line
 * (TypeScript looks through `//` comment lines for the directive, ESLint does not look past one line).
 * Impossible, with the reason: a line break inside a string or template literal, a block `eslint-disable-next-line`
 * comment above the line (TypeScript does not look through it). A `// @ts-expect-error` of the file's own that covers
 * nothing without the pragma (TS2578, which no directive hides) is removed; a block one (`{/* … *\/}`) is impossible.
 *
 * `sourceFile` holds the file's text with the pragmas blanked (same offsets as the file); `diagnostics` are its errors.
 */
export function planExpectErrors(
  ts: TypeScriptModule,
  sourceFile: TypeScript.SourceFile,
  diagnostics: readonly TypeScript.Diagnostic[],
  description: string,
): ExpectErrorPlan {
  const text = sourceFile.text;
  const lineStarts = sourceFile.getLineStarts();
  const errorsByLine = new Map<number, TypeScript.Diagnostic[]>();
  const unused: UnusedDirective[] = [];
  for (const diagnostic of diagnostics) {
    if (diagnostic.start === undefined) continue;
    if (diagnostic.code === UNUSED_DIRECTIVE) {
      const comment = { start: diagnostic.start, end: diagnostic.start + (diagnostic.length ?? 0) };
      const line = sourceFile.getLineAndCharacterOfPosition(comment.start).line + 1;
      if (!text.startsWith('//', comment.start)) {
        return {
          kind: 'impossible',
          line,
          reason: `the block @ts-expect-error at line ${line} covers nothing without the pragma, and removing it would leave its braces or its line`,
        };
      }
      unused.push({ line, edit: pragmaRemoval(text, comment) });
      continue;
    }
    const line = sourceFile.getLineAndCharacterOfPosition(diagnostic.start).line;
    errorsByLine.set(line, [...(errorsByLine.get(line) ?? []), diagnostic]);
  }
  const lines: ExpectErrorLine[] = [];
  for (const [line, errors] of [...errorsByLine].sort(([a], [b]) => a - b)) {
    const lineText = (index: number): string => text.slice(lineStarts[index], lineStarts[index + 1] ?? text.length);
    let target = line;
    while (target > 0 && /^\s*\/\/.*eslint-disable-next-line/.test(lineText(target - 1))) target--;
    if (target > 0 && /eslint-disable-next-line/.test(lineText(target - 1)) && !/^\s*\/\//.test(lineText(target - 1))) {
      return {
        kind: 'impossible',
        line: line + 1,
        reason: `a block eslint-disable-next-line comment stands right above line ${line + 1}: a @ts-expect-error cannot go between them, and TypeScript does not look through it`,
      };
    }
    const insertAt = lineStarts[target] ?? 0;
    const context = target === 0 ? 'code' : contextOfLineBreak(ts, sourceFile, insertAt - 1);
    if (context === 'literal') {
      return {
        kind: 'impossible',
        line: line + 1,
        reason: `line ${line + 1} starts inside a string or template literal, where no comment can go`,
      };
    }
    if (context === 'jsx-children' && description.includes('*/')) {
      return {
        kind: 'impossible',
        line: line + 1,
        reason: `the description contains '*/', which would end the JSX comment above line ${line + 1}`,
      };
    }
    const indent = /^[ \t]*/.exec(lineText(target))?.[0] ?? '';
    const comment =
      context === 'jsx-children' ? `{/* @ts-expect-error ${description} */}` : `// @ts-expect-error ${description}`;
    const [first] = errors;
    lines.push({
      line: line + 1,
      firstError: first ? `TS${first.code} ${oneLine(ts.flattenDiagnosticMessageText(first.messageText, '\n'))}` : '',
      moreErrors: errors.length - 1,
      edit: { start: insertAt, end: insertAt, text: `${indent}${comment}${lineBreakBefore(text, insertAt)}` },
    });
  }
  return { kind: 'planned', lines, unused };
}

/** The line break that ends the line before `offset` (a line start), else the file's first one, else LF. */
function lineBreakBefore(text: string, offset: number): string {
  if (offset > 0) return text[offset - 2] === '\r' ? '\r\n' : '\n';
  const first = text.indexOf('\n');
  return first > 0 && text[first - 1] === '\r' ? '\r\n' : '\n';
}

function oneLine(message: string): string {
  const first = message.split('\n')[0] ?? '';
  return first.length > 120 ? `${first.slice(0, 117)}...` : first;
}

const LITERAL_KINDS = (ts: TypeScriptModule): ReadonlySet<TypeScript.SyntaxKind> =>
  new Set([
    ts.SyntaxKind.StringLiteral,
    ts.SyntaxKind.NoSubstitutionTemplateLiteral,
    ts.SyntaxKind.TemplateHead,
    ts.SyntaxKind.TemplateMiddle,
    ts.SyntaxKind.TemplateTail,
  ]);

/** What the line break at `offset` belongs to: JSX text between children, a literal's text, or code (trivia). */
function contextOfLineBreak(ts: TypeScriptModule, sourceFile: TypeScript.SourceFile, offset: number): LineContext {
  let innermost: TypeScript.Node = sourceFile;
  const visit = (node: TypeScript.Node): void => {
    // JsxText has no trivia: its text starts at `pos` (getStart would skip its leading blanks).
    const start = node.kind === ts.SyntaxKind.JsxText ? node.pos : node.getStart(sourceFile);
    if (start <= offset && offset < node.end) {
      innermost = node;
      ts.forEachChild(node, visit);
    }
  };
  ts.forEachChild(sourceFile, visit);
  const kind = (innermost as TypeScript.Node).kind;
  if (kind === ts.SyntaxKind.JsxText) return 'jsx-children';
  return LITERAL_KINDS(ts).has(kind) ? 'literal' : 'code';
}
