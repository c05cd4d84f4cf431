/**
 * One parser for every front door that works on source text (the codemod runner, the jscodeshift
 * wrapper, tests): typescript-estree, the parser ESLint's TypeScript users already run, so the
 * analysis modules see the same ESTree shape whether they are called from a rule or a codemod.
 */
import { parse, type TSESTree } from '@typescript-eslint/typescript-estree';
import { extname } from 'node:path';

/** Extensions the runner handles, and whether JSX is legal in them. */
export const SOURCE_EXTENSIONS: ReadonlyMap<string, { jsx: boolean }> = new Map([
  ['.ts', { jsx: false }],
  ['.mts', { jsx: false }],
  ['.cts', { jsx: false }],
  ['.tsx', { jsx: true }],
  ['.js', { jsx: true }],
  ['.jsx', { jsx: true }],
  ['.mjs', { jsx: true }],
  ['.cjs', { jsx: true }],
]);

export function isSourceFile(filePath: string): boolean {
  return SOURCE_EXTENSIONS.has(extname(filePath).toLowerCase()) && !/\.d\.[cm]?ts$/i.test(filePath);
}

export type Program = TSESTree.Program;

/**
 * Parses `text` as the file at `filePath` (the extension picks JSX on or off).
 * Throws the parser's error (with `lineNumber`/`column`) when the file does not parse.
 */
export function parseSource(filePath: string, text: string): Program {
  const jsx = SOURCE_EXTENSIONS.get(extname(filePath).toLowerCase())?.jsx ?? true;
  return parse(text, { jsx, range: true, loc: true, comment: true, tokens: true, filePath });
}
