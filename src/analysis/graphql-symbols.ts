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
import type { BindingIndex } from './bindings.js';
import type { TypeServices } from './parse.js';
import { requiredModule } from './pool-values.js';

const SYMBOL_FLAGS_ALIAS = 1 << 21; // ts.SymbolFlags.Alias (a value import of typescript would load the compiler)

/** A name resolved to a package export, and what decided it (for the report). */
export interface ResolvedExport {
  /** The package, as imported: `graphql`, `@apollo/server`, `mercurius`, ... */
  readonly module: string;
  /** The exported name (`default` for a default import). */
  readonly name: string;
  readonly evidence: string;
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
  const match = /[\\/]node_modules[\\/](?:@types[\\/])?((?:@[^\\/]+[\\/])?[^\\/]+)[\\/](?!.*[\\/]node_modules[\\/])/.exec(fileName);
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
  if (module === undefined) return { module: '', name: symbol.getName(), evidence: 'the type checker: declared in this project' };
  return { module, name: symbol.getName(), evidence: `the type checker: declared by ${module}` };
}

function fromBindings(node: TSESTree.Node, index: BindingIndex): ResolvedExport | undefined {
  if (node.type === 'Identifier') {
    const binding = index.resolve(node);
    if (binding === undefined) return undefined;
    if (binding.kind === 'import' && binding.importFrom !== undefined && binding.importedName !== undefined && binding.importedName !== '*') {
      return { module: packageOf(binding.importFrom), name: binding.importedName, evidence: `imported from '${binding.importFrom}'` };
    }
    // const { graphql } = require('graphql'); const parse = require('graphql').parse
    if (binding.kind === 'variable' && binding.init?.type === 'CallExpression' && binding.path?.length === 1) {
      const from = requiredModule(binding.init);
      if (from !== undefined) return { module: packageOf(from), name: binding.path[0]!, evidence: `required from '${from}'` };
    }
    if (binding.kind === 'variable' && binding.init?.type === 'MemberExpression' && binding.path?.length === 0) {
      return fromBindings(binding.init, index);
    }
    // const mercurius = require('mercurius')
    if (binding.kind === 'variable' && binding.init?.type === 'CallExpression' && binding.path?.length === 0) {
      const from = requiredModule(binding.init);
      if (from !== undefined) return { module: packageOf(from), name: 'default', evidence: `required from '${from}'` };
    }
    return undefined;
  }
  if (node.type === 'MemberExpression' && !node.computed && node.property.type === 'Identifier') {
    const name = node.property.name;
    const object = node.object;
    // require('graphql').parse
    if (object.type === 'CallExpression') {
      const from = requiredModule(object);
      return from === undefined ? undefined : { module: packageOf(from), name, evidence: `required from '${from}'` };
    }
    if (object.type !== 'Identifier') return undefined;
    const binding = index.resolve(object);
    if (binding?.kind === 'import' && binding.importedName === '*' && binding.importFrom !== undefined) {
      return { module: packageOf(binding.importFrom), name, evidence: `namespace import of '${binding.importFrom}'` };
    }
    if (binding?.kind === 'variable' && binding.init?.type === 'CallExpression' && binding.path?.length === 0) {
      const from = requiredModule(binding.init);
      if (from !== undefined) return { module: packageOf(from), name, evidence: `required from '${from}'` };
    }
  }
  return undefined;
}

/**
 * The export a callee (or constructor, or plugin value) refers to. The checker's answer wins when it has one; a
 * name it cannot place (an `any`, a JavaScript file outside the program) falls back to the import binding.
 */
export function resolveExport(node: TSESTree.Node, index: BindingIndex, types: TypeServices | undefined): ResolvedExport | undefined {
  if (types) {
    const typed = fromTypes(node, types);
    if (typed !== undefined) return typed.module === '' ? undefined : typed;
  }
  return fromBindings(node, index);
}
