/**
 * Relay mutations built with `mutationWithClientMutationId({ name: 'LogIn', mutateAndGetPayload })` (graphql-relay):
 * the schema calls `mutateAndGetPayload(input, context, info)`, not a field resolver's `(parent, args, context, info)`,
 * so the runtime's resolver adapter cannot read it. Those whose name has an auth word are reported, never wrapped.
 */
import type { TSESTree } from '@typescript-eslint/typescript-estree';
import { calleeName, findProperty, stringOf } from '../core/ast-helpers.js';
import type { AuthScan } from './scan.js';
import { classifyHandlerName, reportOnlyAction } from './vocabulary.js';

export function detectRelayMutation(scan: AuthScan, call: TSESTree.CallExpression): void {
  if (calleeName(call.callee) !== 'mutationWithClientMutationId') return;
  const config = call.arguments[0];
  if (config?.type !== 'ObjectExpression') return;
  const nameProperty = findProperty(config, 'name');
  const name = nameProperty ? stringOf(nameProperty.value) : undefined;
  const payload = findProperty(config, 'mutateAndGetPayload');
  const action = name === undefined ? undefined : (classifyHandlerName(name) ?? reportOnlyAction(name));
  if (!payload || name === undefined || !action) return;
  scan.skipped.push({
    framework: 'graphql',
    description: `Relay mutation ${name}`,
    node: payload,
    reason: `its resolver is a Relay \`mutateAndGetPayload(input, context, info)\`, which the runtime's resolver adapter cannot read (it reads \`(parent, args, context, info)\`); log its ${action} outcome by hand`,
  });
}
