/**
 * The codemods' parser (oxc-parser through parseSource) against typescript-estree, the parser of type-aware runs and
 * of typescript-eslint: every fixture of every codemod must give the same edits and the same reported sites from
 * either AST, so a run with types and a run without differ only by what the checker knows. Also: parse errors with
 * their position, the parser picked by extension, comments with `range` and `loc`, and the trivia and position helpers
 * that stand in for `loc` and a token list.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseWithTypescriptEstree, type TSESTree } from '@typescript-eslint/typescript-estree';
import { describe, expect, it } from 'vitest';
import { codemod as authLogging } from '../../codemods/auth-logging.js';
import { codemod as poolBackpressure } from '../../codemods/pool-backpressure.js';
import type { Codemod, CodemodResult } from '../../src/codemod-host/codemod.js';
import { resolveOptionsOf } from '../../src/codemod-host/options.js';
import { parseSource, positionAt, positionsOf, SourceParseError } from '../../src/core/parse.js';
import { traverse } from '../../src/core/traverse.js';
import { Trivia } from '../../src/core/trivia.js';
import { REPO_ROOT } from '../support/pool-ts-project.js';

function typescriptEstree(filePath: string, source: string): TSESTree.Program {
  return parseWithTypescriptEstree(source, {
    filePath,
    jsx: /\.(?:tsx|[cm]?jsx?)$/.test(filePath),
    range: true,
    loc: true,
    comment: true,
    tokens: true,
  });
}

type TransformOnAst = (
  filePath: string,
  source: string,
  program: TSESTree.Program,
  raw: Record<string, unknown>,
) => CodemodResult;

/** A codemod's transform on an AST given, its options resolved from a fixture's raw values as the runner does. */
function onAst<Options>(codemod: Codemod<Options>): TransformOnAst {
  return (filePath, source, program, raw) =>
    codemod.transform({ filePath, source, program, options: resolveOptionsOf(codemod, raw).options });
}

const CODEMODS: readonly {
  readonly folder: string;
  readonly id: string;
  readonly transform: TransformOnAst;
  readonly options: Record<string, unknown>;
}[] = [
  {
    folder: 'fixtures/pool-backpressure',
    id: poolBackpressure.id,
    transform: onAst(poolBackpressure),
    options: { importFrom: '@quickwins/runtime', query: true },
  },
  { folder: 'fixtures/auth-logging', id: authLogging.id, transform: onAst(authLogging), options: {} },
];

describe('oxc and typescript-estree give the codemods the same answers', () => {
  for (const { folder, id, transform, options } of CODEMODS) {
    const inputs = readdirSync(join(REPO_ROOT, folder)).filter((file) => file.includes('.input.'));
    it.each(inputs)(`${id}: %s`, (file) => {
      const filePath = join(REPO_ROOT, folder, file);
      const source = readFileSync(filePath, 'utf8');
      const caseOptions = readOptions(filePath.replace(/\.input\.[a-z]+$/, '.options.json'));
      const raw = { ...options, ...caseOptions };
      const fromOxc = transform(filePath, source, parseSource(filePath, source), raw);
      const fromTypescriptEstree = transform(filePath, source, typescriptEstree(filePath, source), raw);
      expect(fromOxc).toEqual(fromTypescriptEstree);
    });
  }
  it('covers fixtures that change something', () => {
    const inputs = readdirSync(join(REPO_ROOT, 'fixtures/pool-backpressure')).filter((file) =>
      file.includes('.input.'),
    );
    expect(inputs.length).toBeGreaterThan(20);
  });
});

/** `<case>.options.json` next to a fixture, when there is one. */
function readOptions(path: string): Record<string, unknown> {
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>) : {};
}

describe('parseSource', () => {
  it('throws the first syntax error with its line (1-based) and column (0-based)', () => {
    const error = captureError(() => parseSource('src/a.ts', 'const ok = 1;\nconst a = ;\n'));
    expect(error).toBeInstanceOf(SourceParseError);
    expect(error).toMatchObject({ lineNumber: 2, column: 10 });
  });

  it('picks the language from the extension: JSX in .tsx and JavaScript files, not in .ts', () => {
    expect(() => parseSource('a.tsx', 'export const A = <T,>(x: T) => <div>{String(x)}</div>;\n')).not.toThrow();
    expect(() => parseSource('a.js', 'export const A = () => <div />;\n')).not.toThrow();
    expect(() => parseSource('a.ts', 'export const A = () => <div />;\n')).toThrow(SourceParseError);
    expect(() => parseSource('a.mts', 'export const x = await Promise.resolve(1);\n')).not.toThrow();
    expect(() =>
      parseSource('types.d.ts', 'export declare function f(): void;\nexport function g(a: string): void;\n'),
    ).not.toThrow();
  });

  it('reads a .cts or .cjs file by what it does: `import` in a .cts, `require` in a .cjs', () => {
    expect(parseSource('a.cts', "import { Pool } from 'pg';\nexport const pool = new Pool();\n").body[0]?.type).toBe(
      'ImportDeclaration',
    );
    expect(parseSource('a.cjs', "const { Pool } = require('pg');\nmodule.exports = new Pool();\n").body).toHaveLength(
      2,
    );
  });

  it('returns comments with range and loc, like ESLint', () => {
    const source = '#!/usr/bin/env node\n// one\nconst a = 1; /* two\n three */\n';
    const program = parseSource('bin.js', source);
    expect(
      program.comments?.map((comment) => [
        comment.type,
        comment.value,
        source.slice(...comment.range),
        comment.loc.start,
        comment.loc.end,
      ]),
    ).toEqual([
      ['Line', ' one', '// one', { line: 2, column: 0 }, { line: 2, column: 6 }],
      ['Block', ' two\n three ', '/* two\n three */', { line: 3, column: 13 }, { line: 4, column: 9 }],
    ]);
  });

  it('positions every node where typescript-estree puts it', () => {
    const source = readFileSync(join(REPO_ROOT, 'fixtures/pool-backpressure/module-pool-esm.input.ts'), 'utf8').replace(
      /\n/g,
      '\r\n',
    );
    const positionOf = positionsOf(source);
    let checked = 0;
    traverse(typescriptEstree('a.ts', source), (node) => {
      expect(positionOf(node.range[0])).toEqual(node.loc.start);
      expect(positionAt(source, node.range[1])).toEqual(node.loc.end);
      checked++;
    });
    expect(checked).toBeGreaterThan(50);
  });
});

describe('Trivia', () => {
  const source = 'pool /* a */ . // b */\n  query /* c */ ( sql , /* d */ ) ;';
  const program = parseSource('a.ts', source);
  const trivia = new Trivia(source, program.comments);

  it('skips whitespace and comments forward and backward, and only them', () => {
    const afterPool = source.indexOf('pool') + 4;
    expect(source[trivia.skipForward(afterPool)]).toBe('.');
    expect(source[trivia.skipForward(source.indexOf('query') + 5)]).toBe('(');
    expect(trivia.skipBackward(source.indexOf('query'))).toBe(source.indexOf('.') + 1);
    expect(trivia.previousChar(source.indexOf(')'))).toBe(',');
    expect(trivia.skipBackward(source.indexOf('.'))).toBe(afterPool);
    expect(trivia.skipForward(source.indexOf('sql'))).toBe(source.indexOf('sql'));
  });

  it('stops at the ends of the text', () => {
    expect(trivia.skipBackward(0)).toBe(0);
    expect(trivia.skipForward(source.length)).toBe(source.length);
    expect(new Trivia('  /* only */  ', parseSource('b.ts', '  /* only */  ').comments).skipBackward(14)).toBe(0);
  });
});

function captureError(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}
