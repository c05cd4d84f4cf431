/**
 * `quickwins/no-blanket-disable`: reports every directive that switches off ALL rules (`/* eslint-disable *\/`,
 * a bare `eslint-disable-line` / `eslint-disable-next-line`) and `// @ts-nocheck`.
 *
 * The hard part is that such a directive also switches off this rule. ESLint suppresses a problem when a
 * matching disable directive sits at or before the problem's position (lib/linter/apply-disable-directives.js,
 * the same in ESLint 9 and 10); positions compare by line, then 1-based column. So each report goes to the
 * first position no blanket directive covers: the directive itself when nothing hides it; else column 0 of
 * its line (before the comment's own column 1, and before the column-1 start of any line directive: the same
 * trick as eslint-comments' `toForceLocation`); else, inside the region of an earlier `/* eslint-disable *\/`,
 * column 0 of the line where that region starts. A directive that names this rule is respected: such a report
 * goes where that directive, and if possible only it, suppresses it, so the user's explicit opt-out works.
 */
import type { TSESTree } from '@typescript-eslint/utils';
import picomatch from 'picomatch';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import {
  findTsNocheckComments,
  mayHaveBlanketDisable,
  canReadDirectives,
  readDisableDirectives,
  suppressionOracle,
  type DisableDirective,
  type ProblemPosition,
} from '../../src/eslint-directives/directives.js';
import { createRule } from '../util/create-rule.js';

export interface NoBlanketDisableOptions {
  /** Globs (picomatch, relative to ESLint's cwd) of files where blanket directives are accepted. */
  readonly allow?: readonly string[];
  /** Also report `// @ts-nocheck`. */
  readonly tsNocheck?: boolean;
}

type MessageIds = 'blanket' | 'tsNocheck';

const SCOPE: Record<DisableDirective['kind'], string> = {
  disable: 'from here to the end of the file (or the next eslint-enable)',
  'disable-line': 'on this line',
  'disable-next-line': 'on the next line',
  enable: '',
};

export default createRule<[NoBlanketDisableOptions], MessageIds>({
  name: 'no-blanket-disable',
  meta: {
    type: 'problem',
    docs: {
      description: 'Disallow directives that switch off every ESLint rule, and `// @ts-nocheck`',
      recommended: true,
      requiresTypeChecking: false,
    },
    schema: [
      {
        type: 'object',
        properties: {
          allow: {
            type: 'array',
            items: { type: 'string' },
            description:
              'File globs (relative to the ESLint cwd) where blanket directives are accepted, e.g. generated code.',
          },
          tsNocheck: { type: 'boolean', description: 'Also report `// @ts-nocheck` (default true).' },
        },
        additionalProperties: false,
      },
    ],
    messages: {
      blanket:
        '`{{label}}` without rule names switches off every rule {{scope}}, and with it the bugs they would find.{{moved}} ' +
        'Name the rules that fire here (`{{label}} rule-a, rule-b -- why`), or let `npx quickwins narrow-eslint-disable` name them in every file at once; ' +
        'for generated files, add them to `ignores` in eslint.config.js.',
      tsNocheck:
        '`// @ts-nocheck` switches off type checking for the whole file.{{moved}} ' +
        'Fix the errors, or mark single lines with `// @ts-expect-error -- why`; for generated files, exclude them in tsconfig.json.',
    },
    defaultOptions: [{ allow: [], tsNocheck: true }],
  },
  create(context, [options]) {
    const sourceCode = context.sourceCode;
    const readable = canReadDirectives(sourceCode);
    const tsNochecks =
      options.tsNocheck === false ? [] : findTsNocheckComments(sourceCode.ast.comments, sourceCode.ast.tokens[0]);
    // Most files have nothing to report: keep their cost to a glance at the directives ESLint has already parsed.
    if (tsNochecks.length === 0 && !(readable && mayHaveBlanketDisable(sourceCode))) return {};
    const directives = readable ? readDisableDirectives(sourceCode) : [];
    const blankets = directives.filter((directive) => directive.blanket);
    if (blankets.length === 0 && tsNochecks.length === 0) return {};
    if (isAllowed(options.allow ?? [], relativeToCwd(context.physicalFilename, context.cwd))) return {};

    const suppressed = suppressionOracle(directives);
    // What the user wrote to opt out of this rule on purpose: named directives (and every enable) ...
    const optOut = (position: ProblemPosition): boolean =>
      suppressed(position, context.id, (directive) => !directive.blanket);
    // ... and what hides a report regardless of intent: blanket directives (and every enable).
    const blanketHides = (position: ProblemPosition): boolean =>
      suppressed(position, context.id, (directive) => directive.blanket || directive.kind === 'enable');
    const blockDisableLines = [
      ...new Set(
        blankets
          .filter((directive) => directive.kind === 'disable')
          .map((directive) => directive.comment.loc.start.line),
      ),
    ].sort((a, b) => b - a);

    /** Where to report a problem about `comment` so that no blanket directive hides it. */
    const reportPosition = (comment: TSESTree.Comment): ProblemPosition => {
      const line = comment.loc.start.line;
      const natural = { line, column: comment.loc.start.column + 1 };
      const candidates: ProblemPosition[] = [
        natural,
        { line, column: 0 },
        ...blockDisableLines
          .filter((disableLine) => disableLine < line)
          .map((disableLine) => ({ line: disableLine, column: 0 })),
      ];
      if (optOut(natural)) {
        // Suppressed by the user's named directive alone if possible: when a blanket one also covers the
        // position, ESLint credits only one of them and calls the named one unused (and --fix removes it).
        return candidates.find((candidate) => optOut(candidate) && !blanketHides(candidate)) ?? natural;
      }
      return candidates.find((candidate) => !suppressed(candidate, context.id)) ?? { line: 1, column: 0 };
    };

    const report = (comment: TSESTree.Comment, messageId: MessageIds, data: Record<string, string>): void => {
      const position = reportPosition(comment);
      const moved =
        position.line === comment.loc.start.line
          ? ''
          : ` (This is about line ${comment.loc.start.line}; it is reported on line ${position.line}, where a blanket eslint-disable would otherwise hide it.)`;
      context.report({
        loc: { start: { line: position.line, column: position.column - 1 }, end: comment.loc.end },
        messageId,
        data: { ...data, moved },
      });
    };

    // Reported straight away: the directives are all known before any node is visited.
    for (const directive of blankets)
      report(directive.comment, 'blanket', { label: directive.label, scope: SCOPE[directive.kind] });
    for (const comment of tsNochecks) report(comment, 'tsNocheck', {});
    return {};
  },
});

const allowMatchers = new Map<string, (path: string) => boolean>();

/** Whether `path` matches one of the `allow` globs (compiled once per distinct list). */
function isAllowed(allow: readonly string[], path: string): boolean {
  if (allow.length === 0) return false;
  const key = allow.join('\0');
  let matcher = allowMatchers.get(key);
  if (!matcher) {
    matcher = picomatch([...allow], { dot: true });
    allowMatchers.set(key, matcher);
  }
  return matcher(path);
}

/** The file's path relative to `cwd`, with `/` separators, as globs are written. */
function relativeToCwd(filename: string, cwd: string): string {
  const absolute = isAbsolute(filename) ? filename : resolve(cwd, filename);
  return relative(cwd, absolute).split(sep).join('/');
}
