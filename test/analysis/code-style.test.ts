import { describe, expect, it } from 'vitest';
import { quoteString, sniffCodeStyle } from '../../src/core/code-style.js';
import { sniffModuleStyle } from '../../src/core/module-style.js';
import { parseSource } from '../../src/core/parse.js';
import { applyTextEdits } from '../../src/core/text-edit.js';

const styleOf = (source: string, filePath = 'a.ts') => sniffCodeStyle(parseSource(filePath, source), source);

describe('sniffCodeStyle', () => {
  it('reads quotes, semicolons, indentation and line endings', () => {
    expect(styleOf('const a = "x"\nif (a) {\n    b("y")\n}\n')).toEqual({
      quote: '"',
      semicolons: false,
      indent: '    ',
      eol: '\n',
    });
    expect(styleOf("const a = 'x';\r\nif (a) {\r\n\tb();\r\n}\r\n")).toEqual({
      quote: "'",
      semicolons: true,
      indent: '\t',
      eol: '\r\n',
    });
  });

  it('quotes strings in the chosen style', () => {
    expect(quoteString("it's", { quote: "'", semicolons: true, indent: '  ', eol: '\n' })).toBe("'it\\'s'");
    expect(quoteString('say "hi"', { quote: '"', semicolons: true, indent: '  ', eol: '\n' })).toBe('"say \\"hi\\""');
  });
});

describe('sniffModuleStyle', () => {
  const moduleStyleOf = (source: string, filePath: string) => sniffModuleStyle(parseSource(filePath, source), filePath);
  it('prefers what the file does over its extension', () => {
    expect(moduleStyleOf("const pg = require('pg');\n", 'a.js')).toBe('cjs');
    expect(moduleStyleOf("import pg from 'pg';\n", 'a.cjs')).toBe('esm');
    expect(moduleStyleOf('module.exports = 1;\n', 'a.ts')).toBe('cjs');
    expect(moduleStyleOf('const a = 1;\n', 'a.cjs')).toBe('cjs');
    expect(moduleStyleOf('const a = 1;\n', 'a.mts')).toBe('esm');
  });
});

describe('applyTextEdits', () => {
  it('applies edits in offset order and refuses overlapping ones', () => {
    expect(
      applyTextEdits('abcdef', [
        { start: 4, end: 5, text: 'E' },
        { start: 0, end: 0, text: '>' },
      ]),
    ).toBe('>abcdEf');
    expect(() =>
      applyTextEdits('abcdef', [
        { start: 0, end: 3, text: '' },
        { start: 2, end: 4, text: '' },
      ]),
    ).toThrow(/overlapping/);
  });
});
