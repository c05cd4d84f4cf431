/**
 * Where an export is declared, through the modules that only pass it on: a controllers index
 * (`module.exports.authController = require('./auth.controller')`, `export * as auth from './auth'`,
 * `export { login } from './auth'`, `export * from './auth'`), so that `const { authController } = require('../controllers')`
 * then `authController.login` names the same export as the controller module's own `exports.login`.
 */
import { dirname } from 'node:path';
import type { TSESTree } from '@typescript-eslint/typescript-estree';
import { isModuleExports } from '../core/ast-helpers.js';
import { buildBindingIndex } from '../core/bindings.js';
import { loadModule, resolveModuleFile } from '../core/modules.js';
import { commonJsExports, exportedFunctions } from './functions.js';

/** A re-export hop: the module it comes from and the path inside that module. */
export interface ImportedValue {
  readonly specifier: string;
  /** [] for the module itself, ['default'] for its default export, ['login'] for one export, ['auth', 'login'] inside one. */
  readonly path: readonly string[];
}

/** Hops followed before giving up (`routes → controllers/index → controllers/auth` is one). */
const MAX_HOPS = 4;

/** The module and export name that `path` of `file` stands for, followed through re-exports; undefined when it names none. */
export function declaringExport(
  file: string,
  path: readonly string[],
  hops = 0,
): { file: string; exportName: string } | undefined {
  const here = path.length === 1 ? { file, exportName: path[0] as string } : undefined;
  const loaded = hops < MAX_HOPS ? loadModule(file) : undefined;
  if (!loaded || path.length === 0) return here;
  const name = path[0] as string;
  const hop = reExportOf(loaded.program, name);
  if (hop) {
    const target = resolveModuleFile(dirname(file), hop.specifier);
    // `export { default as auth } from './auth.cjs'`: a CommonJS module's default export is its `module.exports`.
    const inner = [...hop.path, ...path.slice(1)];
    const next = inner[0] === 'default' && inner.length > 1 ? inner.slice(1) : inner;
    return target ? declaringExport(target, next, hops + 1) : here;
  }
  if (path.length === 1 && !declaresExport(loaded.program, name)) {
    for (const specifier of starSources(loaded.program)) {
      const target = resolveModuleFile(dirname(file), specifier);
      const found = target ? declaringExport(target, path, hops + 1) : undefined;
      if (found && (found.file !== target || declaresOwnExport(target, name))) return found;
    }
  }
  return here;
}

/** `require('m')`, `require('m').a`: the module and the member path read off it. */
export function requiredValue(init: TSESTree.Node): ImportedValue | undefined {
  const path: string[] = [];
  let current: TSESTree.Node = init;
  while (current.type === 'MemberExpression') {
    if (current.computed || current.property.type !== 'Identifier') return undefined;
    path.unshift(current.property.name);
    current = current.object;
  }
  if (current.type !== 'CallExpression' || current.callee.type !== 'Identifier' || current.callee.name !== 'require')
    return undefined;
  const argument = current.arguments[0];
  if (current.arguments.length !== 1 || argument?.type !== 'Literal' || typeof argument.value !== 'string')
    return undefined;
  return { specifier: argument.value, path };
}

/** Where the module's export `name` comes from when the module only passes it on; undefined when it declares it. */
function reExportOf(program: TSESTree.Program, name: string): ImportedValue | undefined {
  let localName: string | undefined;
  for (const statement of program.body) {
    if (statement.type === 'ExportAllDeclaration') {
      // `export * as auth from './auth'`
      if (statement.exported && exportedName(statement.exported) === name)
        return { specifier: statement.source.value, path: [] };
    } else if (statement.type === 'ExportNamedDeclaration' && !statement.declaration) {
      for (const specifier of statement.specifiers) {
        if (exportedName(specifier.exported) !== name) continue;
        const local = exportedName(specifier.local);
        // `export { login } from './auth'`; `export { login }` of an imported name is followed through its import.
        if (statement.source) return { specifier: statement.source.value, path: local === '*' ? [] : [local] };
        localName = local;
      }
    } else if (statement.type === 'ExpressionStatement' && statement.expression.type === 'AssignmentExpression') {
      const hop = commonJsReExport(statement.expression, name);
      if (hop === 'local') localName = name;
      else if (hop) return hop;
    }
  }
  if (localName === undefined) return undefined;
  // `const auth = require('./auth'); module.exports = { auth }`, `import * as auth from './auth'; export { auth }`.
  const binding = buildBindingIndex(program, () => undefined).index.moduleBinding(localName);
  if (binding?.kind === 'import' && binding.importFrom !== undefined) {
    return {
      specifier: binding.importFrom,
      path: binding.importedName === '*' || binding.importedName === undefined ? [] : [binding.importedName],
    };
  }
  if (binding?.kind !== 'variable' || !binding.init || binding.path === undefined) return undefined;
  const required = requiredValue(binding.init);
  return required && { specifier: required.specifier, path: [...required.path, ...binding.path] };
}

/**
 * `exports.auth = require('./auth')`, `module.exports.auth = require(...)`, `module.exports = { auth: require(...) }`,
 * `module.exports = require('./auth')` (every name); 'local' for `module.exports = { auth }` (a name of this module).
 */
function commonJsReExport(
  assignment: TSESTree.AssignmentExpression,
  name: string,
): ImportedValue | 'local' | undefined {
  const { left, right } = assignment;
  if (
    assignment.operator !== '=' ||
    left.type !== 'MemberExpression' ||
    left.computed ||
    left.property.type !== 'Identifier'
  )
    return undefined;
  const onModuleExports = isModuleExports(left);
  if (onModuleExports) {
    const whole = requiredValue(right);
    if (whole) return { specifier: whole.specifier, path: [...whole.path, name] };
    if (right.type !== 'ObjectExpression') return undefined;
    for (const property of right.properties) {
      if (
        property.type !== 'Property' ||
        property.computed ||
        property.key.type !== 'Identifier' ||
        property.key.name !== name
      )
        continue;
      if (property.shorthand) return 'local';
      return requiredValue(property.value);
    }
    return undefined;
  }
  const onExports =
    (left.object.type === 'Identifier' && left.object.name === 'exports') || isModuleExports(left.object);
  return onExports && left.property.name === name ? requiredValue(right) : undefined;
}

function exportedName(node: TSESTree.Identifier | TSESTree.StringLiteral): string {
  return node.type === 'Identifier' ? node.name : node.value;
}

/** The module declares an export of that name itself (a function, a const, `exports.name = ...`, `export { name }`). */
function declaresExport(program: TSESTree.Program, name: string): boolean {
  return program.body.some((statement) => {
    if (statement.type === 'ExportNamedDeclaration') {
      if (statement.specifiers.some((specifier) => exportedName(specifier.exported) === name)) return true;
      return exportedFunctions(statement).some((exported) => exported.name === name);
    }
    return (
      statement.type === 'ExpressionStatement' && commonJsExports(statement).some((exported) => exported.name === name)
    );
  });
}

function declaresOwnExport(file: string, name: string): boolean {
  const loaded = loadModule(file);
  return loaded !== undefined && declaresExport(loaded.program, name);
}

/** `export * from './auth'` sources, in order. */
function starSources(program: TSESTree.Program): string[] {
  return program.body.flatMap((statement) =>
    statement.type === 'ExportAllDeclaration' && !statement.exported ? [statement.source.value] : [],
  );
}
