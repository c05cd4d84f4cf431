/**
 * Sniffs a file's own style so that code quickwins adds reads like the code around it:
 * quote character, semicolons, indentation unit and line ending.
 */
import type { TSESTree } from '@typescript-eslint/typescript-estree';
import { forEachChild } from './traverse.js';

export interface CodeStyle {
  readonly quote: "'" | '"';
  readonly semicolons: boolean;
  /** One level of indentation: a tab or some spaces. */
  readonly indent: string;
  readonly eol: '\n' | '\r\n';
}

export const DEFAULT_CODE_STYLE: CodeStyle = { quote: "'", semicolons: true, indent: '  ', eol: '\n' };

export function sniffCodeStyle(program: TSESTree.Program, source: string): CodeStyle {
  return {
    quote: sniffQuote(program),
    semicolons: sniffSemicolons(program, source),
    indent: sniffIndent(source),
    eol: sniffEol(source),
  };
}

/** Enough string literals to tell the file's habit; the walk stops there (imports come first, so a file says it early). */
const QUOTE_SAMPLE = 24;

function sniffQuote(program: TSESTree.Program): CodeStyle['quote'] {
  let single = 0;
  let double = 0;
  const visit = (node: TSESTree.Node): boolean => {
    if (node.type === 'Literal' && typeof node.value === 'string') {
      if (node.raw.startsWith("'")) single++;
      else if (node.raw.startsWith('"')) double++;
      return single + double >= QUOTE_SAMPLE;
    }
    // JSX attribute strings follow JSX's own habit (double quotes), not the file's.
    if (node.type === 'JSXAttribute') return false;
    return forEachChild(node, visit);
  };
  for (const statement of program.body) if (visit(statement)) break;
  return double > single ? '"' : "'";
}

const SEMICOLON_STATEMENTS = new Set([
  'ExpressionStatement',
  'VariableDeclaration',
  'ImportDeclaration',
  'ReturnStatement',
  'ThrowStatement',
]);

function sniffSemicolons(program: TSESTree.Program, source: string): boolean {
  let withSemi = 0;
  let without = 0;
  for (const statement of program.body) {
    const node =
      statement.type === 'ExportNamedDeclaration' && statement.declaration ? statement.declaration : statement;
    if (!SEMICOLON_STATEMENTS.has(node.type)) continue;
    if (source[node.range[1] - 1] === ';') withSemi++;
    else without++;
  }
  return withSemi >= without;
}

function sniffIndent(source: string): string {
  const counts = new Map<string, number>();
  for (const match of source.matchAll(/^([ \t]+)\S/gm)) {
    const lead = match[1] ?? '';
    const unit = lead.startsWith('\t') ? '\t' : ' '.repeat(Math.min(lead.length, 8));
    counts.set(unit, (counts.get(unit) ?? 0) + 1);
  }
  if (counts.size === 0) return DEFAULT_CODE_STYLE.indent;
  if ((counts.get('\t') ?? 0) > 0 && (counts.get('\t') ?? 0) >= Math.max(...[...counts.values()]) / 2) return '\t';
  // The smallest space run that is common enough is the unit (2 or 4 in practice).
  const spaceUnits = [...counts.keys()]
    .filter((unit) => unit !== '\t')
    .map((unit) => unit.length)
    .sort((a, b) => a - b);
  return ' '.repeat(spaceUnits[0] ?? 2);
}

function sniffEol(source: string): CodeStyle['eol'] {
  const crlf = source.split('\r\n').length - 1;
  const lf = source.split('\n').length - 1 - crlf;
  return crlf > lf ? '\r\n' : '\n';
}

/** Quotes `value` as a string literal in the file's own quote style. */
export function quoteString(value: string, style: CodeStyle): string {
  const escaped = value.replace(/\\/g, '\\\\').replaceAll(style.quote, `\\${style.quote}`);
  return `${style.quote}${escaped}${style.quote}`;
}
