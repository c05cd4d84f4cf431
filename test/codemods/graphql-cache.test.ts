/**
 * Every fixture pair in fixtures/graphql-cache/ through the codemod contract: the output equals `<case>.output.<ext>`,
 * parses, is a fixed point, imports the helpers once in the file's module style, keeps every byte outside the sites,
 * reports every site it leaves (with the reason), and, for TypeScript, type-checks against the real graphql, Apollo,
 * Yoga and Mercurius typings with the runtime's own sources. The type-aware path finds the same sites; with types a
 * decoy named `graphql` is told apart by its declaration, not its name.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codemod, type GraphqlCacheOptions } from '../../codemods/graphql-cache.js';
import type { CodemodResult, TypeServices } from '../../src/codemod-host/codemod.js';
import { sniffModuleStyle } from '../../src/core/module-style.js';
import { parseSource } from '../../src/core/parse.js';
import { applyTextEdits } from '../../src/core/text-edit.js';
import type { TSESTree } from '@typescript-eslint/typescript-estree';
import { createTsProject, fixtureProjectFiles, REPO_ROOT, type TsProject } from '../support/pool-ts-project.js';

const FIXTURES = 'fixtures/graphql-cache';
const fixtureDir = join(REPO_ROOT, FIXTURES);
const OPTIONS: GraphqlCacheOptions = { importFrom: '@quickwins/runtime/graphql', options: true, tests: false };

// fixtures.json gives the self-reference cases a path inside a package named like the library (lib/<package>/).
const manifest = JSON.parse(readFileSync(join(fixtureDir, 'fixtures.json'), 'utf8')) as {
  paths: Record<string, string>;
};
const fixtures = readdirSync(fixtureDir)
  .filter((file) => file.includes('.input.'))
  .sort()
  .map((inputFile) => {
    const [name = '', extension = ''] = inputFile.split('.input.');
    const outputFile = `${name}.output.${extension}`;
    const filePath = manifest.paths[name] ?? join(FIXTURES, inputFile);
    return {
      name,
      extension,
      inputFile,
      outputFile,
      filePath,
      input: readFileSync(join(fixtureDir, inputFile), 'utf8'),
      expected: readFileSync(join(fixtureDir, outputFile), 'utf8'),
    };
  });

/** Lines each fixture must rewrite and leave (with a reason); labels made by reading the fixtures. */
const EXPECTED: Record<string, { rewritten: number[]; left: number[] }> = {
  'apollo-self': { rewritten: [], left: [7, 8] },
  'browser-code': { rewritten: [], left: [8] },
  'browser-field': { rewritten: [], left: [6] },
  'client-folder': { rewritten: [], left: [6] },
  'deliberate-uncached': { rewritten: [9], left: [10, 11, 12] },
  'in-test-file': { rewritten: [], left: [7] },
  'conditional-options': { rewritten: [12, 12], left: [14, 16, 19, 21, 26, 33] },
  decoys: { rewritten: [], left: [] },
  'disabling-options': { rewritten: [14, 15, 21, 24], left: [16] },
  'execute-parse': { rewritten: [13, 14, 20, 24], left: [8, 9, 28, 29, 29] },
  namespace: { rewritten: [8], left: [11] },
  'nest-modules': { rewritten: [6, 11], left: [12] },
  'object-form': { rewritten: [17], left: [] },
  'positional-v15': { rewritten: [13, 18], left: [] },
  'mercurius-self': { rewritten: [], left: [11, 14] },
  'runtime-choice': { rewritten: [24, 25], left: [15, 16, 20, 27] },
  'startup-check': { rewritten: [], left: [9, 13, 17, 17] },
  'unused-imports': { rewritten: [14, 16, 19, 20], left: [] },
  'unused-requires': { rewritten: [13, 17], left: [] },
  'yoga-self': { rewritten: [], left: [4] },
};

function run(
  filePath: string,
  source: string,
  options: GraphqlCacheOptions = OPTIONS,
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

describe('graphql-cache fixtures', () => {
  it('leaves code that runs in the browser, naming what shows it', () => {
    const reasons = (name: string) => {
      const fixture = fixtures.find((entry) => entry.name === name)!;
      return run(fixture.filePath, fixture.input).result.left.map((site) => site.message);
    };
    expect(reasons('browser-code')).toEqual([
      "graphql() left: this module runs in the browser (it uses `document`); the runtime's graphql module needs Node (crypto, prom-client, pino)",
    ]);
    expect(reasons('client-folder')).toEqual([
      "graphql() left: this module runs in the browser (under client/); the runtime's graphql module needs Node (crypto, prom-client, pino)",
    ]);
    expect(reasons('browser-field')[0]).toMatch(
      /^graphql\(\) left: this module runs in the browser \(named by the `browser` field of .*package\.json\)/,
    );
  });

  it('asks for types only where the checker could place a name the imports could not (a re-export of the project)', () => {
    const waits = (source: string) => run('src/server.ts', source).result.waitsForTypes;
    expect(
      waits(
        "import { graphql } from 'graphql';\nexport const answer = (schema: never, source: string) => graphql({ schema, source });\n",
      ),
    ).toBe(false);
    expect(waits("import { parse } from 'date-fns';\nexport const day = parse('2020', 'yyyy', new Date());\n")).toBe(
      false,
    );
    expect(waits('export const nothing = 1;\n')).toBe(false);
    expect(
      waits(
        "import { graphql } from './graphql-exports';\nexport const answer = (schema: never, source: string) => graphql({ schema, source });\n",
      ),
    ).toBe(true);
    expect(
      waits(
        "const G = require('@/lib/graphql');\nexports.answer = (schema, source) => G.graphql({ schema, source });\n",
      ),
    ).toBe(true);
    // A test file's sites are all left; the checker is still asked only where it could find more.
    expect(
      run(
        'src/__tests__/server.test.ts',
        "import { graphql } from 'graphql';\nexport const answer = (schema: never, source: string) => graphql({ schema, source });\n",
      ).result.waitsForTypes,
    ).toBe(false);
    expect(
      waits(
        "import { ApolloServer } from '../apollo';\nexport const server = new ApolloServer({ typeDefs: '', persistedQueries: false });\n",
      ),
    ).toBe(true);
  });

  it('leaves a module a bundler config or index.html at the package root names as an entry', () => {
    const dir = mkdtempSync(join(tmpdir(), 'graphql-cache-bundler-'));
    try {
      mkdirSync(join(dir, 'src'));
      writeFileSync(join(dir, 'package.json'), '{ "name": "demo", "private": true }\n');
      writeFileSync(
        join(dir, 'vite.config.ts'),
        "export default { build: { rollupOptions: { input: { mock: './src/mock-server.ts' } } } };\n",
      );
      writeFileSync(join(dir, 'index.html'), '<script type="module" src="/src/main.ts"></script>\n');
      const source =
        "import { graphql } from 'graphql';\nexport const answer = (schema: never, source: string) => graphql({ schema, source });\n";
      expect(run(join(dir, 'src/mock-server.ts'), source).result.left.map((site) => site.message)).toEqual([
        "graphql() left: this module runs in the browser (an entry of vite.config.ts); the runtime's graphql module needs Node (crypto, prom-client, pino)",
      ]);
      expect(run(join(dir, 'src/main.ts'), source).result.left[0]!.message).toContain('(an entry of index.html)');
      expect(run(join(dir, 'src/server.ts'), source).result.rewritten).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('leaves a parse whose document is only validated (a check run once, never executed), naming why', () => {
    const fixture = fixtures.find((entry) => entry.name === 'startup-check')!;
    const reasons = run(fixture.filePath, fixture.input).result.left.map((site) => `${site.line}: ${site.message}`);
    const onlyValidated =
      'parse() whose document is only validated here, never executed: a one-time check of a query (at startup or in tooling), not per-request work';
    expect(reasons.filter((reason) => /^\d+: parse\(\)/.test(reason))).toEqual([
      `9: ${onlyValidated}`,
      `17: ${onlyValidated}`,
    ]);
  });

  it('leaves a module that client code of its package imports (directly or not), naming the importer', () => {
    const dir = mkdtempSync(join(tmpdir(), 'graphql-cache-reach-'));
    try {
      mkdirSync(join(dir, 'src/mock'), { recursive: true });
      writeFileSync(join(dir, 'package.json'), '{ "name": "demo", "private": true }\n');
      writeFileSync(join(dir, 'index.html'), '<script type="module" src="/src/main.tsx"></script>\n');
      writeFileSync(join(dir, 'src/main.tsx'), "import { startMocks } from './mock';\nstartMocks();\n");
      writeFileSync(join(dir, 'src/mock/index.ts'), "export { startMocks } from './server';\n");
      // A page rendered with react-dom that loads a fake server of its own.
      writeFileSync(
        join(dir, 'src/app.tsx'),
        "import { createRoot } from 'react-dom/client';\nimport { fakeApi } from './fake-api.js';\ncreateRoot(fakeApi());\n",
      );
      const source =
        "import { graphql } from 'graphql';\nexport const answer = (schema: never, source: string) => graphql({ schema, source });\n";
      writeFileSync(join(dir, 'src/mock/server.ts'), source);
      writeFileSync(join(dir, 'src/fake-api.ts'), source);
      writeFileSync(join(dir, 'src/server.ts'), source);
      writeFileSync(join(dir, 'src/api.ts'), "import { answer } from './server';\nexport default answer;\n");
      const left = (file: string) => run(join(dir, file), source).result.left.map((site) => site.message);
      expect(left('src/mock/server.ts')).toEqual([
        "graphql() left: this module runs in the browser (client code imports it: src/main.tsx, an entry of index.html); the runtime's graphql module needs Node (crypto, prom-client, pino)",
      ]);
      expect(left('src/fake-api.ts')).toEqual([
        "graphql() left: this module runs in the browser (client code imports it: src/app.tsx, it renders with react-dom); the runtime's graphql module needs Node (crypto, prom-client, pino)",
      ]);
      // Imported by server code only: rewritten.
      expect(run(join(dir, 'src/server.ts'), source).result.rewritten).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('leaves a cache switched off on purpose (its route or name says so) and says why', () => {
    const fixture = fixtures.find((entry) => entry.name === 'deliberate-uncached')!;
    expect(run(fixture.filePath, fixture.input).result.left.map((site) => site.message)).toEqual([
      "`parserAndValidationCache: false` for createYoga(): the route '/graphql-no-parse-validate-cache' says the cache is off on purpose (a benchmark's or a test's uncached arm); not removed",
      "`parserAndValidationCache: false` for createYoga(): the name `uncachedYoga` says the cache is off on purpose (a benchmark's or a test's uncached arm); not removed",
      "`documentStore: null` for new ApolloServer() (imported from '@apollo/server'): the name `apolloWithoutDocumentCache` says the cache is off on purpose (a benchmark's or a test's uncached arm); not removed",
    ]);
  });

  it('covers the forms and decoys found on real code, in TypeScript, ESM and CommonJS', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual(fixtures.map((fixture) => fixture.name));
    expect(new Set(fixtures.map((fixture) => fixture.extension))).toEqual(new Set(['ts', 'mjs', 'cjs']));
  });

  describe.each(fixtures)('$name ($extension)', (fixture) => {
    const filePath = fixture.filePath;

    it('rewrites to the expected output, reporting every site it rewrote or left', () => {
      const { output, result } = run(filePath, fixture.input);
      expect(output).toBe(fixture.expected);
      expect(result.rewritten.map((site) => site.line)).toEqual(EXPECTED[fixture.name]!.rewritten);
      expect(result.left.map((site) => site.line)).toEqual(EXPECTED[fixture.name]!.left);
      for (const site of [...result.left, ...result.rewritten]) expect(site.message.length).toBeGreaterThan(10);
    });

    it('parses, is a fixed point, and keeps every line without a site byte for byte', () => {
      const outputPath = fixture.filePath.replace('.input.', '.output.');
      expect(() => parseSource(outputPath, fixture.expected)).not.toThrow();
      const again = run(outputPath, fixture.expected);
      expect(again.result.edits).toEqual([]);
      expect(again.result.rewritten).toEqual([]);
      // Lines left alone by the edits are the same lines, in order (an added import line or a removed option line aside).
      const { result } = run(filePath, fixture.input);
      const touched = new Set<number>();
      for (const edit of result.edits) {
        const first = fixture.input.slice(0, edit.start).split('\n').length;
        const last = fixture.input.slice(0, edit.end).split('\n').length;
        for (let line = first; line <= last; line++) touched.add(line);
      }
      const kept = fixture.input.split('\n').filter((_line, index) => !touched.has(index + 1));
      const outputLines = fixture.expected.split('\n');
      let cursor = 0;
      for (const line of kept) {
        cursor = outputLines.indexOf(line, cursor);
        expect(cursor, `line kept: ${line}`).toBeGreaterThanOrEqual(0);
        cursor++;
      }
    });

    it('imports the helpers once, in the module style of the file', () => {
      const program = parseSource(filePath, fixture.input);
      const from = OPTIONS.importFrom;
      const imports = fixture.expected
        .split('\n')
        .filter((line) => line.startsWith('import ') && line.includes(`'${from}'`)).length;
      const requires = fixture.expected.split(`require('${from}')`).length - 1;
      const needsImport = run(filePath, fixture.input).result.rewritten.some(
        (site) => !site.message.startsWith('removed'),
      );
      if (sniffModuleStyle(program, filePath) === 'cjs') expect([imports, requires]).toEqual([0, needsImport ? 1 : 0]);
      else expect([imports, requires]).toEqual([needsImport ? 1 : 0, 0]);
    });
  });

  it("a package loading its own root is that package: its own tests' options are left, and the evidence is named", () => {
    const mercurius = fixtures.find((candidate) => candidate.name === 'mercurius-self')!;
    const { result } = run(mercurius.filePath, mercurius.input);
    for (const site of result.left)
      expect(site.message).toMatch(
        /^`cache: false` for mercurius: the package configures itself \(required from '\.\.\/?', this package's own root, whose package\.json names it 'mercurius'\)/,
      );
    // The same code in a package with another name: `require('..')` is not Mercurius; the options are still listed.
    const elsewhere = run(join(FIXTURES, mercurius.inputFile), mercurius.input).result;
    expect(elsewhere.left.map((site) => site.line)).toEqual([11, 14]);
    for (const site of elsewhere.left) expect(site.message).toContain('cannot be told to be the server');
    // A package named mercurius whose test loads a file that is not its root is not loading itself either.
    const sibling = mercurius.input.replace("= require('..')", "= require('../lib/helpers')");
    expect(run(mercurius.filePath, sibling).result.left[0]!.message).toContain('cannot be told to be the server');
  });

  it('options that may switch a cache off but cannot be removed safely are left with their reason', () => {
    const fixture = fixtures.find((candidate) => candidate.name === 'conditional-options')!;
    const messages = run(fixture.filePath, fixture.input).result.left.map((site) => site.message);
    expect(messages).toEqual([
      expect.stringMatching(/^`persistedQueries: false` for new ApolloServer\(\) .*inside a conditional spread/),
      expect.stringMatching(
        /^`documentStore: null` for new ApolloServer\(\) .*set in `sharedOptions`, passed as the whole configuration/,
      ),
      expect.stringMatching(/^`parserAndValidationCache: false` for createYoga\(\): the value is chosen at run time/),
      expect.stringMatching(
        /^`cache: false` for mercurius: set in `mercuriusOptions` and spread in with `...mercuriusOptions`/,
      ),
      expect.stringMatching(/^`cache: false` for register\(\)'s plugin: the receiver cannot be told to be the server/),
      expect.stringMatching(
        /^`persistedQueries: false` passed to serverWith\(\) \(defined in this file\): not Apollo Server or Yoga itself/,
      ),
    ]);
  });

  it('leaves a test file by default and reports each site with the reason; --tests rewrites it', () => {
    const fixture = fixtures.find((candidate) => candidate.name === 'execute-parse')!;
    for (const filePath of ['src/__tests__/server.ts', 'src/server.spec.ts', 'tests/server.ts']) {
      const { output, result } = run(filePath, fixture.input);
      expect(output, filePath).toBe(fixture.input);
      expect(result.rewritten).toEqual([]);
      expect(result.imports).toEqual([]);
      expect(
        result.left.filter((site) => site.message.startsWith('in a test file: pass --tests to include it')).length,
      ).toBe(EXPECTED['execute-parse']!.rewritten.length);
    }
    expect(run('src/__tests__/server.ts', fixture.input, { ...OPTIONS, tests: true }).output).toBe(fixture.expected);
  });

  it('--no-options keeps the disabling options and reports each as left', () => {
    const fixture = fixtures.find((candidate) => candidate.name === 'disabling-options')!;
    const { output, result } = run(join(FIXTURES, fixture.inputFile), fixture.input, { ...OPTIONS, options: false });
    expect(output).toBe(fixture.input);
    expect(result.left.map((site) => site.line)).toEqual([14, 15, 16, 21, 24]);
  });

  it('adds to an existing import of the runtime instead of a second one, removes the graphql import left unread, and removes a last option without a trailing comma', () => {
    const source = [
      "import { graphql } from 'graphql';",
      "import { cachedParse } from '@quickwins/runtime/graphql';",
      "import { ApolloServer } from '@apollo/server';",
      'export const run = (schema: never, source: string) => graphql({ schema, source });',
      'export const server = new ApolloServer({',
      "  typeDefs: 'type Query { a: Int }',",
      '  documentStore: null',
      '});',
      'export const again = new ApolloServer({ typeDefs: "type Query { a: Int }", documentStore: null });',
      '',
    ].join('\n');
    const { output } = run('inline.ts', source);
    expect(output).toBe(
      [
        "import { cachedParse, cachedGraphql } from '@quickwins/runtime/graphql';",
        "import { ApolloServer } from '@apollo/server';",
        'export const run = (schema: never, source: string) => cachedGraphql({ schema, source });',
        'export const server = new ApolloServer({',
        "  typeDefs: 'type Query { a: Int }'",
        '});',
        'export const again = new ApolloServer({ typeDefs: "type Query { a: Int }" });',
        '',
      ].join('\n'),
    );
  });

  it('lets every fixture with a site through its pre-filter and keeps unrelated files out', () => {
    for (const fixture of fixtures)
      if (fixture.expected !== fixture.input) expect(codemod.mightApply(fixture.input, { typed: false })).toBe(true);
    expect(
      codemod.mightApply("import { parse } from 'date-fns';\nparse('x', 'y', new Date());", { typed: false }),
    ).toBe(false);
  });
});

describe('graphql-cache fixtures type-check', () => {
  const typeScript = fixtures.filter((fixture) => fixture.extension === 'ts');
  let project: TsProject;

  beforeAll(() => {
    // noUnusedLocals: an import the rewrite leaves unread would fail a project that sets it.
    project = createTsProject(
      fixtureProjectFiles(fixtureDir, ['lib/ambient.d.ts', 'lib/graphql-client.ts'], typeScript),
      [],
      { noUnusedLocals: true },
    );
  });
  afterAll(() => project.dispose());

  it.each(typeScript.map((fixture) => [fixture.name, fixture] as const))(
    '%s: input and output have the same type errors (none)',
    (_name, fixture) => {
      expect(project.errors(fixture.inputFile)).toEqual([]);
      expect(project.errors(fixture.outputFile)).toEqual([]);
    },
  );

  it.each(typeScript.map((fixture) => [fixture.name, fixture] as const))(
    '%s: with types, the same sites and the same output',
    (_name, fixture) => {
      const { ast, types } = project.services(fixture.inputFile, fixture.input);
      const typed = run(join(project.dir, fixture.inputFile), fixture.input, OPTIONS, types, ast);
      expect(typed.output).toBe(fixture.expected);
      expect(typed.result.rewritten.map((site) => site.line)).toEqual(EXPECTED[fixture.name]!.rewritten);
      expect(typed.result.left.map((site) => site.line)).toEqual(EXPECTED[fixture.name]!.left);
    },
  );

  it('with types, a package loading its own root is still that package (the checker places the name in the project)', () => {
    const files = new Map([
      ['package.json', JSON.stringify({ name: 'graphql-yoga', type: 'module', main: 'index.js' })],
      [
        'index.ts',
        'export function createYoga(options: { parserAndValidationCache?: boolean }): object {\n  return options;\n}\n',
      ],
      [
        'test/self.ts',
        "import { createYoga } from '../index.js';\nexport const yoga = createYoga({ parserAndValidationCache: false });\n",
      ],
    ]);
    const local = createTsProject(files);
    try {
      const text = files.get('test/self.ts')!;
      const { ast, types } = local.services('test/self.ts', text);
      const typed = run(join(local.dir, 'test/self.ts'), text, OPTIONS, types, ast);
      expect(typed.output).toBe(text);
      expect(typed.result.left.map((site) => [site.line, site.message])).toEqual([
        [
          2,
          "`parserAndValidationCache: false` for createYoga(): the package configures itself (imported from '../index.js', this package's own root, whose package.json names it 'graphql-yoga'); its own code and tests switch the cache off on purpose; not removed",
        ],
      ]);
      expect(run(join(local.dir, 'test/self.ts'), text).result.left.map((site) => site.message)).toEqual(
        typed.result.left.map((site) => site.message),
      );
    } finally {
      local.dispose();
    }
  });

  it('with types, a re-export of graphql-js is followed and a local function named graphql is not', () => {
    const files = new Map([
      ['lib/gql.ts', "export { graphql as run } from 'graphql';\n"],
      [
        'app.ts',
        "import { run } from './lib/gql.js';\nimport { buildSchema } from 'graphql';\nconst schema = buildSchema('type Query { a: Int }');\nexport const a = run({ schema, source: '{ a }' });\nfunction graphql(x: object): object { return x; }\nexport const b = graphql({ schema });\n",
      ],
    ]);
    const local = createTsProject(files);
    try {
      const { ast, types } = local.services('app.ts', files.get('app.ts')!);
      const typed = run(join(local.dir, 'app.ts'), files.get('app.ts')!, OPTIONS, types, ast);
      expect(typed.result.rewritten.map((site) => site.line)).toEqual([4]);
      expect(typed.result.rewritten[0]!.message).toContain('the type checker: declared by graphql');
      // Without types the re-export is out of sight: nothing is rewritten, nothing wrongly.
      expect(run('app.ts', files.get('app.ts')!).result.rewritten).toEqual([]);
    } finally {
      local.dispose();
    }
  });
});

describe('graphql-js under other spellings', () => {
  it.each([
    ['npm:graphql@16', 'npm:graphql@16.8.1'],
    ['a CDN URL', 'https://cdn.skypack.dev/graphql@16.0.0-experimental-stream-defer.5?dts'],
    ['a subpath', 'graphql/graphql.js'],
  ])('%s is graphql', (_label, specifier) => {
    const source = `import { graphql } from '${specifier}';\nexport const run = (schema: never, source: string) => graphql({ schema, source });\n`;
    expect(run('deno.ts', source).result.rewritten.map((site) => site.line)).toEqual([2]);
  });

  it('a package merely named like it is not', () => {
    const source =
      "import { graphql } from 'graphql-request';\nexport const run = (source: string) => graphql({ source });\n";
    expect(run('client.ts', source).result.rewritten).toEqual([]);
  });
});
