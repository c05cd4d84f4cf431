/**
 * `narrow-eslint-disable --ts-nocheck`, one file at a time: removes the file's `// @ts-nocheck` and puts a
 * `@ts-expect-error <description>` above each line where the project's TypeScript then reports an error. The file is
 * type-checked twice in its tsconfig's program, in memory: with the pragma blanked (the errors it hid; a file that
 * does not parse is left here), and rewritten (together with the edits the ESLint half made to the same file). The
 * rewrite stands only when the rewritten file parses, has no type error left and no unused `@ts-expect-error`
 * (TS2578), and TypeScript no longer skips it; otherwise the file is left as it was and the reason reported.
 */
import type * as TypeScript from 'typescript';
import type { FileLint, ProjectLinter } from './eslint-project.js';
import { positionsOf } from './parse.js';
import { applyTextEdits, type TextEdit } from './text-edit.js';
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

/**
 * `otherEdits`: what the ESLint half changes in the same file (relative to `source`): the invariant is checked on the
 * text with both applied, since that is what is written.
 */
export function rewriteNocheck(
  checker: ProjectTypeChecker,
  filePath: string,
  source: string,
  description: string,
  otherEdits: readonly TextEdit[] = [],
): NocheckResult {
  const { ts } = checker;
  const pragmas = nocheckPragmas(ts, source);
  const positionOf = positionsOf(source);
  const ignored = ignoredNocheckLines(source, pragmas).map((offset) => ({
    ...positionOf(offset),
    message: '@ts-nocheck left: it stands after the first statement, where TypeScript ignores it',
  }));
  if (pragmas.length === 0) return { ...NOTHING, left: ignored };
  const [firstPragma] = pragmas as [(typeof pragmas)[number]];
  const leave = (reason: string): NocheckResult => ({ ...NOTHING, left: [{ ...positionOf(firstPragma.start), message: `@ts-nocheck left: ${reason}` }, ...ignored] });

  if (isGenerated(ts, source)) return leave('a generated file (@generated in its header): its generator writes the pragma again; change the generator');
  // The pragma blanked out: the same offsets, the same syntax, and the errors it hid.
  const unchecked = checker.check(filePath, blankPragmas(source, pragmas));
  if (!unchecked) return leave('no tsconfig includes this file (pass --tsconfig to name one)');
  try {
    if (JS_FILE.test(filePath) && !unchecked.options.checkJs) {
      return leave('a JavaScript file and its tsconfig does not set checkJs: TypeScript does not type-check it, so the pragma hides nothing now');
    }
    if (unchecked.syntactic.length > 0) return leave(`TypeScript cannot parse it (${describeDiagnostic(ts, unchecked, unchecked.syntactic[0])})`);
    const plan = planExpectErrors(ts, unchecked.sourceFile, unchecked.semantic(), description);
    if (plan.kind === 'impossible') return leave(plan.reason);

    const edits = [...pragmas.map((pragma) => pragmaRemoval(source, pragma)), ...plan.lines.map((line) => line.edit)];
    let rewritten: string;
    try {
      rewritten = applyTextEdits(source, [...otherEdits, ...edits]);
    } catch {
      return leave('a @ts-expect-error would go where an eslint directive is rewritten');
    }
    const after = checker.check(filePath, rewritten) as FileCheck;
    const problem = invariantProblem(ts, after);
    if (problem !== undefined) return leave(`the file was not changed, because the rewrite would not type-check as before (${problem})`);
    return {
      edits,
      rewritten: [
        { ...positionOf(firstPragma.start), message: `@ts-nocheck removed: ${plan.lines.length} @ts-expect-error added${plan.lines.length ? ` (line ${plan.lines.map((line) => line.line).join(', ')})` : ''}` },
        ...plan.lines.map((line) => ({ line: line.line, column: 0, message: expectErrorMessage(line) })),
      ],
      left: ignored,
    };
  } finally {
    // The program holds the file as it is on disk again (comments aside, what is written types the same).
    checker.setText(filePath, source);
  }
}

/** The `@generated` marker (Relay, protobuf, GraphQL codegen and Meta's tools write it) in the comments before the first token. */
function isGenerated(ts: ProjectTypeChecker['ts'], source: string): boolean {
  return (ts.getLeadingCommentRanges(source, 0) ?? []).some((range) => /@generated\b/.test(source.slice(range.pos, range.end)));
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

function describeDiagnostic(ts: ProjectTypeChecker['ts'], check: FileCheck, diagnostic: TypeScript.Diagnostic | undefined): string {
  if (!diagnostic) return 'no diagnostic';
  const line = diagnostic.start === undefined ? '' : ` at line ${check.sourceFile.getLineAndCharacterOfPosition(diagnostic.start).line + 1}`;
  const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n').split('\n')[0] ?? '';
  return `TS${diagnostic.code}${line}: ${message}`;
}

/**
 * The `@ts-expect-error` lines are comments, but ESLint sees them: `no-fallthrough` takes a comment line between an
 * empty `case` and the next for code, `max-len` may count comments. Lints the file as the ESLint half leaves it and
 * with the directives added; returns what ESLint reports more often (by rule, unused-directive reports included),
 * or undefined. Files ESLint does not lint have nothing to compare.
 */
export async function eslintObjection(linter: ProjectLinter, filePath: string, withoutDirectives: string, withDirectives: string): Promise<string | undefined> {
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
    if (more > 0) return `ESLint would report ${rule} ${more} more time(s): line ${lines.join(', ')} of the rewritten file`;
  }
  return undefined;
}
