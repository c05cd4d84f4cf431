/**
 * Account administration: an administrator creating users or acting on someone else's account (setting a password,
 * verifying, signing out) authenticates no one, though its path reads like a registration or a password change.
 * The evidence comes from the code, never from the word `user` alone: a guard before the handler that names an
 * administrator or a permission to manage accounts (`requireAdmin`, `authorize('admin')`, `auth('manageUsers')`,
 * `@Roles(Role.Admin)`), the router's own guard or mount (`adminRouter.use(ensureAdmin)`, `app.use('/admin', r)`),
 * a role check at the top of the handler, or the route's place (`/admin/users`, an administration module).
 */
import type { TSESTree } from '@typescript-eslint/typescript-estree';
import { decoratorName, expressionText, isFunctionNode, shortText, stringOf } from '../core/ast-helpers.js';
import { traverse } from '../core/traverse.js';
import { signsInInside } from './evidence.js';
import type { AuthAction } from './types.js';
import { authWords, has, REGISTER, staticPath } from './vocabulary.js';

/** Words with which a path says the caller signs up. */
const SIGN_UP_WORDS = new Set([...REGISTER, 'signup']);

/** `/users/:userId/password`, `/accounts/[id]/sessions`: a route about one account, named by a parameter. */
export const ACCOUNT_PARAM = /\/(users?|accounts?|members?|admins?)\/(:\w+|\[[^\]/]+\]|\{[^}/]+\}|\$\{[^}]*\})\/[^/]/i;

export const ADMIN_WORDS = new Set([
  'admin',
  'admins',
  'administrator',
  'administrators',
  'superadmin',
  'superuser',
  'sysadmin',
]);
/** A permission to manage accounts (not one's profile) is an administrator's: `auth('manageUsers')`, `can('manage', 'User')`. */
const MANAGE_WORDS = new Set(['manage', 'management']);
/** Collections of other people's accounts: a route on them manages accounts (`/admin/users`). */
const ACCOUNT_COLLECTIONS = new Set(['users', 'accounts', 'members', 'user', 'account', 'member']);
const PLURAL_COLLECTIONS = new Set(['users', 'accounts', 'members']);
/** Path words that say the account is the caller's own (`/users/me/password`). */
const SELF_WORDS = new Set(['me', 'my', 'self', 'own', 'current', 'profile']);
/** A register route an administrator may reach that still creates the caller's own account: first setup, an invite. */
const OWN_ACCOUNT_CREATION = new Set(['setup', 'init', 'initial', 'bootstrap', 'onboarding', 'invite', 'invitation']);
/** Decorators that give a path or an operation: their words are the route's, read as its path. */
const ROUTE_DECORATORS = new Set([
  'Controller',
  'Get',
  'Post',
  'Put',
  'Patch',
  'Delete',
  'All',
  'Resolver',
  'Mutation',
]);
/** How many statements at the top of a handler a role check may stand in. */
const LEADING_STATEMENTS = 4;

/**
 * What proves the route is an administrator's: a `guard` (middleware, decorator, a check in the handler) lets only an
 * administrator through; a `module` (the file, the router's name or mount) is where administration lives; a `path`
 * segment (`/admin/...`) says so of one route only.
 */
export interface AdministratorEvidence {
  readonly kind: 'guard' | 'module' | 'path';
  /** As a maintainer reads it after "it creates users ...": "behind `requireAdmin`". */
  readonly text: string;
}

/** A file in an administration module (`routes/admin-user/`) or a route on a router named for one (`adminRouter`). */
export const ADMINISTRATION_MODULE: AdministratorEvidence = { kind: 'module', text: 'from an administration module' };

/**
 * The words of a role or permission as a guard is given it: a string, a name, a member (`Role.Admin`,
 * `permissions.accessAdminControl`), a list of those, or a guard class (`UseGuards(AdminGuard)`). An object or a
 * function (a body schema, a callback) names no role.
 */
function roleWords(node: TSESTree.Node): string[] {
  if (node.type === 'ArrayExpression')
    return node.elements.flatMap((element) => (element && element.type !== 'SpreadElement' ? roleWords(element) : []));
  if (node.type === 'Literal' && typeof node.value === 'string') return authWords(node.value);
  if (node.type === 'Identifier' || node.type === 'MemberExpression') return authWords(expressionText(node));
  if (node.type === 'CallExpression') return authWords(expressionText(node.callee));
  return [];
}

/** Verbs of a guard that lets through only a caller holding a permission: `checkPermission`, `requirePermissions`. */
const PERMISSION_CHECKS = new Set(['check', 'require', 'requires', 'has', 'ensure', 'verify', 'assert']);
const PERMISSION_WORDS = new Set(['permission', 'permissions']);

/** `checkPermission('workspace:add-user')`, `checkAnyPermission(...)`: a guard named for a permission check. */
function namesPermissionCheck(name: string): boolean {
  const words = authWords(name.split('.').at(-1) ?? '');
  return PERMISSION_CHECKS.has(words[0] ?? '') && has(words, PERMISSION_WORDS);
}

/** A middleware or guard that names an administrator (`isAdmin`, `AdminGuard`) or is given one (`authorize('admin')`). */
export function namesAdministrator(node: TSESTree.Node): boolean {
  const name = node.type === 'CallExpression' ? expressionText(node.callee) : expressionText(node);
  if (has(authWords(name), ADMIN_WORDS)) return true;
  if (node.type !== 'CallExpression') return false;
  const given = node.arguments.flatMap((argument) => roleWords(argument));
  return has(given, ADMIN_WORDS) || (has(given, MANAGE_WORDS) && has(given, ACCOUNT_COLLECTIONS));
}

/**
 * A middleware that names an administrator, or checks a permission (`checkPermission('workspace:add-user')`): whoever
 * passes it is already signed in and acts with a grant, so what it guards is administration.
 */
function guardsAdministration(node: TSESTree.Node): boolean {
  const name = node.type === 'CallExpression' ? expressionText(node.callee) : expressionText(node);
  return namesAdministrator(node) || namesPermissionCheck(name);
}

/** The first middleware before a handler that lets only an administrator or a permission holder through, as evidence. */
export function administratorMiddleware(middlewares: readonly TSESTree.Node[]): AdministratorEvidence | undefined {
  const guard = middlewares.find((middleware) => !isFunctionNode(middleware) && guardsAdministration(middleware));
  return guard ? { kind: 'guard', text: `behind \`${shortText(guard)}\`` } : undefined;
}

/** On a decorated method or its class: a decorator that names an administrator (`@Roles(Role.Admin)`, `@UseGuards(AdminGuard)`). */
export function administratorDecorator(decorators: readonly TSESTree.Decorator[]): AdministratorEvidence | undefined {
  const found = decorators.find(
    (decorator) => !ROUTE_DECORATORS.has(decoratorName(decorator) ?? '') && namesAdministrator(decorator.expression),
  );
  return found
    ? { kind: 'guard', text: `behind \`@${decoratorName(found) ?? 'decorator'}(...)\`, which names an administrator` }
    : undefined;
}

/** The words of a condition: its names and strings (`session.user.role !== 'ADMIN'`, `!isAdmin(user)`). */
function testWords(node: TSESTree.Node): string[] {
  const words: string[] = [];
  traverse(node, (child) => {
    if (child.type === 'Identifier') words.push(...authWords(child.name));
    else if (child.type === 'Literal' && typeof child.value === 'string') words.push(...authWords(child.value));
  });
  return words;
}

/** Words of what the request asks for: a role in the body (`req.body.role === 'admin'`) is no check of the caller. */
const REQUEST_INPUT = new Set(['body', 'query', 'params', 'args', 'input', 'data', 'dto', 'payload', 'form']);

/** A condition about the caller's role: `req.user.role !== 'admin'`, `!session.user.isAdmin`, `!isAdmin(ctx.state.user)`. */
function checksCallerRole(test: TSESTree.Node): boolean {
  const words = testWords(test);
  return has(words, ADMIN_WORDS) && !has(words, REQUEST_INPUT);
}

function exits(node: TSESTree.Node): boolean {
  let found = false;
  traverse(node, (child) => {
    if (child.type === 'ReturnStatement' || child.type === 'ThrowStatement') found = true;
  });
  return found;
}

/** Verbs of a call that turns the request away unless it holds: `requireAdmin`, `assertIsAdmin`, `ensureAdmin`. */
const ASSERT_VERBS = new Set([
  'require',
  'requires',
  'assert',
  'ensure',
  'check',
  'verify',
  'must',
  'only',
  'authorize',
]);

/** A statement that is a call asserting an administrator (`await requireAdmin(req)`, `const admin = assertAdmin(user)`). */
function assertsAdministrator(statement: TSESTree.Statement): boolean {
  const expression =
    statement.type === 'ExpressionStatement'
      ? statement.expression
      : statement.type === 'VariableDeclaration'
        ? statement.declarations[0]?.init
        : undefined;
  const call = expression?.type === 'AwaitExpression' ? expression.argument : expression;
  if (call?.type !== 'CallExpression') return false;
  const words = authWords(expressionText(call.callee).split(' ').at(-1) ?? '');
  return ASSERT_VERBS.has(words[0] ?? '') && has(words, ADMIN_WORDS);
}

/**
 * A handler that turns away whoever is not an administrator before it does anything
 * (`if (req.user.role !== 'admin') return res.sendStatus(403)`, `if (!session.user.isAdmin) throw ...`).
 */
export function handlerChecksAdministrator(fn: TSESTree.Node | undefined): AdministratorEvidence | undefined {
  if (!fn || (!isFunctionNode(fn) && fn.type !== 'FunctionDeclaration') || fn.body?.type !== 'BlockStatement')
    return undefined;
  const checked = fn.body.body.slice(0, LEADING_STATEMENTS).some((statement) => {
    if (statement.type === 'IfStatement') return checksCallerRole(statement.test) && exits(statement.consequent);
    return assertsAdministrator(statement);
  });
  return checked
    ? { kind: 'guard', text: 'behind a check at the top of its handler that turns away anyone but an administrator' }
    : undefined;
}

/** Words of what proves a password reset is one's own: the emailed token or code, or the current password. */
const RESET_PROOFS = new Set(['token', 'code', 'otp', 'secret', 'nonce', 'current', 'old', 'previous', 'link', 'key']);

/**
 * A password reset of the account its path names (`PATCH /accounts/:id/reset-password`) whose handler reads no token,
 * no code and no current password: whoever forgot a password is not signed in and proves the account is theirs only
 * with what was mailed to them, so a reset without it is someone else setting the password.
 */
export function resetWithoutProof(
  action: AuthAction,
  paths: readonly string[] | undefined,
  fn: TSESTree.Node | undefined,
): AdministratorEvidence | undefined {
  if (action !== 'password_reset' || !(paths ?? []).some((path) => ACCOUNT_PARAM.test(path))) return undefined;
  if (!fn || (!isFunctionNode(fn) && fn.type !== 'FunctionDeclaration') || !fn.body) return undefined;
  if (has(testWords(fn.body), RESET_PROOFS) || fn.params.some((param) => has(testWords(param), RESET_PROOFS)))
    return undefined;
  return { kind: 'guard', text: 'with no token, code or current password read by its handler' };
}

/** Verbs of a path that creates an account for someone (`/create-user`, `/users/add`); a sign-up says register. */
const CREATE_VERBS = new Set(['create', 'add', 'new', 'insert', 'provision']);

/**
 * A registration whose path says it creates a user (`POST /enterprise/create-user`) rather than sign-up or register, and
 * whose handler does not sign the new user in: an account created for someone else.
 */
export function userCreatedForSomeone(
  action: AuthAction,
  paths: readonly string[] | undefined,
  fn: TSESTree.Node | undefined,
): AdministratorEvidence | undefined {
  if (action !== 'register') return undefined;
  const path = (paths ?? []).find((candidate) =>
    staticPath(candidate)
      .split('/')
      .some((segment) => {
        const words = authWords(segment);
        return has(words, CREATE_VERBS) && has(words, ACCOUNT_COLLECTIONS);
      }),
  );
  if (path === undefined || has(authWords(staticPath(path)), SIGN_UP_WORDS)) return undefined;
  if (fn && signsInInside(fn)) return undefined;
  return { kind: 'path', text: `at \`${path}\`, a path that says so, and its handler signs no one in` };
}

/** The `X.use(...)` calls of a file, read once per file. */
const useCallsByProgram = new WeakMap<TSESTree.Program, readonly TSESTree.CallExpression[]>();

function useCalls(program: TSESTree.Program): readonly TSESTree.CallExpression[] {
  let calls = useCallsByProgram.get(program);
  if (!calls) {
    const found: TSESTree.CallExpression[] = [];
    traverse(program, (node) => {
      if (
        node.type === 'CallExpression' &&
        node.callee.type === 'MemberExpression' &&
        !node.callee.computed &&
        node.callee.property.type === 'Identifier' &&
        (node.callee.property.name === 'use' || node.callee.property.name === 'prefix')
      )
        found.push(node);
    });
    calls = found;
    useCallsByProgram.set(program, calls);
  }
  return calls;
}

/** `router.use(requireAdmin).post(...)`: the `use` calls of the chain a route is registered on. */
function chainedUses(receiver: TSESTree.Node): TSESTree.CallExpression[] {
  const uses: TSESTree.CallExpression[] = [];
  let current = receiver;
  while (current.type === 'CallExpression' && current.callee.type === 'MemberExpression') {
    if (current.callee.property.type === 'Identifier' && current.callee.property.name === 'use') uses.push(current);
    current = current.callee.object;
  }
  return uses;
}

function chainRoot(node: TSESTree.Node): TSESTree.Node {
  let current = node;
  while (current.type === 'CallExpression' && current.callee.type === 'MemberExpression')
    current = current.callee.object;
  return current;
}

/**
 * What the file does to the router a route is registered on: a guard it runs for every route registered after it
 * (`adminRouter.use(ensureAdmin)`), a prefix or mount under an administration path (`app.use('/admin', adminRouter)`,
 * `router.prefix('/admin')`).
 */
export function routerAdministration(
  program: TSESTree.Program,
  receiver: TSESTree.Node,
  route: TSESTree.Node,
): AdministratorEvidence | undefined {
  const name = expressionText(chainRoot(receiver));
  if (name === '') return undefined;
  for (const use of [...chainedUses(receiver), ...useCalls(program)]) {
    const callee = use.callee as TSESTree.MemberExpression;
    const [first, ...rest] = use.arguments;
    const mount = first ? stringOf(first) : undefined;
    const adminMount = mount !== undefined && has(authWords(staticPath(mount)), ADMIN_WORDS);
    if (expressionText(chainRoot(callee.object)) === name) {
      if (adminMount) return { kind: 'module', text: `on a router under \`${mount}\`` };
      // A guard the router runs applies to the routes registered after it (a chained `use` starts where its route does).
      const guards = mount === undefined ? use.arguments : rest;
      const guard =
        use.range[0] <= route.range[0] ? guards.find((argument) => guardsAdministration(argument)) : undefined;
      if (guard) return { kind: 'guard', text: `behind the router's \`${shortText(guard)}\`` };
    } else if (adminMount && rest.some((argument) => expressionText(argument) === name)) {
      return { kind: 'module', text: `on a router mounted under \`${mount}\`` };
    }
  }
  return undefined;
}

/** The route's own path under an administration segment (`/admin/users/:id/password`). */
export function administrationPath(paths: readonly string[] | undefined): AdministratorEvidence | undefined {
  const segment = (paths ?? [])
    .flatMap((path) => staticPath(path).split('/'))
    .find((part) => has(authWords(part), ADMIN_WORDS));
  return segment === undefined ? undefined : { kind: 'path', text: `under \`/${segment}\`` };
}

/**
 * Why a route is account administration rather than authentication, or undefined. With evidence that an administrator
 * is acting: a route on the account its path names, a user created (unless it is the first setup or an invite
 * accepted), or another auth action on a collection of accounts that is not the caller's own (`/admin/users/password`).
 */
export function administrationRefusal(
  action: AuthAction,
  paths: readonly string[] | undefined,
  evidence: readonly AdministratorEvidence[],
): string | undefined {
  const proof = evidence.find((item) => item.kind === 'guard') ?? evidence.find((item) => item.kind === 'module');
  const onPath = evidence.find((item) => item.kind === 'path');
  const anyProof = proof ?? onPath;
  if (!anyProof) return undefined;
  const onAccount = (paths ?? []).find((path) => ACCOUNT_PARAM.test(path));
  if (onAccount)
    return `it acts on the account its path names (\`${onAccount}\`) ${anyProof.text}: account administration, nobody authenticates through it`;
  const words = (paths ?? []).flatMap((path) => authWords(staticPath(path)));
  if (has(words, SELF_WORDS)) return undefined;
  if (action === 'register') {
    if (has(words, OWN_ACCOUNT_CREATION)) return undefined;
    // An administration path alone may be an administrator's own sign-up (`/admin/signup`); one naming users is not.
    const creator = proof ?? (has(words, ACCOUNT_COLLECTIONS) ? onPath : undefined);
    return creator && `it creates users ${creator.text}: account administration, nobody signs up through it`;
  }
  if (has(words, PLURAL_COLLECTIONS))
    return `it acts on other users' accounts ${anyProof.text}: account administration, nobody authenticates through it`;
  return undefined;
}
