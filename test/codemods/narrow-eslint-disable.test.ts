// The narrow-eslint-disable codemod's project session, driven directly with the real ESLint 10 on a temp project:
// property checks over generated files (every mix of directive forms, overlapping regions, reasons, CRLF), and the
// synchronous transform the jscodeshift front door runs.
import fc from 'fast-check';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codemod } from '../../codemods/narrow-eslint-disable.js';
import { parseSource } from '../../src/core/parse.js';
import { applyTextEdits } from '../../src/core/text-edit.js';
import { CodemodSetupError, type ProjectSession } from '../../src/codemod-host/codemod.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

const CONFIG = `export default [{
  files: ['**/*.js'],
  languageOptions: { ecmaVersion: 'latest', sourceType: 'module', globals: { console: 'readonly' } },
  rules: { eqeqeq: 'error', 'no-console': 'warn', 'no-var': 'error', 'no-debugger': 'error', 'no-empty': 'error', 'no-undef': 'error' },
}];
`;

let project: string;
let session: ProjectSession;

beforeAll(async () => {
  project = mkdtempSync(join(tmpdir(), 'quickwins-narrow-'));
  writeFileSync(join(project, 'package.json'), '{ "type": "module" }\n');
  writeFileSync(join(project, 'eslint.config.js'), CONFIG);
  mkdirSync(join(project, 'src'));
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(project, 'node_modules'), 'dir');
  session = await codemod.prepareProject!({ cwd: project, files: [join(project, 'src', 'probe.js')], options: {} });
});

afterAll(() => rmSync(project, { recursive: true, force: true }));

/** Statements that each make one core rule report (or none), one per line. */
const STATEMENTS = [
  'var legacy = 1;',
  'if (legacy == 2) legacy = 3;',
  'debugger;',
  "console.log('x');",
  'if (legacy) {}',
  'missing();',
  'legacy += 1;',
  '',
];

/** Directives: whole lines, or comments added at the end of a statement line. */
const DIRECTIVE_LINES = [
  '/* eslint-disable */',
  '/* eslint-disable -- legacy */',
  '/* eslint-enable */',
  '/* eslint-disable no-var */',
  '/* eslint-enable no-var */',
  '/* eslint-enable eqeqeq, no-debugger */',
  '// eslint-disable-next-line',
  '/* eslint-disable-next-line -- why */',
  '// eslint-disable-next-line eqeqeq',
];
const TRAILING = [' // eslint-disable-line', ' /* eslint-disable-line */', ' // eslint-disable-line no-console', ''];

const line = fc.oneof(
  fc
    .record({ statement: fc.constantFrom(...STATEMENTS), trailing: fc.constantFrom(...TRAILING) })
    .map(({ statement, trailing }) => (statement ? statement + trailing : statement)),
  fc.constantFrom(...DIRECTIVE_LINES),
);
const file = fc
  .record({ lines: fc.array(line, { minLength: 1, maxLength: 14 }), crlf: fc.boolean() })
  .map(({ lines, crlf }) => {
    // `legacy` is declared at the top (with var, which may be repeated) so that every file parses; no-var reports it.
    const body = ['var legacy = 0;', ...lines];
    return `${body.join(crlf ? '\r\n' : '\n')}${crlf ? '\r\n' : '\n'}`;
  });

const BLANKET = /eslint-disable(?:-next-line|-line)?\s*(?:\*\/|--|$)/m;

describe('narrow-eslint-disable (project session)', () => {
  it('names exactly what each blanket directive hides: the invariant always holds, a second run changes nothing, only directives are edited', async () => {
    await fc.assert(
      fc.asyncProperty(file, async (source) => {
        const filePath = join(project, 'src', 'probe.js');
        const first = await session.transformFile({ filePath, source });
        // The session lints the rewrite itself: a file left for a changed lint result would be a planning bug.
        expect(first.left).toEqual([]);
        for (const edit of first.edits) expect(source.slice(edit.start, edit.end)).toMatch(/eslint-(?:disable|enable)/);
        const output = applyTextEdits(source, first.edits);
        expect(output).not.toMatch(BLANKET);
        expect(() => parseSource(filePath, output)).not.toThrow();
        // Line endings as they were: no LF-only line in a CRLF file.
        if (source.includes('\r\n')) expect(output.replace(/\r\n/g, '')).not.toContain('\n');
        const second = await session.transformFile({ filePath, source: output });
        expect(second.edits).toEqual([]);
      }),
      { numRuns: 150, seed: 13 },
    );
  }, 120_000);

  it('names plugin-style rule ids sorted, keeps the reason, and adds --description only where there is none', async () => {
    const described = await codemod.prepareProject!({ cwd: project, files: [], options: { description: 'legacy' } });
    const filePath = join(project, 'src', 'reasons.js');
    const source = [
      '/* eslint-disable -- kept */',
      'var a = 1; debugger;',
      '/* eslint-enable */',
      'if (a == 1) a = 2; // eslint-disable-line',
      '',
    ].join('\n');
    const result = await described.transformFile({ filePath, source });
    expect(applyTextEdits(source, result.edits)).toBe(
      [
        '/* eslint-disable no-debugger, no-var -- kept */',
        'var a = 1; debugger;',
        '/* eslint-enable no-debugger, no-var */',
        'if (a == 1) a = 2; // eslint-disable-line eqeqeq -- legacy',
        '',
      ].join('\n'),
    );
    expect(result.rewritten.map((site) => `${site.line}: ${site.message}`)).toEqual([
      '1: eslint-disable → eslint-disable no-debugger, no-var',
      '3: eslint-enable → eslint-enable no-debugger, no-var',
      '4: eslint-disable-line → eslint-disable-line eqeqeq',
    ]);
  });

  it('removes a directive that hides nothing with its line, and the bare eslint-enable that then closes nothing', async () => {
    const filePath = join(project, 'src', 'unused.js');
    const source = [
      'export const a = 1;',
      '/* eslint-disable */',
      'export const b = a;',
      '/* eslint-enable */',
      'export const c = b; /* eslint-disable-line */',
      '',
    ].join('\n');
    const result = await session.transformFile({ filePath, source });
    expect(applyTextEdits(source, result.edits)).toBe(
      ['export const a = 1;', 'export const b = a;', 'export const c = b;', ''].join('\n'),
    );
    expect(result.rewritten.map((site) => site.message)).toEqual([
      'eslint-disable removed: it suppressed nothing',
      'eslint-enable removed: it closed only rules no longer disabled',
      'eslint-disable-line removed: it suppressed nothing',
    ]);
  });

  it('drops from a named eslint-enable inside a blanket region the rules the narrowed region no longer disables', async () => {
    const filePath = join(project, 'src', 'enable.js');
    const source = [
      '/* eslint-disable */',
      'debugger;',
      '/* eslint-enable no-var, no-debugger -- back on */',
      'var b = 1;',
      '/* eslint-enable no-var */',
      '',
    ].join('\n');
    const result = await session.transformFile({ filePath, source });
    expect(result.left).toEqual([]);
    expect(applyTextEdits(source, result.edits)).toBe(
      [
        '/* eslint-disable no-debugger */',
        'debugger;',
        '/* eslint-enable no-debugger -- back on */',
        'var b = 1;',
        '',
      ].join('\n'),
    );
  });

  it('throws a setup error naming the missing config file', async () => {
    await expect(
      codemod.prepareProject!({ cwd: project, files: [], options: { config: 'missing.config.js' } }),
    ).rejects.toThrow(new CodemodSetupError('narrow-eslint-disable: --config: missing.config.js does not exist'));
  });
});

describe('narrow-eslint-disable (synchronous transform, jscodeshift)', () => {
  it('changes nothing and names each blanket directive it cannot prove without the project ESLint', () => {
    const source =
      '/* eslint-disable */\nvar a = 1; // eslint-disable-line no-var\nfoo(); // eslint-disable-line\nconst s = "/* eslint-disable */";\n';
    const result = codemod.transform({ filePath: 'x.js', source, program: parseSource('x.js', source), options: {} });
    expect(result.edits).toEqual([]);
    expect(result.left.map((site) => [site.line, site.column])).toEqual([
      [1, 0],
      [3, 7],
    ]);
    expect(result.left[0]?.message).toMatch(/needs the project's ESLint; run `npx quickwins narrow-eslint-disable`/);
  });

  it('with --ts-nocheck, names each // @ts-nocheck it cannot replace without the project TypeScript', () => {
    const source = '#!/usr/bin/env node\n// @ts-nocheck\nconst a: number = "1";\n';
    const result = codemod.transform({
      filePath: 'x.ts',
      source,
      program: parseSource('x.ts', source),
      options: { tsNocheck: true },
    });
    expect(result.edits).toEqual([]);
    expect(result.left).toEqual([
      {
        line: 2,
        column: 0,
        message:
          "@ts-nocheck left: replacing it needs the project's TypeScript; run `npx quickwins narrow-eslint-disable --ts-nocheck`",
      },
    ]);
    expect(
      codemod.transform({ filePath: 'x.ts', source, program: parseSource('x.ts', source), options: {} }).left,
    ).toEqual([]);
  });
});
