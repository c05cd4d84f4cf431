/**
 * Which library a called name comes from, for the graphql-cache detector: `graphql`'s own `graphql`, `parse`,
 * `validate`, `execute`, ...; ApolloServer, createYoga, mercurius; the response-cache plugins. With types the checker
 * decides (the symbol's declaration lives in that package's typings, whatever the local name or a re-export); without
 * them, the import binding does (`import { parse } from 'graphql'`, `import * as G from 'graphql'`,
 * `const { graphql } = require('graphql')`, `require('graphql').parse`). A `parse` from date-fns, url, JSON or
 * graphql-tag's `gql` never resolves to graphql's exports, so it is never a site.
 */
import type { TSESTree } from '@typescript-eslint/typescript-estree';
import type ts from 'typescript';
import type { BindingIndex } from '../core/bindings.js';
import type { TypeServices } from '../core/parse.js';
import { selfReferencedPackage } from '../core/package-evidence.js';
import { requireSpecifier } from '../core/ast-helpers.js';

const SYMBOL_FLAGS_ALIAS = 1 << 21; // ts.SymbolFlags.Alias (a value import of typescript would load the compiler)

/** A name resolved to a package export, and what decided it (for the report). */
export interface ResolvedExport {
  /** The package, as imported: `graphql`, `@apollo/server`, `mercurius`, ... */
  readonly module: string;
  /** The exported name (`default` for a default import). */
  readonly name: string;
  readonly evidence: string;
  /** The package loads itself (`require('..')` in its own tests): the library's own code, configured on purpose. */
  readonly self?: boolean;
}

/** The package a module specifier loads, for a file: what decided it goes into the evidence. */
export type SpecifierReader = (specifier: string) => {
  readonly module: string;
  readonly note: string;
  readonly self: boolean;
};

/** Specifiers read by their text alone (no file to place them). */
export const readSpecifierText: SpecifierReader = (specifier) => ({
  module: packageOf(specifier),
  note: '',
  self: false,
});

/**
 * Specifiers read as a reviewer reads them in `filePath`: a relative specifier that lands on the package's own root
 * or `main` (`require('..')` in its tests) is that package, by the name in its package.json; either that or the
 * package's own name marks the value `self`.
 */
export function specifierReaderFor(filePath: string | undefined): SpecifierReader {
  if (filePath === undefined) return readSpecifierText;
  return (specifier) => {
    const self = selfReferencedPackage(filePath, specifier);
    if (self === undefined) return readSpecifierText(specifier);
    const note = specifier.startsWith('.')
      ? `, this package's own root, whose package.json names it '${self.name}'`
      : ', this package itself';
    return { module: self.name, note, self: true };
  };
}

/**
 * `graphql`, `graphql/execution`, `graphql/language/parser`, ... are all graphql-js; so are Deno's and the browser's
 * spellings `npm:graphql@16` and `https://cdn.skypack.dev/graphql@16.0.0?dts` (a version and a query dropped).
 */
export function packageOf(specifier: string): string {
  const url = /^https?:\/\/[^/]+\/(.*)$/.exec(specifier);
  const bare = url ? url[1]! : specifier.startsWith('npm:') ? specifier.slice('npm:'.length) : specifier;
  const parts = bare.split('/');
  const name = bare.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
  return name.replace(/\?.*$/, '').replace(/(?!^)@.*$/, '');
}

/** The package whose typings declare a file (`.../node_modules/@types/x/...` → `x`), or undefined. */
function packageOfFile(fileName: string): string | undefined {
  const match =
    /[\\/]node_modules[\\/](?:@types[\\/])?((?:@[^\\/]+[\\/])?[^\\/]+)[\\/](?!.*[\\/]node_modules[\\/])/.exec(fileName);
  return match?.[1]?.replace(/\\/g, '/');
}

/** `declare module 'x' { ... }` around a declaration (a project's own typings for an untyped package) → 'x'. */
function ambientModuleOf(declaration: ts.Node): string | undefined {
  for (let node: ts.Node | undefined = declaration.parent; node; node = node.parent) {
    const name = (node as { name?: { text?: unknown } }).name;
    if (typeof name?.text === 'string' && /^declare\s+module\s+['"]/.test(node.getText())) return packageOf(name.text);
  }
  return undefined;
}

function fromTypes(node: TSESTree.Node, types: TypeServices): ResolvedExport | undefined {
  const target = node.type === 'MemberExpression' ? node.property : node;
  const tsNode = types.esTreeNodeToTSNodeMap.get(target as never) as ts.Node | undefined;
  if (!tsNode) return undefined;
  const checker = types.program.getTypeChecker();
  let symbol = checker.getSymbolAtLocation(tsNode);
  if (!symbol) return undefined;
  if (symbol.flags & SYMBOL_FLAGS_ALIAS) symbol = checker.getAliasedSymbol(symbol);
  const declaration = symbol.getDeclarations()?.[0];
  if (!declaration) return undefined;
  const fileName = declaration.getSourceFile().fileName;
  const module = packageOfFile(fileName) ?? ambientModuleOf(declaration);
  if (module === undefined)
    return { module: '', name: symbol.getName(), evidence: 'the type checker: declared in this project' };
  return { module, name: symbol.getName(), evidence: `the type checker: declared by ${module}` };
}

function fromBindings(node: TSESTree.Node, index: BindingIndex, read: SpecifierReader): ResolvedExport | undefined {
  const exported = (specifier: string, name: string, how: string): ResolvedExport => {
    const { module, note, self } = read(specifier);
    return { module, name, evidence: `${how} '${specifier}'${note}`, ...(self ? { self } : {}) };
  };
  if (node.type === 'Identifier') {
    const binding = index.resolve(node);
    if (binding === undefined) return undefined;
    if (
      binding.kind === 'import' &&
      binding.importFrom !== undefined &&
      binding.importedName !== undefined &&
      binding.importedName !== '*'
    ) {
      return exported(binding.importFrom, binding.importedName, 'imported from');
    }
    // const { graphql } = require('graphql'); const parse = require('graphql').parse
    if (binding.kind === 'variable' && binding.init?.type === 'CallExpression' && binding.path?.length === 1) {
      const from = requireSpecifier(binding.init);
      if (from !== undefined) return exported(from, binding.path[0]!, 'required from');
    }
    if (binding.kind === 'variable' && binding.init?.type === 'MemberExpression' && binding.path?.length === 0) {
      return fromBindings(binding.init, index, read);
    }
    // const mercurius = require('mercurius')
    if (binding.kind === 'variable' && binding.init?.type === 'CallExpression' && binding.path?.length === 0) {
      const from = requireSpecifier(binding.init);
      if (from !== undefined) return exported(from, 'default', 'required from');
    }
    return undefined;
  }
  if (node.type === 'MemberExpression' && !node.computed && node.property.type === 'Identifier') {
    const name = node.property.name;
    const object = node.object;
    // require('graphql').parse
    if (object.type === 'CallExpression') {
      const from = requireSpecifier(object);
      return from === undefined ? undefined : exported(from, name, 'required from');
    }
    if (object.type !== 'Identifier') return undefined;
    const binding = index.resolve(object);
    if (binding?.kind === 'import' && binding.importedName === '*' && binding.importFrom !== undefined) {
      return exported(binding.importFrom, name, 'namespace import of');
    }
    if (binding?.kind === 'variable' && binding.init?.type === 'CallExpression' && binding.path?.length === 0) {
      const from = requireSpecifier(binding.init);
      if (from !== undefined) return exported(from, name, 'required from');
    }
  }
  return undefined;
}

/**
 * The export a callee (or constructor, or plugin value) refers to. The checker's answer wins when it has one; a
 * name it cannot place (an `any`, a JavaScript file outside the program) falls back to the import binding.
 */
export function resolveExport(
  node: TSESTree.Node,
  index: BindingIndex,
  types: TypeServices | undefined,
  read: SpecifierReader = readSpecifierText,
): ResolvedExport | undefined {
  if (types) {
    const typed = fromTypes(node, types);
    // Declared in this project: a local name, unless the project is the package itself, loaded by its own root.
    if (typed?.module === '') {
      const bound = fromBindings(node, index, read);
      return bound?.self ? bound : undefined;
    }
    if (typed !== undefined) return typed;
  }
  return fromBindings(node, index, read);
}
