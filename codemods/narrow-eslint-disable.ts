/**
 * `npx quickwins narrow-eslint-disable [paths]`: turns every blanket disable directive (`/* eslint-disable *\/`,
 * bare `-line` / `-next-line`, in JSX too) into one that names exactly the rules whose problems it hides now, and
 * removes those that hide nothing, with the project's own ESLint and config. Each file is linted once as it is
 * (directives read by ESLint itself, suppressed problems credited to the directive ESLint credits) and once after the
 * rewrite, which must report the same problems (rule, line) and no new unused directive; otherwise the file is left
 * as it was and reported. `--to-suppressions` moves what the directives hid into ESLint's bulk-suppressions file.
 *
 * Thin on purpose: directives come from src/eslint-directives/directives.ts (shared with the `no-blanket-disable` rule),
 * the plan from src/eslint-directives/narrow-directives.ts, ESLint from src/eslint-directives/eslint-project.ts.
 */
import type { Linter } from 'eslint';
import { existsSync, readFileSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import type { TSESTree } from '@typescript-eslint/typescript-estree';
import { readDisableDirectives, type DisableDirective } from '../src/eslint-directives/directives.js';
import {
  loadProjectLinter,
  ProjectSetupError,
  type FileLint,
  type ProjectLinter,
} from '../src/eslint-directives/eslint-project.js';
import {
  lineMapping,
  planNarrowing,
  type DirectiveDecision,
  type NarrowingPlan,
} from '../src/eslint-directives/narrow-directives.js';
import { parseSource, positionsOf } from '../src/core/parse.js';
import { checkDeclaredRead } from '../src/core/project-reads.js';
import { applyTextEdits } from '../src/core/text-edit.js';
import { DEFAULT_EXPECT_ERROR_DESCRIPTION, nocheckLines } from '../src/eslint-directives/ts-nocheck.js';
import {
  createNocheckRewriter,
  eslintObjection,
  type NocheckRewriter,
} from '../src/eslint-directives/ts-nocheck-project.js';
import {
  createProjectTypeChecker,
  loadProjectTypeScript,
  type ProjectTypeChecker,
} from '../src/eslint-directives/typescript-project.js';
import {
  CodemodSetupError,
  type Codemod,
  type CodemodResult,
  type ProjectContext,
  type ProjectFileOutput,
  type ProjectRecord,
  type ProjectSession,
} from '../src/codemod-host/codemod.js';
import { toJscodeshiftTransform } from '../src/codemod-host/jscodeshift.js';

export interface NarrowEslintDisableOptions {
  /** Reason added (` -- <description>`) to each rewritten directive that has none. */
  readonly description?: string;
  /** An ESLint config file to use instead of the one ESLint would find. */
  readonly config?: string;
  /** Move what blanket directives hide into eslint-suppressions.json instead of naming the rules inline. */
  readonly toSuppressions?: boolean;
  /** Also replace each `// @ts-nocheck` by a `@ts-expect-error` above each line TypeScript reports (docs: --ts-nocheck). */
  readonly tsNocheck?: boolean;
  /** With --ts-nocheck: the tsconfig to type-check every file with, instead of the nearest one that lists it. */
  readonly tsconfig?: string;
}

/** ESLint's default bulk-suppressions file, in the folder ESLint runs from. */
export const SUPPRESSIONS_FILE = 'eslint-suppressions.json';

/**
 * Rules that report blanket directives themselves: their reports go away with the directives, and that is the point.
 * Every other rule must report exactly what it reported before.
 */
const DIRECTIVE_BAN_RULES = new Set([
  'quickwins/no-blanket-disable',
  '@eslint-community/eslint-comments/no-unlimited-disable',
  'eslint-comments/no-unlimited-disable',
]);

export const codemod: Codemod<NarrowEslintDisableOptions> = {
  id: 'narrow-eslint-disable',
  summary:
    "Name the rules each blanket eslint-disable hides (linted with the project's ESLint), remove those that hide nothing.",
  options: [
    {
      flag: 'description',
      description: 'Reason added as `-- <text>` to rewritten directives that have none.',
      type: 'string',
    },
    {
      flag: 'config',
      description: 'ESLint config file to lint with, instead of the one ESLint finds for each file.',
      type: 'string',
    },
    {
      flag: 'to-suppressions',
      description: `Remove blanket directives and record the errors they hid in ${SUPPRESSIONS_FILE} (ESLint's bulk suppressions).`,
      type: 'boolean',
      default: false,
    },
    {
      flag: 'ts-nocheck',
      description:
        "Also remove `// @ts-nocheck` and put `// @ts-expect-error <description>` above each line the project's TypeScript then reports.",
      type: 'boolean',
      default: false,
    },
    {
      flag: 'tsconfig',
      description: 'With --ts-nocheck: the tsconfig to type-check with, instead of the nearest one listing each file.',
      type: 'string',
    },
  ],
  usesTypes: false,
  reads: ['project-tools', 'run-files'],
  mightApply: (source) => source.includes('eslint-disable') || source.includes('@ts-nocheck'),
  // Without the project's ESLint (the jscodeshift front door is synchronous) nothing can be proven: report, change nothing.
  transform({ program, source, options }) {
    const positionOf = positionsOf(source);
    const left = blanketDirectives(program).map((directive) => ({
      ...positionOf(directive.comment.range[0]),
      message: `blanket ${directive.label} left: naming its rules needs the project's ESLint; run \`npx quickwins narrow-eslint-disable\``,
    }));
    const nocheckLeft = (options.tsNocheck ? nocheckLines(source) : []).map((offset) => ({
      ...positionOf(offset),
      message:
        "@ts-nocheck left: replacing it needs the project's TypeScript; run `npx quickwins narrow-eslint-disable --ts-nocheck`",
    }));
    return { edits: [], rewritten: [], left: [...left, ...nocheckLeft] };
  },
  prepareProject,
};

/** The blanket directives among a parsed program's comments, read as ESLint 9.0 read them (no SourceCode at hand). */
function blanketDirectives(program: TSESTree.Program): DisableDirective[] {
  return readDisableDirectives({ getInlineConfigNodes: () => program.comments ?? [] }).filter(
    (directive) => directive.blanket,
  );
}

/** undefined when the file does not parse: then the file as a whole is named. */
function blanketsWithoutEslint(filePath: string, source: string): DisableDirective[] | undefined {
  try {
    return blanketDirectives(parseSource(filePath, source));
  } catch {
    return undefined;
  }
}

async function prepareProject(context: ProjectContext<NarrowEslintDisableOptions>): Promise<ProjectSession> {
  const { cwd, options } = context;
  let linter: ProjectLinter;
  try {
    linter = await loadProjectLinter(cwd, context.files[0] ?? join(cwd, 'index.js'), options.config);
  } catch (error) {
    if (error instanceof ProjectSetupError) throw new CodemodSetupError(`narrow-eslint-disable: ${error.message}`);
    throw error;
  }
  const suppressionsPath = join(cwd, SUPPRESSIONS_FILE);
  // The text is handed back with the new one: the runner writes only while the file still holds it.
  checkDeclaredRead('run-files', suppressionsPath);
  const previous = existsSync(suppressionsPath) ? readFileSync(suppressionsPath, 'utf8') : undefined;
  const existing =
    options.toSuppressions && previous !== undefined ? parseSuppressions(suppressionsPath, previous) : {};
  const relativePath = (filePath: string): string => relative(cwd, filePath).split(sep).join('/');
  const typeAware = await lintsWithTypes(linter, context.files);
  const nocheck = options.tsNocheck
    ? createNocheckRewriter(
        await prepareTypeChecker(cwd, options.tsconfig),
        options.description ?? DEFAULT_EXPECT_ERROR_DESCRIPTION,
        context.files,
        readSourceText,
      )
    : undefined;
  // No state across files (a large run has a session per worker thread): a file's errors moved to the suppressions
  // file travel in its record, and `finish` adds up the records of the files the run kept.
  return {
    // Each worker thread's ESLint would build its own TypeScript programs: with types, one thread. --ts-nocheck holds
    // one language service per tsconfig for the run's files together: one thread too.
    parallel: !typeAware && !nocheck,
    async transformFile({ filePath, source }) {
      const counts = existing[relativePath(filePath)];
      // mightApply lets `@ts-nocheck` files through too: ESLint only lints a file with a directive to narrow.
      const result = source.includes('eslint-disable')
        ? await narrowFile(linter, filePath, source, options, (ruleId) => counts?.[ruleId]?.count ?? 0)
        : UNCHANGED;
      const record: SuppressedRecord | undefined =
        result.suppressedByFile.size > 0 ? Object.fromEntries(result.suppressedByFile) : undefined;
      const final = nocheck ? await withNocheck(nocheck, linter, filePath, source, result) : result;
      return { edits: final.edits, rewritten: final.rewritten, left: final.left, record };
    },
    async finish(records: readonly ProjectRecord[]): Promise<ProjectFileOutput[]> {
      const added: Suppressions = {};
      for (const { filePath, record } of records) {
        added[relativePath(filePath)] = Object.fromEntries(
          Object.entries(record as SuppressedRecord).map(([ruleId, count]) => [ruleId, { count }]),
        );
      }
      const files = Object.keys(added);
      if (files.length === 0) return [];
      const merged = mergeSuppressions(existing, added);
      const rules = files.reduce((total, file) => total + Object.keys(added[file] ?? {}).length, 0);
      return [
        {
          path: suppressionsPath,
          text: stableJson(merged),
          summary: `${rules} rule count(s) added for ${files.length} file(s)`,
          previous,
        },
      ];
    },
  };
}

/** Whether the config of any of the files lints with types, asked of the first file of each extension (one config each, mostly). */
async function lintsWithTypes(linter: ProjectLinter, files: readonly string[]): Promise<boolean> {
  const firstOfExtension = new Map<string, string>();
  for (const file of files) {
    const extension = extname(file);
    if (!firstOfExtension.has(extension)) firstOfExtension.set(extension, file);
  }
  for (const file of firstOfExtension.values()) if (await linter.isTypeAware(file)) return true;
  return false;
}

/**
 * --ts-nocheck after the ESLint half (`result`): its edits are added when TypeScript's check holds on the text with
 * both, and ESLint then reports nothing more than with the ESLint half's alone; otherwise the pragma is reported left.
 */
async function withNocheck(
  nocheck: NocheckRewriter,
  linter: ProjectLinter,
  filePath: string,
  source: string,
  result: FileResult,
): Promise<FileResult> {
  const typed = nocheck.rewrite(filePath, source, result.edits);
  const edits = [...result.edits, ...typed.edits];
  const objection =
    typed.edits.length > 0
      ? await eslintObjection(linter, filePath, applyTextEdits(source, result.edits), applyTextEdits(source, edits))
      : undefined;
  if (objection !== undefined) {
    const [pragma] = typed.rewritten;
    const site = {
      line: pragma?.line ?? 1,
      column: pragma?.column ?? 0,
      message: `@ts-nocheck left: the @ts-expect-error lines would change what ESLint reports (${objection})`,
    };
    return { ...result, left: [...result.left, site, ...typed.left] };
  }
  return {
    ...result,
    edits,
    rewritten: [...result.rewritten, ...typed.rewritten],
    left: [...result.left, ...typed.left],
  };
}

/** A run file's text as the runner hands it over (UTF-8, without a BOM); undefined when it cannot be read. */
function readSourceText(filePath: string): string | undefined {
  checkDeclaredRead('run-files', filePath);
  try {
    return readFileSync(filePath, 'utf8').replace(/^\uFEFF/, '');
  } catch {
    return undefined;
  }
}

async function prepareTypeChecker(cwd: string, tsconfig: string | undefined): Promise<ProjectTypeChecker> {
  try {
    return createProjectTypeChecker(await loadProjectTypeScript(cwd), cwd, tsconfig);
  } catch (error) {
    if (error instanceof ProjectSetupError) throw new CodemodSetupError(`narrow-eslint-disable: ${error.message}`);
    throw error;
  }
}

interface FileResult extends CodemodResult {
  readonly suppressedByFile: ReadonlyMap<string, number>;
}

const UNCHANGED = { edits: [], rewritten: [], left: [], suppressedByFile: new Map() } as const;

async function narrowFile(
  linter: ProjectLinter,
  filePath: string,
  source: string,
  options: NarrowEslintDisableOptions,
  existingSuppressions: (ruleId: string) => number,
): Promise<FileResult> {
  const positionOf = positionsOf(source);
  const notLinted = await linter.whyNotLinted(filePath);
  if (notLinted !== undefined) {
    // Each blanket directive is named, read from the comments alone (ESLint does not parse the file): none, nothing to say.
    const blankets = blanketsWithoutEslint(filePath, source);
    const left = blankets
      ? blankets.map((directive) => ({
          ...positionOf(directive.comment.range[0]),
          message: `blanket ${directive.label} left: ${notLinted}`,
        }))
      : [{ line: 1, column: 0, message: `file left: ${notLinted}` }];
    return { ...UNCHANGED, left };
  }

  const before = await linter.lint(filePath, source);
  if (!before.directives) {
    const where = before.fatal
      ? { line: before.fatal.line, column: Math.max(0, before.fatal.column - 1) }
      : { line: 1, column: 0 };
    return {
      ...UNCHANGED,
      left: [{ ...where, message: `file left: ESLint cannot parse it (${before.fatal?.message ?? 'no result'})` }],
    };
  }
  if (!before.directives.some((directive) => directive.blanket)) return UNCHANGED;

  const visibleErrors = countErrorsByRule(before.reported);
  const plan = planNarrowing(source, before.directives, before.suppressed, {
    description: options.description,
    // ESLint suppresses all of a rule's errors in a file or none: the count can only cover what directives hid when
    // the errors the file already shows are covered by the suppressions file too.
    toSuppressions: options.toSuppressions
      ? (ruleId) => existingSuppressions(ruleId) >= (visibleErrors.get(ruleId) ?? 0)
      : undefined,
  });
  const sites = plan.decisions.map((decision) => ({
    ...positionOf(decision.directive.comment.range[0]),
    message: describe(decision),
  }));

  const output = applyTextEdits(source, plan.edits);
  const after = await linter.lint(filePath, output);
  const difference = compareLints(before, after, plan, lineMapping(source, plan.edits));
  if (difference !== undefined) {
    const left = plan.decisions
      .filter((decision) => decision.directive.blanket)
      .map((decision) => ({
        ...positionOf(decision.directive.comment.range[0]),
        message: `blanket ${decision.directive.label} left: the file was not changed, because the rewrite would change what ESLint reports (${difference})`,
      }));
    return { ...UNCHANGED, left };
  }
  return { edits: plan.edits, rewritten: sites, left: [], suppressedByFile: plan.suppressedByFile };
}

function describe({ directive, action, movedToSuppressions }: DirectiveDecision): string {
  const moved = [...movedToSuppressions].map(([ruleId, count]) => `${ruleId} ×${count}`).join(', ');
  const movedText = moved ? `; errors moved to ${SUPPRESSIONS_FILE}: ${moved}` : '';
  if (action.kind === 'narrow') return `${directive.label} → ${directive.label} ${action.rules.join(', ')}${movedText}`;
  if (moved) return `${directive.label} removed${movedText}`;
  return directive.kind === 'enable'
    ? `${directive.label} removed: it closed only rules no longer disabled`
    : `${directive.label} removed: it suppressed nothing`;
}

function countErrorsByRule(messages: readonly Linter.LintMessage[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const message of messages)
    if (message.ruleId && message.severity === 2) counts.set(message.ruleId, (counts.get(message.ruleId) ?? 0) + 1);
  return counts;
}

/**
 * The invariant: after the rewrite ESLint reports the same set of problems (rule, line; lines moved by removed lines),
 * plus the errors moved to the suppressions file; no line has more unused-directive reports than before; no rule that
 * bans directives reports anything new. Returns the first difference, or undefined.
 */
function compareLints(
  before: FileLint,
  after: FileLint,
  plan: NarrowingPlan,
  newLine: (oldLine: number) => number,
): string | undefined {
  if (after.fatal) return `it no longer parses: ${after.fatal.message}`;
  const problemKey = (ruleId: string, line: number): string => `${ruleId} at line ${line}`;
  const isBanRule = (ruleId: string | null): boolean => ruleId !== null && DIRECTIVE_BAN_RULES.has(ruleId);
  const expected = new Set<string>();
  const expectedBans = new Set<string>();
  const unusedBefore = new Map<number, number>();
  for (const message of before.reported) {
    if (message.ruleId === null) {
      if (!message.fatal) unusedBefore.set(newLine(message.line), (unusedBefore.get(newLine(message.line)) ?? 0) + 1);
    } else (isBanRule(message.ruleId) ? expectedBans : expected).add(problemKey(message.ruleId, newLine(message.line)));
  }
  for (const problem of plan.movedProblems) expected.add(problemKey(problem.ruleId ?? '', newLine(problem.line)));

  const actual = new Set<string>();
  const unusedAfter = new Map<number, number>();
  for (const message of after.reported) {
    if (message.ruleId === null) {
      if (!message.fatal) unusedAfter.set(message.line, (unusedAfter.get(message.line) ?? 0) + 1);
    } else if (isBanRule(message.ruleId)) {
      const key = problemKey(message.ruleId, message.line);
      if (!expectedBans.has(key)) return `new: ${key}`;
    } else actual.add(problemKey(message.ruleId, message.line));
  }
  for (const key of actual) if (!expected.has(key)) return `new: ${key}`;
  for (const key of expected) if (!actual.has(key)) return `no longer reported: ${key}`;
  for (const [line, count] of unusedAfter)
    if (count > (unusedBefore.get(line) ?? 0)) return `a new unused-directive report at line ${line}`;
  return undefined;
}

/** A file's record: errors per rule that its rewrite moved to the suppressions file. */
type SuppressedRecord = Record<string, number>;

/** ESLint's bulk-suppressions format: relative file path → rule id → `{ count }` of errors. */
type Suppressions = Record<string, Record<string, { count: number }>>;

function parseSuppressions(path: string, text: string): Suppressions {
  try {
    return JSON.parse(text) as Suppressions;
  } catch (error) {
    throw new CodemodSetupError(`narrow-eslint-disable: ${path} is not valid JSON (${(error as Error).message})`);
  }
}

function mergeSuppressions(existing: Suppressions, added: Suppressions): Suppressions {
  const merged: Suppressions = structuredClone(existing);
  for (const [file, rules] of Object.entries(added)) {
    const target = (merged[file] ??= {});
    for (const [ruleId, { count }] of Object.entries(rules))
      target[ruleId] = { count: (target[ruleId]?.count ?? 0) + count };
  }
  return merged;
}

/** As ESLint writes the file (json-stable-stringify, two spaces): keys sorted at every level, no final newline. */
function stableJson(value: unknown): string {
  return JSON.stringify(
    value,
    (_key, inner: unknown) =>
      inner && typeof inner === 'object' && !Array.isArray(inner)
        ? Object.fromEntries(
            Object.entries(inner as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
          )
        : inner,
    2,
  );
}

export default toJscodeshiftTransform(codemod);
export const parser = 'tsx';
