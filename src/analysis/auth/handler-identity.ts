/**
 * Which export of which module a route's handler is. A controller module leaves its `(req, res)` exports to the
 * routes that register them; with one name for "this export of this file" on both sides, a run over both files can
 * tell that the controller left in one file is the handler another file wraps (src/cli/reconcile.ts), and a route
 * never wraps a handler that its own module wraps where it is declared (two outcome lines per request).
 *
 * Followed without types, the way a reviewer reads it: ESM imports (named, default, `* as c`), `require` (whole,
 * destructured, `require(m).name`), a member of a namespace (`c.login`), resolved on disk like Node and TypeScript
 * (pool-exports.ts `resolveModuleFile`: extensions, `.js` for `.ts`, index files, tsconfig `paths`).
 */
import { dirname, resolve } from 'node:path';
import type { TSESTree } from '@typescript-eslint/typescript-estree';
import { isBindCall, requiredModule, shortText } from '../ast-helpers.js';
import type { BindingIndex } from '../bindings.js';
import { resolveModuleFile } from '../pool-exports.js';
import type { HandlerRef } from './types.js';

export interface HandlerIdentity {
  /** The module that exports the handler, absolute. */
  readonly file: string;
  readonly exportName: string;
}

/** A route's handler that is an export of another module of the project. */
export interface ImportedHandler extends HandlerIdentity {
  /** The module as the importing file writes it (`../controllers/auth`), for messages. */
  readonly specifier: string;
  /** The reference as the route writes it (`authController.login`), for messages. */
  readonly reference: string;
}

/** The identity as a codemod site carries it (`CodemodSite.identity`): one string, the same from every file. */
export function identityKey(identity: HandlerIdentity): string {
  return `${identity.file}#${identity.exportName}`;
}

/** The identity of an export declared in the file being scanned. */
export function ownExport(filePath: string, exportName: string): HandlerIdentity {
  return { file: resolve(filePath), exportName };
}

type Reference = TSESTree.Identifier | TSESTree.MemberExpression;

/**
 * The name a route registers, under what leaves it the same handler: `.bind(x)`, `as T`, `satisfies T`, and a
 * call passed a reference (`catchAsync(authController.login)`, which the scan wraps from outside, or the wrapper).
 */
export function registeredReference(handler: HandlerRef): Reference | undefined {
  if (handler.kind === 'method-property') return undefined;
  let expression: TSESTree.Node = handler.kind === 'shorthand-property' ? handler.property.value : handler.expression;
  for (let depth = 0; depth < 4; depth++) {
    if (expression.type === 'Identifier' || expression.type === 'MemberExpression') return expression;
    if (expression.type === 'TSAsExpression' || expression.type === 'TSSatisfiesExpression' || expression.type === 'TSNonNullExpression') {
      expression = expression.expression;
    } else if (expression.type === 'CallExpression' && isBindCall(expression)) {
      expression = (expression.callee as TSESTree.MemberExpression).object;
    } else if (expression.type === 'CallExpression') {
      // `catchAsync(c.login)`, and `withAuthLogging('login', c.login)` on a route wrapped before: the handler passed in.
      const inner: TSESTree.CallExpressionArgument | undefined = expression.arguments.find(
        (argument) => argument.type === 'Identifier' || argument.type === 'MemberExpression' || argument.type === 'CallExpression',
      );
      if (!inner) return undefined;
      expression = inner;
    } else {
      return undefined;
    }
  }
  return undefined;
}

/** What a name holds when it came from another module: the specifier and the path inside its exports. */
interface ImportedValue {
  readonly specifier: string;
  /** [] for the module itself (`* as c`, `const c = require(m)`), ['default'] for a default import, ['login']. */
  readonly path: readonly string[];
}

/** `require('m')`, `require('m').a.b`: the module and the member path read off it. */
function requiredValue(init: TSESTree.Expression): ImportedValue | undefined {
  const specifier = requiredModule(init);
  if (specifier === undefined) return undefined;
  const path: string[] = [];
  let current: TSESTree.Node = init;
  while (current.type === 'MemberExpression') {
    if (current.computed || current.property.type !== 'Identifier') return undefined;
    path.unshift(current.property.name);
    current = current.object;
  }
  return current.type === 'CallExpression' ? { specifier, path } : undefined;
}

function importedValueOf(index: BindingIndex, identifier: TSESTree.Identifier): ImportedValue | undefined {
  const binding = index.resolve(identifier);
  if (!binding) return undefined;
  if (binding.kind === 'import' && binding.importFrom !== undefined) {
    return { specifier: binding.importFrom, path: binding.importedName === '*' || binding.importedName === undefined ? [] : [binding.importedName] };
  }
  if (binding.kind !== 'variable' || !binding.init || binding.path === undefined) return undefined;
  const required = requiredValue(binding.init);
  return required && { specifier: required.specifier, path: [...required.path, ...binding.path] };
}

/** The module and export a reference reads: `login` (named import), `c.login` (namespace, default or require). */
function exportRead(index: BindingIndex, reference: Reference): { specifier: string; exportName: string } | undefined {
  if (reference.type === 'Identifier') {
    const value = importedValueOf(index, reference);
    return value && value.path.length === 1 ? { specifier: value.specifier, exportName: value.path[0] as string } : undefined;
  }
  if (reference.computed || reference.property.type !== 'Identifier') return undefined;
  const object = reference.object;
  const value =
    object.type === 'Identifier' ? importedValueOf(index, object) : object.type === 'CallExpression' ? requiredValue(object) : undefined;
  if (!value) return undefined;
  // `c.login` where `c` is the module (namespace, CommonJS require) or its default export (a CommonJS module's
  // `module.exports`, which is how `import c from './auth.js'` sees `exports.login`).
  const onModule = value.path.length === 0 || (value.path.length === 1 && value.path[0] === 'default');
  return onModule ? { specifier: value.specifier, exportName: reference.property.name } : undefined;
}

/** Finds the file a specifier written in `filePath` names; each specifier looked up on disk once (a file of 20,000 routes). */
export type SpecifierResolver = (specifier: string) => string | undefined;

export function specifierResolver(filePath: string): SpecifierResolver {
  const directory = dirname(resolve(filePath));
  const files = new Map<string, string | undefined>();
  return (specifier) => {
    if (!files.has(specifier)) files.set(specifier, resolveModuleFile(directory, specifier));
    return files.get(specifier);
  };
}

/** The export of a project module a route's handler is, when the import is followed to a file on disk. */
export function importedHandler(index: BindingIndex, handler: HandlerRef, resolveSpecifier: SpecifierResolver): ImportedHandler | undefined {
  const reference = registeredReference(handler);
  if (!reference) return undefined;
  const read = exportRead(index, reference);
  if (!read) return undefined;
  const file = resolveSpecifier(read.specifier);
  if (!file) return undefined;
  return { file, exportName: read.exportName, specifier: read.specifier, reference: shortText(reference) };
}
