/**
 * Which export of which module a route's handler is. A controller module leaves its `(req, res)` exports to the
 * routes that register them; with one name for "this export of this file" on both sides, a run over both files can
 * tell that the controller left in one file is the handler another file wraps (src/cli/reconcile.ts), and a route
 * never wraps a handler that its own module wraps where it is declared (two outcome lines per request).
 *
 * Followed without types, the way a reviewer reads it: ESM imports (named, default, `* as c`), `require` (whole,
 * destructured, `require(m).name`), a member of a namespace (`c.login`), resolved on disk like Node and TypeScript
 * (core/modules.ts `resolveModuleFile`: extensions, `.js` for `.ts`, index files, tsconfig `paths`), then through
 * modules that only re-export it (re-exports.ts) to the module that declares it.
 */
import { dirname, resolve } from 'node:path';
import type { TSESTree } from '@typescript-eslint/typescript-estree';
import { isBindCall, shortText } from '../core/ast-helpers.js';
import type { BindingIndex } from '../core/bindings.js';
import { resolveModuleFile } from '../core/modules.js';
import type { HandlerIdentity } from './identity.js';
import { declaringExport, requiredValue, type ImportedValue } from './re-exports.js';
import type { HandlerRef } from './types.js';

/** A route's handler that is an export of another module of the project. */
export interface ImportedHandler extends HandlerIdentity {
  /** The module as the importing file writes it (`../controllers/auth`), for messages. */
  readonly specifier: string;
  /** The reference as the route writes it (`authController.login`), for messages. */
  readonly reference: string;
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
    if (
      expression.type === 'TSAsExpression' ||
      expression.type === 'TSSatisfiesExpression' ||
      expression.type === 'TSNonNullExpression'
    ) {
      expression = expression.expression;
    } else if (expression.type === 'CallExpression' && isBindCall(expression)) {
      expression = (expression.callee as TSESTree.MemberExpression).object;
    } else if (expression.type === 'CallExpression') {
      // `catchAsync(c.login)`, and `withAuthLogging('login', c.login)` on a route wrapped before: the handler passed in.
      const inner: TSESTree.CallExpressionArgument | undefined = expression.arguments.find(
        (argument) =>
          argument.type === 'Identifier' || argument.type === 'MemberExpression' || argument.type === 'CallExpression',
      );
      if (!inner) return undefined;
      expression = inner;
    } else {
      return undefined;
    }
  }
  return undefined;
}

function importedValueOf(index: BindingIndex, identifier: TSESTree.Identifier): ImportedValue | undefined {
  const binding = index.resolve(identifier);
  if (!binding) return undefined;
  if (binding.kind === 'import' && binding.importFrom !== undefined) {
    return {
      specifier: binding.importFrom,
      path: binding.importedName === '*' || binding.importedName === undefined ? [] : [binding.importedName],
    };
  }
  if (binding.kind !== 'variable' || !binding.init || binding.path === undefined) return undefined;
  const required = requiredValue(binding.init);
  return required && { specifier: required.specifier, path: [...required.path, ...binding.path] };
}

/**
 * The module a reference reads from and the path of its exports it reads: `login` (a named import) → ['login'],
 * `c.login` (c the module: namespace, CommonJS require, or a default import, which for a CommonJS module is its
 * `module.exports`) → ['login'], `authController.login` (authController a named export of an index) → ['authController', 'login'].
 */
function exportRead(index: BindingIndex, reference: Reference): ImportedValue | undefined {
  if (reference.type === 'Identifier') {
    const value = importedValueOf(index, reference);
    return value && value.path.length === 1 ? value : undefined;
  }
  if (reference.computed || reference.property.type !== 'Identifier') return undefined;
  const object = reference.object;
  const value =
    object.type === 'Identifier'
      ? importedValueOf(index, object)
      : object.type === 'CallExpression'
        ? requiredValue(object)
        : undefined;
  if (!value || value.path.length > 1) return undefined;
  const onModule = value.path.length === 0 || value.path[0] === 'default';
  return {
    specifier: value.specifier,
    path: onModule ? [reference.property.name] : [value.path[0] as string, reference.property.name],
  };
}

/**
 * Where the exports a file's imports read are declared: each specifier looked up on disk, and each export followed
 * through re-exports, once per file (a file of 20,000 routes reads the same few).
 */
export type ExportLocator = (value: ImportedValue) => HandlerIdentity | undefined;

export function exportLocator(filePath: string): ExportLocator {
  const directory = dirname(resolve(filePath));
  const found = new Map<string, HandlerIdentity | undefined>();
  return (value) => {
    const key = [value.specifier, ...value.path].join('\0');
    if (!found.has(key)) {
      const file = resolveModuleFile(directory, value.specifier);
      found.set(key, file ? declaringExport(file, value.path) : undefined);
    }
    return found.get(key);
  };
}

/** The export of a project module a route's handler is, when the import is followed to where it is declared on disk. */
export function importedHandler(
  index: BindingIndex,
  handler: HandlerRef,
  locate: ExportLocator,
): ImportedHandler | undefined {
  const reference = registeredReference(handler);
  if (!reference) return undefined;
  const read = exportRead(index, reference);
  const declared = read && locate(read);
  if (!read || !declared) return undefined;
  return { ...declared, specifier: read.specifier, reference: shortText(reference) };
}
