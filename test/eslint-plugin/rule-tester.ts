/**
 * typescript-eslint's RuleTester wired to vitest (it has no default test framework outside mocha/jest globals),
 * plus `runRuleTests`, which types the test cases against the rule's own message ids and options.
 */
import { RuleTester, type RuleTesterConfig, type RunTests } from '@typescript-eslint/rule-tester';
import type { TSESLint } from '@typescript-eslint/utils';
import { afterAll, describe, it } from 'vitest';

RuleTester.afterAll = afterAll;
RuleTester.describe = describe;
RuleTester.it = it;
RuleTester.itOnly = it.only;

export { RuleTester };

export function runRuleTests<MessageIds extends string, Options extends readonly unknown[]>(
  name: string,
  rule: TSESLint.RuleModule<MessageIds, Options, unknown>,
  tests: RunTests<MessageIds, Options>,
  config?: RuleTesterConfig,
): void {
  // @typescript-eslint/rule-tester (8.72, the newest published) bundles its own copy of @typescript-eslint/utils,
  // whose rule types differ from the plugin's (8.73) only nominally.
  new RuleTester(config).run(name, rule as never, tests as never);
}
