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
import type { TextEdit } from './text-edit.js';

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
      statement.type === 'ImportDeclaration' && statement.source.value === request.from && statement.importKind !== 'type',
  );
  for (const declaration of imports) {
    for (const specifier of declaration.specifiers) {
      if (specifier.type === 'ImportNamespaceSpecifier') {
        for (const name of request.names) if (!references.has(name)) references.set(name, `${specifier.local.name}.${name}`);
      } else if (specifier.type === 'ImportSpecifier' && specifier.importKind !== 'type') {
        const imported = specifier.imported.type === 'Identifier' ? specifier.imported.name : specifier.imported.value;
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
        for (const name of request.names) if (!references.has(name)) references.set(name, `${declarator.id.name}.${name}`);
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
      : statement.type === 'VariableDeclaration' && statement.declarations.some((declarator) => isRequireCall(declarator.init)),
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
    if (statement.type === 'ExpressionStatement' && typeof statement.directive === 'string') last = statement; // oxc sets `directive: null` on other statements
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
    if (/^\s*(eslint-disable|eslint-enable|eslint\s|global\s|@ts-nocheck|@ts-check|@flow|@jsx)/.test(comment.value.replace(/^\*/, ''))) break;
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
        for (const property of node.properties) addPattern(property.type === 'Property' ? property.value : property.argument);
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
    const statement =
      (raw.type === 'ExportNamedDeclaration' || raw.type === 'ExportDefaultDeclaration') && raw.declaration
        ? raw.declaration
        : raw;
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
  for (let suffix = 2; taken.has(candidate); suffix++) candidate = `qw${name[0]?.toUpperCase() ?? ''}${name.slice(1)}${suffix}`;
  taken.add(candidate);
  return candidate;
}
