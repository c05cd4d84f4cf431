/**
 * A route path given as a constant of the same file (`export const AUTH_CALLBACK_PATH = '/auth/callback'`,
 * `@Get(AUTH_CALLBACK_PATH)`): the string it holds is the route, as plainly as if it were written in place.
 */
import type { TSESTree } from '@typescript-eslint/typescript-estree';
import { stringOf } from '../core/ast-helpers.js';
import { traverse } from '../core/traverse.js';
import type { AuthScan } from './scan.js';

/** The paths a route's path argument holds: written in place, or a name bound once in this file to a string. */
export function routePathStrings(scan: AuthScan, node: TSESTree.Node | undefined): string[] | undefined {
  if (node?.type !== 'Identifier') return undefined;
  const bindings = scan.bindings.get(node.name) ?? [];
  const only = bindings.length === 1 ? bindings[0] : undefined;
  // A name declared once and never assigned again holds its initial string wherever it is read.
  if (only?.node.type !== 'VariableDeclarator' || !only.node.init || reassigned(scan.program, node.name))
    return undefined;
  const value = stringOf(only.node.init);
  return value === undefined ? undefined : [value];
}

function reassigned(program: TSESTree.Program, name: string): boolean {
  let found = false;
  traverse(program, (node) => {
    if (node.type === 'AssignmentExpression' && node.left.type === 'Identifier' && node.left.name === name)
      found = true;
  });
  return found;
}
