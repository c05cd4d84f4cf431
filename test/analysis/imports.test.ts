import { describe, expect, it } from 'vitest';
import { sniffCodeStyle } from '../../src/analysis/code-style.js';
import { planNamedImports } from '../../src/analysis/imports.js';
import { sniffModuleStyle } from '../../src/analysis/module-style.js';
import { parseSource } from '../../src/analysis/parse.js';
import { applyTextEdits } from '../../src/analysis/text-edit.js';

function addImports(filePath: string, source: string, names: string[], from = '@quickwins/runtime'): { output: string; references: ReadonlyMap<string, string> } {
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
    expect(output).toBe("import { queryWithBackpressure, acquireWithBackpressure } from '@quickwins/runtime';\nfoo();\n");
    expect(addImports('a.ts', output, ['acquireWithBackpressure', 'queryWithBackpressure']).output).toBe(output);
  });

  it('adds braces after a default import and uses a namespace import as is', () => {
    expect(addImports('a.ts', "import qw from '@quickwins/runtime';\n", ['a']).output).toBe("import qw, { a } from '@quickwins/runtime';\n");
    const namespaced = addImports('a.ts', "import * as qw from '@quickwins/runtime';\nqw.a();\n", ['a']);
    expect(namespaced.output).toBe("import * as qw from '@quickwins/runtime';\nqw.a();\n");
    expect(namespaced.references.get('a')).toBe('qw.a');
  });

  it('ignores type-only imports and aliases a name that is already taken', () => {
    const source = "import type { a } from '@quickwins/runtime';\nconst a = 1;\n";
    const { output, references } = addImports('a.ts', source, ['a']);
    expect(output).toBe("import type { a } from '@quickwins/runtime';\nimport { a as qwA } from '@quickwins/runtime';\nconst a = 1;\n");
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
    const source = '#!/usr/bin/env node\r\n/* eslint-disable */\r\n// Copyright\r\n\r\n/** Docs for main. */\r\nfunction main() {}\r\n';
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
