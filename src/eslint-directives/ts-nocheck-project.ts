/**
 * `narrow-eslint-disable --ts-nocheck`: removes a file's `// @ts-nocheck` and puts a `@ts-expect-error <description>`
 * above each line where the project's TypeScript then reports an error. The file is type-checked twice in its
 * tsconfig's program, in memory (with the other run files of that tsconfig, see createNocheckRewriter): with the pragma blanked (the errors it hid; a file that
 * does not parse is left here), and rewritten (together with the edits the ESLint half made to the same file). The
 * rewrite stands only when the rewritten file parses, has no type error left and no unused `@ts-expect-error`
 * (TS2578), and TypeScript no longer skips it; otherwise the file is left as it was and the reason reported.
 */
import type * as TypeScript from 'typescript';
import type { FileLint, ProjectLinter } from './eslint-project.js';
import { positionsOf } from '../core/parse.js';
import { applyTextEdits, type TextEdit } from '../core/text-edit.js';
import {
  blankPragmas,
  ignoredNocheckLines,
  nocheckPragmas,
  planExpectErrors,
  pragmaRemoval,
  type ExpectErrorLine,
} from './ts-nocheck.js';
import type { FileCheck, ProjectTypeChecker } from './typescript-project.js';

export interface NocheckSite {
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

export interface NocheckResult {
  readonly edits: readonly TextEdit[];
  readonly rewritten: readonly NocheckSite[];
  readonly left: readonly NocheckSite[];
}

const NOTHING: NocheckResult = { edits: [], rewritten: [], left: [] };

const JS_FILE = /\.[cm]?jsx?$/i;

/** A file whose pragma has a plan: the edits, and what to report once the rewrite is checked. */
interface PlannedFile {
  readonly kind: 'planned';
  readonly filePath: string;
  readonly source: string;
  readonly edits: readonly TextEdit[];
  readonly rewritten: readonly NocheckSite[];
  readonly ignored: readonly NocheckSite[];
  readonly leave: (reason: string) => NocheckResult;
}

type Analysis = PlannedFile | { readonly kind: 'done'; readonly result: NocheckResult };

/**
 * Reads the pragmas and, for a file that has one, type-checks it with the pragma blanked out (`checker` then holds
 * that text for the file) and plans the directives. Files with nothing to do or that must be left come out `done`.
 */
function analyze(checker: ProjectTypeChecker, filePath: string, source: string, description: string): Analysis {
  const { ts } = checker;
  const pragmas = nocheckPragmas(ts, source);
  const positionOf = positionsOf(source);
  const ignored = ignoredNocheckLines(source, pragmas).map((offset) => ({
    ...positionOf(offset),
    message: '@ts-nocheck left: it stands after the first statement, where TypeScript ignores it',
  }));
  if (pragmas.length === 0) return { kind: 'done', result: { ...NOTHING, left: ignored } };
  const [firstPragma] = pragmas as [(typeof pragmas)[number]];
  const leave = (reason: string): NocheckResult => ({
    ...NOTHING,
    left: [{ ...positionOf(firstPragma.start), message: `@ts-nocheck left: ${reason}` }, ...ignored],
  });
  const done = (reason: string): Analysis => ({ kind: 'done', result: leave(reason) });

  if (isGenerated(ts, source))
    return done(
      'a generated file (@generated in its header): its generator writes the pragma again; change the generator',
    );
  // The pragma blanked out: the same offsets, the same syntax, and the errors it hid.
  const unchecked = checker.check(filePath, blankPragmas(source, pragmas));
  if (!unchecked) return done('no tsconfig includes this file (pass --tsconfig to name one)');
  if (JS_FILE.test(filePath) && !unchecked.options.checkJs) {
    return done(
      'a JavaScript file and its tsconfig does not set checkJs: TypeScript does not type-check it, so the pragma hides nothing now',
    );
  }
  if (unchecked.syntactic.length > 0)
    return done(`TypeScript cannot parse it (${describeDiagnostic(ts, unchecked, unchecked.syntactic[0])})`);
  const plan = planExpectErrors(ts, unchecked.sourceFile, unchecked.semantic(), description);
  if (plan.kind === 'impossible') return done(plan.reason);
  return {
    kind: 'planned',
    filePath,
    source,
    edits: [
      ...pragmas.map((pragma) => pragmaRemoval(source, pragma)),
      ...plan.unused.map((directive) => directive.edit),
      ...plan.lines.map((line) => line.edit),
    ],
    rewritten: [
      {
        ...positionOf(firstPragma.start),
        message: `@ts-nocheck removed: ${plan.lines.length} @ts-expect-error added${plan.lines.length ? ` (line ${plan.lines.map((line) => line.line).join(', ')})` : ''}`,
      },
      ...plan.unused.map((directive) => ({
        line: directive.line,
        column: 0,
        message: '@ts-expect-error removed: without the pragma it covers nothing (TS2578)',
      })),
      ...plan.lines.map((line) => ({ line: line.line, column: 0, message: expectErrorMessage(line) })),
    ],
    ignored,
    leave,
  };
}

/** The text to check and write: the plan's edits with the ESLint half's; undefined when they overlap. */
function rewrittenText(planned: PlannedFile, otherEdits: readonly TextEdit[]): string | undefined {
  try {
    return applyTextEdits(planned.source, [...otherEdits, ...planned.edits]);
  } catch {
    return undefined;
  }
}

/** Type-checks the rewritten text (`checker` then holds it for the file) and keeps the plan or leaves the file. */
function verify(checker: ProjectTypeChecker, planned: PlannedFile, rewritten: string | undefined): NocheckResult {
  if (rewritten === undefined)
    return planned.leave('a @ts-expect-error would go where an eslint directive is rewritten');
  const problem = invariantProblem(checker.ts, checker.check(planned.filePath, rewritten) as FileCheck);
  if (problem !== undefined)
    return planned.leave(`the file was not changed, because the rewrite would not type-check as before (${problem})`);
  return { edits: planned.edits, rewritten: planned.rewritten, left: planned.ignored };
}

/**
 * One file on its own: two programs (blanked, rewritten). `otherEdits`: what the ESLint half changes in the same file
 * (relative to `source`): the invariant is checked on the text with both applied, since that is what is written.
 */
export function rewriteNocheck(
  checker: ProjectTypeChecker,
  filePath: string,
  source: string,
  description: string,
  otherEdits: readonly TextEdit[] = [],
): NocheckResult {
  try {
    const analysis = analyze(checker, filePath, source, description);
    return analysis.kind === 'done' ? analysis.result : verify(checker, analysis, rewrittenText(analysis, otherEdits));
  } finally {
    // The program holds the file as it is on disk again (comments aside, what is written types the same).
    checker.setText(filePath, source);
  }
}

export interface NocheckRewriter {
  rewrite(filePath: string, source: string, otherEdits: readonly TextEdit[]): NocheckResult;
}

/**
 * All the run's files of one tsconfig at once: every TypeScript text change gives a new program and a new type
 * checker, whose set-up costs more than checking one file. So the first file of a tsconfig has every run file of that
 * tsconfig that holds a pragma (read from disk) checked blanked in one program, then rewritten in a second one; each
 * file's result waits for its turn. A file whose text is not the one read, or that the ESLint half also edits, is
 * checked on its own (`rewriteNocheck`).
 */
export function createNocheckRewriter(
  checker: ProjectTypeChecker,
  description: string,
  runFiles: readonly string[],
  readText: (filePath: string) => string | undefined,
): NocheckRewriter {
  const batched = new Map<string, { readonly source: string; readonly result: NocheckResult }>();
  const configsDone = new Set<string>();

  const batch = (configPath: string): void => {
    configsDone.add(configPath);
    const members = runFiles
      .filter((filePath) => checker.configHolding(filePath) === configPath)
      .map((filePath) => ({ filePath, source: readText(filePath) }))
      .filter(
        (file): file is { filePath: string; source: string } =>
          file.source !== undefined && nocheckPragmas(checker.ts, file.source).length > 0,
      );
    // Every blanked text first, so that the analyses below share one program.
    for (const { filePath, source } of members)
      checker.setText(filePath, blankPragmas(source, nocheckPragmas(checker.ts, source)));
    const analyses = members.map(({ filePath, source }) => analyze(checker, filePath, source, description));
    const planned = analyses.filter((analysis): analysis is PlannedFile => analysis.kind === 'planned');
    const texts = new Map(planned.map((file) => [file.filePath, rewrittenText(file, [])]));
    for (const file of planned) {
      const text = texts.get(file.filePath);
      if (text !== undefined) checker.setText(file.filePath, text);
    }
    analyses.forEach((analysis, index) => {
      const { filePath, source } = members[index] as { filePath: string; source: string };
      const result =
        analysis.kind === 'done' ? analysis.result : verify(checker, analysis, texts.get(analysis.filePath));
      batched.set(filePath, { source, result });
    });
    for (const { filePath, source } of members) checker.setText(filePath, source);
  };

  return {
    rewrite(filePath, source, otherEdits) {
      const configPath = checker.configHolding(filePath);
      if (configPath !== undefined && !configsDone.has(configPath)) batch(configPath);
      const ready = batched.get(filePath);
      batched.delete(filePath);
      if (ready && ready.source === source && otherEdits.length === 0) return ready.result;
      return rewriteNocheck(checker, filePath, source, description, otherEdits);
    },
  };
}

/** The `@generated` marker (Relay, protobuf, GraphQL codegen and Meta's tools write it) in the comments before the first token. */
function isGenerated(ts: ProjectTypeChecker['ts'], source: string): boolean {
  return (ts.getLeadingCommentRanges(source, 0) ?? []).some((range) =>
    /@generated\b/.test(source.slice(range.pos, range.end)),
  );
}

function expectErrorMessage({ firstError, moreErrors }: ExpectErrorLine): string {
  return `@ts-expect-error added above it: ${firstError}${moreErrors > 0 ? ` (+${moreErrors} more on the line)` : ''}`;
}

/** The first way the rewritten file's check differs from what is allowed, or undefined. */
function invariantProblem(ts: ProjectTypeChecker['ts'], after: FileCheck): string | undefined {
  if (nocheckPragmas(ts, after.sourceFile.text).length > 0) return 'TypeScript still skips it';
  // The file parsed before (one that does not is left first): a syntax error is new.
  if (after.syntactic.length > 0) return describeDiagnostic(ts, after, after.syntactic[0]);
  const [firstError] = after.semantic().filter((diagnostic) => diagnostic.category === ts.DiagnosticCategory.Error);
  return firstError ? describeDiagnostic(ts, after, firstError) : undefined;
}

function describeDiagnostic(
  ts: ProjectTypeChecker['ts'],
  check: FileCheck,
  diagnostic: TypeScript.Diagnostic | undefined,
): string {
  if (!diagnostic) return 'no diagnostic';
  const line =
    diagnostic.start === undefined
      ? ''
      : ` at line ${check.sourceFile.getLineAndCharacterOfPosition(diagnostic.start).line + 1}`;
  const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n').split('\n')[0] ?? '';
  return `TS${diagnostic.code}${line}: ${message}`;
}

/**
 * The `@ts-expect-error` lines are comments, but ESLint sees them: `no-fallthrough` takes a comment line between an
 * empty `case` and the next for code, `max-len` may count comments. Lints the file as the ESLint half leaves it and
 * with the directives added; returns what ESLint reports more often (by rule, unused-directive reports included),
 * or undefined. Files ESLint does not lint have nothing to compare.
 */
export async function eslintObjection(
  linter: ProjectLinter,
  filePath: string,
  withoutDirectives: string,
  withDirectives: string,
): Promise<string | undefined> {
  if ((await linter.whyNotLinted(filePath)) !== undefined) return undefined;
  const before = await linter.lint(filePath, withoutDirectives);
  const after = await linter.lint(filePath, withDirectives);
  if (after.fatal && !before.fatal) return `ESLint no longer parses it: ${after.fatal.message}`;
  const linesByRule = (lint: FileLint): Map<string, number[]> => {
    const lines = new Map<string, number[]>();
    for (const message of lint.reported) {
      const key = message.ruleId ?? 'unused eslint directive';
      lines.set(key, [...(lines.get(key) ?? []), message.line]);
    }
    return lines;
  };
  const beforeLines = linesByRule(before);
  for (const [rule, lines] of linesByRule(after)) {
    const more = lines.length - (beforeLines.get(rule)?.length ?? 0);
    if (more > 0)
      return `ESLint would report ${rule} ${more} more time(s): line ${lines.join(', ')} of the rewritten file`;
  }
  return undefined;
}
