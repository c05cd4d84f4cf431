/**
 * The `auth-logging` edit planner: runs the detectors on one file and turns every site into minimal text edits
 * (`withAuthLogging('<action>', handler)`, or a decorator on a controller method), plus the import, added once in the
 * file's module style. Sites it will not wrap come back `left` with their reason.
 */
import type { TSESTree } from '@typescript-eslint/typescript-estree';
import type { CodemodInput, CodemodResult, CodemodSite } from '../codemod-host/codemod.js';
import { quoteString, sniffCodeStyle, type CodeStyle } from '../core/code-style.js';
import { planNamedImports, topLevelBindings } from '../core/imports.js';
import { sniffModuleStyle } from '../core/module-style.js';
import { positionsOf } from '../core/parse.js';
import type { TextEdit } from '../core/text-edit.js';
import { Trivia } from '../core/trivia.js';
import { findAuthHandlers } from './index.js';
import { identityKey, type HandlerIdentity } from './identity.js';
import {
  DECORATOR_NAME,
  METHOD_DECORATOR_NAME,
  RESOLVER_DECORATOR_NAME,
  WRAPPER_NAME,
  type AuthHandlerSite,
  type WrapTarget,
} from './types.js';

export interface AuthLoggingOptions {
  /** A regex (source text, case-insensitive) that replaces the built-in name test for paths and handler names. */
  readonly match?: string;
  /** The module the wrappers are imported from. Default `quickwins`. */
  readonly importFrom?: string;
  /** Also wrap exported functions that only their name says are auth actions (reported as candidates by default). */
  readonly plainFunctions?: boolean;
}

export const DEFAULT_IMPORT_FROM = '@quickwins/runtime';
/** Before the runtime had its own package, the toolkit's root exported it: code wrapped then is still wrapped. */
const LEGACY_IMPORT_FROM = 'quickwins';

/**
 * Cheap pre-filter: an auth word anywhere (also inside camelCase names), a route registration, a NestJS
 * HTTP decorator or a Next.js method export. A `--match` regex cannot widen this (the pre-filter sees no
 * options), so it only finds names in files that pass it; documented in docs/codemods/auth-logging.md.
 */
export const MIGHT_APPLY_WORDS =
  /log[-_ ]?[io]n|sign[-_ ]?(?:in|up|out|on)|log[-_ ]?o(?:ut|ff)|regist|token|refresh|session|pass(?:wor)?d|pwd|reset|forgot|verif|confirm|mfa|otp|2fa|factor|auth|\.(?:post|put|patch|delete|del|all|get|route)\s*\(|\bexport\s+default\b/i;
/** Case matters here: `POST` as a Next.js export, `@Post(` as a Nest decorator. */
export const MIGHT_APPLY_EXACT = /\b(?:GET|POST|PUT|PATCH|DELETE)\b|@(?:Post|Put|Patch|Delete|All|Get)\s*\(/;

export function planAuthLogging(input: CodemodInput<AuthLoggingOptions>): CodemodResult {
  const { program, source, filePath } = input;
  const importFrom = input.options.importFrom ?? DEFAULT_IMPORT_FROM;
  const match = input.options.match === undefined ? undefined : compileMatch(input.options.match);
  const scan = findAuthHandlers(program, {
    filePath,
    match,
    wrapperModules: [...new Set([importFrom, DEFAULT_IMPORT_FROM, LEGACY_IMPORT_FROM])],
    plainFunctions: input.options.plainFunctions === true,
  });
  const positionOf = positionsOf(source);
  const left: CodemodSite[] = scan.skipped
    .map((skipped) => ({
      ...positionOf(reportedStart(skipped.node, source)),
      message: `${skipped.description}: not wrapped: ${skipped.reason}`,
      ...identityOf(skipped),
    }))
    .sort(byPosition);
  // Handlers already wrapped, by name: a controller another file of the run leaves to its routes is covered by them.
  const done: CodemodSite[] = scan.wrapped
    .filter((site) => site.identity !== undefined)
    .map((site) => ({
      ...positionOf(reportedStart(site.node, source)),
      message: `${site.description}: already wrapped`,
      ...identityOf(site),
    }));
  if (scan.handlers.length === 0) return { edits: [], rewritten: [], left, done };

  const style = sniffCodeStyle(program, source);
  const decoratorKinds = new Set(['decorator', 'resolver-decorator', 'method-decorator']);
  const needsWrapper = scan.handlers.some((site) => !decoratorKinds.has(site.target.kind));
  const needsMethodDecorator = scan.handlers.some((site) => site.target.kind === 'method-decorator');
  const needsDecorator = scan.handlers.some((site) => site.target.kind === 'decorator');
  const needsResolverDecorator = scan.handlers.some((site) => site.target.kind === 'resolver-decorator');
  const names = [
    ...(needsWrapper ? [WRAPPER_NAME] : []),
    ...(needsDecorator ? [DECORATOR_NAME] : []),
    ...(needsResolverDecorator ? [RESOLVER_DECORATOR_NAME] : []),
    ...(needsMethodDecorator ? [METHOD_DECORATOR_NAME] : []),
  ];
  const plan = planNamedImports(program, source, {
    from: importFrom,
    names,
    moduleStyle: sniffModuleStyle(program, filePath),
    style,
  });
  const context: EditContext = {
    source,
    program,
    style,
    wrapper: plan.references.get(WRAPPER_NAME) ?? WRAPPER_NAME,
    decorator: plan.references.get(DECORATOR_NAME) ?? DECORATOR_NAME,
    resolverDecorator: plan.references.get(RESOLVER_DECORATOR_NAME) ?? RESOLVER_DECORATOR_NAME,
    methodDecorator: plan.references.get(METHOD_DECORATOR_NAME) ?? METHOD_DECORATOR_NAME,
    taken: topLevelBindings(program),
  };

  const edits: TextEdit[] = [...plan.edits];
  const rewritten: CodemodSite[] = [];
  for (const site of scan.handlers) {
    edits.push(...editsFor(site, context));
    rewritten.push({
      ...positionOf(reportedStart(site.node, source)),
      message: describeRewrite(site, context),
      ...identityOf(site),
    });
  }
  return { edits, rewritten: rewritten.sort(byPosition), left, done, imports: [importFrom] };
}

/**
 * Where a site is reported: its node's start, except a registration whose method name is on a line of its own
 * (`auth\n  .post('/login', h)`: each link of a chain at its own line, not all at the chain's first); a
 * `router.route('/')\n  .post(h)` is one registration, reported where it starts.
 */
function reportedStart(node: TSESTree.Node, source: string): number {
  if (node.type !== 'CallExpression' || node.callee.type !== 'MemberExpression') return node.range[0];
  const previous = node.callee.object;
  const isRouteCall =
    previous.type === 'CallExpression' &&
    previous.callee.type === 'MemberExpression' &&
    previous.callee.property.type === 'Identifier' &&
    previous.callee.property.name === 'route';
  const ownLine = source.slice(node.range[0], node.callee.property.range[0]).includes('\n');
  return ownLine && !isRouteCall ? node.callee.property.range[0] : node.range[0];
}

/** The site's handler identity for the runner's cross-file report (`CodemodSite.identity`), when known. */
function identityOf(site: { readonly identity?: HandlerIdentity }): { identity?: string } {
  return site.identity ? { identity: identityKey(site.identity) } : {};
}

function byPosition(a: CodemodSite, b: CodemodSite): number {
  return a.line - b.line || a.column - b.column;
}

function compileMatch(pattern: string): RegExp {
  try {
    return new RegExp(pattern, 'i');
  } catch (error) {
    throw new Error(
      `--match ${JSON.stringify(pattern)} is not a valid regular expression: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

interface EditContext {
  readonly source: string;
  readonly program: TSESTree.Program;
  readonly style: CodeStyle;
  /** How this file refers to withAuthLogging / AuthLogged (an alias when the name was taken). */
  readonly wrapper: string;
  readonly decorator: string;
  readonly resolverDecorator: string;
  readonly methodDecorator: string;
  /** Top-level names already bound in the file, for the aliases of exported declarations. */
  readonly taken: Set<string>;
}

function editsFor(site: AuthHandlerSite, context: EditContext): TextEdit[] {
  const open = `${context.wrapper}(${quoteString(site.action, context.style)}, `;
  const target: WrapTarget = site.target;
  switch (target.kind) {
    case 'expression': {
      const [start, end] = target.expression.range;
      return [insert(start, open), insert(end, ')')];
    }
    case 'shorthand-property': {
      const key = context.source.slice(...target.property.key.range);
      return [{ start: target.property.range[0], end: target.property.range[1], text: `${key}: ${open}${key})` }];
    }
    case 'method-property': {
      const property = target.property;
      const fn = property.value as TSESTree.FunctionExpression;
      const key = context.source.slice(...property.key.range);
      const name = property.key.type === 'Identifier' ? ` ${property.key.name}` : '';
      const head = `${fn.async ? 'async ' : ''}function${fn.generator ? '*' : ''}${name}`;
      return [
        { start: property.range[0], end: fn.range[0], text: `${key}: ${open}${head}` },
        insert(property.range[1], ')'),
      ];
    }
    case 'function-declaration': {
      // The declaration stays (hoisted, callable above itself); the export moves to a wrapped alias below it.
      const declaration = target.declaration;
      const name = declaration.id?.name ?? '';
      const alias = freeName(`${name}WithAuthLogging`, context.taken);
      const semicolon = context.style.semicolons ? ';' : '';
      const eol = context.style.eol;
      return [
        { start: target.statement.range[0], end: declaration.range[0], text: '' },
        insert(
          declaration.range[1],
          `${eol}const ${alias} = ${open}${name})${semicolon}${eol}export { ${alias} as ${name} }${semicolon}`,
        ),
      ];
    }
    case 'default-function': {
      const [start, end] = target.declaration.range;
      return [insert(start, open), insert(end, `)${context.style.semicolons ? ';' : ''}`)];
    }
    case 'decorator':
      return [decoratorEdit(target.method, context, site, context.decorator)];
    case 'resolver-decorator':
      return [decoratorEdit(target.method, context, site, context.resolverDecorator)];
    case 'method-decorator':
      return [decoratorEdit(target.method, context, site, context.methodDecorator)];
  }
}

/** `@AuthLogged('login')` right above the method, below its other decorators, so Nest's own metadata lands on the wrapped method. */
function decoratorEdit(
  method: TSESTree.MethodDefinition,
  context: EditContext,
  site: AuthHandlerSite,
  name: string,
): TextEdit {
  const decorators = method.decorators ?? [];
  const lastDecoratorEnd = decorators.reduce((end, decorator) => Math.max(end, decorator.range[1]), method.range[0]);
  // What follows the decorators (a modifier or the method's name), comments skipped.
  const at = new Trivia(context.source, context.program.comments).skipForward(lastDecoratorEnd);
  const text = `@${name}(${quoteString(site.action, context.style)})`;
  const lastDecorator = decorators.at(-1);
  if (lastDecorator && !context.source.slice(lastDecorator.range[1], at).includes('\n')) return insert(at, `${text} `);
  const lineStart = context.source.lastIndexOf('\n', at - 1) + 1;
  const indent = /^[ \t]*/.exec(context.source.slice(lineStart, at))?.[0] ?? '';
  return insert(at, `${text}${context.style.eol}${indent}`);
}

/** `base`, or `base2`, `base3`... when the file already binds it; the chosen name is then taken. */
function freeName(base: string, taken: Set<string>): string {
  let name = base;
  for (let index = 2; taken.has(name); index++) name = `${base}${index}`;
  taken.add(name);
  return name;
}

function insert(at: number, text: string): TextEdit {
  return { start: at, end: at, text };
}

function describeRewrite(site: AuthHandlerSite, context: EditContext): string {
  const how =
    site.target.kind === 'decorator' ||
    site.target.kind === 'resolver-decorator' ||
    site.target.kind === 'method-decorator'
      ? `decorated with @${{ decorator: context.decorator, 'resolver-decorator': context.resolverDecorator, 'method-decorator': context.methodDecorator }[site.target.kind]}('${site.action}')`
      : `wrapped with ${context.wrapper}('${site.action}')`;
  const before =
    site.middlewaresBefore.length === 0
      ? ''
      : `; ${site.middlewaresBefore.join(', ')} run${site.middlewaresBefore.length === 1 ? 's' : ''} before it and may answer without an outcome line`;
  return `${site.description}: ${how}${before}`;
}
