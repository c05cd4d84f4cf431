/**
 * Adds named imports once, in the file's own module style, merged with an import of the same
 * module when the file has one. Returns text edits plus the expression to use for each name at
 * the call site (`acquireWithBackpressure`, or `qw.acquireWithBackpressure` behind a namespace
 * import, or an alias when the name is already taken in the file).
 */
import type { TSESTree } from '@typescript-eslint/typescript-estree';
import type { CodeStyle } from './code-style.js';
import { quoteString } from './code-style.js';
import type { ModuleStyle } from './module-style.js';
import { isRequireCall } from './module-style.js';
import { removeListItems, removeStatement, type Ranged, type TextEdit } from './text-edit.js';
import { traverse } from './traverse.js';
import { declarationOf, importedNameOf } from './ast-helpers.js';

export interface ImportRequest {
  /** The module to import from, e.g. `quickwins`. */
  readonly from: string;
  /** The exported names the added code uses. */
  readonly names: readonly string[];
  readonly moduleStyle: ModuleStyle;
  readonly style: CodeStyle;
}

export interface ImportPlan {
  readonly edits: TextEdit[];
  /** For each requested name, the expression that refers to it in this file. */
  readonly references: ReadonlyMap<string, string>;
}

export function planNamedImports(program: TSESTree.Program, source: string, request: ImportRequest): ImportPlan {
  return request.moduleStyle === 'esm'
    ? planEsmImports(program, source, request)
    : planCjsRequires(program, source, request);
}

function planEsmImports(program: TSESTree.Program, source: string, request: ImportRequest): ImportPlan {
  const references = new Map<string, string>();
  const imports = program.body.filter(
    (statement): statement is TSESTree.ImportDeclaration =>
      statement.type === 'ImportDeclaration' &&
      statement.source.value === request.from &&
      statement.importKind !== 'type',
  );
  for (const declaration of imports) {
    for (const specifier of declaration.specifiers) {
      if (specifier.type === 'ImportNamespaceSpecifier') {
        for (const name of request.names)
          if (!references.has(name)) references.set(name, `${specifier.local.name}.${name}`);
      } else if (specifier.type === 'ImportSpecifier' && specifier.importKind !== 'type') {
        const imported = importedNameOf(specifier);
        if (request.names.includes(imported)) references.set(imported, specifier.local.name);
      }
    }
  }
  const missing = request.names.filter((name) => !references.has(name));
  if (missing.length === 0) return { edits: [], references };

  const taken = topLevelBindings(program);
  const specifiers = missing.map((name) => {
    const local = freeName(name, taken);
    references.set(name, local);
    return local === name ? name : `${name} as ${local}`;
  });

  const mergeInto = imports.find((declaration) =>
    declaration.specifiers.every((specifier) => specifier.type !== 'ImportNamespaceSpecifier'),
  );
  if (mergeInto) {
    const named = mergeInto.specifiers.filter((specifier) => specifier.type === 'ImportSpecifier');
    const last = named.at(-1);
    if (last) {
      return { edits: [{ start: last.range[1], end: last.range[1], text: `, ${specifiers.join(', ')}` }], references };
    }
    const defaultSpecifier = mergeInto.specifiers[0];
    if (defaultSpecifier) {
      const end = defaultSpecifier.range[1];
      return { edits: [{ start: end, end, text: `, { ${specifiers.join(', ')} }` }], references };
    }
    // `import {} from 'm'` or a bare `import 'm'`: rewrite it whole.
  }
  const semi = request.style.semicolons ? ';' : '';
  const line = `import { ${specifiers.join(', ')} } from ${quoteString(request.from, request.style)}${semi}`;
  return { edits: [insertStatement(program, source, line, request.style, 'import')], references };
}

function planCjsRequires(program: TSESTree.Program, source: string, request: ImportRequest): ImportPlan {
  const references = new Map<string, string>();
  let mergeInto: TSESTree.ObjectPattern | undefined;
  for (const statement of program.body) {
    if (statement.type !== 'VariableDeclaration') continue;
    for (const declarator of statement.declarations) {
      const init = declarator.init;
      if (!isRequireCall(init) || init.type !== 'CallExpression') continue;
      const argument = init.arguments[0];
      if (argument?.type !== 'Literal' || argument.value !== request.from) continue;
      if (declarator.id.type === 'Identifier') {
        for (const name of request.names)
          if (!references.has(name)) references.set(name, `${declarator.id.name}.${name}`);
      } else if (declarator.id.type === 'ObjectPattern') {
        mergeInto ??= declarator.id;
        for (const property of declarator.id.properties) {
          if (property.type !== 'Property' || property.key.type !== 'Identifier') continue;
          if (request.names.includes(property.key.name) && property.value.type === 'Identifier') {
            references.set(property.key.name, property.value.name);
          }
        }
      }
    }
  }
  const missing = request.names.filter((name) => !references.has(name));
  if (missing.length === 0) return { edits: [], references };

  const taken = topLevelBindings(program);
  const properties = missing.map((name) => {
    const local = freeName(name, taken);
    references.set(name, local);
    return local === name ? name : `${name}: ${local}`;
  });
  const last = mergeInto?.properties.at(-1);
  if (last && last.type !== 'RestElement') {
    return { edits: [{ start: last.range[1], end: last.range[1], text: `, ${properties.join(', ')}` }], references };
  }
  const semi = request.style.semicolons ? ';' : '';
  const line = `const { ${properties.join(', ')} } = require(${quoteString(request.from, request.style)})${semi}`;
  return { edits: [insertStatement(program, source, line, request.style, 'require')], references };
}

/**
 * Inserts a statement on its own line: after the last import (or top-level require), else before
 * the first statement (after a directive prologue such as 'use strict'), so leading comments,
 * a shebang and a blanket eslint-disable header keep their place at the top.
 */
function insertStatement(
  program: TSESTree.Program,
  source: string,
  line: string,
  style: CodeStyle,
  kind: 'import' | 'require',
): TextEdit {
  const anchors = program.body.filter((statement) =>
    kind === 'import'
      ? statement.type === 'ImportDeclaration'
      : statement.type === 'VariableDeclaration' &&
        statement.declarations.some((declarator) => isRequireCall(declarator.init)),
  );
  const after = anchors.at(-1) ?? lastDirective(program);
  if (after) {
    const end = endOfLine(source, after.range[1]);
    return { start: end, end, text: `${style.eol}${line}` };
  }
  const first = program.body[0];
  if (!first) {
    const end = source.length;
    const needsBreak = end > 0 && !source.endsWith('\n');
    return { start: end, end, text: `${needsBreak ? style.eol : ''}${line}${style.eol}` };
  }
  const start = startOfLine(source, leadingCommentStart(program, source, first));
  return { start, end: start, text: `${line}${style.eol}` };
}

function lastDirective(program: TSESTree.Program): TSESTree.Node | undefined {
  let last: TSESTree.Node | undefined;
  for (const statement of program.body) {
    if (statement.type === 'ExpressionStatement' && typeof statement.directive === 'string')
      last = statement; // oxc sets `directive: null` on other statements
    else break;
  }
  return last;
}

/**
 * Where the first statement's own comment block begins: comments directly above it (no blank line
 * between) belong to it, so the import goes above them; a header separated by a blank line stays on top.
 */
function leadingCommentStart(program: TSESTree.Program, source: string, first: TSESTree.Node): number {
  let start = first.range[0];
  const comments = (program.comments ?? []).filter((comment) => comment.range[1] <= first.range[0]);
  for (let index = comments.length - 1; index >= 0; index--) {
    const comment = comments[index];
    // A blank line between the comment and what follows it: two line breaks.
    if (!comment || (source.slice(comment.range[1], start).match(/\n/g)?.length ?? 0) > 1) break;
    // File-level directives stay above everything, like a shebang does.
    if (
      /^\s*(eslint-disable|eslint-enable|eslint\s|global\s|@ts-nocheck|@ts-check|@flow|@jsx)/.test(
        comment.value.replace(/^\*/, ''),
      )
    )
      break;
    start = comment.range[0];
  }
  return start;
}

function startOfLine(source: string, offset: number): number {
  return source.lastIndexOf('\n', offset - 1) + 1;
}

/** End of the line holding `offset`, before its line break; a trailing same-line comment stays with its statement. */
function endOfLine(source: string, offset: number): number {
  const newline = source.indexOf('\n', offset);
  if (newline === -1) return source.length;
  return source[newline - 1] === '\r' ? newline - 1 : newline;
}

/** Names bound at the top level of the module, so an added import never shadows or clashes. */
export function topLevelBindings(program: TSESTree.Program): Set<string> {
  const names = new Set<string>();
  const addPattern = (node: TSESTree.Node | null | undefined): void => {
    if (!node) return;
    switch (node.type) {
      case 'Identifier':
        names.add(node.name);
        break;
      case 'ObjectPattern':
        for (const property of node.properties)
          addPattern(property.type === 'Property' ? property.value : property.argument);
        break;
      case 'ArrayPattern':
        for (const element of node.elements) addPattern(element);
        break;
      case 'AssignmentPattern':
        addPattern(node.left);
        break;
      case 'RestElement':
        addPattern(node.argument);
        break;
      default:
        break;
    }
  };
  for (const raw of program.body) {
    const statement = declarationOf(raw);
    switch (statement.type) {
      case 'ImportDeclaration':
        for (const specifier of statement.specifiers) names.add(specifier.local.name);
        break;
      case 'VariableDeclaration':
        for (const declarator of statement.declarations) addPattern(declarator.id);
        break;
      case 'FunctionDeclaration':
      case 'ClassDeclaration':
      case 'TSEnumDeclaration':
        if (statement.id) names.add(statement.id.name);
        break;
      default:
        break;
    }
  }
  return names;
}

function freeName(name: string, taken: Set<string>): string {
  if (!taken.has(name)) {
    taken.add(name);
    return name;
  }
  let candidate = `qw${name[0]?.toUpperCase() ?? ''}${name.slice(1)}`;
  for (let suffix = 2; taken.has(candidate); suffix++)
    candidate = `qw${name[0]?.toUpperCase() ?? ''}${name.slice(1)}${suffix}`;
  taken.add(candidate);
  return candidate;
}

/** One top-level binding an import or a require brings in, and how to take it out. */
interface ImportedName {
  readonly local: string;
  /** The module specifier, and the name it exports (`default`; `*` for a namespace or a whole require). */
  readonly from: string;
  readonly imported: string;
  /** The statement that declares it. */
  readonly statement: TSESTree.ImportDeclaration | TSESTree.VariableDeclaration;
  /** The specifier, pattern property or declarator that names it. */
  readonly item: Ranged;
}

/** `require('m')` → m; `require('m').name` → m and name (deeper member chains keep the first name). */
function requireOf(init: TSESTree.Expression): { from: string; member: string | undefined } {
  let current: TSESTree.Node = init;
  let member: string | undefined;
  while (current.type === 'MemberExpression') {
    member = !current.computed && current.property.type === 'Identifier' ? current.property.name : '?';
    current = current.object;
  }
  const argument = (current as TSESTree.CallExpression).arguments[0] as TSESTree.StringLiteral;
  return { from: argument.value, member };
}

/** Value bindings of the module's imports and top-level requires (`import type` and `{ type X }` are not values). */
function importedNames(program: TSESTree.Program): ImportedName[] {
  const names: ImportedName[] = [];
  for (const statement of program.body) {
    if (statement.type === 'ImportDeclaration') {
      if (statement.importKind === 'type') continue;
      for (const specifier of statement.specifiers) {
        if (specifier.type === 'ImportSpecifier' && specifier.importKind === 'type') continue;
        const imported = importedNameOf(specifier);
        names.push({ local: specifier.local.name, from: statement.source.value, imported, statement, item: specifier });
      }
      continue;
    }
    if (statement.type !== 'VariableDeclaration') continue;
    for (const declarator of statement.declarations) {
      const init = declarator.init;
      if (!isRequireCall(init)) continue;
      const { from, member } = requireOf(init);
      if (declarator.id.type === 'Identifier')
        names.push({ local: declarator.id.name, from, imported: member ?? '*', statement, item: declarator });
      else if (declarator.id.type === 'ObjectPattern' && member === undefined) {
        for (const property of declarator.id.properties) {
          if (property.type !== 'Property' || property.value.type !== 'Identifier') continue;
          const imported = property.key.type === 'Identifier' && !property.computed ? property.key.name : '?';
          names.push({ local: property.value.name, from, imported, statement, item: property });
        }
      }
    }
  }
  return names;
}

/**
 * Where each name is read, by name: every identifier (and JSX name) except the names a declaration binds, a
 * non-computed member or key, and the imports' own specifiers. By name, not by scope: a shadowing local keeps an import
 * counted as used, so an import in use is never removed.
 */
function readsByName(program: TSESTree.Program, declarations: ReadonlySet<TSESTree.Node>): Map<string, number[]> {
  const reads = new Map<string, number[]>();
  const skipped: (readonly [number, number])[] = [...declarations].map((node) => node.range);
  traverse(program, (node, parent) => {
    if (node.type !== 'Identifier' && node.type !== 'JSXIdentifier') return;
    if (skipped.some(([start, end]) => node.range[0] >= start && node.range[1] <= end)) return;
    if (parent?.type === 'MemberExpression' && parent.property === node && !parent.computed) return;
    if (
      (parent?.type === 'Property' || parent?.type === 'MethodDefinition' || parent?.type === 'PropertyDefinition') &&
      parent.key === node &&
      !parent.computed
    ) {
      if (parent.type !== 'Property' || !parent.shorthand) return;
    }
    let list = reads.get(node.name);
    if (list === undefined) reads.set(node.name, (list = []));
    list.push(node.range[0]);
  });
  return reads;
}

/**
 * Edits removing the imports a rewrite leaves unread: a name counts when it was read inside `replaced` (the text the
 * rewrite swaps out, such as `graphql` in `graphql(...)`) and nowhere else. Its specifier goes from the list
 * (`import { execute, parse } from 'graphql'` → `import { execute } from 'graphql'`, `const { parse, graphql } =
 * require('graphql')` → `const { graphql } = require('graphql')`); a declaration left empty goes whole. Names that
 * were already unread before the rewrite stay (they are not the rewrite's to judge), as does every other byte.
 */
export function planUnusedImportRemovals(
  program: TSESTree.Program,
  source: string,
  replaced: readonly (readonly [number, number])[],
): TextEdit[] {
  const names = importedNames(program);
  if (names.length === 0 || replaced.length === 0) return [];
  const reads = readsOfImports(program, names);
  const inside = (offset: number): boolean => replaced.some(([start, end]) => offset >= start && offset < end);
  const unread = names.filter((name) => {
    const offsets = reads.get(name.local) ?? [];
    return offsets.some(inside) && offsets.every(inside);
  });
  return removalEdits(source, names, unread);
}

/** An import nothing in the file reads, with the edits that take it out alone. */
export interface UnreadImport {
  /** The specifier, pattern property or declarator that names it (where a report points). */
  readonly node: TSESTree.Node;
  readonly local: string;
  readonly from: string;
  readonly imported: string;
  readonly edits: TextEdit[];
}

/**
 * The value imports and top-level requires `wanted` picks (by module and exported name) that nothing in the file
 * reads, each with the edits that remove it alone (a lint fix per name). For what a completed migration leaves behind,
 * e.g. graphql's `graphql` once every call of it went to the cache in separate fixes.
 */
export function findUnreadImports(
  program: TSESTree.Program,
  source: string,
  wanted: (from: string, imported: string) => boolean,
): UnreadImport[] {
  const names = importedNames(program).filter((name) => wanted(name.from, name.imported));
  if (names.length === 0) return [];
  const all = importedNames(program);
  const reads = readsOfImports(program, all);
  return names
    .filter((name) => (reads.get(name.local) ?? []).length === 0)
    .map((name) => ({
      node: name.item as TSESTree.Node,
      local: name.local,
      from: name.from,
      imported: name.imported,
      edits: removalEdits(source, all, [name]),
    }));
}

/** Where each imported name is read, the imports' own declarations aside. */
function readsOfImports(program: TSESTree.Program, names: readonly ImportedName[]): Map<string, number[]> {
  const declarations = new Set<TSESTree.Node>();
  for (const name of names) {
    if (name.statement.type === 'ImportDeclaration') {
      declarations.add(name.statement);
      continue;
    }
    // A declarator's initializer is code that reads names: only its pattern is a declaration.
    const declarator = name.statement.declarations.find(
      (candidate) => candidate.range[0] <= name.item.range[0] && name.item.range[1] <= candidate.range[1],
    );
    if (declarator) declarations.add(declarator.id);
  }
  return readsByName(program, declarations);
}

function removalEdits(source: string, names: readonly ImportedName[], going: readonly ImportedName[]): TextEdit[] {
  if (going.length === 0) return [];
  const unread = new Set<Ranged>(going.map((name) => name.item));
  const edits: TextEdit[] = [];
  for (const statement of new Set(names.map((name) => name.statement))) {
    if (statement.type === 'ImportDeclaration') edits.push(...removeFromImport(source, statement, unread));
    else edits.push(...removeFromRequires(source, statement, unread));
  }
  return edits;
}

function removeFromImport(
  source: string,
  declaration: TSESTree.ImportDeclaration,
  unread: ReadonlySet<Ranged>,
): TextEdit[] {
  const specifiers = declaration.specifiers;
  const going = specifiers.filter((specifier) => unread.has(specifier));
  if (going.length === 0) return [];
  // `type` specifiers stay; a declaration left with none goes whole.
  if (going.length === specifiers.length) return [removeStatement(source, declaration)];
  const named = specifiers.filter((specifier) => specifier.type === 'ImportSpecifier');
  const leading = specifiers.find((specifier) => specifier.type !== 'ImportSpecifier');
  const edits: TextEdit[] = [];
  if (named.length > 0 && named.every((specifier) => unread.has(specifier))) {
    // `import G, { parse } from 'graphql'` → `import G from 'graphql'`: from after the default to the closing brace.
    const close = source.indexOf('}', named.at(-1)!.range[1]);
    edits.push({ start: leading!.range[1], end: close + 1, text: '' });
  } else {
    edits.push(...removeListItems(source, named, unread));
  }
  if (leading !== undefined && unread.has(leading)) {
    // `import G, { execute } from 'graphql'` → `import { execute } from 'graphql'`: the default and its comma.
    const next = specifiers[specifiers.indexOf(leading) + 1]!;
    const brace = next.type === 'ImportSpecifier' ? source.lastIndexOf('{', next.range[0]) : next.range[0];
    edits.push({ start: leading.range[0], end: brace, text: '' });
  }
  return edits;
}

function removeFromRequires(
  source: string,
  declaration: TSESTree.VariableDeclaration,
  unread: ReadonlySet<Ranged>,
): TextEdit[] {
  const emptied = new Set<Ranged>();
  const edits: TextEdit[] = [];
  for (const declarator of declaration.declarations) {
    if (unread.has(declarator)) emptied.add(declarator);
    else if (declarator.id.type === 'ObjectPattern') {
      const properties = declarator.id.properties;
      const going = properties.filter((property) => unread.has(property));
      if (going.length === 0) continue;
      if (going.length === properties.length) emptied.add(declarator);
      else edits.push(...removeListItems(source, properties, unread));
    }
  }
  if (emptied.size === 0) return edits;
  if (emptied.size === declaration.declarations.length) return [removeStatement(source, declaration)];
  return [...edits, ...removeListItems(source, declaration.declarations, emptied)];
}
