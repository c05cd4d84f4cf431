/**
 * The state of one file's auth scan, shared by the framework detectors: bindings, the names the wrapper and the
 * decorator go by, the routing framework the file imports, and the three result lists. `registerSite` is the one
 * door every detected route goes through (already wrapped, unwrappable with a reason, or a site to wrap).
 */
import type { TSESTree } from '@typescript-eslint/typescript-estree';
import { isAbsolute, relative } from 'node:path';
import {
  calleeName,
  CLIENT_FACTORIES,
  importedNameOf,
  isBindCall,
  isFunctionNode,
  requiredModule,
  shortText,
} from '../core/ast-helpers.js';
import { buildBindingIndex, type BindingIndex } from '../core/bindings.js';
import { packageFactsFor } from '../core/package-evidence.js';
import { traverse } from '../core/traverse.js';
import {
  ADMINISTRATION_MODULE,
  administrationPath,
  administrationRefusal,
  type AdministratorEvidence,
  userCreatedForSomeone,
} from './administration.js';
import { moduleSide, type ModuleSide } from './module-side.js';
import { factorRemovalRefusal, refreshRefusal, resourceRegistrationRefusal } from './other-subjects.js';
import { referenceName } from './handler-refs.js';
import { requiresRequestHandler } from './required-handlers.js';
import {
  DECORATOR_NAME,
  METHOD_DECORATOR_NAME,
  RESOLVER_DECORATOR_NAME,
  WRAPPER_NAME,
  type AuthAction,
  type AuthFramework,
  type AuthHandlerSite,
  type FindAuthHandlersOptions,
  type HandlerRef,
  type SkippedAuthHandler,
} from './types.js';
import {
  authWords,
  classifyHandlerName,
  classifyRoutePath,
  DECOYS,
  has,
  looseAction,
  confirmedSubject,
  otherActionOf,
  staticPath,
  VERIFY,
} from './vocabulary.js';

/** Why nothing is wrapped in a module that is not server code (module-side.ts decides which). */
export const SIDE_REASONS = {
  client:
    'it is client code: it calls the server rather than answering a request, and an auth wrap belongs on the server',
  test: 'it is in a test file: a test helper, not a request handler',
  job: 'it is in a background-job module: it runs on a schedule, not for a user signing in',
  instrumentation: 'it is not a request handler',
} as const;

/** First words of a handler name that read or check (`listSessions`, `validatePassword`, `isLoggedIn`). */
const READ_VERBS = new Set(['list', 'find', 'search', 'count', 'show', 'check', 'validate', 'is', 'has', 'can']);
/**
 * Verbs that read when a thing follows them (`fetchLoginActivity`, `getAgentMediaSsoUrl`). Followed by an action
 * (`getLoginByEmail`, `getVerifyEmail`) the verb is the HTTP method the handler answers, as in `getX`/`postX` pairs.
 */
const READ_VERBS_WITH_OBJECT = new Set(['get', 'fetch', 'read', 'load', 'view']);

/** `fetchLoginActivity` reads; `getLogin`, `get` alone and `getVerifyEmail` name no read. */
function namesRead(handlerName: string | undefined): boolean {
  const words = authWords(handlerName ?? '');
  const verb = words[0];
  if (verb === undefined) return false;
  if (READ_VERBS.has(verb)) return true;
  if (!READ_VERBS_WITH_OBJECT.has(verb) || words.length < 2) return false;
  const rest = (handlerName ?? '').replace(/^(?:[a-z]+|[A-Z][a-z]+)_?/, '');
  return classifyHandlerName(rest) === undefined;
}

export const ROUTE_METHODS = new Set(['get', 'post', 'put', 'patch', 'delete', 'del', 'all']);
/** Router methods that return the router, so a chain goes on through them: `router.use(auth).param('id', load).get(...)`. */
const CHAIN_METHODS = new Set(['use', 'param', 'prefix']);
const ROUTER_NAME =
  /^(app|application|router|routes?|server|fastify|instance|api|srv|koa|[a-z][\w$]*(Router|Routes|App|Server|Api|Instance))$/;
const ROUTER_FACTORIES =
  /^(express|Router|fastify|Fastify|KoaRouter|createRouter|createApp|createServer|polka|restify)$/;

/** A file's path below the working directory (as given when it is already relative). */
function relativePath(filePath: string): string {
  return isAbsolute(filePath) ? relative(process.cwd(), filePath) : filePath;
}

/** The value an initialiser stores, through assignment chains: `const auth = module.exports = Router()` → `Router()`. */
function assignedValue(init: TSESTree.Expression | null | undefined): TSESTree.Expression | undefined {
  let value = init ?? undefined;
  while (value?.type === 'AssignmentExpression' && value.operator === '=') value = value.right;
  return value;
}

/** What a local name is bound to, as the auth scan classifies it (core/bindings.ts's `Binding` is the full record). */
export interface AuthBinding {
  readonly kind: 'function' | 'import' | 'value' | 'wrapped' | 'call' | 'parameter';
  readonly node: TSESTree.Node;
}

function decoratorIs(decorator: TSESTree.Decorator, localNames: ReadonlySet<string>, exported: string): boolean {
  const expression = decorator.expression;
  const callee = expression.type === 'CallExpression' ? expression.callee : expression;
  if (callee.type === 'Identifier') return localNames.has(callee.name);
  return (
    callee.type === 'MemberExpression' && callee.property.type === 'Identifier' && callee.property.name === exported
  );
}

export class AuthScan {
  readonly handlers: AuthHandlerSite[] = [];
  readonly wrapped: AuthHandlerSite[] = [];
  readonly skipped: SkippedAuthHandler[] = [];
  readonly bindings = new Map<string, AuthBinding[]>();
  private readonly wrapperNames = new Set([WRAPPER_NAME]);
  private readonly wrapperNamespaces = new Set<string>();
  private readonly decoratorNames = new Set([DECORATOR_NAME]);
  private readonly resolverDecoratorNames = new Set([RESOLVER_DECORATOR_NAME]);
  private readonly methodDecoratorNames = new Set([METHOD_DECORATOR_NAME]);
  /** Names a route registration passed as its handler: their exports are wrapped there, not where declared. */
  readonly registeredNames = new Set<string>();
  readonly fileWords: string[];
  /** The file is in an administration module (`routes/admin-user/`), by its path below the working directory. */
  private readonly adminModule: boolean;
  readonly framework: AuthFramework;
  /** Server, client, test, job or instrumentation code: only server code gets wraps. */
  readonly side: ModuleSide;
  private moduleIndex: BindingIndex | undefined;
  /** A routing framework whose handlers the runtime cannot read (Hapi, Hono): its routes are reported, not wrapped. */
  private readonly unsupported: string | undefined;

  /** The file's full binding index (imports, module scope), built once and only when a handler is followed out. */
  bindingIndex(): BindingIndex {
    this.moduleIndex ??= buildBindingIndex(this.program, () => undefined).index;
    return this.moduleIndex;
  }

  constructor(
    readonly program: TSESTree.Program,
    readonly options: FindAuthHandlersOptions,
  ) {
    // Below the working directory only: the folders a project sits in (`~/auth-service/`) say nothing of one file.
    const projectPath = relativePath(options.filePath);
    this.fileWords = authWords(projectPath.replace(/\.[cm]?[jt]sx?$/, ''));
    this.adminModule = authWords(projectPath).includes('admin');
    this.framework = this.sniffFramework();
    this.unsupported = this.sniffUnsupported();
    this.side = moduleSide(program, options.filePath, (options.packageFacts ?? packageFactsFor)(options.filePath));
    this.collectBindings();
  }

  /**
   * `export const POST = GET` where GET itself is wrapped here: wrapping the alias too would write two lines
   * per request, so a reference to a declaration that this scan wraps counts as already wrapped.
   */
  dropAliasesOfWrappedSites(): void {
    const wrappedNames = new Set<string>();
    for (const site of this.handlers) {
      // An exported declaration keeps its unwrapped local name (only its export is wrapped): aliases of it are sites.
      if (
        site.target.kind === 'expression' &&
        site.node.type === 'VariableDeclarator' &&
        site.node.id.type === 'Identifier'
      ) {
        wrappedNames.add(site.node.id.name);
      }
    }
    for (let index = this.handlers.length - 1; index >= 0; index--) {
      const site = this.handlers[index] as AuthHandlerSite;
      if (
        site.target.kind === 'expression' &&
        site.target.expression.type === 'Identifier' &&
        wrappedNames.has(site.target.expression.name)
      ) {
        this.handlers.splice(index, 1);
        this.wrapped.push(site);
      }
    }
  }

  /** Every site found so far becomes `left` with the reason (a module that answers no user's request). */
  leaveEverySite(reason: string): void {
    for (const site of this.handlers.splice(0)) {
      this.skipped.push({
        framework: site.framework,
        description: site.description,
        node: site.node,
        reason,
        ...(site.identity ? { identity: site.identity } : {}),
      });
    }
  }

  private collectBindings(): void {
    const modules = new Set(this.options.wrapperModules ?? ['@quickwins/runtime', 'quickwins']);
    const add = (name: string, binding: AuthBinding): void => {
      const list = this.bindings.get(name) ?? [];
      list.push(binding);
      this.bindings.set(name, list);
    };
    traverse(this.program, (node) => {
      switch (node.type) {
        case 'ImportDeclaration':
          for (const specifier of node.specifiers) {
            add(specifier.local.name, { kind: 'import', node: specifier });
            if (!modules.has(node.source.value)) continue;
            if (specifier.type === 'ImportNamespaceSpecifier' || specifier.type === 'ImportDefaultSpecifier') {
              this.wrapperNamespaces.add(specifier.local.name);
            } else {
              const imported = importedNameOf(specifier);
              if (imported === WRAPPER_NAME) this.wrapperNames.add(specifier.local.name);
              if (imported === DECORATOR_NAME) this.decoratorNames.add(specifier.local.name);
              if (imported === RESOLVER_DECORATOR_NAME) this.resolverDecoratorNames.add(specifier.local.name);
              if (imported === METHOD_DECORATOR_NAME) this.methodDecoratorNames.add(specifier.local.name);
            }
          }
          break;
        case 'FunctionDeclaration':
          if (node.id) add(node.id.name, { kind: 'function', node });
          break;
        case 'VariableDeclarator':
          this.collectDeclarator(node, modules, add);
          break;
        default:
          break;
      }
    });
  }

  private collectDeclarator(
    node: TSESTree.VariableDeclarator,
    modules: ReadonlySet<string>,
    add: (name: string, binding: AuthBinding) => void,
  ): void {
    const init = node.init;
    const required = requiredModule(init);
    if (node.id.type === 'Identifier') {
      if (required !== undefined) {
        add(node.id.name, { kind: 'import', node });
        if (modules.has(required)) this.wrapperNamespaces.add(node.id.name);
        return;
      }
      const kind: AuthBinding['kind'] = !init
        ? 'value'
        : isFunctionNode(init)
          ? 'function'
          : init.type === 'CallExpression'
            ? this.isWrapperCall(init)
              ? 'wrapped'
              : 'call'
            : init.type === 'Identifier' || init.type === 'MemberExpression'
              ? 'call'
              : 'value';
      add(node.id.name, { kind, node });
      return;
    }
    if (node.id.type === 'ObjectPattern') {
      for (const property of node.id.properties) {
        if (property.type !== 'Property' || property.value.type !== 'Identifier') continue;
        add(property.value.name, { kind: required !== undefined ? 'import' : 'call', node: property });
        if (required !== undefined && modules.has(required) && property.key.type === 'Identifier') {
          if (property.key.name === WRAPPER_NAME) this.wrapperNames.add(property.value.name);
          if (property.key.name === DECORATOR_NAME) this.decoratorNames.add(property.value.name);
          if (property.key.name === RESOLVER_DECORATOR_NAME) this.resolverDecoratorNames.add(property.value.name);
          if (property.key.name === METHOD_DECORATOR_NAME) this.methodDecoratorNames.add(property.value.name);
        }
      }
    }
  }

  isWrapperCall(node: TSESTree.Node): boolean {
    if (node.type !== 'CallExpression') return false;
    const callee = node.callee;
    if (callee.type === 'Identifier') return this.wrapperNames.has(callee.name);
    if (callee.type === 'MemberExpression' && !callee.computed && callee.property.type === 'Identifier') {
      return callee.property.name === WRAPPER_NAME;
    }
    return false;
  }

  /** True when the expression is, or contains in its call arguments, a call to the wrapper. */
  goesThroughWrapper(node: TSESTree.Node): boolean {
    if (this.isWrapperCall(node)) return true;
    if (node.type === 'CallExpression') return node.arguments.some((argument) => this.goesThroughWrapper(argument));
    if (node.type === 'Identifier')
      return (this.bindings.get(node.name) ?? []).some((binding) => binding.kind === 'wrapped');
    return false;
  }

  /** `@AuthLoggedResolver(...)` under whatever name this file imported it. */
  isResolverDecorator(decorator: TSESTree.Decorator): boolean {
    return decoratorIs(decorator, this.resolverDecoratorNames, RESOLVER_DECORATOR_NAME);
  }

  /** `@AuthLoggedMethod(...)` under whatever name this file imported it. */
  isMethodDecorator(decorator: TSESTree.Decorator): boolean {
    return decoratorIs(decorator, this.methodDecoratorNames, METHOD_DECORATOR_NAME);
  }

  isAuthLoggedDecorator(decorator: TSESTree.Decorator): boolean {
    const expression = decorator.expression;
    const callee = expression.type === 'CallExpression' ? expression.callee : expression;
    if (callee.type === 'Identifier') return this.decoratorNames.has(callee.name);
    return (
      callee.type === 'MemberExpression' &&
      callee.property.type === 'Identifier' &&
      callee.property.name === DECORATOR_NAME
    );
  }

  private sniffFramework(): AuthFramework {
    for (const source of this.importedModules()) {
      if (source === 'fastify' || source.startsWith('fastify-') || source.startsWith('@fastify/')) return 'fastify';
      if (source === 'koa' || source === '@koa/router' || source === 'koa-router') return 'koa';
    }
    return 'express';
  }

  private sniffUnsupported(): string | undefined {
    for (const source of this.importedModules()) {
      if (source === '@hapi/hapi' || source === 'hapi') return 'Hapi';
      if (source === 'hono' || source.startsWith('hono/')) return 'Hono';
    }
    return undefined;
  }

  private importedModules(): string[] {
    return this.program.body.flatMap((statement) =>
      statement.type === 'ImportDeclaration'
        ? [statement.source.value]
        : statement.type === 'VariableDeclaration'
          ? statement.declarations
              .map((declarator) => requiredModule(declarator.init))
              .filter((value): value is string => value !== undefined)
          : [],
    );
  }

  registerSite(
    framework: AuthFramework,
    action: AuthAction,
    description: string,
    handler: HandlerRef,
    node: TSESTree.Node,
    middlewaresBefore: readonly string[],
  ): void {
    if (this.unsupported && framework !== 'nestjs' && framework !== 'next' && framework !== 'function') {
      this.skipped.push({
        framework,
        description,
        node,
        reason: `${this.unsupported} handlers answer through their return value, which the runtime cannot read yet (it would log every request as a success)`,
      });
      return;
    }
    if (handler.kind === 'expression') {
      const expression = handler.expression;
      if (expression.type === 'Identifier') this.registeredNames.add(expression.name);
      if (this.goesThroughWrapper(expression)) {
        this.wrapped.push({ framework, action, description, target: handler, node, middlewaresBefore });
        return;
      }
      const problem = this.unwrappableReason(expression);
      if (problem) {
        this.skipped.push({ framework, description, node, reason: problem });
        return;
      }
    }
    this.handlers.push({ framework, action, description, target: handler, node, middlewaresBefore });
  }

  /** Why a final handler expression cannot be wrapped safely; undefined when it can. */
  unwrappableReason(expression: TSESTree.Expression): string | undefined {
    if (expression.type === 'CallExpression') {
      const callee = referenceName({ kind: 'expression', expression: expression.callee as TSESTree.Expression });
      if (isBindCall(expression) || requiresRequestHandler(this.options.filePath, expression)) return undefined;
      // `asyncHandler(fn)`, `catchAsync(fn)`, `wrap(fn)` return the handler itself and are safe to wrap from outside.
      if (
        callee &&
        /async|catch|wrap|safe|handler|controller|errors?$/i.test(callee) &&
        expression.arguments.length > 0
      ) {
        return undefined;
      }
      return `its final handler is the result of \`${shortText(expression)}\`, which may answer the request itself (a redirect, a 401) in a way the wrapper cannot read; wrap the real handler by hand`;
    }
    if (expression.type === 'Identifier') {
      const bindings = this.bindings.get(expression.name) ?? [];
      if (bindings.length > 0 && bindings.every((binding) => binding.kind === 'value')) {
        return `\`${expression.name}\` is not a function declared in this file`;
      }
    }
    return undefined;
  }

  /**
   * The action of a route from its paths, else its handler's name. Under `--match`, a path or name the regex
   * matches but whose words name no action comes back as `unclassified`, for the caller to report.
   */
  routeAction(
    paths: readonly string[] | undefined,
    handlerName: string | undefined,
    context: readonly string[],
  ): AuthAction | 'unclassified' | undefined {
    const match = this.options.match;
    if (match) {
      const hit = [...(paths ?? []), ...(handlerName ? [handlerName] : [])].find((text) => match.test(text));
      if (hit === undefined) return undefined;
      return looseAction(hit) ?? looseAction(handlerName ?? '') ?? looseAction(context.join(' ')) ?? 'unclassified';
    }
    for (const path of paths ?? []) {
      const words = authWords(staticPath(path));
      if (has(words, DECOYS)) return undefined;
      const action = classifyRoutePath(path, context);
      if (action) return action;
    }
    return handlerName ? classifyHandlerName(handlerName) : undefined;
  }

  /**
   * Why a route whose words read as auth is no authentication by its caller, or undefined: an administrator acting on
   * someone's account (administration.ts, with the `guards` the caller found around the route), a `confirm` that is a
   * step of another action, a handler that reads or checks, an auth word about something else (other-subjects.ts,
   * with the `handler` function when it is visible).
   */
  routeRefusal(
    paths: readonly string[] | undefined,
    handlerName: string | undefined,
    context: readonly string[],
    action: AuthAction,
    guards: readonly (AdministratorEvidence | undefined)[] = [],
    handler?: TSESTree.Node,
  ): string | undefined {
    // `/users/:id/password` alone may be a user's own change; behind an administrator's guard, under `/admin` or in an
    // administration module it is someone else's account.
    const moduleAdmin = this.adminModule || context.slice(this.fileWords.length).includes('admin');
    const evidence = [
      ...guards,
      moduleAdmin ? ADMINISTRATION_MODULE : undefined,
      administrationPath(paths),
      userCreatedForSomeone(action, paths, handler),
    ].filter((item): item is AdministratorEvidence => item !== undefined);
    const administration = administrationRefusal(action, paths, evidence);
    if (administration) return administration;
    const nameWords = authWords(handlerName ?? '');
    const pathWords = (paths ?? []).flatMap((path) => authWords(staticPath(path)));
    const other = action === 'verify' ? otherActionOf([...pathWords, ...nameWords]) : undefined;
    if (other)
      return `what it confirms is another action (\`${other}\`): a confirm step of that action, not an email or account verification`;
    // Under `--match` the path's own words named the action, so no handler's name stood in for them.
    const subject = action === 'verify' && !this.options.match ? confirmedSubject(pathWords) : undefined;
    if (subject)
      return `only its handler's name says it verifies, and its path is about \`${subject}\`, not an account: what it confirms is not an email or an account`;
    const verb = nameWords[0];
    if (verb !== undefined && (namesRead(handlerName) || (verb === 'get' && action === 'session'))) {
      return `its handler \`${handlerName}\` ${verb === 'check' || verb === 'validate' ? 'checks' : 'reads'}: it signs no one in and changes nothing`;
    }
    if (has(nameWords, VERIFY) && nameWords.includes('reset')) {
      return `its handler \`${handlerName}\` checks a reset token before the reset: it changes nothing`;
    }
    if (pathWords.includes('validate') || pathWords.includes('validation'))
      return 'its path says it validates: it changes nothing';
    return (
      refreshRefusal(action, paths, context, handler) ??
      resourceRegistrationRefusal(action, paths, context) ??
      factorRemovalRefusal(action, paths, handlerName)
    );
  }

  /** `routeRefusal`, reported: true when the route is left (the caller stops). */
  refuseRoute(
    framework: AuthFramework,
    description: string,
    node: TSESTree.Node,
    refusal: string | undefined,
  ): boolean {
    if (refusal === undefined) return false;
    this.skipped.push({ framework, description, node, reason: refusal });
    return true;
  }

  /** A route whose path or name reads as auth, registered for a method that does not perform the action: left, with why. */
  reportMethodMismatch(
    framework: AuthFramework,
    description: string,
    node: TSESTree.Node,
    method: string,
    named: AuthAction,
  ): void {
    this.skipped.push({
      framework,
      description,
      node,
      reason: `a ${method.toUpperCase()} here does not perform ${named} (it shows a page or reads; a GET signs in only on callbacks and links)`,
    });
  }

  /** Reports a `--match` hit whose words name no action; true when it did (the caller stops). */
  reportUnclassified(
    action: AuthAction | 'unclassified',
    framework: AuthFramework,
    description: string,
    node: TSESTree.Node,
  ): action is 'unclassified' {
    if (action !== 'unclassified') return false;
    this.skipped.push({
      framework,
      description,
      node,
      reason:
        'it matches --match, but no word in its path or name says which auth action it is (login, register, token, ...)',
    });
    return true;
  }

  isRouterLike(node: TSESTree.Node): boolean {
    if (node.type === 'Identifier') {
      const bindings = this.bindings.get(node.name) ?? [];
      for (const binding of bindings) {
        if (binding.node.type !== 'VariableDeclarator') continue;
        const made = assignedValue(binding.node.init);
        if (made?.type !== 'CallExpression' && made?.type !== 'NewExpression') continue;
        const factory = calleeName(made.callee);
        if (factory && CLIENT_FACTORIES.test(factory)) return false;
        if (factory && ROUTER_FACTORIES.test(factory)) return true;
      }
      return ROUTER_NAME.test(node.name);
    }
    if (node.type === 'MemberExpression' && !node.computed && node.property.type === 'Identifier') {
      return ROUTER_NAME.test(node.property.name);
    }
    if (node.type === 'CallExpression' && node.callee.type === 'MemberExpression' && !node.callee.computed) {
      const property = node.callee.property;
      // `app.post(...).get(...)` chains, and `express.Router()` / `new Router()` used directly.
      if (property.type === 'Identifier' && (ROUTE_METHODS.has(property.name) || CHAIN_METHODS.has(property.name)))
        return this.isRouterLike(node.callee.object);
      // `fastify.withTypeProvider<ZodTypeProvider>().post(...)`: a typed view of the same instance.
      if (property.type === 'Identifier' && property.name === 'withTypeProvider')
        return this.isRouterLike(node.callee.object);
    }
    return false;
  }
}
