/**
 * pool-backpressure beyond the shared fixture harness (fixtures.test.ts checks every pair's output, parse, fixed
 * point and import): the sites each case must leave and report, the pre-filter's edges, and, for TypeScript cases,
 * that input and output type-check against real `pg` typings and quickwins' own sources, and that the type-aware
 * path agrees (it may find more: types know what a package function returns; never less).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codemod, type PoolBackpressureOptions } from '../../codemods/pool-backpressure.js';
import type { CodemodResult, TypeServices } from '../../src/codemod-host/codemod.js';
import { parseSource } from '../../src/analysis/parse.js';
import { applyTextEdits } from '../../src/analysis/text-edit.js';
import type { TSESTree } from '@typescript-eslint/typescript-estree';
import { createTsProject, type TsProject } from '../support/pool-ts-project.js';
import { fixtureCases, fixtureDir } from './fixture-cases.js';

const FIXTURES = 'fixtures/pool-backpressure';

const fixtures = fixtureCases(codemod as never).map((fixture) => ({
  ...fixture,
  inputFile: `${fixture.name}.input.${fixture.extension}`,
  outputFile: `${fixture.name}.output.${fixture.extension}`,
  options: fixture.options as unknown as PoolBackpressureOptions,
}));

/** Lines of the sites each fixture must leave and report (every other fixture reports nothing). */
const EXPECTED_LEFT: Record<string, number[]> = {
  'callback-query': [6, 7],
  'shadowing': [20],
  'shadowing-js': [7],
  'this-pool-uncertain': [8],
};

function run(filePath: string, source: string, options: PoolBackpressureOptions, types?: TypeServices, program?: TSESTree.Program): { output: string; result: CodemodResult } {
  const result = codemod.transform({ filePath, source, program: program ?? parseSource(filePath, source), options, types });
  return { output: applyTextEdits(source, result.edits), result };
}

function isTypeScript(extension: string): boolean {
  return ['ts', 'tsx', 'mts', 'cts'].includes(extension);
}

describe('pool-backpressure fixtures', () => {
  it('has a fixture pair for every form and decoy the issue names', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(20);
    expect(new Set(fixtures.map((fixture) => fixture.extension))).toEqual(new Set(['ts', 'tsx', 'mts', 'js', 'cjs']));
  });

  it.each(fixtures.map((fixture) => [fixture.name, fixture] as const))('%s: reports exactly the sites it leaves', (_name, fixture) => {
    const { result } = run(join(FIXTURES, fixture.inputFile), fixture.input, fixture.options);
    expect(result.left.map((site) => site.line)).toEqual(EXPECTED_LEFT[fixture.name] ?? []);
    for (const site of [...result.left, ...result.rewritten]) expect(site.message.length).toBeGreaterThan(10);
  });
});

describe('pool-backpressure pre-filter', () => {
  it('lets every fixture with a site through, and keeps files without a member connect/query out', () => {
    const untyped = { typed: false };
    for (const fixture of fixtures) if (fixture.expected !== fixture.input) expect(codemod.mightApply(fixture.input, untyped)).toBe(true);
    expect(codemod.mightApply("pool['query']('x')", untyped)).toBe(true);
    expect(codemod.mightApply('pool\n  .connect()', untyped)).toBe(true);
    expect(codemod.mightApply("document.querySelector('a'); const connection = req.query;", untyped)).toBe(false);
    expect(codemod.mightApply("import { connect } from 'node:net'; connect(80);", untyped)).toBe(false);
  });

  it('without types, also keeps out member calls on objects no pool can reach; with types, only the checker can tell', () => {
    const search = "import { Client } from '@elastic/elasticsearch';\nexport const hits = (client: Client) => client.query('x');\n";
    expect(codemod.mightApply(search, { typed: false })).toBe(false);
    expect(codemod.mightApply(search, { typed: true })).toBe(true);
  });

  it('refuses a threshold the helpers would reject', () => {
    const source = "import { Pool } from 'pg';\nnew Pool().connect();\n";
    const program = parseSource('a.ts', source);
    expect(() => codemod.transform({ filePath: 'a.ts', source, program, options: { importFrom: '@quickwins/runtime', query: true, threshold: 1.5 } })).toThrow(
      /--threshold must be greater than 0 and at most 1/,
    );
  });
});

describe('pool-backpressure fixtures type-check', () => {
  const typeScriptFixtures = fixtures.filter((fixture) => isTypeScript(fixture.extension));
  let project: TsProject;

  beforeAll(() => {
    const files = new Map<string, string>();
    for (const support of ['lib/db.ts', 'lib/ambient.d.ts']) files.set(support, readFileSync(join(fixtureDir(codemod.id), support), 'utf8'));
    for (const fixture of typeScriptFixtures) {
      files.set(fixture.inputFile, fixture.input);
      files.set(fixture.outputFile, fixture.expected);
    }
    const aliases = fixtures.map((fixture) => fixture.options.importFrom).filter((from) => from !== '@quickwins/runtime');
    project = createTsProject(files, aliases);
  });

  afterAll(() => project.dispose());

  it.each(typeScriptFixtures.map((fixture) => [fixture.name, fixture] as const))('%s: input and output have no type errors', (_name, fixture) => {
    expect(project.errors(fixture.inputFile)).toEqual([]);
    expect(project.errors(fixture.outputFile)).toEqual([]);
  });

  it.each(typeScriptFixtures.map((fixture) => [fixture.name, fixture] as const))(
    '%s: with types it rewrites at least the same sites, and the same text when nothing was uncertain',
    (_name, fixture) => {
      const { ast, types } = project.services(fixture.inputFile, fixture.input);
      const typed = run(join(project.dir, fixture.inputFile), fixture.input, fixture.options, types, ast);
      const untyped = run(join(FIXTURES, fixture.inputFile), fixture.input, fixture.options);
      const typedLines = typed.result.rewritten.map((site) => site.line);
      for (const site of untyped.result.rewritten) expect(typedLines).toContain(site.line);
      if (untyped.result.left.length === 0) expect(typed.output).toBe(fixture.expected);
    },
  );
});
