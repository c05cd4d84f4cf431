/**
 * The plan for one file's blanket disable directives, from one lint with the directives in place: each problem a
 * directive suppressed is credited to the directive ESLint credits (`creditOracle`), so each blanket directive names
 * exactly the rules of the problems it hides now; one that hides nothing is removed; a bare `eslint-enable` that
 * closes a blanket region names the rules still disabled where it stands (or goes, when none are). Pure: text and
 * lint results in, text edits out; the caller lints the result again to prove nothing changed.
 */
import { creditOracle, type DisableDirective } from './directives.js';
import { lineIndexIn, lineStarts } from '../core/lines.js';
import type { TextEdit } from '../core/text-edit.js';

/** A suppressed problem as the plan needs it (ESLint's SuppressedLintMessage has these fields). */
export interface SuppressedProblem {
  readonly ruleId: string | null;
  readonly line: number;
  /** 1-based, as ESLint reports it. */
  readonly column: number;
  /** 1 warning, 2 error. */
  readonly severity: number;
}

/** A directive as the plan needs it: ESLint's reading, and the JSX braces around it when alone in a container. */
export interface PlannedDirective extends DisableDirective {
  readonly jsxContainer?: readonly [number, number];
}

export interface PlanOptions {
  /** Added as ` -- <description>` to a rewritten directive that has no reason. */
  readonly description?: string;
  /**
   * Moves what a blanket directive hides into ESLint's bulk-suppressions file instead of naming it, for a rule whose
   * errors this returns true for (the caller knows the file's existing suppressions); other rules are named.
   */
  readonly toSuppressions?: (ruleId: string, hiddenErrors: number) => boolean;
}

export type DirectiveAction =
  { readonly kind: 'narrow'; readonly rules: readonly string[]; readonly text: string } | { readonly kind: 'remove' };

export interface DirectiveDecision {
  readonly directive: PlannedDirective;
  readonly action: DirectiveAction;
  /** For `--to-suppressions`: errors per rule this directive hid that now go to the suppressions file. */
  readonly movedToSuppressions: ReadonlyMap<string, number>;
}

export interface NarrowingPlan {
  readonly decisions: readonly DirectiveDecision[];
  readonly edits: readonly TextEdit[];
  /** Errors per rule that the rewritten file reports and the suppressions file must hide. */
  readonly suppressedByFile: ReadonlyMap<string, number>;
  /** Those errors themselves (the rewritten file reports them again). */
  readonly movedProblems: readonly SuppressedProblem[];
}

export function planNarrowing(
  source: string,
  directives: readonly PlannedDirective[],
  suppressed: readonly SuppressedProblem[],
  options: PlanOptions = {},
): NarrowingPlan {
  const credit = creditOracle(directives);
  // Per blanket directive: the problems credited to it, by rule.
  const hidden = new Map<DisableDirective, Map<string, { errors: number; warnings: number }>>();
  const creditedTo = new Map<SuppressedProblem, DisableDirective>();
  for (const problem of suppressed) {
    if (problem.ruleId === null) continue;
    const directive = credit({ line: problem.line, column: problem.column }, problem.ruleId);
    if (!directive?.blanket) continue;
    creditedTo.set(problem, directive);
    const byRule = hidden.get(directive) ?? new Map<string, { errors: number; warnings: number }>();
    const counts = byRule.get(problem.ruleId) ?? { errors: 0, warnings: 0 };
    if (problem.severity === 2) counts.errors++;
    else counts.warnings++;
    byRule.set(problem.ruleId, counts);
    hidden.set(directive, byRule);
  }

  // What a file-level move needs per rule: every error of that rule that directives hid, from all directives at once.
  const hiddenErrorsByRule = new Map<string, number>();
  for (const byRule of hidden.values()) {
    for (const [ruleId, counts] of byRule)
      hiddenErrorsByRule.set(ruleId, (hiddenErrorsByRule.get(ruleId) ?? 0) + counts.errors);
  }
  const movable = new Set(
    [...hiddenErrorsByRule]
      .filter(([ruleId, errors]) => options.toSuppressions?.(ruleId, errors) ?? false)
      .map(([ruleId]) => ruleId),
  );

  const decisions: DirectiveDecision[] = [];
  const suppressedByFile = new Map<string, number>();
  const namedAfter = new Map<DisableDirective, readonly string[]>();
  for (const directive of directives) {
    if (!directive.blanket) continue;
    const byRule = hidden.get(directive) ?? new Map<string, { errors: number; warnings: number }>();
    const moved = new Map<string, number>();
    const named: string[] = [];
    for (const [ruleId, counts] of byRule) {
      // A rule moves only when all it hid here are errors: ESLint's suppressions file holds errors, never warnings.
      if (movable.has(ruleId) && counts.warnings === 0) moved.set(ruleId, counts.errors);
      else named.push(ruleId);
    }
    for (const [ruleId, errors] of moved) suppressedByFile.set(ruleId, (suppressedByFile.get(ruleId) ?? 0) + errors);
    named.sort();
    namedAfter.set(directive, named);
    const action: DirectiveAction =
      named.length === 0
        ? { kind: 'remove' }
        : { kind: 'narrow', rules: named, text: namedComment(source, directive, named, options.description) };
    decisions.push({ directive, action, movedToSuppressions: moved });
  }
  const movedProblems = [...creditedTo]
    .filter(
      ([problem, directive]) =>
        problem.ruleId !== null &&
        decisions.some(
          (decision) => decision.directive === directive && decision.movedToSuppressions.has(problem.ruleId as string),
        ),
    )
    .map(([problem]) => problem);
  decisions.push(...planEnables(source, directives, namedAfter));
  decisions.sort((a, b) => a.directive.comment.range[0] - b.directive.comment.range[0]);

  const edits = decisions.map(({ directive, action }) =>
    action.kind === 'narrow'
      ? { start: directive.comment.range[0], end: directive.comment.range[1], text: action.text }
      : removalEdit(source, directive),
  );
  return { decisions, edits, suppressedByFile, movedProblems };
}

/**
 * Bare block `eslint-enable` comments that close a blanket region: after the rewrite no blanket disable is left, so
 * each names the rules disabled where it stands (block directives in order: named disables add, enables take away,
 * a bare enable clears), or is removed when none are.
 */
function planEnables(
  source: string,
  directives: readonly PlannedDirective[],
  namedAfter: ReadonlyMap<DisableDirective, readonly string[]>,
): DirectiveDecision[] {
  const decisions: DirectiveDecision[] = [];
  const disabled = new Set<string>();
  let blanketOpen = false;
  const blockDirectives = directives
    .filter((directive) => directive.kind === 'disable' || directive.kind === 'enable')
    .sort((a, b) => a.comment.range[0] - b.comment.range[0]);
  for (const directive of blockDirectives) {
    if (directive.kind === 'disable') {
      for (const ruleId of namedAfter.get(directive) ?? directive.rules) disabled.add(ruleId);
      blanketOpen ||= directive.blanket;
    } else if (directive.rules.length > 0) {
      // Inside a blanket region a named enable switched its rules back on; once the region names its rules, one that is
      // not disabled here any more makes the enable an unused one: it goes from the list, and the enable with its last.
      const active = directive.rules.filter((ruleId) => disabled.has(ruleId));
      if (blanketOpen && active.length < directive.rules.length) {
        const action: DirectiveAction =
          active.length === 0
            ? { kind: 'remove' }
            : { kind: 'narrow', rules: active, text: renamedComment(source, directive, active) };
        decisions.push({ directive, action, movedToSuppressions: new Map() });
      }
      for (const ruleId of directive.rules) disabled.delete(ruleId);
    } else {
      if (blanketOpen) {
        const rules = [...disabled].sort();
        const action: DirectiveAction =
          rules.length === 0
            ? { kind: 'remove' }
            : { kind: 'narrow', rules, text: namedComment(source, directive, rules, undefined) };
        decisions.push({ directive, action, movedToSuppressions: new Map() });
      }
      disabled.clear();
      blanketOpen = false;
    }
  }
  return decisions;
}

/** The comment with the rule list after its label; spacing, the `-- reason` and the comment style kept. */
function namedComment(
  source: string,
  directive: DisableDirective,
  rules: readonly string[],
  description: string | undefined,
): string {
  const [start, end] = directive.comment.range;
  const text = source.slice(start, end);
  const labelAt = text.indexOf(directive.label);
  const afterLabel = labelAt + directive.label.length;
  const closing = directive.comment.type === 'Block' ? text.length - 2 : text.length;
  let rest = text.slice(afterLabel, closing);
  // A reason only where there is none: the rest of a blanket directive without one is blank.
  if (description !== undefined && directive.justification === '' && rest.trim() === '') {
    rest = ` -- ${description}${rest}`;
  }
  return `${text.slice(0, afterLabel)} ${rules.join(', ')}${rest}${text.slice(closing)}`;
}

const HORIZONTAL_SPACE = /[ \t]/;

/**
 * Removes a directive comment (with its JSX braces): its whole line when nothing else is on it, else the comment
 * and the spaces before it (a trailing comment) or after it; a space stays where code would otherwise join.
 */
function removalEdit(source: string, directive: PlannedDirective): TextEdit {
  const [start, end] = directive.jsxContainer ?? directive.comment.range;
  const lineStart = source.lastIndexOf('\n', start - 1) + 1;
  const newline = source.indexOf('\n', end);
  const lineEnd = newline === -1 ? source.length : newline;
  const before = source.slice(lineStart, start);
  const after = source.slice(end, lineEnd).replace(/\r$/, '');
  if (before.trim() === '' && after.trim() === '') {
    if (newline !== -1) return { start: lineStart, end: newline + 1, text: '' };
    // The last line: take the line break before it instead (CRLF as one).
    const breakStart = lineStart >= 2 && source[lineStart - 2] === '\r' ? lineStart - 2 : Math.max(0, lineStart - 1);
    return { start: breakStart, end: source.length, text: '' };
  }
  let removeStart = start;
  let removeEnd = end;
  if (after.trim() === '') {
    while (removeStart > lineStart && HORIZONTAL_SPACE.test(source[removeStart - 1] ?? '')) removeStart--;
    return { start: removeStart, end: removeEnd, text: '' };
  }
  while (removeEnd < lineEnd && HORIZONTAL_SPACE.test(source[removeEnd] ?? '')) removeEnd++;
  if (removeEnd > end || removeStart < start || before.trim() === '')
    return { start: removeStart, end: removeEnd, text: '' };
  // `a/* eslint-disable */b`: a space keeps the two tokens apart.
  return { start: removeStart, end: removeEnd, text: ' ' };
}

/**
 * Where an old line ends up after `edits` (applied to `source`): the lines an edit removes map onto the line where
 * it starts, and every later line moves up by the line breaks it removed. For comparing lint results by line.
 */
export function lineMapping(source: string, edits: readonly TextEdit[]): (oldLine: number) => number {
  const lineOf = lineIndex(source);
  const shifts = [...edits]
    .sort((a, b) => a.start - b.start)
    .map((edit) => {
      const removed = countBreaks(source.slice(edit.start, edit.end));
      return { firstLine: lineOf(edit.start), lastLine: lineOf(edit.end), delta: countBreaks(edit.text) - removed };
    })
    .filter((shift) => shift.delta !== 0);
  return (oldLine) => {
    let line = oldLine;
    for (const shift of shifts) {
      if (oldLine > shift.lastLine) line += shift.delta;
      else if (oldLine > shift.firstLine) line = shift.firstLine + (line - oldLine);
    }
    return line;
  };
}

function countBreaks(text: string): number {
  let count = 0;
  for (let index = text.indexOf('\n'); index !== -1; index = text.indexOf('\n', index + 1)) count++;
  return count;
}

function lineIndex(source: string): (offset: number) => number {
  const starts = lineStarts(source);
  return (offset) => lineIndexIn(starts, offset) + 1;
}

/** A named directive with its rule list replaced (`-- reason` and spacing kept): the list runs from the label to ` --` or the end. */
function renamedComment(source: string, directive: DisableDirective, rules: readonly string[]): string {
  const [start, end] = directive.comment.range;
  const text = source.slice(start, end);
  const afterLabel = text.indexOf(directive.label) + directive.label.length;
  const closing = directive.comment.type === 'Block' ? text.length - 2 : text.length;
  const separator = /\s-{2,}\s/u.exec(text.slice(afterLabel, closing));
  const listEnd = separator
    ? afterLabel + separator.index
    : closing - (/\s*$/u.exec(text.slice(afterLabel, closing))?.[0].length ?? 0);
  return `${text.slice(0, afterLabel)} ${rules.join(', ')}${text.slice(listEnd)}`;
}
