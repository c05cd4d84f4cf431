/**
 * Every quickwins rule is made with this wrapper, so `meta.docs.url` is never forgotten: it points at the
 * rule's own page, `docs/rules/<id>.md`, in the published package of this very version (the package
 * ships `docs/`, so the link works for whichever version a project has installed).
 */
import { ESLintUtils } from '@typescript-eslint/utils';
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

export const createRule = ESLintUtils.RuleCreator<QuickwinsRuleDocs>(ruleDocsUrl);
