/**
 * Tells whether a file is written as an ES module or as CommonJS, so that an added import
 * takes the file's own form (`import { x } from 'm'` or `const { x } = require('m')`).
 */
import type { TSESTree } from '@typescript-eslint/typescript-estree';
import { extname } from 'node:path';

export type ModuleStyle = 'esm' | 'cjs';

export function sniffModuleStyle(
  program: TSESTree.Program,
  filePath: string,
  fallback: ModuleStyle = 'esm',
): ModuleStyle {
  let requires = 0;
  for (const statement of program.body) {
    switch (statement.type) {
      case 'ImportDeclaration':
      case 'ExportAllDeclaration':
      case 'ExportDefaultDeclaration':
        return 'esm';
      case 'ExportNamedDeclaration':
        return 'esm';
      case 'TSImportEqualsDeclaration':
        return 'esm';
      case 'VariableDeclaration':
        if (statement.declarations.some((declarator) => isRequireCall(declarator.init))) requires++;
        break;
      case 'ExpressionStatement':
        if (isModuleExportsAssignment(statement.expression)) requires++;
        break;
      default:
        break;
    }
  }
  if (requires > 0) return 'cjs';
  const extension = extname(filePath).toLowerCase();
  if (extension === '.cjs') return 'cjs';
  if (extension === '.mjs' || extension === '.mts') return 'esm';
  return fallback;
}

/** `require('x')`, also through `await`-free wrappers like `require('x').y`. */
export function isRequireCall(node: TSESTree.Node | null | undefined): node is TSESTree.CallExpression {
  let current = node;
  while (current && current.type === 'MemberExpression') current = current.object;
  return (
    current?.type === 'CallExpression' &&
    current.callee.type === 'Identifier' &&
    current.callee.name === 'require' &&
    current.arguments.length === 1 &&
    current.arguments[0]?.type === 'Literal' &&
    typeof current.arguments[0].value === 'string'
  );
}

function isModuleExportsAssignment(expression: TSESTree.Expression): boolean {
  if (expression.type !== 'AssignmentExpression') return false;
  let target: TSESTree.Node = expression.left;
  while (target.type === 'MemberExpression') target = target.object;
  return target.type === 'Identifier' && (target.name === 'module' || target.name === 'exports');
}
