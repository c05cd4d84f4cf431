/**
 * The contract between a codemod and the front doors that run it (the quickwins runner in src/cli,
 * the jscodeshift wrapper built to codemods/<id>.cjs, tests). A codemod finds sites through the
 * shared analysis and returns minimal text edits; it never writes files, never parses the file it is
 * given, never prints. What it reads besides the text it is handed, it names in `reads` (CodemodRead).
 * The runner owns files, BOM and line endings, parsing, workers, diffs, reports and every write.
 */
import type { TSESTree } from '@typescript-eslint/typescript-estree';
import type { TypeServices } from '../core/parse.js';
import type { ProjectRead } from '../core/project-reads.js';
import type { TextEdit } from '../core/text-edit.js';

export type { TypeServices };

export interface CodemodInput<Options> {
  /** Path as given to the runner, for messages. */
  readonly filePath: string;
  /** The file's text without a BOM (the runner strips and restores it); line endings as on disk. */
  readonly source: string;
  /**
   * `parseSource(filePath, source)` from src/core/parse.ts: TS-ESTree with `range` on every node and the
   * `comments` (with `loc`); no `loc` on nodes and no `tokens` (`positionsOf` gives lines, trivia.ts reads
   * between nodes). With types, typescript-estree's AST of the same shape (it also has `loc` and `tokens`).
   */
  readonly program: TSESTree.Program;
  readonly options: Options;
  /** Present when a tsconfig covers the file and the runner built a program for it. */
  readonly types?: TypeServices;
}

/** One place the codemod rewrote or deliberately left alone. Lines are 1-based, columns 0-based (ESTree). */
export interface CodemodSite {
  readonly line: number;
  readonly column: number;
  /** What was done (`rewritten`) or why the site was left (`left`), one short sentence. */
  readonly message: string;
  /**
   * What the site is about, named the same in every file that refers to it (auth-logging: the handler's module file,
   * absolute, and its export name). Across one run, a `left` site whose identity a `rewritten` or `done` site of any
   * file carries is not left: the runner reports it as covered there (src/cli/reconcile.ts). Opaque to the runner.
   */
  readonly identity?: string;
}

export interface CodemodResult {
  readonly edits: readonly TextEdit[];
  readonly rewritten: readonly CodemodSite[];
  readonly left: readonly CodemodSite[];
  /**
   * Sites found already rewritten (by an earlier run or by hand), with their `identity`: not printed, but they cover
   * `left` sites of other files of the run as a rewrite does (a second run reports the same as the first).
   */
  readonly done?: readonly CodemodSite[];
  /**
   * Modules the rewritten file imports because of these edits (e.g. the `--import-from` module). The runner declares
   * `@quickwins/runtime` in the nearest package.json when it is among them (src/cli/declare-dependency.ts).
   */
  readonly imports?: readonly string[];
  /**
   * Parsed without types: whether the checker could decide something here that this result did not (a site left
   * for want of types, a receiver only a type can place). A type-aware run parses again with types only the files
   * where this is true (or unset, for codemods that do not say); the others keep this result.
   */
  readonly waitsForTypes?: boolean;
}

/** A command-line option a codemod adds to `npx quickwins <id>` (parsed by the runner). */
export interface CodemodOption {
  /** Long flag without dashes, e.g. `import-from`; becomes camelCase in `options` (`importFrom`). */
  readonly flag: string;
  /**
   * A `boolean` flag whose default is true is offered only as `--no-<flag>`: its description then says what
   * `--no-<flag>` does ("do not ..."), since the help prints it next to that form.
   */
  readonly description: string;
  readonly type: 'string' | 'number' | 'boolean';
  readonly default?: string | number | boolean;
  /** Checks a coerced value before any file is read; returns the complaint (without the flag name) or undefined. */
  readonly validate?: (value: string | number | boolean) => string | undefined;
}

/**
 * What a codemod reads on its own, besides the text the runner hands it: plain reads of the project as it is on disk
 * during the run, never of a file the run has not yet written back. Nothing a codemod reads is ever written by it: a
 * file it wants written goes back to the runner (`ProjectFileOutput`), which writes it through its one write module.
 * Held at run time: the host runs a codemod that declares `reads` inside src/core/project-reads.ts's permit, and a
 * read of a kind it did not declare fails the file (UndeclaredReadError), even when the codemod catches the error.
 */
export type CodemodRead = ProjectRead;

export interface MightApplyContext {
  readonly typed: boolean;
  /** The file, absolute, when the host has one: what the codemod reads beside the text is held to its `reads`. */
  readonly filePath?: string;
}

/** One file handed to a project session: its path (absolute) and its text without a BOM, line endings as on disk. */
export interface ProjectFileInput {
  readonly filePath: string;
  readonly source: string;
}

/** A file a project session writes besides the sources, once the run is over (e.g. ESLint's suppressions file). */
export interface ProjectFileOutput {
  /** Absolute. */
  readonly path: string;
  readonly text: string;
  /** One line for the run's summary, e.g. `eslint-suppressions.json: 3 files, 5 rules`. */
  readonly summary: string;
  /**
   * The file's text as the session read it to compute `text`; absent when the file did not exist. The runner writes
   * `text` only while the file still holds exactly this (or still does not exist), so an edit made during the run is
   * never lost; otherwise the file is left and reported.
   */
  readonly previous?: string;
}

/**
 * What `prepareProject` returns: the project's own tools loaded once (its ESLint and config, its tsconfig), an
 * asynchronous transform per file, and an optional last step. The runner calls `transformFile` one file at a time,
 * in order, for the files `mightApply` kept; a large run prepares one session on the main thread and one on each
 * worker thread, and hands each session its share of the files. So a session keeps no state across files: what
 * `finish` needs from a file travels in that file's `record`.
 */
export interface ProjectSession {
  transformFile(input: ProjectFileInput): Promise<ProjectFileResult>;
  /**
   * Called once, on the main thread's session, with the records of the files whose rewrite the run keeps (written,
   * or in a dry run would be), in file order; a file the runner left (read-only, interrupted, ...) has none here.
   */
  finish?(records: readonly ProjectRecord[]): Promise<readonly ProjectFileOutput[]>;
  /**
   * false when a session on each worker thread would cost more than it saves, so the run stays on the main thread:
   * e.g. an ESLint config with type information, for which every thread would build its own TypeScript programs
   * (their memory and CPU, once per thread). Default true.
   */
  readonly parallel?: boolean;
}

export interface ProjectFileResult extends CodemodResult {
  /** What `finish` needs from this file; plain data (it may cross from a worker thread by structured clone). */
  readonly record?: unknown;
}

export interface ProjectRecord {
  /** Absolute. */
  readonly filePath: string;
  readonly record: unknown;
}

export interface ProjectContext<Options> {
  /** The folder the run started in: where the project's tools are resolved from. */
  readonly cwd: string;
  /** The files `mightApply` kept, absolute. */
  readonly files: readonly string[];
  readonly options: Options;
}

/** Thrown by `prepareProject` when the project lacks what the codemod needs: the runner prints it as one line, exit 2. */
export class CodemodSetupError extends Error {}

export interface Codemod<Options = Record<string, unknown>> {
  readonly id: string;
  /** One line for `quickwins list` and `--help`. */
  readonly summary: string;
  readonly options: readonly CodemodOption[];
  /**
   * Cheap text test run before any parse: false means the file certainly has nothing to rewrite (or report).
   * `context.typed`: the file may be parsed with type information, where evidence can come from the checker alone.
   */
  mightApply(source: string, context: MightApplyContext): boolean;
  /** Whether the codemod uses type information when a tsconfig is present. */
  readonly usesTypes: boolean;
  /** Everything it reads besides the file's text (see CodemodRead); empty for a codemod that reads nothing else. */
  readonly reads: readonly CodemodRead[];
  transform(input: CodemodInput<Options>): CodemodResult;
  /**
   * Optional, for codemods that must consult the project's own asynchronous tools (lint with its ESLint and
   * config, ...). When present, the quickwins runner uses the session's `transformFile` instead of `transform`;
   * front doors that can only run synchronously (the jscodeshift wrapper) still call `transform`.
   */
  prepareProject?(context: ProjectContext<Options>): Promise<ProjectSession>;
}
