/**
 * Disable directives read the way ESLint reads them, for the `no-blanket-disable` rule and for codemods
 * that narrow or remove directives. ESLint's own `SourceCode#getDisableDirectives()` decides what is a
 * directive (so text in strings, templates and JSX text, a JSDoc-style `/** eslint-disable *\/` and a
 * shebang never are); this module only classifies the result (blanket or named) and answers which
 * problem locations a set of directives suppresses, replicating `lib/linter/apply-disable-directives.js`
 * (identical from ESLint 9.0 to 10).
 *
 * Also reads `// @ts-nocheck`, the TypeScript form of a blanket disable, the way TypeScript reads it.
 */
import type { TSESTree } from '@typescript-eslint/typescript-estree';

export type DirectiveKind = 'disable' | 'enable' | 'disable-line' | 'disable-next-line';

/** One entry of `sourceCode.getDisableDirectives().directives` (ESLint ≥ 9). */
export interface EslintDirective {
  readonly type: DirectiveKind;
  /** The comment that holds the directive. */
  readonly node: TSESTree.Comment;
  /** The text after the label and before ` -- `, trimmed: the rule list, empty for a blanket directive. */
  readonly value: string;
  readonly justification: string;
}

export interface DisableDirective {
  readonly kind: DirectiveKind;
  /** `eslint-disable`, `eslint-disable-next-line`, ... as written. */
  readonly label: string;
  readonly comment: TSESTree.Comment;
  /** The rule ids it names, in order, without quotes; empty when it applies to every rule. */
  readonly rules: readonly string[];
  /** True for a disable of any kind that names no rule: ESLint then switches off every rule. */
  readonly blanket: boolean;
  /** The text after ` -- `, or '' when there is none. */
  readonly justification: string;
}

/**
 * What a directive reader needs from ESLint's `SourceCode` (typescript-eslint's types declare neither method):
 * `getDisableDirectives()` in current ESLint; early ESLint 9 releases only have `getInlineConfigNodes()`,
 * the comments that look like directives, which the linter of those releases parsed itself.
 */
export interface DirectiveSource {
  getDisableDirectives?(): { readonly directives: readonly EslintDirective[] };
  getInlineConfigNodes?(): readonly TSESTree.Comment[];
}

export function canReadDirectives(sourceCode: unknown): sourceCode is DirectiveSource {
  const candidate = sourceCode as DirectiveSource | null;
  return typeof candidate?.getDisableDirectives === 'function' || typeof candidate?.getInlineConfigNodes === 'function';
}

/** Every `eslint-disable*` / `eslint-enable` directive ESLint sees in the file, in source order, classified. */
export function readDisableDirectives(sourceCode: DirectiveSource): DisableDirective[] {
  return rawDirectives(sourceCode).map((directive) => {
    const rules = parseRuleList(directive.value);
    return {
      kind: directive.type,
      label: `eslint-${directive.type}`,
      comment: directive.node,
      rules,
      blanket: directive.type !== 'enable' && rules.length === 0,
      justification: directive.justification,
    };
  });
}

/**
 * A cheap first look for hot paths: false when no directive in the file can be a blanket disable (each one
 * is an enable or names a rule), so most files are done without classifying anything.
 */
export function mayHaveBlanketDisable(sourceCode: DirectiveSource): boolean {
  // A rule list holds at least one character that is not a separator or a quote; a blanket one does not.
  return rawDirectives(sourceCode).some(
    (directive) => directive.type !== 'enable' && !/[^\s,'"]/.test(directive.value),
  );
}

function rawDirectives(sourceCode: DirectiveSource): readonly EslintDirective[] {
  // ESLint caches getDisableDirectives() per file and has called it before any rule runs.
  return sourceCode.getDisableDirectives
    ? sourceCode.getDisableDirectives().directives
    : parseInlineConfigNodes(sourceCode.getInlineConfigNodes?.() ?? []);
}

/** The disable/enable labels, as ESLint 9.0's `getDirectiveCommentsForFlatConfig` matched them. */
const DISABLE_LABEL = /^(eslint-disable(?:-next-line|-line)?|eslint-enable)(?:\s|$)/u;

/** ESLint 9.0's own parsing of directive comments into disable directives (what getDisableDirectives does now). */
function parseInlineConfigNodes(comments: readonly TSESTree.Comment[]): EslintDirective[] {
  const directives: EslintDirective[] = [];
  for (const comment of comments) {
    if ((comment.type as string) === 'Shebang') continue;
    const separator = /\s-{2,}\s/u.exec(comment.value);
    const directivePart = (separator ? comment.value.slice(0, separator.index) : comment.value).trim();
    const justification = separator ? comment.value.slice(separator.index + separator[0].length).trim() : '';
    const label = DISABLE_LABEL.exec(directivePart)?.[1];
    if (!label) continue;
    if (comment.type === 'Line' && !/^eslint-disable-(?:next-)?line$/u.test(label)) continue;
    // ESLint reports a multi-line disable-line as an error of its own and does not apply it.
    if (label === 'eslint-disable-line' && comment.loc.start.line !== comment.loc.end.line) continue;
    directives.push({
      type: label.slice('eslint-'.length) as DirectiveKind,
      node: comment,
      value: directivePart.slice(label.length).trim(),
      justification,
    });
  }
  return directives;
}

/** ESLint's `parseListConfig`: comma-separated rule ids, optionally quoted; empty entries ignored. */
export function parseRuleList(value: string): string[] {
  const rules: string[] = [];
  for (const item of value.split(',')) {
    let name = item.trim();
    const quote = name[0];
    if ((quote === '"' || quote === "'") && name.length > 1 && name.endsWith(quote)) name = name.slice(1, -1);
    if (name && !rules.includes(name)) rules.push(name);
  }
  return rules;
}

/** TypeScript's single-line pragma syntax (`processCommentPragmas` in the compiler). */
const SINGLE_LINE_PRAGMA = /^\/\/\/?\s*@([^\s:]+)((?:[^\S\r\n]|:).*)?$/m;

/**
 * The `// @ts-nocheck` comments TypeScript honours: line comments among the file's leading comments
 * (before the first token; a shebang is skipped). A block comment or one after code is not a pragma.
 */
export function findTsNocheckComments(
  comments: readonly TSESTree.Comment[],
  firstToken: { readonly range: readonly [number, number] } | undefined,
): TSESTree.Comment[] {
  const codeStart = firstToken?.range[0] ?? Number.POSITIVE_INFINITY;
  const found: TSESTree.Comment[] = [];
  // Comments come in source order: stop at the first one after the start of the code.
  for (const comment of comments) {
    if (comment.range[1] > codeStart) break;
    if (
      comment.type === 'Line' &&
      comment.value.includes('@') &&
      SINGLE_LINE_PRAGMA.exec(`//${comment.value}`)?.[1]?.toLowerCase() === 'ts-nocheck'
    ) {
      found.push(comment);
    }
  }
  return found;
}

// ---------------------------------------------------------------------------------------------
// Which locations the directives suppress (a port of ESLint's apply-disable-directives.js)
// ---------------------------------------------------------------------------------------------

/** A problem location as ESLint compares it: 1-based line, 1-based column (0 = before the first character). */
export interface ProblemPosition {
  readonly line: number;
  readonly column: number;
}

interface PositionedDirective extends ProblemPosition {
  readonly type: 'disable' | 'enable';
  /** null applies to every rule. */
  readonly ruleId: string | null;
  /** The comment's directive this one was expanded from. */
  readonly source: DisableDirective;
}

function compareLocations(a: ProblemPosition, b: ProblemPosition): number {
  return a.line - b.line || a.column - b.column;
}

/**
 * ESLint applies directives in two passes: block `eslint-disable`/`eslint-enable` comments at their start,
 * and line directives expanded to a disable at column 1 of the target line and an enable at column 0 of
 * the line after it (`disable-next-line` counts from the line where its comment ENDS).
 */
function positionDirectives(directives: readonly DisableDirective[]): {
  block: PositionedDirective[];
  line: PositionedDirective[];
} {
  const block: PositionedDirective[] = [];
  const line: PositionedDirective[] = [];
  for (const source of directives) {
    const ruleIds: readonly (string | null)[] = source.rules.length > 0 ? source.rules : [null];
    const { start, end } = source.comment.loc;
    for (const ruleId of ruleIds) {
      switch (source.kind) {
        case 'disable':
        case 'enable':
          block.push({ type: source.kind, line: start.line, column: start.column + 1, ruleId, source });
          break;
        case 'disable-line':
          line.push({ type: 'disable', line: start.line, column: 1, ruleId, source });
          line.push({ type: 'enable', line: start.line + 1, column: 0, ruleId, source });
          break;
        case 'disable-next-line':
          line.push({ type: 'disable', line: end.line + 1, column: 1, ruleId, source });
          line.push({ type: 'enable', line: end.line + 2, column: 0, ruleId, source });
          break;
      }
    }
  }
  return { block: block.sort(compareLocations), line: line.sort(compareLocations) };
}

function suppressedInPass(
  position: ProblemPosition,
  ruleId: string,
  directives: readonly PositionedDirective[],
  counts: ((directive: DisableDirective) => boolean) | undefined,
): boolean {
  let disabled = false;
  for (const directive of directives) {
    if (compareLocations(directive, position) > 0) break;
    if ((directive.ruleId === null || directive.ruleId === ruleId) && (!counts || counts(directive.source))) {
      disabled = directive.type === 'disable';
    }
  }
  return disabled;
}

/**
 * Answers "would ESLint suppress a problem of `ruleId` reported at this position?" for one file's
 * directives, optionally as if only the directives `counts` accepts were there. Build it once per file;
 * each question is linear in the number of directives.
 */
export type SuppressionOracle = (
  position: ProblemPosition,
  ruleId: string,
  counts?: (directive: DisableDirective) => boolean,
) => boolean;

export function suppressionOracle(directives: readonly DisableDirective[]): SuppressionOracle {
  const { block, line } = positionDirectives(directives);
  return (position, ruleId, counts) =>
    suppressedInPass(position, ruleId, block, counts) || suppressedInPass(position, ruleId, line, counts);
}

/**
 * The directive ESLint credits with suppressing a problem, the one `reportUnusedDisableDirectives` then counts as
 * used (apply-disable-directives.js, ESLint 9.0 to 10): in each pass, the LAST matching disable since the last
 * matching enable; the block pass runs first, and the line pass credits a problem only when the block pass left it.
 * undefined when no directive suppresses the problem. Build it once per file.
 */
export type CreditOracle = (position: ProblemPosition, ruleId: string) => DisableDirective | undefined;

export function creditOracle(directives: readonly DisableDirective[]): CreditOracle {
  const { block, line } = positionDirectives(directives);
  return (position, ruleId) => creditedInPass(position, ruleId, block) ?? creditedInPass(position, ruleId, line);
}

function creditedInPass(
  position: ProblemPosition,
  ruleId: string,
  directives: readonly PositionedDirective[],
): DisableDirective | undefined {
  let credited: DisableDirective | undefined;
  for (const directive of directives) {
    if (compareLocations(directive, position) > 0) break;
    if (directive.ruleId === null || directive.ruleId === ruleId)
      credited = directive.type === 'disable' ? directive.source : undefined;
  }
  return credited;
}
