/**
 * Every quickwins rule is made with this wrapper, so `meta.docs.url` is never forgotten: it points at the
 * rule's own page, `docs/rules/<id>.md`, in the published package of this very version (the package
 * ships `docs/`, so the link works for whichever version a project has installed).
 */
// The subpath, not the root: the root export also loads typescript-estree (and with it `typescript`); RuleCreator needs
// neither, and is bundled into the plugin so an ESLint project without typescript-eslint can load it.
import { RuleCreator } from '@typescript-eslint/utils/eslint-utils';
import packageJson from '../../package.json' with { type: 'json' };

/** Extra `meta.docs` fields the plugin's configs are derived from. */
export interface QuickwinsRuleDocs {
  /** In `configs.recommended` (and `strict`) when true; only rules that need no type information are. */
  readonly recommended: boolean;
  /** True when the rule cannot work without typescript-eslint type information. */
  readonly requiresTypeChecking: boolean;
}

export const PLUGIN_NAME: string = packageJson.name;
export const PLUGIN_VERSION: string = packageJson.version;

export function ruleDocsUrl(ruleId: string): string {
  return `https://unpkg.com/${PLUGIN_NAME}@${PLUGIN_VERSION}/docs/rules/${ruleId}.md`;
}

const ruleCreator = RuleCreator<QuickwinsRuleDocs>(ruleDocsUrl);

type RuleDefinition<Options extends readonly unknown[], MessageIds extends string> = Parameters<
  typeof ruleCreator<Options, MessageIds>
>[0];

/**
 * `RuleCreator` (docs URL, typed meta), with a cheaper `create`: RuleCreator deep-clones and deep-merges the
 * default options on every file, which measured as most of a small rule's cost (bench/lint-cost.ts). quickwins
 * rules take one flat options object, so a spread over `meta.defaultOptions` gives the same result (ESLint
 * ≥ 9.15 has already applied them; the spread covers earlier 9.x).
 */
export function createRule<Options extends readonly [object], MessageIds extends string>(
  definition: RuleDefinition<Options, MessageIds>,
): ReturnType<typeof ruleCreator<Options, MessageIds>> {
  const rule = ruleCreator(definition);
  const defaults = definition.meta.defaultOptions?.[0] ?? {};
  return {
    ...rule,
    create: (context) =>
      definition.create(context, [{ ...defaults, ...(context.options[0] ?? {}) }] as unknown as Options),
  };
}
