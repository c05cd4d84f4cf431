/**
 * One parser for every front door that works on source text without types (the codemod runner, the
 * jscodeshift wrapper, cross-module lookups, tests): oxc-parser, which returns the TS-ESTree shape
 * typescript-eslint gives ESLint rules, at about a fifth of typescript-estree's cost per file and
 * without loading the TypeScript compiler. (Measured on the 2,000-file bench corpus: 0.48 s against
 * 1.9 to 2.7 s for typescript-estree with tokens; see bench/codemod-speed.ts.) The type-aware mode
 * (src/cli/types.ts) still parses with typescript-estree, which owns the ESTree-to-TypeScript node map.
 *
 * The analysis modules rely on `range` and `comments` only: no `loc` (lines come from offsets,
 * `positionAt`) and no `tokens` (the text between two nodes is read with src/core/trivia.ts), so
 * they see the same thing from a rule, from typescript-estree and from oxc.
 */
import type { ParserServicesWithTypeInformation, TSESTree } from '@typescript-eslint/typescript-estree';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { extname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { deserialize } from 'node:v8';
import { parseSync, type ParserOptions } from 'oxc-parser';
import { lineStarts, positionIn } from './lines.js';
import { estimateNesting, type NestingEstimate } from './nesting.js';
import { packageFactsFor } from './package-evidence.js';
import { asHostRead } from './project-reads.js';

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
 * Above this estimate (nesting.ts), oxc-parser does not run in this process: its native stack has no depth
 * limit, and overflowing it kills the process, worker threads included. The figure keeps about three times
 * below the shallowest crash measured on a worker thread's 4 MB stack (docs/parse-depth.md).
 */
export const NESTING_LIMIT = 1000;

/** A file nested too deeply to be parsed without risking the process: left unparsed, with why. */
export class NestingTooDeepError extends Error {
  constructor(
    readonly levels: number,
    readonly lineNumber: number,
    why: string,
  ) {
    super(
      `nests deeper than ${NESTING_LIMIT} levels (estimated ${Math.round(levels)} near line ${lineNumber}): ${why}`,
    );
    this.name = 'NestingTooDeepError';
  }
}

/** A JavaScript stack overflow (a RangeError, catchable, unlike oxc's native one): a tree too deep to walk or build. */
export function isStackOverflow(error: unknown): boolean {
  return error instanceof RangeError && error.message.includes('Maximum call stack size exceeded');
}

/** What oxc-parser returns, as far as parseSource reads it (the same from this process or from a child). */
interface OxcResult {
  readonly program: unknown;
  readonly comments: readonly {
    readonly type: 'Line' | 'Block';
    readonly value: string;
    readonly start: number;
    readonly end: number;
  }[];
  readonly errors: readonly {
    readonly severity: string;
    readonly message: string;
    readonly labels: readonly { readonly start: number }[];
  }[];
}

/**
 * Parses `text` as the file at `filePath` (the extension picks TypeScript, TSX or JSX).
 * Throws a SourceParseError at the first syntax error: oxc recovers from some errors, but a codemod
 * must not edit a file its parser only half understood. A file nested deeper than NESTING_LIMIT is
 * parsed in a child process, where a crash costs only that file (NestingTooDeepError).
 */
export function parseSource(filePath: string, text: string): Program {
  const extension = extname(filePath).toLowerCase();
  const lang = /\.d\.[cm]?ts$/i.test(filePath) ? 'dts' : (SOURCE_EXTENSIONS.get(extension)?.lang ?? 'tsx');
  // Not 'commonjs' for .cjs/.cts: a TypeScript .cts file is written with `import`, and a codemod must read what the
  // file does, whatever its extension says (module-style.ts).
  const sourceType = extension === '.mjs' || extension === '.mts' ? 'module' : 'unambiguous';
  const options: ParserOptions = { lang, sourceType, astType: 'ts', range: true, preserveParens: false };
  const nesting = estimateNesting(text, lang === 'tsx' || lang === 'jsx');
  const parse = (withOptions: ParserOptions): OxcResult =>
    nesting.levels <= NESTING_LIMIT
      ? (parseSync(filePath, text, withOptions) as OxcResult)
      : parseInChild(filePath, text, withOptions, nesting);
  let result = parse(options);
  // CommonJS allows what a module does not (a top-level `return`): a file Node runs as CommonJS that did not parse
  // as a module or a script is read as CommonJS. Only after an error, so a CommonJS-scoped file written with
  // `import` (compiled by a bundler) is still read as a module.
  if (hasError(result) && runsAsCommonJs(filePath)) {
    const asCommonJs = parse({ ...options, sourceType: 'commonjs' });
    if (!hasError(asCommonJs)) {
      (asCommonJs.program as { sourceType: string }).sourceType = 'script'; // TS-ESTree knows 'script' and 'module' only
      result = asCommonJs;
    }
  }
  const error = result.errors.find((candidate) => candidate.severity === 'Error');
  if (error) {
    const index = error.labels[0]?.start ?? 0;
    const { line, column } = positionAt(text, index);
    throw new SourceParseError(error.message, index, line, column);
  }
  const program = result.program as { comments: TSESTree.Comment[] };
  const lines = lineStarts(text);
  program.comments = result.comments.map((comment) => ({
    type: comment.type,
    value: comment.value,
    range: [comment.start, comment.end],
    loc: { start: positionIn(lines, comment.start), end: positionIn(lines, comment.end) },
  })) as TSESTree.Comment[];
  return program as unknown as Program;
}

function hasError(result: OxcResult): boolean {
  return result.errors.some((candidate) => candidate.severity === 'Error');
}

/**
 * Whether Node runs the JavaScript file at `filePath` as CommonJS: `.cjs`, or `.js`/`.jsx` whose nearest package.json
 * does not say `"type": "module"` (an unreadable one counts as none, as for Node).
 */
function runsAsCommonJs(filePath: string): boolean {
  const extension = extname(filePath).toLowerCase();
  if (extension === '.cjs') return true;
  if (extension !== '.js' && extension !== '.jsx') return false;
  // How the file is parsed is the parser's business, whoever asked for the parse.
  return asHostRead(() => packageFactsFor(filePath))?.type !== 'module';
}

/**
 * The child's side of parseInChild: the same parseSync call, the text read from stdin as UTF-16 (so every
 * offset is the parent's), the result written back with the structured clone (RegExp and BigInt values kept).
 */
const CHILD_PARSE = `
const [oxcUrl, filePath, options] = process.argv.slice(1);
const { parseSync } = await import(oxcUrl);
const { readFileSync } = await import('node:fs');
const { serialize } = await import('node:v8');
const result = parseSync(filePath, readFileSync(0).toString('utf16le'), JSON.parse(options));
const errors = result.errors.map((error) => ({ severity: error.severity, message: error.message, labels: error.labels.map((label) => ({ start: label.start })) }));
const comments = result.comments.map((comment) => ({ type: comment.type, value: comment.value, start: comment.start, end: comment.end }));
process.stdout.write(serialize({ program: result.program, comments, errors }));
`;

function parseInChild(filePath: string, text: string, options: ParserOptions, nesting: NestingEstimate): OxcResult {
  const line = positionAt(text, nesting.offset).line;
  const child = spawnSync(
    process.execPath,
    ['--input-type=module', '-e', CHILD_PARSE, oxcParserUrl(), filePath, JSON.stringify(options)],
    {
      input: Buffer.from(text, 'utf16le'),
      maxBuffer: Number.MAX_SAFE_INTEGER,
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  if (child.error)
    throw new NestingTooDeepError(
      nesting.levels,
      line,
      `the separate process that parses such files could not run (${child.error.message})`,
    );
  if (child.status !== 0) {
    const how = child.signal
      ? `crashed (${child.signal})`
      : `failed (${child.stderr.toString('utf8').trim().split('\n').at(-1) ?? `exit ${child.status}`})`;
    throw new NestingTooDeepError(
      nesting.levels,
      line,
      `oxc-parser ${how} on it in the separate process such files are parsed in`,
    );
  }
  try {
    return deserialize(child.stdout) as OxcResult;
  } catch (error) {
    throw new NestingTooDeepError(
      nesting.levels,
      line,
      `its syntax tree is too deep to read back (${(error as Error).message})`,
    );
  }
}

/** oxc-parser as this module resolves it; the CommonJS bundles without `import.meta.url` have `require`. */
function oxcParserUrl(): string {
  const resolve = import.meta.url ? createRequire(import.meta.url).resolve : require.resolve;
  return pathToFileURL(resolve('oxc-parser')).href;
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
