/**
 * Every fixture pair in fixtures/kafka-dedupe/ through the codemod contract: the output equals `<case>.output.<ext>`,
 * parses, is a fixed point, imports the wrappers once in the file's module style, leaves exactly the expected sites
 * with a reason, and (TypeScript) type-checks against kafkajs' own typings and the runtime's sources, as the input
 * does. The type-aware path gives the same text.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TSESTree } from '@typescript-eslint/typescript-estree';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codemod, type KafkaDedupeOptions } from '../../codemods/kafka-dedupe.js';
import type { CodemodResult, TypeServices } from '../../src/codemod-host/codemod.js';
import { sniffModuleStyle } from '../../src/core/module-style.js';
import { parseSource } from '../../src/core/parse.js';
import { applyTextEdits } from '../../src/core/text-edit.js';
import { transformText } from '../../src/codemod-host/transform-text.js';
import { createTsProject, fixtureProjectFiles, REPO_ROOT, type TsProject } from '../support/pool-ts-project.js';

const FIXTURES = 'fixtures/kafka-dedupe';
const fixtureDir = join(REPO_ROOT, FIXTURES);
const OPTIONS: KafkaDedupeOptions = { importFrom: '@quickwins/runtime/kafka', store: 'memory', tests: false };

// fixtures.json gives a case the path it is transformed under (a test file's case lives under __tests__/).
const manifest = JSON.parse(readFileSync(join(fixtureDir, 'fixtures.json'), 'utf8')) as {
  paths: Record<string, string>;
};
const fixtures = readdirSync(fixtureDir)
  .filter((file) => file.includes('.input.'))
  .sort()
  .map((inputFile) => {
    const [name = '', extension = ''] = inputFile.split('.input.');
    const outputFile = `${name}.output.${extension}`;
    return {
      name,
      extension,
      inputFile,
      outputFile,
      input: readFileSync(join(fixtureDir, inputFile), 'utf8'),
      expected: readFileSync(join(fixtureDir, outputFile), 'utf8'),
    };
  });

/** Lines of the run() calls each fixture must leave, and a word of each reason. */
const EXPECTED_LEFT: Record<string, [number, RegExp][]> = {
  'in-test-file': [[10, /^in a test file: pass --tests to include it/]],
  left: [
    [12, /not a kafkajs Consumer/],
    [16, /handles the batch as a whole/],
    [23, /not a kafkajs Consumer|group id was not found/],
    [25, /calls `uncommittedOffsets`/],
  ],
  'true-reasons': [
    [
      12,
      /^not rewritten: `consumer` is declared as kafkajs' Consumer but made elsewhere \(`connectConsumer\(\)`\), so its groupId is not in sight; wrap by hand with `group`$/,
    ],
    [24, /^eachBatch hands the batch to `Promise\.all\(batch\.messages\.map\(…\)\)`/],
  ],
  'batch-writer-left': [
    [9, /handles the batch as a whole/],
    [16, /writes per batch but calls `uncommittedOffsets`/],
  ],
};

function run(
  filePath: string,
  source: string,
  options: KafkaDedupeOptions = OPTIONS,
  types?: TypeServices,
  program?: TSESTree.Program,
): { output: string; result: CodemodResult } {
  const result = codemod.transform({
    filePath,
    source,
    program: program ?? parseSource(filePath, source),
    options,
    types,
  });
  return { output: applyTextEdits(source, result.edits), result };
}

describe('kafka-dedupe fixtures', () => {
  it('covers eachMessage, eachBatch, classes, CommonJS, shorthand, methods and the left cases', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(6);
    expect(new Set(fixtures.map((fixture) => fixture.extension))).toEqual(new Set(['ts', 'js', 'cjs']));
  });

  describe.each(fixtures)('$name ($extension)', (fixture) => {
    const filePath = manifest.paths[fixture.name] ?? join(FIXTURES, fixture.inputFile);

    it('rewrites to the expected output and reports exactly the sites it leaves', () => {
      const { output, result } = run(filePath, fixture.input);
      expect(output).toBe(fixture.expected);
      const expectedLeft = EXPECTED_LEFT[fixture.name] ?? [];
      expect(result.left.map((site) => site.line)).toEqual(expectedLeft.map(([line]) => line));
      result.left.forEach((site, index) => expect(site.message).toMatch(expectedLeft[index]![1]));
      if (fixture.expected !== fixture.input) expect(result.rewritten.length).toBeGreaterThan(0);
    });

    it('produces code that parses and is a fixed point', () => {
      const outputPath = filePath.replace('.input.', '.output.');
      expect(() => parseSource(outputPath, fixture.expected)).not.toThrow();
      const again = run(outputPath, fixture.expected);
      expect(again.result.edits).toEqual([]);
      expect(again.result.rewritten).toEqual([]);
    });

    it('imports once, in the module style of the file', () => {
      const from = OPTIONS.importFrom;
      const esm = fixture.expected
        .split('\n')
        .filter((line) => line.startsWith('import') && line.includes(`'${from}'`));
      const requires = fixture.expected.split(`require('${from}')`).length - 1;
      const added = fixture.expected !== fixture.input && !fixture.input.includes(`'${from}'`);
      const cjs = sniffModuleStyle(parseSource(filePath, fixture.input), filePath) === 'cjs';
      expect(cjs ? requires : esm.length).toBe(added || fixture.input.includes(`'${from}'`) ? 1 : 0);
      expect(cjs ? esm.length : requires).toBe(0);
    });
  });
});

describe('kafka-dedupe on handlers already wrapped', () => {
  it('counts a handler wrapped by hand as done, not left', () => {
    const fixture = fixtures.find((candidate) => candidate.name === 'left')!;
    const { result } = run(join(FIXTURES, fixture.inputFile), fixture.input);
    expect(result.done?.map((site) => [site.line, site.message])).toEqual([
      [14, 'eachMessage already wrapped with dedupeEachMessage'],
    ]);
  });

  it('counts every site it rewrote as done on its own output, and still leaves what it left', () => {
    for (const fixture of fixtures) {
      const filePath = manifest.paths[fixture.name] ?? join(FIXTURES, fixture.inputFile);
      const first = run(filePath, fixture.input, { ...OPTIONS, tests: true }).result;
      const again = run(filePath, applyTextEdits(fixture.input, first.edits), { ...OPTIONS, tests: true }).result;
      expect(again.rewritten, fixture.name).toEqual([]);
      expect(again.done?.length ?? 0, fixture.name).toBe(first.rewritten.length + (first.done?.length ?? 0));
      expect(again.left.length, fixture.name).toBe(first.left.length);
    }
  });

  it('counts a wrapped handler as done even where the consumer is made elsewhere', () => {
    const source = `import type { Consumer } from 'kafkajs';
import { dedupeEachMessage, memoryDedupeStore } from '@quickwins/runtime/kafka';

export async function start(consumer: Consumer): Promise<void> {
  await consumer.run({ eachMessage: dedupeEachMessage(async () => undefined, { store: memoryDedupeStore(), group: 'g' }) });
}
`;
    const { result } = run('src/start.ts', source);
    expect(result.left).toEqual([]);
    expect(result.done?.map((site) => site.line)).toEqual([5]);
  });
});

describe('kafka-dedupe through the host', () => {
  it('keeps CRLF line endings and a BOM, and the pre-filter lets every site through', () => {
    const fixture = fixtures.find((candidate) => candidate.name === 'each-batch')!;
    const crlf = `\uFEFF${fixture.input.replace(/\n/g, '\r\n')}`;
    const outcome = transformText(codemod, 'each-batch.ts', crlf, OPTIONS);
    expect(outcome.status).toBe('changed');
    if (outcome.status !== 'changed') return;
    expect(outcome.output).toBe(`\uFEFF${fixture.expected.replace(/\n/g, '\r\n')}`);
    for (const { input } of fixtures) expect(codemod.mightApply(input, { typed: false })).toBe(true);
    expect(codemod.mightApply('const job = queue.run({ each: 1 });\n', { typed: false })).toBe(false);
  });

  it('warns when the handler only enqueues the work: the claim is recorded before that work runs', () => {
    const fixture = fixtures.find((entry) => entry.name === 'true-reasons')!;
    const { result } = run(join(FIXTURES, fixture.inputFile), fixture.input);
    expect(result.rewritten.map((site) => site.line)).toEqual([35]);
    expect(result.rewritten[0]!.message).toMatch(/warning: the handler does not await `jobs\.add\(…\)`/);
  });

  it('writes the store the flags choose, and refuses pg/redis without the store argument', () => {
    const fixture = fixtures.find((candidate) => candidate.name === 'each-message')!;
    const { output, result } = run('a.ts', fixture.input, { ...OPTIONS, store: 'pg', storeArgument: 'pool' });
    expect(output).toContain("import { dedupeEachMessage, pgDedupeStore } from '@quickwins/runtime/kafka';");
    expect(output).toContain("{ store: pgDedupeStore(pool), group: 'feed-writer' }");
    expect(result.rewritten[0]?.message).toMatch(/through `tx`/);
    expect(() => run('a.ts', fixture.input, { ...OPTIONS, store: 'redis' })).toThrow(
      /--store redis needs --store-argument/,
    );
    expect(codemod.options.find((option) => option.flag === 'store')?.validate?.('kafka')).toMatch(
      /must be one of memory, pg, redis/,
    );
  });
});

describe('kafka-dedupe and test files', () => {
  it('leaves a test file by default and reports each site with the reason; --tests rewrites it', () => {
    const fixture = fixtures.find((candidate) => candidate.name === 'each-message')!;
    for (const filePath of ['src/__tests__/consumer.ts', 'src/consumer.test.ts', 'test/consumer.ts']) {
      const { output, result } = run(filePath, fixture.input);
      expect(output, filePath).toBe(fixture.input);
      expect(result.rewritten).toEqual([]);
      expect(result.imports).toEqual([]);
      expect(result.left.length).toBeGreaterThan(0);
      for (const site of result.left) expect(site.message).toMatch(/^in a test file: pass --tests to include it/);
    }
    expect(run('src/__tests__/consumer.ts', fixture.input, { ...OPTIONS, tests: true }).output).toBe(fixture.expected);
    expect(codemod.options.find((option) => option.flag === 'tests')?.default).toBe(false);
  });
});

describe('kafka-dedupe picks the mode from the code', () => {
  it('writes dedupeBatch where the handler already writes per batch, saying what showed it, and dedupeEachBatch for a transaction per record', () => {
    const batchWriter = fixtures.find((candidate) => candidate.name === 'batch-writer')!;
    const { output, result } = run('a.ts', batchWriter.input, { ...OPTIONS, store: 'pg', storeArgument: 'pool' });
    expect(output).toContain("import { dedupeBatch, pgDedupeStore } from '@quickwins/runtime/kafka';");
    expect(output).toContain("{ store: pgDedupeStore(pool), group: 'feed-writer' }");
    expect(result.rewritten.map((site) => site.message.replace(/\): wrapped.*/, ')'))).toEqual([
      "eachBatch writes per batch (transaction: client.query('BEGIN'))",
      'eachBatch writes per batch (bulk call: saveFanOutMany(…))',
    ]);
    expect(result.rewritten[0]!.message).toMatch(/through `tx`/);
    const perRecord = fixtures.find((candidate) => candidate.name === 'transaction-per-record')!;
    expect(run('b.ts', perRecord.input).output).toContain('dedupeEachBatch(async ({ message }) =>');
  });
});

describe('kafka-dedupe fixtures type-check, and the type-aware path agrees', () => {
  const typeScriptFixtures = fixtures.filter((fixture) => fixture.extension === 'ts');
  let project: TsProject;

  beforeAll(() => {
    project = createTsProject(fixtureProjectFiles(fixtureDir, ['feed.ts', 'kafka-instance.ts'], typeScriptFixtures));
  });
  afterAll(() => project.dispose());

  it.each(typeScriptFixtures.map((fixture) => [fixture.name, fixture] as const))(
    '%s: input and output have no type errors',
    (_name, fixture) => {
      expect(project.errors(fixture.inputFile)).toEqual([]);
      expect(project.errors(fixture.outputFile)).toEqual([]);
    },
  );

  it.each(typeScriptFixtures.map((fixture) => [fixture.name, fixture] as const))(
    '%s: with types, the same output',
    (_name, fixture) => {
      const { ast, types } = project.services(fixture.inputFile, fixture.input);
      const typed = run(join(project.dir, fixture.inputFile), fixture.input, OPTIONS, types, ast);
      expect(typed.output).toBe(fixture.expected);
    },
  );

  it('with types, a receiver typed as a kafkajs Consumer is one; another type with run({ eachMessage }) is not', () => {
    const source =
      "import type { Consumer } from 'kafkajs';\nexport async function go(c: Consumer, r: { run(o: object): void }) {\n  await c.run({ eachMessage: async () => undefined });\n  r.run({ eachMessage: async () => undefined });\n}\n";
    const typedProject = createTsProject(new Map([['typed.ts', source]]));
    try {
      const { ast, types } = typedProject.services('typed.ts', source);
      const { result } = run(join(typedProject.dir, 'typed.ts'), source, OPTIONS, types, ast);
      expect(result.left.map((site) => [site.line, site.message.replace(/:.*/, '')])).toEqual([
        [3, 'not rewritten'],
        [4, 'not a kafkajs Consumer as far as this file shows'],
      ]);
      expect(result.left[0]!.message).toBe(
        "not rewritten: `c` is declared as kafkajs' Consumer but handed in, so its groupId is not in sight; wrap by hand with `group`",
      );
      expect(result.left[1]!.message).toMatch(/is not kafkajs' Consumer/);
    } finally {
      typedProject.dispose();
    }
  });
});
