import { Linter, type Rule } from 'eslint';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  findTsNocheckComments,
  mayHaveBlanketDisable,
  parseRuleList,
  readDisableDirectives,
  suppressionOracle,
  creditOracle,
  type DirectiveSource,
  type ProblemPosition,
} from '../../src/eslint-directives/directives.js';

/** ESLint 10's types no longer declare getSuppressedMessages(), which the Linter still has. */
function suppressedMessages(linter: Linter): Linter.SuppressedLintMessage[] {
  return (linter as Linter & { getSuppressedMessages(): Linter.SuppressedLintMessage[] }).getSuppressedMessages();
}

/** Lints `code` with one rule that does nothing but capture the SourceCode, and returns it. */
function sourceCodeOf(code: string, filename = 'file.js'): DirectiveSource & Rule.RuleContext['sourceCode'] {
  let captured: Rule.RuleContext['sourceCode'] | undefined;
  const capture: Rule.RuleModule = {
    create(context) {
      captured = context.sourceCode;
      return {};
    },
  };
  new Linter().verify(
    code,
    [
      {
        files: ['**/*.js', '**/*.jsx'],
        plugins: { probe: { rules: { capture } } },
        rules: { 'probe/capture': 'error' },
        languageOptions: { parserOptions: { ecmaFeatures: { jsx: true } } },
      },
    ],
    filename,
  );
  if (!captured) throw new Error('rule did not run');
  return captured as DirectiveSource & Rule.RuleContext['sourceCode'];
}

describe('readDisableDirectives', () => {
  it('reads what ESLint reads and classifies blanket vs named', () => {
    const code = [
      '/* eslint-disable */',
      '/* eslint-disable no-console, "eqeqeq" -- legacy */',
      'const s = "/* eslint-disable */";',
      '/** eslint-disable */',
      '// eslint-disable',
      'foo(); // eslint-disable-line',
      '/* eslint-disable-next-line -- reason */',
      '/* eslint-enable */',
    ].join('\n');
    const directives = readDisableDirectives(sourceCodeOf(code));
    expect(directives.map((d) => [d.comment.loc.start.line, d.label, d.rules, d.blanket, d.justification])).toEqual([
      [1, 'eslint-disable', [], true, ''],
      [2, 'eslint-disable', ['no-console', 'eqeqeq'], false, 'legacy'],
      [6, 'eslint-disable-line', [], true, ''],
      [7, 'eslint-disable-next-line', [], true, 'reason'],
      [8, 'eslint-enable', [], false, ''],
    ]);
  });

  it('ignores a shebang and reads JSX comments', () => {
    const code = '#!/usr/bin/env node\nconst a = <div>{/* eslint-disable-next-line */}<b /></div>;';
    const directives = readDisableDirectives(sourceCodeOf(code, 'file.jsx'));
    expect(directives.map((d) => [d.comment.loc.start.line, d.kind, d.blanket])).toEqual([
      [2, 'disable-next-line', true],
    ]);
  });
});

describe('readDisableDirectives on early ESLint 9 (getInlineConfigNodes only)', () => {
  const commentArbitrary = fc.constantFrom(
    '/* eslint-disable */',
    '/*eslint-disable no-console*/',
    '/* eslint-disable -- why */',
    '/* eslint-disable no-console -- why -- really */',
    '// eslint-disable',
    '// eslint-disable-line',
    '// eslint-disable-next-line a, b',
    '/* eslint-disable-line\n */',
    '/* eslint-disable-next-line\n */',
    '/* eslint-disable-lines */',
    '/* eslint-enable */',
    '// eslint-enable',
    '/* eslint no-console: 1 */',
    '/* global foo */',
    '/** eslint-disable */',
    '/* eslint-disable--x */',
    'x; // plain',
  );
  it('parses the directive comments exactly as getDisableDirectives() does', () => {
    fc.assert(
      fc.property(fc.array(commentArbitrary, { minLength: 1, maxLength: 6 }), (lines) => {
        const sourceCode = sourceCodeOf(lines.join('\n'));
        const early: DirectiveSource = { getInlineConfigNodes: () => sourceCode.getInlineConfigNodes!() };
        expect(readDisableDirectives(early)).toEqual(readDisableDirectives(sourceCode));
      }),
      { numRuns: 200 },
    );
  });
});

describe('parseRuleList', () => {
  it('splits, trims, unquotes and drops empty entries like ESLint', () => {
    expect(parseRuleList(' a , "b", \'c\' ,, ')).toEqual(['a', 'b', 'c']);
    expect(parseRuleList('')).toEqual([]);
    expect(parseRuleList(' , ')).toEqual([]);
  });
});

describe('findTsNocheckComments', () => {
  const found = (code: string): number[] => {
    const sourceCode = sourceCodeOf(code);
    return findTsNocheckComments(sourceCode.ast.comments as never, sourceCode.ast.tokens[0]).map(
      (c) => c.loc.start.line,
    );
  };
  it('finds the pragma among the leading line comments only, as TypeScript does', () => {
    expect(found('// @ts-nocheck\nconst a = 1;')).toEqual([1]);
    expect(found('#!/usr/bin/env node\n/* x */\n///   @ts-nocheck   \nx;')).toEqual([3]);
    expect(found('// @TS-NOCHECK\n')).toEqual([1]);
    expect(found('// @ts-nocheck: legacy file\nx;')).toEqual([1]);
    expect(found('const a = 1;\n// @ts-nocheck\n')).toEqual([]);
    expect(found('/* @ts-nocheck */\n')).toEqual([]);
    expect(found('// @ts-nocheckers\n// text @ts-nocheck\n')).toEqual([]);
  });
});

/**
 * The oracle is a port of ESLint's apply-disable-directives.js; this checks it against the real Linter on
 * random files made of directives of every kind (blanket and named, for the probed rule and another one),
 * probing every position from column 0 to past the end of each line.
 */
describe('suppressionOracle agrees with ESLint', () => {
  const lineArbitrary = fc.oneof(
    fc.constant('x;'),
    fc
      .constantFrom('', 'probe/at', 'probe/other', 'probe/at, probe/other')
      .chain((rules) =>
        fc.constantFrom(
          `/* eslint-disable ${rules} */`,
          `/* eslint-enable ${rules} */`,
          `x; // eslint-disable-line ${rules}`,
          `// eslint-disable-next-line ${rules}`,
          `x; /* eslint-disable-next-line ${rules} */`,
          `  /* eslint-disable ${rules} */ x;`,
          `x; /* eslint-enable ${rules} */`,
        ),
      ),
    fc.constant('/* eslint-disable-next-line\n */'),
  );

  it('for every position of random files', () => {
    fc.assert(
      fc.property(fc.array(lineArbitrary, { minLength: 1, maxLength: 8 }), (lines) => {
        const code = lines.join('\n');
        const lineLengths = code.split('\n').map((line) => line.length);
        const positions: ProblemPosition[] = lineLengths.flatMap((length, index) =>
          Array.from({ length: length + 2 }, (_, column) => ({ line: index + 1, column })),
        );
        const at: Rule.RuleModule = {
          create(context) {
            return {
              Program() {
                for (const position of positions) {
                  context.report({
                    loc: { line: position.line, column: position.column - 1 },
                    message: `${position.line}:${position.column}`,
                  });
                }
              },
            };
          },
        };
        const other: Rule.RuleModule = { create: () => ({}) };
        let sourceCode: DirectiveSource | undefined;
        const capture: Rule.RuleModule = {
          create(context) {
            sourceCode = context.sourceCode as unknown as DirectiveSource;
            return {};
          },
        };
        const linter = new Linter();
        linter.verify(code, [
          {
            plugins: { probe: { rules: { at, other, capture } } },
            rules: { 'probe/at': 'error', 'probe/other': 'error', 'probe/capture': 'error' },
            linterOptions: { reportUnusedDisableDirectives: 'off' },
          },
        ]);
        const actual = new Set(suppressedMessages(linter).map((message) => message.message));
        const oracle = suppressionOracle(readDisableDirectives(sourceCode!));
        for (const position of positions) {
          expect(oracle(position, 'probe/at'), `${JSON.stringify(lines)} at ${position.line}:${position.column}`).toBe(
            actual.has(`${position.line}:${position.column}`),
          );
        }
      }),
      { numRuns: 150 },
    );
  });
});

describe('creditOracle agrees with ESLint', () => {
  const lineArbitrary = fc.oneof(
    fc.constant('x;'),
    fc
      .constantFrom('', 'probe/at')
      .chain((rules) =>
        fc.constantFrom(
          `/* eslint-disable ${rules} */`,
          `/* eslint-enable ${rules} */`,
          `x; // eslint-disable-line ${rules}`,
          `// eslint-disable-next-line ${rules}`,
          `  /* eslint-disable ${rules} */ x;`,
        ),
      ),
  );

  it('credits exactly the disable directives ESLint does not report as unused', () => {
    fc.assert(
      fc.property(
        fc.array(lineArbitrary, { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 1, max: 6 }),
        (lines, every) => {
          const code = lines.join('\n');
          // Problems at some positions only, so that some directives go unused.
          const positions: ProblemPosition[] = code
            .split('\n')
            .flatMap((text, index) =>
              Array.from({ length: text.length + 1 }, (_, column) => ({ line: index + 1, column: column + 1 })),
            )
            .filter((position) => (position.line * 7 + position.column) % every === 0);
          const at: Rule.RuleModule = {
            create: (context) => ({
              Program() {
                for (const position of positions)
                  context.report({ loc: { line: position.line, column: position.column - 1 }, message: 'p' });
              },
            }),
          };
          let sourceCode: DirectiveSource | undefined;
          const capture: Rule.RuleModule = {
            create(context) {
              sourceCode = context.sourceCode as unknown as DirectiveSource;
              return {};
            },
          };
          const messages = new Linter().verify(code, [
            {
              plugins: { probe: { rules: { at, capture } } },
              rules: { 'probe/at': 'error', 'probe/capture': 'error' },
              linterOptions: { reportUnusedDisableDirectives: 'warn' },
            },
          ]);
          const directives = readDisableDirectives(sourceCode!);
          const credit = creditOracle(directives);
          const credited = new Set(
            positions.map((position) => credit(position, 'probe/at')).filter((directive) => directive !== undefined),
          );
          const unusedLines = new Set(
            messages
              .filter((message) => message.ruleId === null && message.message.startsWith('Unused eslint-disable'))
              .map((message) => `${message.line}:${message.column}`),
          );
          for (const directive of directives.filter((candidate) => candidate.kind !== 'enable')) {
            const where = `${directive.comment.loc.start.line}:${directive.comment.loc.start.column + 1}`;
            expect(credited.has(directive), `${JSON.stringify(lines)} every ${every}: ${where}`).toBe(
              !unusedLines.has(where),
            );
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('mayHaveBlanketDisable', () => {
  it('is never false when a blanket disable is there (a safe pre-filter)', () => {
    const commentArbitrary = fc.constantFrom(
      '/* eslint-disable */',
      '/* eslint-disable , */',
      '/* eslint-disable "" */',
      "/* eslint-disable '\"' */",
      '/* eslint-disable a */',
      '// eslint-disable-line',
      '// eslint-disable-line b, c',
      '/* eslint-enable */',
      '/* eslint-enable a */',
      'x;',
    );
    fc.assert(
      fc.property(fc.array(commentArbitrary, { minLength: 1, maxLength: 5 }), (lines) => {
        const sourceCode = sourceCodeOf(lines.join('\n'));
        const blanket = readDisableDirectives(sourceCode).some((directive) => directive.blanket);
        if (blanket) expect(mayHaveBlanketDisable(sourceCode)).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it('is false for files whose directives all name rules or enable', () => {
    expect(
      mayHaveBlanketDisable(
        sourceCodeOf('/* eslint-disable a */\nx; // eslint-disable-line b, c\n/* eslint-enable */'),
      ),
    ).toBe(false);
    expect(mayHaveBlanketDisable(sourceCodeOf('const s = "/* eslint-disable */";'))).toBe(false);
    expect(mayHaveBlanketDisable(sourceCodeOf('x; // eslint-disable-line -- why'))).toBe(true);
  });
});
