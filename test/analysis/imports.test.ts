import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sniffCodeStyle } from '../../src/core/code-style.js';
import { planNamedImports, planUnusedImportRemovals } from '../../src/core/imports.js';
import { sniffModuleStyle } from '../../src/core/module-style.js';
import { parseSource } from '../../src/core/parse.js';
import { applyTextEdits } from '../../src/core/text-edit.js';
import { traverse } from '../../src/core/traverse.js';

function addImports(
  filePath: string,
  source: string,
  names: string[],
  from = '@quickwins/runtime',
): { output: string; references: ReadonlyMap<string, string> } {
  const program = parseSource(filePath, source);
  const plan = planNamedImports(program, source, {
    from,
    names,
    moduleStyle: sniffModuleStyle(program, filePath),
    style: sniffCodeStyle(program, source),
  });
  return { output: applyTextEdits(source, plan.edits), references: plan.references };
}

describe('planNamedImports', () => {
  it('adds an ESM import after the last import, in the file quote and semicolon style', () => {
    const source = 'import pg from "pg"\nimport { x } from "./x"\n\nconst a = 1\n';
    const { output, references } = addImports('a.ts', source, ['acquireWithBackpressure']);
    expect(output).toBe(
      'import pg from "pg"\nimport { x } from "./x"\nimport { acquireWithBackpressure } from "@quickwins/runtime"\n\nconst a = 1\n',
    );
    expect(references.get('acquireWithBackpressure')).toBe('acquireWithBackpressure');
  });

  it('merges into an existing named import of the same module, once', () => {
    const source = "import { queryWithBackpressure } from '@quickwins/runtime';\nfoo();\n";
    const { output } = addImports('a.ts', source, ['acquireWithBackpressure', 'queryWithBackpressure']);
    expect(output).toBe(
      "import { queryWithBackpressure, acquireWithBackpressure } from '@quickwins/runtime';\nfoo();\n",
    );
    expect(addImports('a.ts', output, ['acquireWithBackpressure', 'queryWithBackpressure']).output).toBe(output);
  });

  it('adds braces after a default import and uses a namespace import as is', () => {
    expect(addImports('a.ts', "import qw from '@quickwins/runtime';\n", ['a']).output).toBe(
      "import qw, { a } from '@quickwins/runtime';\n",
    );
    const namespaced = addImports('a.ts', "import * as qw from '@quickwins/runtime';\nqw.a();\n", ['a']);
    expect(namespaced.output).toBe("import * as qw from '@quickwins/runtime';\nqw.a();\n");
    expect(namespaced.references.get('a')).toBe('qw.a');
  });

  it('ignores type-only imports and aliases a name that is already taken', () => {
    const source = "import type { a } from '@quickwins/runtime';\nconst a = 1;\n";
    const { output, references } = addImports('a.ts', source, ['a']);
    expect(output).toBe(
      "import type { a } from '@quickwins/runtime';\nimport { a as qwA } from '@quickwins/runtime';\nconst a = 1;\n",
    );
    expect(references.get('a')).toBe('qwA');
  });

  it('adds a require in a CommonJS file, after the last top-level require, and merges destructuring', () => {
    const source = "'use strict';\nconst { Pool } = require('pg');\n\nmodule.exports = {};\n";
    expect(addImports('a.js', source, ['acquireWithBackpressure']).output).toBe(
      "'use strict';\nconst { Pool } = require('pg');\nconst { acquireWithBackpressure } = require('@quickwins/runtime');\n\nmodule.exports = {};\n",
    );
    const merged = addImports('a.cjs', "const { x } = require('@quickwins/runtime');\nx();\n", ['y']);
    expect(merged.output).toBe("const { x, y } = require('@quickwins/runtime');\nx();\n");
    const whole = addImports('a.cjs', "const qw = require('@quickwins/runtime');\n", ['y']);
    expect(whole.references.get('y')).toBe('qw.y');
    expect(whole.output).toBe("const qw = require('@quickwins/runtime');\n");
  });

  it('keeps a shebang, a header comment and a blanket disable above an added import, and CRLF line endings', () => {
    const source =
      '#!/usr/bin/env node\r\n/* eslint-disable */\r\n// Copyright\r\n\r\n/** Docs for main. */\r\nfunction main() {}\r\n';
    expect(addImports('a.mts', source, ['a']).output).toBe(
      "#!/usr/bin/env node\r\n/* eslint-disable */\r\n// Copyright\r\n\r\nimport { a } from '@quickwins/runtime';\r\n/** Docs for main. */\r\nfunction main() {}\r\n",
    );
  });

  it('inserts after a directive prologue and into an empty file', () => {
    expect(addImports('a.ts', "'use client';\nexport const x = 1;\n", ['a']).output).toBe(
      "'use client';\nimport { a } from '@quickwins/runtime';\nexport const x = 1;\n",
    );
    expect(addImports('a.ts', '', ['a']).output).toBe("import { a } from '@quickwins/runtime';\n");
  });
});

/** Replaces every call of `names` by `cachedCall` and removes the imports left unread, as a codemod does. */
function replaceCalls(filePath: string, source: string, names: string[]): string {
  const program = parseSource(filePath, source);
  const callees: (readonly [number, number])[] = [];
  traverse(program, (node) => {
    if (node.type !== 'CallExpression') return;
    const callee = node.callee;
    const name =
      callee.type === 'Identifier'
        ? callee.name
        : callee.type === 'MemberExpression' && callee.property.type === 'Identifier'
          ? callee.property.name
          : '';
    if (names.includes(name)) callees.push(callee.range);
  });
  const swaps = callees.map(([start, end]) => ({ start, end, text: 'cachedCall' }));
  return applyTextEdits(source, [...swaps, ...planUnusedImportRemovals(program, source, callees)]);
}

describe('planUnusedImportRemovals', () => {
  it('takes a specifier out of a one-line list and keeps the rest as written', () => {
    expect(
      replaceCalls(
        'a.ts',
        "import { execute,  parse as p, validate } from 'graphql';\np(q); execute(d); validate(s, d);\n",
        ['p'],
      ),
    ).toBe("import { execute,  validate } from 'graphql';\ncachedCall(q); execute(d); validate(s, d);\n");
    expect(
      replaceCalls(
        'a.ts',
        "import { execute, parse, validate } from 'graphql';\nparse(q); validate(s, d); execute(d);\n",
        ['parse', 'validate'],
      ),
    ).toBe("import { execute } from 'graphql';\ncachedCall(q); cachedCall(s, d); execute(d);\n");
  });

  it('removes a multi-line specifier with its line and keeps the comments of the others', () => {
    const source =
      "import {\n  buildSchema, // SDL\n  graphql, // the call\n  type GraphQLSchema,\n} from 'graphql';\ngraphql({});\nbuildSchema('');\n";
    expect(replaceCalls('a.ts', source, ['graphql'])).toBe(
      "import {\n  buildSchema, // SDL\n  type GraphQLSchema,\n} from 'graphql';\ncachedCall({});\nbuildSchema('');\n",
    );
  });

  it('removes a declaration left empty, and a namespace import whose one reader was replaced', () => {
    expect(
      replaceCalls(
        'a.ts',
        "import { graphql } from 'graphql';\nimport * as G from 'graphql';\nG.graphql({}); graphql({});\n",
        ['graphql'],
      ),
    ).toBe('cachedCall({}); cachedCall({});\n');
  });

  it('default and named imports: either side goes alone', () => {
    expect(replaceCalls('a.ts', "import G, { parse } from 'graphql';\nparse(q); G.print(d);\n", ['parse'])).toBe(
      "import G from 'graphql';\ncachedCall(q); G.print(d);\n",
    );
    expect(replaceCalls('a.ts', "import G, { print } from 'graphql';\nG.parse(q); print(d);\n", ['parse'])).toBe(
      "import { print } from 'graphql';\ncachedCall(q); print(d);\n",
    );
  });

  it('CommonJS: a destructured name (renamed or not), a declarator, a whole declaration', () => {
    expect(
      replaceCalls(
        'a.cjs',
        "const { graphql, parse: parseQuery, execute } = require('graphql');\ngraphql({}); parseQuery(q); execute(d);\n",
        ['graphql', 'parseQuery'],
      ),
    ).toBe("const { execute } = require('graphql');\ncachedCall({}); cachedCall(q); execute(d);\n");
    expect(
      replaceCalls(
        'a.cjs',
        "const { graphql } = require('graphql'), express = require('express');\ngraphql({}); express();\n",
        ['graphql'],
      ),
    ).toBe("const express = require('express');\ncachedCall({}); express();\n");
    expect(
      replaceCalls('a.cjs', "'use strict';\nconst parse = require('graphql').parse;\nparse(q);\n", ['parse']),
    ).toBe("'use strict';\ncachedCall(q);\n");
  });

  it('keeps a name still read anywhere: another call, a type query, an export, JSX, a shadowing local', () => {
    const kept = [
      "import { parse } from 'graphql';\nparse(q);\nexport const again = parse;\n",
      "import { parse } from 'graphql';\nparse(q);\nexport type P = typeof parse;\n",
      "import { parse } from 'graphql';\nparse(q);\nexport { parse };\n",
      "import { parse } from 'graphql';\nparse(q);\nexport const V = () => <parse />;\n",
      "import { parse } from 'graphql';\nparse(q);\nfunction f(parse: () => void) { parse(); }\n",
    ];
    for (const source of kept) {
      const file = source.includes('<') ? 'a.tsx' : 'a.ts';
      const program = parseSource(file, source);
      const first = source.indexOf('parse(q)');
      expect(planUnusedImportRemovals(program, source, [[first, first + 'parse'.length]]), source).toEqual([]);
    }
  });

  it('leaves imports that were unread before the rewrite, and type-only imports', () => {
    expect(
      replaceCalls(
        'a.ts',
        "import { unused } from 'x';\nimport type { parse } from 'graphql';\nimport { graphql } from 'graphql';\ngraphql({});\n",
        ['graphql'],
      ),
    ).toBe("import { unused } from 'x';\nimport type { parse } from 'graphql';\ncachedCall({});\n");
  });
});

describe('planUnusedImportRemovals, randomized', () => {
  const NAMES = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta'];

  it('any subset of replaced names, in a one-line or multi-line list, ESM or CommonJS: the rest stays, in order, and the output parses', () => {
    fc.assert(
      fc.property(
        fc.subarray(NAMES, { minLength: 1 }),
        fc.array(fc.boolean(), { minLength: NAMES.length, maxLength: NAMES.length }),
        fc.constantFrom('one-line', 'multi-line', 'multi-line-trailing-comma'),
        fc.constantFrom('esm', 'cjs'),
        (names, replacedFlags, layout, style) => {
          const list =
            layout === 'one-line'
              ? `{ ${names.join(', ')} }`
              : `{\n${names
                  .map((name) => `  ${name}, // ${name}\n`)
                  .join('')
                  .replace(/, \/\/ (\w+)\n$/, layout === 'multi-line' ? ' // $1\n' : ', // $1\n')}}`;
          const header = style === 'esm' ? `import ${list} from 'm';\n` : `const ${list} = require('m');\n`;
          const replaced = names.filter((_name, position) => replacedFlags[position]);
          const kept = names.filter((name) => !replaced.includes(name));
          const body = names.map((name) => `${name}();\n`).join('');
          const source = `${header}${body}`;
          const file = style === 'esm' ? 'a.ts' : 'a.cjs';
          const output = replaceCalls(file, source, replaced);
          const program = parseSource(file, output);
          const expectedBody = names
            .map((name) => (replaced.includes(name) ? 'cachedCall();\n' : `${name}();\n`))
            .join('');
          expect(output.endsWith(expectedBody)).toBe(true);
          const declaration = program.body[0]!;
          if (kept.length === 0) {
            expect(output).toBe(expectedBody);
            return;
          }
          const specifiers =
            declaration.type === 'ImportDeclaration'
              ? declaration.specifiers.map((specifier) => specifier.local.name)
              : declaration.type === 'VariableDeclaration' && declaration.declarations[0]!.id.type === 'ObjectPattern'
                ? declaration.declarations[0]!.id.properties.map((property) =>
                    property.type === 'Property' && property.value.type === 'Identifier' ? property.value.name : '?',
                  )
                : [];
          expect(specifiers).toEqual(kept);
          // Each name's own line comment stays with a name that stays and goes with a name that goes.
          if (layout !== 'one-line') {
            for (const name of kept) expect(output).toMatch(new RegExp(`^  ${name},? // ${name}$`, 'm'));
            for (const name of replaced) expect(output).not.toContain(`// ${name}`);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
