/** Fastify's route object: `fastify.route({ method, url, handler })` (the shorthands go through express.ts). */
import type { TSESTree } from '@typescript-eslint/typescript-estree';
import { findProperty, pathStrings, propertyValue } from '../core/ast-helpers.js';
import { propertyHandler, referenceName } from './handler-refs.js';
import { administratorMiddleware } from './administration.js';
import { visibleFunction } from './evidence.js';
import type { AuthScan } from './scan.js';
import { actionForRoute } from './vocabulary.js';

export function detectFastifyRouteObject(
  scan: AuthScan,
  call: TSESTree.CallExpression,
  route: TSESTree.ObjectExpression,
): void {
  const url = propertyValue(route, 'url') ?? propertyValue(route, 'path');
  const methodNode = propertyValue(route, 'method');
  const handlerProperty = findProperty(route, 'handler');
  const paths = url ? pathStrings(url) : undefined;
  const handler = handlerProperty ? propertyHandler(handlerProperty) : undefined;
  const handlerName = handler ? referenceName(handler) : undefined;
  const named = scan.routeAction(paths, handlerName, scan.fileWords);
  if (!named) return;
  const methods = methodNode ? pathStrings(methodNode) : undefined;
  const description = `${methods?.join(',') ?? '?'} ${paths?.[0] ?? '(computed url)'}`;
  if (scan.reportUnclassified(named, 'fastify', description, call)) return;
  if (!methods) {
    scan.skipped.push({
      framework: 'fastify',
      description,
      node: call,
      reason: 'its `method` is not a literal, so whether it performs the action is unknown',
    });
    return;
  }
  const action = methods
    .map((method) => actionForRoute(method, named, paths?.[0]))
    .find((found) => found !== undefined);
  if (!action) {
    scan.reportMethodMismatch('fastify', description, call, methods.join(','), named);
    return;
  }
  const administratorGuard = administratorMiddleware(routeHooks(route));
  const handlerFunction = handler?.kind === 'expression' ? visibleFunction(scan, handler.expression) : undefined;
  const refusal = scan.routeRefusal(paths, handlerName, scan.fileWords, action, [administratorGuard], handlerFunction);
  if (scan.refuseRoute('fastify', description, call, refusal)) return;
  if (!handler) {
    scan.skipped.push({
      framework: 'fastify',
      description,
      node: call,
      reason: 'its `handler` is missing, computed or spread',
    });
    return;
  }
  scan.registerSite('fastify', action, description, handler, call, []);
}

/** The hooks a route object runs before its handler: `onRequest`, `preValidation`, `preHandler` (one or a list). */
function routeHooks(route: TSESTree.ObjectExpression): TSESTree.Node[] {
  return ['onRequest', 'preValidation', 'preHandler'].flatMap((key): TSESTree.Node[] => {
    const value = propertyValue(route, key);
    if (!value) return [];
    return value.type === 'ArrayExpression'
      ? value.elements.filter(
          (element): element is TSESTree.Expression => element !== null && element.type !== 'SpreadElement',
        )
      : [value];
  });
}
