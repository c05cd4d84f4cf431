/**
 * `import quickwins from 'quickwins/eslint-plugin'` (or `require('quickwins/eslint-plugin')`): the flat-config
 * plugin object. Rule ids are `quickwins/<rule>`; `configs.recommended` enables every rule that needs no type
 * information and registers the plugin itself, so `export default [quickwins.configs.recommended]` is a whole setup.
 *
 * Only a default export: the CommonJS build then makes `module.exports` the plugin itself (tsup `cjsInterop`).
 */
import type { TSESLint } from '@typescript-eslint/utils';
import grpcConnectionRotation from './rules/grpc-connection-rotation.js';
import graphqlCache from './rules/graphql-cache.js';
import kafkaBatchProtocol from './rules/kafka-batch-protocol.js';
import noBlanketDisable from './rules/no-blanket-disable.js';
import noRawPoolConnect from './rules/no-raw-pool-connect.js';
import { PLUGIN_NAME, PLUGIN_VERSION } from './util/create-rule.js';

const rules = {
  'graphql-cache': graphqlCache,
  'grpc-connection-rotation': grpcConnectionRotation,
  'kafka-batch-protocol': kafkaBatchProtocol,
  'no-blanket-disable': noBlanketDisable,
  'no-raw-pool-connect': noRawPoolConnect,
};

type RuleId = keyof typeof rules;
type QuickwinsRuleEntries = Partial<Record<`quickwins/${RuleId}`, TSESLint.SharedConfig.RuleEntry>>;

export interface QuickwinsConfig extends TSESLint.FlatConfig.Config {
  readonly name: string;
  readonly plugins: { readonly quickwins: QuickwinsPlugin };
  readonly rules: QuickwinsRuleEntries;
}

export interface QuickwinsPlugin {
  readonly meta: { readonly name: string; readonly version: string };
  readonly rules: typeof rules;
  readonly configs: { readonly recommended: QuickwinsConfig; readonly strict: QuickwinsConfig };
}

const recommendedRules = Object.fromEntries(
  Object.entries(rules)
    .filter(([, rule]) => rule.meta.docs?.recommended === true && rule.meta.docs.requiresTypeChecking !== true)
    .map(([id]) => [`quickwins/${id}`, 'error']),
) as QuickwinsRuleEntries;

const plugin: QuickwinsPlugin = {
  meta: { name: PLUGIN_NAME, version: PLUGIN_VERSION },
  rules,
  configs: {} as QuickwinsPlugin['configs'],
};

Object.assign(plugin.configs, {
  recommended: { name: 'quickwins/recommended', plugins: { quickwins: plugin }, rules: recommendedRules },
  // Every rule, and disable directives that no longer hide anything are errors too: with blanket directives
  // gone, a stale named one is the next way for a suppression to outlive its reason.
  strict: {
    name: 'quickwins/strict',
    plugins: { quickwins: plugin },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: Object.fromEntries(Object.keys(rules).map((id) => [`quickwins/${id}`, 'error'])) as QuickwinsRuleEntries,
  },
} satisfies QuickwinsPlugin['configs']);

export default plugin;
