/** NestJS: `@Post('login')` methods of `@Controller('auth')` classes get `@AuthLogged('<action>')`. */
import type { TSESTree } from '@typescript-eslint/typescript-estree';
import { decoratorName, importSourceOf, paramName, pathStrings, propertyValue } from '../core/ast-helpers.js';
import {
  CALLBACK_WITHOUT_SIGN_IN,
  computedPathReason,
  isCallbackRoute,
  nestProviderGuard,
  nestSignedInGuard,
  signedInRefusal,
  signsInInside,
} from './evidence.js';
import { restUserCreation } from './rest.js';
import { administratorDecorator, handlerChecksAdministrator, resetWithoutProof } from './administration.js';
import { isSignInStartPath, SIGN_IN_START } from './express.js';
import { unnamedRouteVerdict } from './unnamed-routes.js';
import { routePathStrings } from './constant-paths.js';
import type { AuthScan } from './scan.js';
import type { AuthAction, AuthHandlerSite } from './types.js';
import { actionForRoute, authWords, IDENTITY_PROVIDERS } from './vocabulary.js';

const NEST_METHODS: ReadonlyMap<string, string> = new Map([
  ['Get', 'get'],
  ['Post', 'post'],
  ['Put', 'put'],
  ['Patch', 'patch'],
  ['Delete', 'delete'],
  ['All', 'all'],
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

function controllerSource(scan: AuthScan, controller: TSESTree.Decorator): string | undefined {
  const expression = controller.expression;
  const callee = expression.type === 'CallExpression' ? expression.callee : expression;
  const local =
    callee.type === 'Identifier'
      ? callee.name
      : callee.type === 'MemberExpression' && callee.object.type === 'Identifier'
        ? callee.object.name
        : undefined;
  return local ? importSourceOf(scan.program, local) : undefined;
}

/** `@Controller(Symbol, { basePath: '/api/accounts' })`: frameworks that take the path in an options object. */
function controllerOptionPaths(controller: TSESTree.Decorator): string[] | undefined {
  const expression = controller.expression;
  if (expression.type !== 'CallExpression') return undefined;
  for (const argument of expression.arguments) {
    if (argument.type !== 'ObjectExpression') continue;
    const path =
      propertyValue(argument, 'basePath') ?? propertyValue(argument, 'prefix') ?? propertyValue(argument, 'path');
    if (path) return pathStrings(path);
  }
  return undefined;
}

/** A decorated method of a non-Nest controller: wrapped by `@AuthLoggedMethod` when it takes `(ctx)` or `(req, res)`. */
function detectDecoratedMethod(
  scan: AuthScan,
  member: TSESTree.MethodDefinition,
  action: AuthAction,
  description: string,
): void {
  const framework = scan.framework === 'fastify' ? 'fastify' : scan.framework;
  const first = paramName(member.value.params[0]);
  if (first === undefined || !/^_?(ctx|context|req|request)$/.test(first)) {
    scan.skipped.push({
      framework,
      description,
      node: member,
      reason:
        'its parameters are not `(ctx)` or `(req, res)`, so how this framework calls it is unknown; wrap it by hand',
    });
    return;
  }
  const site: AuthHandlerSite = {
    framework,
    action,
    description,
    target: { kind: 'method-decorator', method: member },
    node: member,
    middlewaresBefore: [],
  };
  if ((member.decorators ?? []).some((decorator) => scan.isMethodDecorator(decorator))) scan.wrapped.push(site);
  else scan.handlers.push(site);
}

export function detectNestController(scan: AuthScan, declaration: TSESTree.ClassDeclaration): void {
  const controller = (declaration.decorators ?? []).find((decorator) => decoratorName(decorator) === 'Controller');
  if (!controller) return;
  // `@Controller` of another decorator framework (koa / express with inversify, routing-controllers): same shape, but
  // Nest's interceptor would never run there, so its methods get the plain wrapper as a decorator.
  const source = controllerSource(scan, controller);
  const nest = source === undefined || source.startsWith('@nestjs/');
  const prefixes = decoratorPaths(controller) ?? controllerOptionPaths(controller) ?? [''];
  const context = [
    ...scan.fileWords,
    ...authWords(declaration.id?.name ?? ''),
    ...prefixes.flatMap((prefix) => authWords(prefix)),
  ];
  for (const member of declaration.body.body) {
    if (member.type !== 'MethodDefinition' || member.static || member.kind !== 'method') continue;
    const httpDecorator = (member.decorators ?? []).find((decorator) =>
      NEST_METHODS.has(decoratorName(decorator) ?? ''),
    );
    if (!httpDecorator) continue;
    const method = NEST_METHODS.get(decoratorName(httpDecorator) ?? '') ?? 'post';
    const methodName = member.key.type === 'Identifier' ? member.key.name : undefined;
    const paths = (decoratorPaths(httpDecorator) ?? constantDecoratorPaths(scan, httpDecorator) ?? ['']).flatMap(
      (path) =>
        prefixes.map((prefix) => `/${[prefix, path].filter((part) => part !== '').join('/')}`.replace(/\/+/g, '/')),
    );
    const named =
      scan.routeAction(paths, methodName, context) ??
      restUserCreation(method, paths, methodName, [member.value], context);
    const description = `@${decoratorName(httpDecorator)} ${paths[0]} (${methodName ?? 'method'})`;
    const decorators = [...(member.decorators ?? []), ...(declaration.decorators ?? [])];
    const providerGuard = nestProviderGuard(member.decorators ?? []);
    // `@Get('google') @UseGuards(AuthGuard('google'))`: the guard redirects to the provider; the method never answers.
    if (providerGuard && method === 'get' && !isCallbackRoute(paths)) {
      scan.skipped.push({
        framework: 'nestjs',
        description,
        node: member,
        reason: `\`${providerGuard}\` redirects to the identity provider to start a sign-in before the method runs, so a wrapper would never see the outcome; the sign-in is logged at the provider's callback`,
      });
      continue;
    }
    if (!named) {
      const guard = isPublicMethod(member) ? undefined : nestSignedInGuard(decorators);
      const verdict =
        scan.side.kind === 'server' ? unnamedRouteVerdict(method, paths, methodName, member.value, guard) : undefined;
      if (verdict?.kind === 'leave') {
        scan.skipped.push({
          framework: nest ? 'nestjs' : scan.framework,
          description,
          node: member,
          reason: verdict.reason,
        });
        continue;
      }
      if (verdict?.kind === 'wrap') {
        const evidence = `${description} (its handler signs in: ${verdict.evidence})`;
        if (nest) pushNestSite(scan, member, verdict.action, evidence);
        else detectDecoratedMethod(scan, member, verdict.action, `${evidence} of a \`${source}\` controller`);
        continue;
      }
      // `@Get('github')` on an auth controller: a provider's sign-in start (its guard may be applied as middleware).
      if (method === 'get' && paths.some((path) => isSignInStartPath(path) && namesProvider(path))) {
        scan.skipped.push({
          framework: nest ? 'nestjs' : scan.framework,
          description,
          node: member,
          reason: SIGN_IN_START,
        });
        continue;
      }
      // `@Get(AUTH_LOGIN_PATH)`: a constant path whose name says authentication is reported, not dropped.
      const argument =
        httpDecorator.expression.type === 'CallExpression' ? httpDecorator.expression.arguments[0] : undefined;
      const computed =
        decoratorPaths(httpDecorator) === undefined && constantDecoratorPaths(scan, httpDecorator) === undefined;
      const reason = argument && computed ? computedPathReason(argument) : undefined;
      if (reason) scan.skipped.push({ framework: nest ? 'nestjs' : scan.framework, description, node: member, reason });
      continue;
    }
    if (scan.reportUnclassified(named, 'nestjs', description, member)) continue;
    const action = actionForRoute(method, named, paths[0]);
    if (!action) {
      scan.reportMethodMismatch(nest ? 'nestjs' : scan.framework, description, member, method, named);
      continue;
    }
    const administratorGuards = [
      administratorDecorator(decorators),
      handlerChecksAdministrator(member.value),
      resetWithoutProof(action, paths, member.value),
    ];
    const refusal = scan.routeRefusal(paths, methodName, context, action, administratorGuards, member.value);
    if (scan.refuseRoute(nest ? 'nestjs' : scan.framework, description, member, refusal)) continue;
    const guard = nestSignedInGuard(decorators);
    if (
      scan.refuseRoute(
        nest ? 'nestjs' : scan.framework,
        description,
        member,
        signedInRefusal(action, paths, methodName, guard),
      )
    )
      continue;
    if (isCallbackRoute(paths) && !providerGuard && !signsInInside(member.value)) {
      scan.skipped.push({
        framework: nest ? 'nestjs' : scan.framework,
        description,
        node: member,
        reason: CALLBACK_WITHOUT_SIGN_IN,
      });
      continue;
    }
    if (!nest) {
      detectDecoratedMethod(scan, member, action, `${description} of a \`${source}\` controller`);
      continue;
    }
    pushNestSite(scan, member, action, description);
  }
}

/** A Nest controller method to get `@AuthLogged('<action>')`, or already carrying it. */
function pushNestSite(
  scan: AuthScan,
  member: TSESTree.MethodDefinition,
  action: AuthAction,
  description: string,
): void {
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

/** `@Public()`, `@SkipAuth()`, `@AllowAnonymous()` on a method: the class's sign-in guard lets anyone through to it. */
const PUBLIC_DECORATORS = /^(?:Public|IsPublic|SkipAuth|AllowAnonymous|Anonymous|NoAuth)$/;

function isPublicMethod(member: TSESTree.MethodDefinition): boolean {
  return (member.decorators ?? []).some((decorator) => PUBLIC_DECORATORS.test(decoratorName(decorator) ?? ''));
}

function namesProvider(path: string): boolean {
  return authWords(path).some((word) => IDENTITY_PROVIDERS.has(word));
}

/** `@Get(AUTH_CALLBACK_PATH)` where the constant is a string of this file: its paths. */
function constantDecoratorPaths(scan: AuthScan, decorator: TSESTree.Decorator): string[] | undefined {
  const expression = decorator.expression;
  return expression.type === 'CallExpression' ? routePathStrings(scan, expression.arguments[0]) : undefined;
}
