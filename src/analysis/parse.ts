/**
 * One parser for every front door that works on source text without types (the codemod runner, the
 * jscodeshift wrapper, cross-module lookups, tests): oxc-parser, which returns the TS-ESTree shape
 * typescript-eslint gives ESLint rules, at about a fifth of typescript-estree's cost per file and
 * without loading the TypeScript compiler. (Measured on the 2,000-file bench corpus: 0.48 s against
 * 1.9 to 2.7 s for typescript-estree with tokens; see bench/codemod-speed.ts.) The type-aware mode
 * (src/cli/types.ts) still parses with typescript-estree, which owns the ESTree-to-TypeScript node map.
 *
 * The analysis modules rely on `range` and `comments` only: no `loc` (lines come from offsets,
 * `positionAt`) and no `tokens` (the text between two nodes is read with src/analysis/trivia.ts), so
 * they see the same thing from a rule, from typescript-estree and from oxc.
 */
import type { ParserServicesWithTypeInformation, TSESTree } from '@typescript-eslint/typescript-estree';
import { extname } from 'node:path';
import { parseSync, type ParserOptions } from 'oxc-parser';
import { lineStarts, positionIn } from './lines.js';

/** Type information for one file, the same shape ESLint rules get from typescript-eslint. */
export type TypeServices = Pick<ParserServicesWithTypeInformation, 'program' | 'esTreeNodeToTSNodeMap'>;

type Lang = NonNullable<ParserOptions['lang']>;

/** Extensions the runner handles, and how each is parsed (JSX in .tsx and in every JavaScript file). */
export const SOURCE_EXTENSIONS: ReadonlyMap<string, { jsx: boolean; lang: Lang }> = new Map([
  ['.ts', { jsx: false, lang: 'ts' }],
  ['.mts', { jsx: false, lang: 'ts' }],
  ['.cts', { jsx: false, lang: 'ts' }],
  ['.tsx', { jsx: true, lang: 'tsx' }],
  ['.js', { jsx: true, lang: 'jsx' }],
  ['.jsx', { jsx: true, lang: 'jsx' }],
  ['.mjs', { jsx: true, lang: 'jsx' }],
  ['.cjs', { jsx: true, lang: 'jsx' }],
]);

export function isSourceFile(filePath: string): boolean {
  return SOURCE_EXTENSIONS.has(extname(filePath).toLowerCase()) && !/\.d\.[cm]?ts$/i.test(filePath);
}

export type Program = TSESTree.Program;

/** A file that does not parse: the first error, with its 1-based line and 0-based column like typescript-estree's TSError. */
export class SourceParseError extends Error {
  constructor(
    message: string,
    readonly index: number,
    readonly lineNumber: number,
    readonly column: number,
  ) {
    super(message);
    this.name = 'SourceParseError';
  }
}

/**
 * Parses `text` as the file at `filePath` (the extension picks TypeScript, TSX or JSX).
 * Throws a SourceParseError at the first syntax error: oxc recovers from some errors, but a codemod
 * must not edit a file its parser only half understood.
 */
export function parseSource(filePath: string, text: string): Program {
  const extension = extname(filePath).toLowerCase();
  const lang = /\.d\.[cm]?ts$/i.test(filePath) ? 'dts' : (SOURCE_EXTENSIONS.get(extension)?.lang ?? 'tsx');
  // Not 'commonjs' for .cjs/.cts: a TypeScript .cts file is written with `import`, and a codemod must read what the
  // file does, whatever its extension says (module-style.ts).
  const sourceType = extension === '.mjs' || extension === '.mts' ? 'module' : 'unambiguous';
  const result = parseSync(filePath, text, { lang, sourceType, astType: 'ts', range: true, preserveParens: false });
  const error = result.errors.find((candidate) => candidate.severity === 'Error');
  if (error) {
    const index = error.labels[0]?.start ?? 0;
    const { line, column } = positionAt(text, index);
    throw new SourceParseError(error.message, index, line, column);
  }
  const program = result.program as unknown as { comments: TSESTree.Comment[] };
  const lines = lineStarts(text);
  program.comments = result.comments.map((comment) => ({
    type: comment.type,
    value: comment.value,
    range: [comment.start, comment.end],
    loc: { start: positionIn(lines, comment.start), end: positionIn(lines, comment.end) },
  })) as TSESTree.Comment[];
  return program as unknown as Program;
}

/** offset → 1-based line, 0-based column in `text`, for a codemod's report of many sites (the line index is built once). */
export function positionsOf(text: string): (offset: number) => { line: number; column: number } {
  const starts = lineStarts(text);
  return (offset) => positionIn(starts, offset);
}

/** 1-based line, 0-based column of `offset` in `text`, for one position. */
export function positionAt(text: string, offset: number): { line: number; column: number } {
  return positionIn(lineStarts(text), offset);
}
