/**
 * GraphQL resolvers that authenticate: `login`, `signup`, `refreshToken` ... as
 * - methods of resolver classes (`@Mutation()` in a `@Resolver()` class, NestJS or type-graphql): they get
 *   `@AuthLoggedResolver('<action>')`;
 * - entries of a resolver map's `Mutation` object (`Mutation: { login: async (_, args, ctx) => ... }`): wrapped with
 *   `withAuthLogging('<action>', ...)`, whose resolver adapter reads `(parent, args, context, info)`;
 * - exported functions with a resolver's parameters (`export async function login(parent, args, ctx, info)`), see
 *   functions.ts.
 * Only mutations: a query reads (`me`, `session`), it signs no one in.
 */
import type { TSESTree } from '@typescript-eslint/typescript-estree';
import {
  calledName,
  decoratorName,
  isFunctionNode,
  paramName,
  referencedOutside,
  shortText,
} from '../core/ast-helpers.js';
import { traverse } from '../core/traverse.js';
import { propertyHandler } from './handler-refs.js';
import type { AuthScan } from './scan.js';
import type { AuthHandlerSite } from './types.js';
import { authWords, classifyHandlerName } from './vocabulary.js';

const RESOLVER_MAP_KEYS = /^(Mutation|mutations?|mutationResolvers|MutationResolvers)$/;
/** A schema's namespaced mutation types (`AuthenticationMutation`, `UserMutation`): their fields are mutations too. */
const NAMESPACED_MUTATION_KEY = /^[A-Z]\w*Mutation$/;
/** First parameters of a graphql-js field resolver: `(parent, args, context, info)`. */
const RESOLVER_FIRST_PARAMS = /^_*(parent|root|obj|source|src|rootValue|_)?$/;

/** `@Mutation()` methods of a `@Resolver()` class. */
export function detectResolverClass(scan: AuthScan, declaration: TSESTree.ClassDeclaration): void {
  if (!(declaration.decorators ?? []).some((decorator) => decoratorName(decorator) === 'Resolver')) return;
  for (const member of declaration.body.body) {
    if (
      member.type !== 'MethodDefinition' ||
      member.static ||
      member.kind !== 'method' ||
      member.key.type !== 'Identifier'
    )
      continue;
    const mutation = (member.decorators ?? []).find((decorator) => decoratorName(decorator) === 'Mutation');
    if (!mutation) continue;
    const name = member.key.name;
    const action = classifyMutation(scan, name);
    if (!action) {
      reportPersonCreation(scan, name, `@Mutation ${name}`, member);
      reportPasswordCheck(scan, `@Mutation ${name}`, member, member.value);
      continue;
    }
    const site: AuthHandlerSite = {
      framework: 'graphql',
      action,
      description: `@Mutation ${name}`,
      target: { kind: 'resolver-decorator', method: member },
      node: member,
      middlewaresBefore: [],
    };
    if ((member.decorators ?? []).some((decorator) => scan.isResolverDecorator(decorator))) scan.wrapped.push(site);
    else scan.handlers.push(site);
  }
}

function classifyMutation(scan: AuthScan, name: string): ReturnType<typeof classifyHandlerName> {
  const match = scan.options.match;
  if (match) return match.test(name) ? classifyHandlerName(name) : undefined;
  return classifyHandlerName(name);
}

/** `{ Mutation: { login, signup: async (_, args) => ..., async logout() {} } }` wherever the map is built. */
export function detectResolverMap(scan: AuthScan, object: TSESTree.ObjectExpression): void {
  for (const property of object.properties) {
    if (property.type !== 'Property' || property.computed || property.value.type !== 'ObjectExpression') continue;
    const key =
      property.key.type === 'Identifier'
        ? property.key.name
        : property.key.type === 'Literal'
          ? String(property.key.value)
          : '';
    if (!RESOLVER_MAP_KEYS.test(key) && !NAMESPACED_MUTATION_KEY.test(key)) continue;
    detectMutationEntries(scan, property.value);
  }
}

/** `const Mutation = { ... }` / `export const mutations = { ... }`: a map of mutation resolvers by its name. */
export function detectMutationObject(scan: AuthScan, declarator: TSESTree.VariableDeclarator): void {
  if (declarator.id.type !== 'Identifier' || declarator.init?.type !== 'ObjectExpression') return;
  if (RESOLVER_MAP_KEYS.test(declarator.id.name)) detectMutationEntries(scan, declarator.init);
}

function detectMutationEntries(scan: AuthScan, mutations: TSESTree.ObjectExpression): void {
  for (const entry of mutations.properties) {
    if (entry.type !== 'Property' || entry.computed || entry.key.type !== 'Identifier') continue;
    const action = classifyMutation(scan, entry.key.name);
    if (!action) {
      reportPersonCreation(scan, entry.key.name, `Mutation.${entry.key.name}`, entry);
      reportPasswordCheck(scan, `Mutation.${entry.key.name}`, entry, entry.value);
      continue;
    }
    const handler = propertyHandler(entry);
    const description = `Mutation.${entry.key.name}`;
    if (!handler) {
      scan.skipped.push({
        framework: 'graphql',
        description,
        node: entry,
        reason: 'its resolver is not a function or a reference (an object with `resolve`, a spread)',
      });
      continue;
    }
    const refusal = isFunctionNode(entry.value) ? resolverRefusal(entry.value) : undefined;
    if (refusal) {
      scan.skipped.push({ framework: 'graphql', description, node: entry, reason: refusal });
      continue;
    }
    scan.registerSite('graphql', action, description, handler, entry, []);
  }
}

/**
 * Why a mutation resolver is no sign-in although its name reads as one: it only returns a constant (`return {}`, the
 * namespace of a nested mutation type; `return false`, a stub), or it acts on the account its arguments name
 * (`args.id`: an administrator's mutation, nobody authenticates).
 */
function resolverRefusal(fn: TSESTree.FunctionLike): string | undefined {
  const body = fn.body?.type === 'BlockStatement' ? fn.body.body : undefined;
  const only = body?.length === 1 ? body[0] : undefined;
  const returned =
    only?.type === 'ReturnStatement' ? only.argument : fn.body?.type !== 'BlockStatement' ? fn.body : undefined;
  if (
    returned &&
    (returned.type === 'Literal' || (returned.type === 'ObjectExpression' && returned.properties.length === 0))
  ) {
    return `it only returns \`${returned.type === 'Literal' ? String(returned.value) : '{}'}\` (a namespace for nested mutations, or a stub): there is no outcome to log`;
  }
  const args = paramName(fn.params[1]);
  if (args === undefined || !fn.body) return undefined;
  let target: string | undefined;
  traverse(fn.body, (node) => {
    if (
      target === undefined &&
      node.type === 'MemberExpression' &&
      !node.computed &&
      node.object.type === 'Identifier' &&
      node.object.name === args &&
      node.property.type === 'Identifier' &&
      /^(id|userId|accountId|memberId)$/.test(node.property.name)
    ) {
      target = `${args}.${node.property.name}`;
    }
  });
  return target
    ? `it acts on the account \`${target}\` names (an administrator's mutation): nobody authenticates through it`
    : undefined;
}

/** `(parent, args, context, info)`-shaped parameters: a field resolver, whatever it is named. */
export function looksLikeResolver(fn: TSESTree.FunctionLike): boolean {
  if (fn.params.length < 2) return false;
  const first = paramName(fn.params[0]);
  const last = paramName(fn.params[fn.params.length - 1]);
  return (first !== undefined && RESOLVER_FIRST_PARAMS.test(first)) || (fn.params.length === 4 && last === 'info');
}

/** `resolvers/Mutation/login.js`: a module per mutation, gathered into the `Mutation` map by its folder's index. */
const MUTATION_MODULE = /(?:^|\/)Mutation\/(\w+)\.[cm]?[jt]sx?$/;

/**
 * `export default async function login(_, { input }, context)` in a `Mutation/` folder: the folder registers it as a
 * mutation resolver (its index builds the `Mutation` map), and its name is the mutation's.
 */
export function detectMutationModule(scan: AuthScan): void {
  const file = MUTATION_MODULE.exec(scan.options.filePath.replace(/\\/g, '/'));
  if (!file || file[1] === 'index') return;
  const statement = scan.program.body.find(
    (node): node is TSESTree.ExportDefaultDeclaration => node.type === 'ExportDefaultDeclaration',
  );
  const declaration = statement?.declaration;
  if (!statement || declaration?.type !== 'FunctionDeclaration' || !looksLikeResolver(declaration)) return;
  const name = declaration.id?.name ?? file[1] ?? '';
  const action = classifyMutation(scan, name);
  if (!action) return;
  const description = `Mutation.${name} (default export of a Mutation/ module)`;
  if (declaration.id && referencedOutside(scan.program, declaration.id.name, declaration)) {
    scan.skipped.push({
      framework: 'graphql',
      description,
      node: statement,
      reason: `\`${declaration.id.name}\` is also used elsewhere in the file, and wrapping the default export would unbind it`,
    });
    return;
  }
  scan.handlers.push({
    framework: 'graphql',
    action,
    description,
    target: { kind: 'default-function', declaration },
    node: statement,
    middlewaresBefore: [],
  });
}

/** `createUser`, `createAdministrator`, `addCustomer`: a mutation making an account that someone may sign in with. */
const PERSON_CREATION = /^(create|add)(User|Customer|Administrator|Admin|Member|Account)s?$/;

/**
 * A mutation that creates an account is reported, not wrapped: an administrator making one for someone else is no
 * sign-up, and a name alone cannot tell which it is.
 */
function reportPersonCreation(scan: AuthScan, name: string, description: string, node: TSESTree.Node): void {
  if (scan.options.match || !PERSON_CREATION.test(name)) return;
  scan.skipped.push({
    framework: 'graphql',
    description,
    node,
    reason: `it creates an account (\`${name}\`): an administrator creating one for someone else signs no one up, and its name cannot tell which it is; wrap it by hand with withAuthLogging('register', ...) if people sign up through it`,
  });
}

/** `verifyUserPassword(...)`, `bcrypt.compare(...)`, `checkPassword(...)`: the caller's password checked. */
function passwordCheckIn(fn: TSESTree.Node): string | undefined {
  if (!isFunctionNode(fn) || !fn.body) return undefined;
  let found: string | undefined;
  traverse(fn.body, (node) => {
    if (found !== undefined || node.type !== 'CallExpression') return;
    const callee = node.callee;
    const name = calledName(callee);
    const words = authWords(name);
    const receiver = callee.type === 'MemberExpression' ? authWords(shortText(callee.object)) : [];
    const checks = words.some((word) => ['verify', 'check', 'compare', 'validate'].includes(word));
    if (checks && (words.includes('password') || receiver.includes('bcrypt') || receiver.includes('argon2')))
      found = shortText(node);
  });
  return found;
}

/** A mutation whose name says no action but whose body checks the caller's password: reported as a candidate. */
function reportPasswordCheck(scan: AuthScan, description: string, node: TSESTree.Node, fn: TSESTree.Node): void {
  if (scan.options.match || scan.skipped.some((site) => site.node === node)) return;
  const check = passwordCheckIn(fn);
  if (check === undefined) return;
  scan.skipped.push({
    framework: 'graphql',
    description,
    node,
    reason: `its body checks the caller's password (\`${check}\`), but its name says no auth action (a change confirmed with the password, a re-authentication): wrap it by hand with withAuthLogging('verify', ...) if it should be logged`,
  });
}
