/**
 * One harness for every registered codemod's fixture pairs (fixture-cases.ts), through the same text transform the
 * runner and the jscodeshift wrapper use: the output equals `<case>.output.<ext>`, parses, is a fixed point (a second
 * run changes nothing), and imports what the codemod says it imports exactly once, in the file's module style; the
 * pre-filter lets every case with a rewrite through. Codemod-specific checks (left sites, type-aware agreement,
 * type-checking the outputs) stay in `<id>.test.ts`.
 */
import type { TSESTree } from '@typescript-eslint/typescript-estree';
import { describe, expect, it } from 'vitest';
import { sniffModuleStyle } from '../../src/core/module-style.js';
import { parseSource } from '../../src/core/parse.js';
import { traverse } from '../../src/core/traverse.js';
import { loadCodemods } from '../../src/registry/index.js';
import type { TextOutcome } from '../../src/codemod-host/transform-text.js';
import { fixtureCases, type FixtureCase } from './fixture-cases.js';

// Codemods with a project session (narrow-eslint-disable: it lints with the project's ESLint) have fixture projects,
// run through the CLI in their own test file; every other codemod's pairs are served here.
const codemods = [...(await loadCodemods({})).values()].filter((codemod) => !codemod.hasProjectSession);

function run(fixture: FixtureCase, source: string): Exclude<TextOutcome, { status: 'error' | 'left' }> {
  const outcome = fixture.codemod.configure(fixture.options).transformText(fixture.filePath, source);
  if (outcome.status === 'error') throw new Error(`${outcome.error.phase}: ${outcome.error.message}`);
  if (outcome.status === 'left') throw new Error(`left: ${outcome.reason}`);
  return outcome;
}

/** How the program loads `module`: ESM import declarations (type-only ones aside) and require() calls. */
function loadsOf(program: TSESTree.Program, module: string): { esm: number; cjs: number } {
  const counts = { esm: 0, cjs: 0 };
  traverse(program, (node) => {
    if (node.type === 'ImportDeclaration' && node.source.value === module && node.importKind !== 'type') counts.esm++;
    if (node.type === 'CallExpression' && node.callee.type === 'Identifier' && node.callee.name === 'require') {
      const [argument] = node.arguments;
      if (argument?.type === 'Literal' && argument.value === module) counts.cjs++;
    }
  });
  return counts;
}

for (const codemod of codemods) {
  describe(`${codemod.id} fixtures`, () => {
    const fixtures = fixtureCases(codemod);

    it('has fixture pairs', () => {
      expect(fixtures.length).toBeGreaterThan(0);
    });

    describe.each(fixtures.map((fixture) => [`${fixture.name}.${fixture.extension}`, fixture] as const))(
      '%s',
      (_title, fixture) => {
        const first = run(fixture, fixture.input);
        const output = first.status === 'changed' ? first.output : fixture.input;

        it('gives exactly the expected output', () => {
          expect(output).toBe(fixture.expected);
        });

        it('gives output that parses', () => {
          expect(() => parseSource(fixture.filePath, output)).not.toThrow();
        });

        it('changes nothing on a second run', () => {
          const second = run(fixture, output);
          expect(second.status === 'changed' ? second.output : output).toBe(output);
          expect(second.status === 'skipped' ? [] : second.rewritten).toEqual([]);
        });

        it('imports what it uses once, in the module style of the file', () => {
          if (first.status !== 'changed') return;
          // Every runtime module the rewrite newly imports is named in `imports` (the runner declares the package from
          // it), and nothing else is; a rewrite that only removes code (an option that switched a cache off) imports none.
          const runtimeModules = (text: string): Set<string> =>
            new Set([...text.matchAll(/['"](@quickwins\/runtime(?:\/[a-z-]+)?)['"]/g)].map((match) => match[1]!));
          const before = runtimeModules(fixture.input);
          for (const module of runtimeModules(output))
            if (!before.has(module)) expect(first.imports, module).toContain(module);
          const program = parseSource(fixture.filePath, output);
          const style = sniffModuleStyle(parseSource(fixture.filePath, fixture.input), fixture.filePath);
          for (const module of first.imports) {
            const loads = loadsOf(program, module);
            expect(loads.esm + loads.cjs, module).toBe(1);
            if (style === 'cjs') expect(loads.cjs, module).toBe(1);
            else expect(loads.esm, module).toBe(1);
          }
        });

        it('passes the pre-filter when it has something to rewrite', () => {
          if (first.status === 'changed') expect(codemod.mightApply(fixture.input, { typed: false })).toBe(true);
        });
      },
    );
  });
}
