/**
 * Methods of controller classes that no decorator routes (`class userController extends baseController { async
 * login(ctx) {} }`): a route table elsewhere (a manifest, a loop over names) registers them by name, which this file
 * cannot show. Those named for an auth action are reported as candidates, never wrapped on their name.
 */
import type { TSESTree } from '@typescript-eslint/typescript-estree';
import { paramName } from '../core/ast-helpers.js';
import { traverse } from '../core/traverse.js';
import type { AuthScan } from './scan.js';
import { classifyHandlerName } from './vocabulary.js';

const CONTROLLER_NAME = /controller$/i;
/** The first parameter of a request handler method: Koa's `ctx`, Express's `req`. */
const REQUEST_PARAM = /^_?(ctx|context|req|request)$/;

function superclassName(declaration: TSESTree.ClassDeclaration): string | undefined {
  const superClass = declaration.superClass;
  if (superClass?.type === 'Identifier') return superClass.name;
  if (superClass?.type === 'MemberExpression' && superClass.property.type === 'Identifier')
    return superClass.property.name;
  return undefined;
}

export function detectControllerMethods(scan: AuthScan, declaration: TSESTree.ClassDeclaration): void {
  // Decorated classes are routed by their decorators (nest.ts, graphql.ts).
  if ((declaration.decorators ?? []).length > 0) return;
  const names = [declaration.id?.name ?? '', superclassName(declaration) ?? ''];
  if (!names.some((name) => CONTROLLER_NAME.test(name))) return;
  const usedHere = memberNamesOutside(scan.program, declaration);
  for (const member of declaration.body.body) {
    if (member.type !== 'MethodDefinition' || member.static || member.kind !== 'method') continue;
    if (member.key.type !== 'Identifier' || (member.decorators ?? []).length > 0) continue;
    // `router.post('/login', users.login.bind(users))` in this file: the route is the site, found there.
    if (usedHere.has(member.key.name)) continue;
    const action = classifyHandlerName(member.key.name);
    const first = paramName(member.value.params[0]);
    if (!action || first === undefined || !REQUEST_PARAM.test(first)) continue;
    scan.skipped.push({
      framework: scan.framework,
      description: `${declaration.id?.name ?? 'controller'}.${member.key.name}(${first})`,
      node: member,
      reason: `it is a controller method named for ${action}, but nothing in this file registers it as a route (a route table elsewhere names it), and a name alone is no evidence: wrap it by hand, or with \`@AuthLoggedMethod('${action}')\` once its route is checked`,
    });
  }
}

/** Property names read as `x.name` anywhere in the file outside the class itself. */
function memberNamesOutside(program: TSESTree.Program, declaration: TSESTree.ClassDeclaration): Set<string> {
  const names = new Set<string>();
  traverse(program, (node) => {
    if (node.range[0] >= declaration.range[0] && node.range[1] <= declaration.range[1]) return;
    if (node.type === 'MemberExpression' && !node.computed && node.property.type === 'Identifier')
      names.add(node.property.name);
  });
  return names;
}
