/** NestJS: `@Post('login')` methods of `@Controller('auth')` classes get `@AuthLogged('<action>')`. */
import type { TSESTree } from '@typescript-eslint/typescript-estree';
import { decoratorName, pathStrings, propertyValue } from '../ast-helpers.js';
import type { AuthScan } from './scan.js';
import type { AuthHandlerSite } from './types.js';
import { actionForMethod, authWords } from './vocabulary.js';

const NEST_METHODS: ReadonlyMap<string, string> = new Map([
  ['Get', 'get'], ['Post', 'post'], ['Put', 'put'], ['Patch', 'patch'], ['Delete', 'delete'], ['All', 'all'],
]);

/** `@Post('login')`, `@Post(['a', 'b'])`, `@Post()`, `@Controller({ path: 'auth' })` → their paths. */
export function decoratorPaths(decorator: TSESTree.Decorator): string[] | undefined {
  const expression = decorator.expression;
  if (expression.type !== 'CallExpression') return undefined;
  const argument = expression.arguments[0];
  if (!argument) return [''];
  if (argument.type === 'ObjectExpression') {
    const path = propertyValue(argument, 'path');
    return path ? pathStrings(path) : [''];
  }
  return pathStrings(argument);
}

export function detectNestController(scan: AuthScan, declaration: TSESTree.ClassDeclaration): void {
  const controller = (declaration.decorators ?? []).find((decorator) => decoratorName(decorator) === 'Controller');
  if (!controller) return;
  const prefixes = decoratorPaths(controller) ?? [''];
  const context = [...scan.fileWords, ...authWords(declaration.id?.name ?? ''), ...prefixes.flatMap((prefix) => authWords(prefix))];
  for (const member of declaration.body.body) {
    if (member.type !== 'MethodDefinition' || member.static || member.kind !== 'method') continue;
    const httpDecorator = (member.decorators ?? []).find((decorator) => NEST_METHODS.has(decoratorName(decorator) ?? ''));
    if (!httpDecorator) continue;
    const method = NEST_METHODS.get(decoratorName(httpDecorator) ?? '') ?? 'post';
    const methodName = member.key.type === 'Identifier' ? member.key.name : undefined;
    const paths = (decoratorPaths(httpDecorator) ?? ['']).flatMap((path) =>
      prefixes.map((prefix) => `/${[prefix, path].filter((part) => part !== '').join('/')}`.replace(/\/+/g, '/')),
    );
    const named = scan.routeAction(paths, methodName, context);
    if (!named) continue;
    const description = `@${decoratorName(httpDecorator)} ${paths[0]} (${methodName ?? 'method'})`;
    if (scan.reportUnclassified(named, 'nestjs', description, member)) continue;
    const action = actionForMethod(method, named);
    if (!action) continue;
    const site: AuthHandlerSite = {
      framework: 'nestjs',
      action,
      description,
      target: { kind: 'decorator', method: member },
      node: member,
      middlewaresBefore: [],
    };
    if ((member.decorators ?? []).some((decorator) => scan.isAuthLoggedDecorator(decorator))) scan.wrapped.push(site);
    else scan.handlers.push(site);
  }
}
