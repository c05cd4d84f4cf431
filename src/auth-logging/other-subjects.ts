/**
 * Auth words whose subject is something else: a `refresh` of a document store, a `register` of a webhook or an OAuth
 * client, a second factor turned off. Each function says why such a route authenticates no one, or undefined; the
 * route's own words and its handler decide, never a repository's names.
 */
import type { TSESTree } from '@typescript-eslint/typescript-estree';
import { expressionText, isFunctionNode } from '../core/ast-helpers.js';
import { traverse } from '../core/traverse.js';
import { signsInInside } from './evidence.js';
import type { AuthAction } from './types.js';
import { AUTH_CONTEXT, authWords, has, LOGIN, MFA, REFRESH, SESSION, staticPath, TOKEN } from './vocabulary.js';

/** Words that make a refresh or a registration about signing in: `/auth/refresh`, `/token/refresh`, `jwt`. */
const SIGN_IN_SUBJECTS = new Set([...AUTH_CONTEXT, ...TOKEN, ...SESSION, ...LOGIN]);
/** Parameters that name the sign-in itself rather than a resource: `/auth/:provider/register`, `/register/:token`. */
const SIGN_IN_PARAMETER = /^(provider|strategy|idp|connection|token|code|invite|invitation|hash|key|otp)/i;

function pathWords(paths: readonly string[] | undefined): string[] {
  return (paths ?? []).flatMap((path) => authWords(staticPath(path)));
}

/** A parameter segment naming a resource (`:id`, `[credentialId]`, `{id}`), as written; undefined when none. */
function resourceParameter(path: string): string | undefined {
  return path.split('/').find((segment) => {
    const name = /^(?::|\[|\{|\$\{)([^\]}/]*)/.exec(segment)?.[1];
    return name !== undefined && !SIGN_IN_PARAMETER.test(name);
  });
}

/** `req.body.refreshToken`, `{ refresh_token }`, `verifyRefreshToken(...)`, `jwt.verify(...)`: a token handled. */
function handlesToken(fn: TSESTree.Node | undefined): boolean {
  if (!fn || (!isFunctionNode(fn) && fn.type !== 'FunctionDeclaration') || !fn.body) return false;
  if (signsInInside(fn)) return true;
  let found = false;
  traverse(fn.body, (node) => {
    if (found) return;
    const words =
      node.type === 'Identifier'
        ? authWords(node.name)
        : node.type === 'CallExpression'
          ? authWords(expressionText(node.callee))
          : [];
    if (has(words, REFRESH) && has(words, TOKEN)) found = true;
    else if (node.type === 'CallExpression' && words.includes('verify') && (has(words, TOKEN) || words.includes('jwt')))
      found = true;
  });
  return found;
}

/**
 * A `refresh` that is no token refresh: its path names a resource by a parameter and no sign-in word
 * (`/refresh/:credentialId`, `/:id/refresh`), or nothing in its path, its router or its handler says token or session.
 */
export function refreshRefusal(
  action: AuthAction,
  paths: readonly string[] | undefined,
  context: readonly string[],
  fn: TSESTree.Node | undefined,
): string | undefined {
  if (action !== 'refresh' || has(pathWords(paths), SIGN_IN_SUBJECTS)) return undefined;
  const parameter = (paths ?? []).map(resourceParameter).find((found) => found !== undefined);
  if (parameter !== undefined)
    return `it refreshes what its path names (\`${parameter}\`), and no word in its path says token or session: not a sign-in refresh`;
  if (has(context, SIGN_IN_SUBJECTS) || handlesToken(fn)) return undefined;
  return 'nothing in its path, around its router or in its handler says it refreshes a sign-in token or session (no refresh token read, no token signed or verified, no cookie set): wrap it by hand if it does';
}

/** Words of a registration whose subject is a client application, not a person (OAuth dynamic client registration). */
const CLIENT_REGISTRATION = new Set(['oauth', 'oauth2', 'oidc', 'openid', 'client', 'clients', 'app', 'apps']);
const PERSON_WORDS = new Set(['user', 'users', 'account', 'accounts', 'member', 'members', 'customer', 'signup']);

/**
 * A `register` of something other than a person: a resource its path names (`POST /:id/register` on a webhook
 * router), or a client application (`/oauth/register`, RFC 7591 dynamic client registration).
 */
export function resourceRegistrationRefusal(
  action: AuthAction,
  paths: readonly string[] | undefined,
  context: readonly string[],
): string | undefined {
  if (action !== 'register') return undefined;
  const words = pathWords(paths);
  if (has(words, PERSON_WORDS)) return undefined;
  if (words.includes('register') && has(words, CLIENT_REGISTRATION))
    return 'it registers a client application (OAuth dynamic client registration): a client registers, no user signs up';
  const named = (paths ?? []).find((path) => /\/(:|\[|\{|\$\{)[^/]*\/(register|registration)\/?$/i.test(path));
  const parameter = named === undefined ? undefined : resourceParameter(named);
  if (parameter === undefined || has(words, SIGN_IN_SUBJECTS) || has(context, SIGN_IN_SUBJECTS)) return undefined;
  return `it registers what its path names (\`${parameter}\`), and nothing in its path or around its router says account or sign-up: not a registration of a user`;
}

const REMOVAL_VERBS = new Set(['disable', 'remove', 'delete', 'deactivate', 'unenroll', 'unregister', 'off']);

/** `POST /2fa/disable`, `/mfa/remove`: turning a second factor off is an account setting; nobody signs in through it. */
export function factorRemovalRefusal(
  action: AuthAction,
  paths: readonly string[] | undefined,
  handlerName: string | undefined,
): string | undefined {
  if (action !== 'mfa') return undefined;
  const words = [...pathWords(paths), ...authWords(handlerName ?? '')];
  if (!has(words, MFA) || has(words, LOGIN)) return undefined;
  const verb = words.find((word) => REMOVAL_VERBS.has(word));
  return verb === undefined
    ? undefined
    : `it turns a second factor off (\`${verb}\`): an account setting, nobody signs in through it`;
}
