/** What the auth-handler detectors report: sites to wrap, sites already wrapped, sites left with a reason. */
import type { TSESTree } from '@typescript-eslint/typescript-estree';
import type { PackageFacts } from '../core/package-evidence.js';
import type { HandlerIdentity } from './identity.js';

/** What the auth detector reads of a package: its manifest and dependency names. */
export type PackageDependencies = Pick<PackageFacts, 'manifest' | 'dependencies'>;

// The actions are the runtime's own (the codemod writes them as `withAuthLogging('<action>', ...)`): one list, a type-only import.
import type { AuthAction } from '@quickwins/runtime/auth';

export type { AuthAction };

export type AuthFramework = 'express' | 'koa' | 'fastify' | 'nestjs' | 'next' | 'graphql' | 'function' | 'socket.io';

/** How a handler is wrapped; every form keeps the handler's own text untouched. */
export type WrapTarget =
  /** `expr` → `withAuthLogging('a', expr)`. */
  | { readonly kind: 'expression'; readonly expression: TSESTree.Expression }
  /** `{ handler }` → `{ handler: withAuthLogging('a', handler) }`. */
  | { readonly kind: 'shorthand-property'; readonly property: TSESTree.Property }
  /** `{ async handler(req) {} }` → `{ handler: withAuthLogging('a', async function handler(req) {}) }`. */
  | { readonly kind: 'method-property'; readonly property: TSESTree.Property }
  /**
   * `export async function login() {}` keeps its declaration (hoisting intact) and loses the `export` keyword; below it
   * `const loginWithAuthLogging = withAuthLogging('a', login); export { loginWithAuthLogging as login };`.
   */
  | {
      readonly kind: 'function-declaration';
      readonly declaration: TSESTree.FunctionDeclaration;
      readonly statement: TSESTree.ExportNamedDeclaration;
    }
  /** `export default async function handler() {}` → `export default withAuthLogging('a', async function handler() {});`. */
  | { readonly kind: 'default-function'; readonly declaration: TSESTree.FunctionDeclaration }
  /** A NestJS controller method: gets `@AuthLogged('a')` right above it, below its other decorators. */
  | { readonly kind: 'decorator'; readonly method: TSESTree.MethodDefinition }
  /** A GraphQL resolver class method (`@Mutation()`): gets `@AuthLoggedResolver('a')` right above it. */
  | { readonly kind: 'resolver-decorator'; readonly method: TSESTree.MethodDefinition }
  /** A method of a decorator-routed controller that is not NestJS (koa / express handlers): gets `@AuthLoggedMethod('a')`. */
  | { readonly kind: 'method-decorator'; readonly method: TSESTree.MethodDefinition };

export interface AuthHandlerSite {
  readonly framework: AuthFramework;
  readonly action: AuthAction;
  /** What was recognised, for messages: `POST /auth/login`, `login()`. */
  readonly description: string;
  readonly target: WrapTarget;
  /** Where to report the site (the registration call, the method, the function). */
  readonly node: TSESTree.Node;
  /** Middlewares that run before the wrapped handler and may answer the request on their own. */
  readonly middlewaresBefore: readonly string[];
  /** The export the wrapped handler is, when known: the file's own export, or the module export a route registers. */
  readonly identity?: HandlerIdentity;
}

/** An auth handler that is recognised but not wrapped, with the reason (one sentence). */
export interface SkippedAuthHandler {
  readonly framework: AuthFramework;
  readonly description: string;
  readonly node: TSESTree.Node;
  readonly reason: string;
  /** The export this handler is, when known: another file of the run that wraps it covers this one (handler-identity.ts). */
  readonly identity?: HandlerIdentity;
}

export interface AuthHandlerScan {
  /** Handlers to wrap. */
  readonly handlers: readonly AuthHandlerSite[];
  /** Handlers that already go through the wrapper (or carry the decorator): nothing to do. */
  readonly wrapped: readonly AuthHandlerSite[];
  /** Handlers that cannot be wrapped safely, with why. */
  readonly skipped: readonly SkippedAuthHandler[];
}

export interface FindAuthHandlersOptions {
  /** The file's path; Next.js route handlers are recognised by it (`app/**\/route.ts`). */
  readonly filePath: string;
  /**
   * Replaces the built-in name test: a route path, handler name, Nest path or function name that this
   * regex matches is an auth handler (its action still comes from its words). Widens or narrows.
   */
  readonly match?: RegExp;
  /** Modules the wrappers are imported from, to recognise already-wrapped handlers. Default `['@quickwins/runtime', 'quickwins']` (the toolkit's root exported the runtime before 0.2). */
  readonly wrapperModules?: readonly string[];
  /** The facts of the file's package (default: its nearest package.json, read once per package); tests pass their own. */
  readonly packageFacts?: (filePath: string) => PackageDependencies | undefined;
  /**
   * Wrap exported functions whose name alone says they are an auth action (`export async function login(input)`).
   * Off by default: nothing registers them as a request entry point, so they are reported as candidates.
   */
  readonly plainFunctions?: boolean;
}

export const WRAPPER_NAME = 'withAuthLogging';
export const DECORATOR_NAME = 'AuthLogged';
/** The runtime's decorator for resolver class methods (NestJS GraphQL, type-graphql). */
export const RESOLVER_DECORATOR_NAME = 'AuthLoggedResolver';
/** The runtime's decorator applying withAuthLogging to a controller method (decorator-routed Koa / Express controllers). */
export const METHOD_DECORATOR_NAME = 'AuthLoggedMethod';

/** A route's final handler as written: an expression, or an object property holding it. */
export type HandlerRef = Extract<WrapTarget, { kind: 'expression' | 'shorthand-property' | 'method-property' }>;

/** One exported binding (ESM or CommonJS) that may be an auth entry point. */
export interface ExportedFunction {
  readonly name: string;
  /** The function, when visible (declaration or function/arrow initialiser). */
  readonly fn: TSESTree.FunctionLike | undefined;
  readonly target: WrapTarget;
  readonly node: TSESTree.Node;
}
