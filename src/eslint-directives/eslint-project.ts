/**
 * The project's own ESLint, for codemods that must know what the project's lint run reports: resolved from the
 * project (the user's install, never quickwins' own), with the flat config ESLint itself would pick for each file
 * (`calculateConfigForFile` / `isPathIgnored`; ESLint 10 looks the config up from the file's folder, ESLint 9 from
 * the working folder, unless `--config` names one). Each lint also hands back the disable directives ESLint read
 * (through a capture rule added to every file's config), so the caller never parses directives a second way.
 */
import type { ESLint, Linter, Rule } from 'eslint';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { canReadDirectives, readDisableDirectives, type DisableDirective } from './directives.js';
import { checkDeclaredRead } from '../core/project-reads.js';

/** A problem that stops a run before any file is touched: missing ESLint, missing or broken config. */
export class ProjectSetupError extends Error {}

/** One directive comment as ESLint read it, and the JSX braces `{ }` around it when it is alone in a JSX container. */
export interface LintedDirective extends DisableDirective {
  readonly jsxContainer?: readonly [number, number];
}

export interface FileLint {
  /** Problems ESLint reports, unused-directive reports included (ruleId null). */
  readonly reported: readonly Linter.LintMessage[];
  /** Problems a directive suppressed. */
  readonly suppressed: readonly Linter.SuppressedLintMessage[];
  /** undefined when the file did not parse (then `fatal` says why). */
  readonly directives?: readonly LintedDirective[];
  readonly fatal?: Linter.LintMessage;
}

export interface ProjectLinter {
  /** ESLint's version, e.g. `10.15.0`. */
  readonly version: string;
  /** Why ESLint would not lint this file (ignored, no config applies), or undefined when it would. */
  whyNotLinted(filePath: string): Promise<string | undefined>;
  /** Whether the config ESLint picks for this file lints with type information (typescript-eslint's `project` or `projectService`). */
  isTypeAware(filePath: string): Promise<boolean>;
  lint(filePath: string, text: string): Promise<FileLint>;
}

const CAPTURE_PLUGIN = 'quickwins-directives';

/**
 * Loads `eslint` from `cwd` (as `npx eslint` would) and checks that a flat config applies to `probeFile`.
 * `configFile` (relative to cwd) replaces the config lookup. Throws ProjectSetupError with a one-line reason.
 */
export async function loadProjectLinter(cwd: string, probeFile: string, configFile?: string): Promise<ProjectLinter> {
  checkDeclaredRead('project-tools', `the ESLint and ESLint config of ${cwd}`);
  const eslintModule = await importProjectEslint(cwd);
  const version = eslintModule.ESLint.version;
  const major = Number(version.split('.')[0]);
  if (!(major >= 9))
    throw new ProjectSetupError(`needs ESLint 9 or later with a flat config; the project has ESLint ${version}`);
  const overrideConfigFile = configFile === undefined ? undefined : resolve(cwd, configFile);
  if (overrideConfigFile !== undefined && !existsSync(overrideConfigFile)) {
    throw new ProjectSetupError(`--config: ${configFile} does not exist`);
  }

  let captured: LintedDirective[] | undefined;
  const capture: Rule.RuleModule = {
    meta: { type: 'problem', schema: [] },
    create(context) {
      const sourceCode = context.sourceCode;
      captured = canReadDirectives(sourceCode)
        ? readDisableDirectives(sourceCode).map((directive) => withJsxContainer(directive, sourceCode))
        : [];
      return {};
    },
  };
  const eslint = new eslintModule.ESLint({
    cwd,
    overrideConfigFile,
    // No `files`: it joins the config of every file the project's config matches, and matches nothing else.
    overrideConfig: {
      plugins: { [CAPTURE_PLUGIN]: { rules: { capture } } },
      rules: { [`${CAPTURE_PLUGIN}/capture`]: 'error' },
      // The same setting before and after a rewrite, so the two runs can be compared for new unused directives.
      linterOptions: { reportUnusedDisableDirectives: 'warn' },
    },
  });

  try {
    await eslint.calculateConfigForFile(probeFile);
  } catch (error) {
    throw new ProjectSetupError(configProblem(error, cwd, overrideConfigFile));
  }

  return {
    version,
    async whyNotLinted(filePath) {
      try {
        if (await eslint.isPathIgnored(filePath)) return 'ESLint ignores this file (ignores in the config)';
        if ((await eslint.calculateConfigForFile(filePath)) === undefined)
          return 'no ESLint config object applies to this file';
      } catch (error) {
        return firstLine(error);
      }
      return undefined;
    },
    async isTypeAware(filePath) {
      try {
        const config = (await eslint.calculateConfigForFile(filePath)) as
          { languageOptions?: { parserOptions?: Record<string, unknown> } } | undefined;
        const parserOptions = config?.languageOptions?.parserOptions;
        return Boolean(parserOptions?.project || parserOptions?.projectService);
      } catch {
        return false; // whyNotLinted names the problem for that file
      }
    },
    async lint(filePath, text) {
      captured = undefined;
      const [result] = (await eslint.lintText(text, { filePath })) as ESLint.LintResult[];
      const messages = result?.messages ?? [];
      const fatal = messages.find((message) => message.fatal);
      // Captured by this lint only: lints run one after another, and a file that does not parse runs no rule.
      return {
        reported: messages,
        suppressed: result?.suppressedMessages ?? [],
        directives: fatal ? undefined : (captured ?? []),
        fatal,
      };
    },
  };
}

/** Which of `ruleIds` the config ESLint picks for `filePath` turns on (warn or error), or why that cannot be read. */
export type EnabledRules = { readonly enabled: ReadonlySet<string> } | { readonly unavailable: string };

/** The project's ESLint config as it applies to one file, read for the rules that keep a quick win done. */
export async function enabledRulesFor(
  cwd: string,
  filePath: string,
  ruleIds: readonly string[],
): Promise<EnabledRules> {
  try {
    const eslint = new (await importProjectEslint(cwd)).ESLint({ cwd });
    const config = (await eslint.calculateConfigForFile(filePath)) as { rules?: Record<string, unknown> } | undefined;
    if (config === undefined) return { unavailable: 'no ESLint config applies to the files' };
    return { enabled: new Set(ruleIds.filter((ruleId) => isOn(config.rules?.[ruleId]))) };
  } catch (error) {
    return { unavailable: error instanceof ProjectSetupError ? error.message : configProblem(error, cwd, undefined) };
  }
}

function isOn(entry: unknown): boolean {
  const severity = Array.isArray(entry) ? (entry as unknown[])[0] : entry;
  return severity === 1 || severity === 2 || severity === 'warn' || severity === 'error';
}

interface EslintModule {
  readonly ESLint: typeof ESLint;
}

async function importProjectEslint(cwd: string): Promise<EslintModule> {
  let entry: string;
  try {
    entry = createRequire(join(cwd, 'package.json')).resolve('eslint');
  } catch {
    throw new ProjectSetupError(
      `ESLint is not installed in ${cwd} or a folder above it (npm install --save-dev eslint): this codemod lints with the project's own ESLint`,
    );
  }
  const loaded = (await import(pathToFileURL(entry).href)) as Partial<EslintModule> & {
    default?: Partial<EslintModule>;
  };
  const module = loaded.ESLint ? loaded : loaded.default;
  if (!module?.ESLint) throw new ProjectSetupError(`${entry} does not export ESLint`);
  return module as EslintModule;
}

function configProblem(error: unknown, cwd: string, configFile: string | undefined): string {
  const message = firstLine(error);
  if (/could not find config file/i.test(message)) {
    return `no ESLint flat config (eslint.config.js, .mjs, .cjs, .ts) found for ${cwd}: add one, or pass --config <file>`;
  }
  return `cannot load the ESLint config${configFile ? ` ${configFile}` : ''}: ${message}`;
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}

interface NodeLike {
  readonly type: string;
  readonly range: [number, number];
  readonly parent?: NodeLike;
  readonly expression?: NodeLike;
}

/** `{/* eslint-disable-next-line *\/}`: the container's braces go with the comment when it is removed. */
function withJsxContainer(directive: DisableDirective, sourceCode: unknown): LintedDirective {
  // Only a comment right after `{` can be alone in a container; the node lookup walks the tree, so it runs only then.
  const text = (sourceCode as { text?: string }).text ?? '';
  if (!/\{\s*$/u.test(text.slice(Math.max(0, directive.comment.range[0] - 200), directive.comment.range[0])))
    return directive;
  const getNode = (sourceCode as { getNodeByRangeIndex?: (index: number) => NodeLike | null }).getNodeByRangeIndex;
  const found = getNode?.call(sourceCode, directive.comment.range[0]) ?? null;
  const container = found?.type === 'JSXEmptyExpression' ? found.parent : found;
  if (container?.type === 'JSXExpressionContainer' && container.expression?.type === 'JSXEmptyExpression') {
    return { ...directive, jsxContainer: container.range };
  }
  return directive;
}
