/** A route registration's final handler: where it is among the arguments, and the name it is known by. */
import type { TSESTree } from '@typescript-eslint/typescript-estree';
import { findProperty, isBindCall, isFunctionNode } from '../core/ast-helpers.js';
import type { HandlerRef } from './types.js';

/** The final handler among a route's arguments: the last one, inside an array, or a Fastify options `handler`. */
export function finalHandler(argument: TSESTree.CallExpressionArgument): HandlerRef | undefined {
  if (argument.type === 'SpreadElement') return undefined;
  if (argument.type === 'ArrayExpression') {
    const last = argument.elements.at(-1);
    return last && last.type !== 'SpreadElement' ? finalHandler(last) : undefined;
  }
  if (argument.type === 'ObjectExpression') {
    const property = findProperty(argument, 'handler');
    return property ? propertyHandler(property) : undefined;
  }
  if (
    isFunctionNode(argument) ||
    argument.type === 'Identifier' ||
    argument.type === 'MemberExpression' ||
    argument.type === 'CallExpression' ||
    argument.type === 'TSAsExpression' ||
    argument.type === 'TSSatisfiesExpression'
  ) {
    return { kind: 'expression', expression: argument };
  }
  return undefined;
}

export function propertyHandler(property: TSESTree.Property): HandlerRef | undefined {
  if (property.kind !== 'init') return undefined;
  if (property.method) return { kind: 'method-property', property };
  if (property.shorthand) return { kind: 'shorthand-property', property };
  const value = property.value;
  if (
    value.type === 'AssignmentPattern' ||
    value.type === 'ObjectPattern' ||
    value.type === 'ArrayPattern' ||
    value.type === 'TSEmptyBodyFunctionExpression'
  ) {
    return undefined;
  }
  return finalHandler(value as TSESTree.Expression);
}

/** The name a handler is known by: `login`, `authController.login` → `login`, a named function expression. */
export function referenceName(handler: HandlerRef): string | undefined {
  if (handler.kind !== 'expression') {
    const key = handler.property.key;
    return key.type === 'Identifier' ? key.name : undefined;
  }
  let expression: TSESTree.Node = handler.expression;
  if (expression.type === 'CallExpression' && isBindCall(expression))
    expression = (expression.callee as TSESTree.MemberExpression).object;
  if (expression.type === 'Identifier') return expression.name;
  if (expression.type === 'MemberExpression' && !expression.computed && expression.property.type === 'Identifier') {
    return expression.property.name;
  }
  if (expression.type === 'FunctionExpression' && expression.id) return expression.id.name;
  return undefined;
}
