// `narrow-eslint-disable --ts-nocheck` per file, with the real TypeScript on a temp project: property checks over
// generated files (errors on one or several lines, two on a line, indented, CRLF, a shebang, the pragma's forms) and
// the placement rules (JSX children, literals, eslint-disable-next-line, where the pragma stands).
import fc from 'fast-check';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyTextEdits } from '../../src/core/text-edit.js';
import {
  DEFAULT_EXPECT_ERROR_DESCRIPTION,
  nocheckPragmas,
  pragmaRemoval,
} from '../../src/eslint-directives/ts-nocheck.js';
import { createNocheckRewriter, rewriteNocheck } from '../../src/eslint-directives/ts-nocheck-project.js';
import { createProjectTypeChecker, type ProjectTypeChecker } from '../../src/eslint-directives/typescript-project.js';

let project: string;
let checker: ProjectTypeChecker;
const probe = (name: string): string => join(project, 'src', name);

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), 'quickwins-nocheck-'));
  mkdirSync(join(project, 'src'));
  writeFileSync(
    join(project, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { strict: true, target: 'es2022', module: 'nodenext', jsx: 'preserve', noEmit: true, types: [] },
      include: ['src'],
    }),
  );
  writeFileSync(
    probe('jsx.d.ts'),
    'declare namespace JSX { interface Element {} interface IntrinsicElements { div: { id?: string }; b: {} } }\n',
  );
  for (const name of ['probe.ts', 'view.tsx', 'second.ts']) writeFileSync(probe(name), 'export {};\n');
  checker = createProjectTypeChecker(ts, project);
});

afterAll(() => rmSync(project, { recursive: true, force: true }));

const rewrite = (name: string, source: string, description = DEFAULT_EXPECT_ERROR_DESCRIPTION) => {
  const result = rewriteNocheck(checker, probe(name), source, description);
  return { ...result, output: applyTextEdits(source, result.edits) };
};

/** Units of code, each on one or more lines; `i` keeps names unique. Some have type errors, one per line or two. */
const UNITS: readonly ((i: number) => string)[] = [
  (i) => `const v${i}: number = "x";`,
  (i) => `const ok${i} = ${i};`,
  (i) => `const a${i}: number = "1", b${i}: string = 2;`,
  (i) => `function f${i}(x: number): string {\n  return x * 2;\n}`,
  (i) => `const o${i}: { a: number } = {\n  a: "1",\n};`,
  (i) => `export const call${i} = Math.max(\n  "1",\n  2,\n);`,
  (i) => `// note ${i}`,
  () => '',
];
const TEMPLATE_UNIT = (i: number): string => `const t${i} = \`first\n\${missing${i}} second\`;`;

const generatedFile = fc
  .record({
    shebang: fc.boolean(),
    pragma: fc.constantFrom('// @ts-nocheck', '/// @ts-nocheck', '//@ts-nocheck', '// @ts-nocheck -- legacy'),
    units: fc.array(fc.nat({ max: UNITS.length - 1 }), { minLength: 1, maxLength: 10 }),
    template: fc.boolean(),
    crlf: fc.boolean(),
  })
  .map(({ shebang, pragma, units, template, crlf }) => {
    const lines = [
      ...(shebang ? ['#!/usr/bin/env node'] : []),
      pragma,
      ...units.map((unit, i) => (UNITS[unit] as (i: number) => string)(i)),
    ];
    if (template) lines.push(TEMPLATE_UNIT(units.length));
    const eol = crlf ? '\r\n' : '\n';
    return { source: `${lines.join('\n').split('\n').join(eol)}${eol}`, template };
  });

describe('rewriteNocheck', () => {
  it('type-checks every rewrite: no error left, only the pragma removed and whole directive lines added, a second run finds nothing', () => {
    // A checker of its own, with nothing cached from the rewrite (one for every run: each text gets a new version).
    const independent = createProjectTypeChecker(ts, project);
    fc.assert(
      fc.property(generatedFile, ({ source, template }) => {
        const { edits, left, output } = rewrite('probe.ts', source);
        if (template) {
          // The template's error sits on a line that starts inside the literal: the file stays as it was.
          expect(edits).toEqual([]);
          expect(left[0]?.message).toMatch(/starts inside a string or template literal/);
          return;
        }
        expect(left).toEqual([]);
        expect(nocheckPragmas(ts, output)).toEqual([]);
        // The rewritten file type-checks.
        const fresh = independent.check(probe('second.ts'), output);
        expect(fresh?.semantic().map((diagnostic) => diagnostic.code)).toEqual([]);
        // Every other byte as it was: drop the added lines from the output and the pragma line from the input.
        const eol = source.includes('\r\n') ? '\r\n' : '\n';
        const added = output
          .split(eol)
          .filter((line) => /^\s*\/\/ @ts-expect-error TODO: was hidden by @ts-nocheck$/.test(line));
        expect(
          output
            .split(eol)
            .filter((line) => !added.includes(line))
            .join(eol),
        ).toBe(
          source
            .split(eol)
            .filter((line) => !/@ts-nocheck/.test(line))
            .join(eol),
        );
        if (eol === '\r\n') expect(output.replace(/\r\n/g, '')).not.toContain('\n');
        // One directive for each line that has errors, none for lines without.
        const second = rewrite('probe.ts', output);
        expect(second.edits).toEqual([]);
        expect(second.left).toEqual([]);
      }),
      { numRuns: 25, seed: 13 },
    );
  }, 120_000);

  it('puts one directive above a line with two errors, indented like it, with the description given', () => {
    const source = '// @ts-nocheck\nexport function f(): void {\n    const a: number = "1", b: string = 2;\n}\n';
    const { output, rewritten } = rewrite('probe.ts', source, 'legacy, see #42');
    expect(output).toBe(
      'export function f(): void {\n    // @ts-expect-error legacy, see #42\n    const a: number = "1", b: string = 2;\n}\n',
    );
    expect(rewritten.map((site) => `${site.line}: ${site.message}`)).toEqual([
      '1: @ts-nocheck removed: 1 @ts-expect-error added (line 3)',
      "3: @ts-expect-error added above it: TS2322 Type 'string' is not assignable to type 'number'. (+1 more on the line)",
    ]);
  });

  it('uses {/* */} among JSX children and // in attributes, and goes above an eslint-disable-next-line comment', () => {
    const source = [
      '// @ts-nocheck',
      'export const view = (',
      '  <div',
      '    id={1}',
      '  >',
      '    <b>{missing}</b>',
      '    {/* a note */}',
      '    {missing}',
      '  </div>',
      ');',
      '// eslint-disable-next-line no-var',
      'var late: number = "1";',
      '',
    ].join('\n');
    const { output, left } = rewrite('view.tsx', source);
    expect(left).toEqual([]);
    expect(output).toBe(
      [
        'export const view = (',
        '  <div',
        `    // @ts-expect-error ${DEFAULT_EXPECT_ERROR_DESCRIPTION}`,
        '    id={1}',
        '  >',
        `    {/* @ts-expect-error ${DEFAULT_EXPECT_ERROR_DESCRIPTION} */}`,
        '    <b>{missing}</b>',
        '    {/* a note */}',
        `    {/* @ts-expect-error ${DEFAULT_EXPECT_ERROR_DESCRIPTION} */}`,
        '    {missing}',
        '  </div>',
        ');',
        `// @ts-expect-error ${DEFAULT_EXPECT_ERROR_DESCRIPTION}`,
        '// eslint-disable-next-line no-var',
        'var late: number = "1";',
        '',
      ].join('\n'),
    );
  });

  it('leaves the file, with the reason, where a directive cannot go or cannot keep it checked', () => {
    const cases: [string, string, RegExp][] = [
      [
        'probe.ts',
        '// @ts-nocheck\n/* eslint-disable-next-line */\nconst a: number = "1";\n',
        /a block eslint-disable-next-line comment stands right above line 3/,
      ],
      [
        'view.tsx',
        '// @ts-nocheck\nexport const v = (\n  <div>\n    {/* @ts-expect-error once needed */}\n    <b />\n  </div>\n);\n',
        /the block @ts-expect-error at line 4 covers nothing without the pragma/,
      ],
      ['probe.ts', '// @ts-nocheck\nconst a = (1 + ;\n', /TypeScript cannot parse it \(TS1109 at line 2/],
      [
        'probe.ts',
        '/**\n * @generated SignedSource<<abc>>\n */\n// @ts-nocheck\nconst a: number = "1";\n',
        /^@ts-nocheck left: a generated file \(@generated in its header\)/,
      ],
    ];
    for (const [name, source, reason] of cases) {
      const { edits, left } = rewrite(name, source);
      expect(edits, source).toEqual([]);
      expect(left[0]?.message, source).toMatch(reason);
    }
  });

  it('removes a // @ts-expect-error of its own that covers nothing without the pragma (TS2578), and adds the ones needed', () => {
    const source =
      '// @ts-nocheck\nexport function f(): number {\n  // @ts-expect-error once needed\n  const a = 1;\n  const b: string = a;\n  return a; // @ts-expect-error trailing, once needed\n}\n';
    const { output, left, rewritten } = rewrite('probe.ts', source, 'x');
    expect(left).toEqual([]);
    expect(output).toBe(
      'export function f(): number {\n  const a = 1;\n  // @ts-expect-error x\n  const b: string = a;\n  return a;\n}\n',
    );
    expect(
      rewritten.filter((site) => site.message.startsWith('@ts-expect-error removed')).map((site) => site.line),
    ).toEqual([3, 6]);
  });

  it('names a // @ts-nocheck after the first statement (TypeScript ignores it) and a file no tsconfig lists', () => {
    const late = rewrite('probe.ts', 'export const a = 1;\n  // @ts-nocheck\n');
    expect(late.edits).toEqual([]);
    expect(late.left).toEqual([
      {
        line: 2,
        column: 2,
        message: '@ts-nocheck left: it stands after the first statement, where TypeScript ignores it',
      },
    ]);
    const outside = rewriteNocheck(
      checker,
      join(project, 'outside.ts'),
      '// @ts-nocheck\nconst a: number = "1";\n',
      'x',
    );
    expect(outside.left[0]?.message).toBe(
      '@ts-nocheck left: no tsconfig includes this file (pass --tsconfig to name one)',
    );
  });
});

describe('createNocheckRewriter', () => {
  it('checks the run files of a tsconfig together and gives each the result it gets alone; a text not as read is checked alone', () => {
    const root = mkdtempSync(join(tmpdir(), 'quickwins-nocheck-batch-'));
    try {
      mkdirSync(join(root, 'src'));
      writeFileSync(
        join(root, 'tsconfig.json'),
        JSON.stringify({ compilerOptions: { strict: true, noEmit: true, types: [] }, include: ['src'] }),
      );
      const texts: Record<string, string> = {
        'a.ts': '// @ts-nocheck\nexport const a: number = "1";\n',
        'b.ts': '// @ts-nocheck\n// @ts-expect-error stale\nexport const b = 1;\n',
        'c.ts': '// @ts-nocheck\nimport { a } from "./a";\nexport const c: string = a;\n',
        'd.ts': 'export const d = 1;\n',
      };
      for (const [name, text] of Object.entries(texts)) writeFileSync(join(root, 'src', name), text);
      const files = Object.keys(texts).map((name) => join(root, 'src', name));
      const batched = createNocheckRewriter(createProjectTypeChecker(ts, root), 'x', files, (filePath) =>
        readFileSync(filePath, 'utf8'),
      );
      const alone = createProjectTypeChecker(ts, root);
      for (const filePath of files) {
        const source = readFileSync(filePath, 'utf8');
        expect(batched.rewrite(filePath, source, []), filePath).toEqual(rewriteNocheck(alone, filePath, source, 'x'));
      }
      // c.ts as the runner might hold it otherwise (not the text read from disk): checked on its own.
      const edited = '// @ts-nocheck\nimport { a } from "./a";\nexport const c: boolean = a;\n';
      const again = createNocheckRewriter(createProjectTypeChecker(ts, root), 'x', files, (filePath) =>
        readFileSync(filePath, 'utf8'),
      );
      expect(applyTextEdits(edited, again.rewrite(join(root, 'src', 'c.ts'), edited, []).edits)).toBe(
        'import { a } from "./a";\n// @ts-expect-error x\nexport const c: boolean = a;\n',
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('which tsconfig', () => {
  it('checks a file with the nearest tsconfig that lists it (checkJs there: a JavaScript file is rewritten), or with --tsconfig', () => {
    mkdirSync(join(project, 'js'));
    writeFileSync(
      join(project, 'js', 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { allowJs: true, checkJs: true, noEmit: true, strict: true, types: [] },
        include: ['.'],
      }),
    );
    writeFileSync(join(project, 'js', 'legacy.js'), 'export {};\n');
    writeFileSync(join(project, 'tools.ts'), 'export {};\n');
    writeFileSync(
      join(project, 'tsconfig.tools.json'),
      JSON.stringify({ compilerOptions: { strict: true, noEmit: true, types: [] }, files: ['tools.ts'] }),
    );
    const source = '// @ts-nocheck\n/** @type {number} */\nexport const size = "large";\n';
    const js = rewriteNocheck(
      createProjectTypeChecker(ts, project),
      join(project, 'js', 'legacy.js'),
      source,
      'legacy',
    );
    expect(applyTextEdits(source, js.edits)).toBe(
      '/** @type {number} */\n// @ts-expect-error legacy\nexport const size = "large";\n',
    );

    const tool = '// @ts-nocheck\nexport const port: number = "80";\n';
    expect(
      rewriteNocheck(createProjectTypeChecker(ts, project), join(project, 'tools.ts'), tool, 'x').left[0]?.message,
    ).toMatch(/no tsconfig includes this file/);
    const named = rewriteNocheck(
      createProjectTypeChecker(ts, project, 'tsconfig.tools.json'),
      join(project, 'tools.ts'),
      tool,
      'x',
    );
    expect(applyTextEdits(tool, named.edits)).toBe('// @ts-expect-error x\nexport const port: number = "80";\n');
  });

  it('finds the project a solution tsconfig references', () => {
    const root = mkdtempSync(join(tmpdir(), 'quickwins-nocheck-refs-'));
    try {
      mkdirSync(join(root, 'app'));
      writeFileSync(join(root, 'tsconfig.json'), JSON.stringify({ files: [], references: [{ path: './app' }] }));
      writeFileSync(
        join(root, 'app', 'tsconfig.json'),
        JSON.stringify({ compilerOptions: { composite: true, strict: true, types: [] }, include: ['.'] }),
      );
      writeFileSync(join(root, 'app', 'main.ts'), 'export {};\n');
      const checker = createProjectTypeChecker(ts, root);
      expect(checker.configHolding(join(root, 'app', 'main.ts'))).toBe(join(root, 'app', 'tsconfig.json'));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('nocheckPragmas and pragmaRemoval', () => {
  const removed = (source: string): string =>
    applyTextEdits(
      source,
      nocheckPragmas(ts, source).map((pragma) => pragmaRemoval(source, pragma)),
    );

  it('reads the pragmas TypeScript reads: before the first token, after a shebang, // or ///, any case, not @ts-nocheck-something', () => {
    expect(nocheckPragmas(ts, '#!/usr/bin/env node\n// @ts-nocheck\nx;\n')).toHaveLength(1);
    expect(nocheckPragmas(ts, '/* a */\n/// @TS-NOCHECK: legacy\nx;\n')).toHaveLength(1);
    expect(nocheckPragmas(ts, '// @ts-nocheck-later\nx;\n')).toHaveLength(0);
    expect(nocheckPragmas(ts, 'x; // @ts-nocheck\n')).toHaveLength(0);
    expect(nocheckPragmas(ts, '/* @ts-nocheck */\nx;\n')).toHaveLength(0);
  });

  it('removes the line when the pragma stands alone (CRLF, the last line too), else the comment and the blanks before it', () => {
    expect(removed('#!/usr/bin/env node\r\n// @ts-nocheck\r\nx;\r\n')).toBe('#!/usr/bin/env node\r\nx;\r\n');
    expect(removed('/* eslint-disable */ // @ts-nocheck\nx;\n')).toBe('/* eslint-disable */\nx;\n');
    expect(removed('// head\r\n// @ts-nocheck')).toBe('// head');
    expect(removed('// @ts-nocheck')).toBe('');
  });
});
