/**
 * REST forms whose path names no auth word: `POST /users` (or `POST /` on a users router) whose handler creates a
 * user from credentials is a registration, and a route object (`{ method, path, handler }`) that a controller helper
 * registers.
 */
import type { TSESTree } from '@typescript-eslint/typescript-estree';
import { findProperty } from '../core/ast-helpers.js';
import { traverse } from '../core/traverse.js';
import { signsInInside } from './evidence.js';
import type { AuthAction } from './types.js';
import { authWords, staticPath } from './vocabulary.js';

const USER_COLLECTIONS = new Set(['user', 'users', 'account', 'accounts', 'member', 'members']);
/** Handler-name words of "create one of the collection": `create`, `createUser`, `addAccount`, `postUsers`. */
const CREATE_WORDS = new Set(['create', 'add', 'new', 'post', 'insert', 'register', 'signup']);
const NAME_FILLERS = new Set([
  'user',
  'users',
  'account',
  'accounts',
  'member',
  'members',
  'handler',
  'controller',
  'one',
]);
const CREDENTIAL_NAMES = /^(password|passwd|pwd|passwordHash|hashedPassword|plainPassword|newPassword)$/i;

/** `{ method, url | path, handler }`: the shape of a route object, whoever registers it. */
export function isRouteObject(route: TSESTree.ObjectExpression): boolean {
  return (
    findProperty(route, 'method') !== undefined &&
    (findProperty(route, 'url') ?? findProperty(route, 'path')) !== undefined &&
    findProperty(route, 'handler') !== undefined
  );
}

/** Whether a name or property key anywhere in these nodes is a password (a body schema, a destructuring, a read). */
export function mentionsCredentials(nodes: readonly TSESTree.Node[]): boolean {
  let found = false;
  for (const node of nodes) {
    traverse(node, (child) => {
      if (found) return;
      if (child.type === 'Identifier' && CREDENTIAL_NAMES.test(child.name)) found = true;
      else if (child.type === 'Literal' && typeof child.value === 'string' && CREDENTIAL_NAMES.test(child.value))
        found = true;
    });
    if (found) return true;
  }
  return false;
}

function namesCreation(handlerName: string | undefined): boolean {
  if (!handlerName) return false;
  const words = authWords(handlerName);
  return (
    words.some((word) => CREATE_WORDS.has(word)) &&
    words.every((word) => CREATE_WORDS.has(word) || NAME_FILLERS.has(word))
  );
}

/**
 * A user created at a REST route that only its handler's name (`create`) made a registration, whose handler, read where
 * it is declared, neither takes a password nor signs the new user in: an account made for someone else.
 */
export function creationWithoutSignUp(handler: TSESTree.Node | undefined): string | undefined {
  if (!handler || mentionsCredentials([handler]) || signsInInside(handler)) return undefined;
  return 'it creates a user, but its handler (read where it is declared) takes no password and signs no one in: an account created for someone else, not a sign-up';
}

/**
 * `POST /users`, `POST /api/accounts`, or `POST /` where the router, controller or file is about users: a registration
 * when the handler is named for creating one (`createUser`) or its arguments handle a password. Undefined otherwise.
 */
export function restUserCreation(
  method: string,
  paths: readonly string[] | undefined,
  handlerName: string | undefined,
  handlerArgs: readonly TSESTree.Node[],
  context: readonly string[],
): AuthAction | undefined {
  if (method.toLowerCase() !== 'post' || !paths || paths.length === 0) return undefined;
  const onCollection = paths.every((path) => {
    // A parameter after the collection (`/users/:id`) addresses one user; it creates none.
    const segments = path.split('/').filter((segment) => segment !== '');
    if (segments.length > 0 && /^[:[{]/.test(segments.at(-1) ?? '')) return false;
    const words = authWords(staticPath(path));
    const last = words.at(-1);
    return last === undefined ? context.some((word) => USER_COLLECTIONS.has(word)) : USER_COLLECTIONS.has(last);
  });
  if (!onCollection) return undefined;
  return namesCreation(handlerName) || mentionsCredentials(handlerArgs) ? 'register' : undefined;
}
