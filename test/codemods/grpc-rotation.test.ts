// Every fixture pair in fixtures/grpc-rotation/ through the codemod contract: the output equals `<case>.output.<ext>`,
// parses, is a fixed point (a second run changes nothing), imports the helpers at most once; every `new …Client(` the
// codemod does not rewrite is reported with its reason.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { codemod, type GrpcRotationOptions } from '../../codemods/grpc-rotation.js';
import { clearPackageFacts } from '../../src/core/package-evidence.js';
import { parseSource } from '../../src/core/parse.js';
import { applyTextEdits } from '../../src/core/text-edit.js';
import { createTsProject } from '../support/pool-ts-project.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures/grpc-rotation');
const OPTIONS: GrpcRotationOptions = { importFrom: '@quickwins/runtime/grpc', servers: true, tests: false };

function run(
  filePath: string,
  source: string,
  options = OPTIONS,
): { output: string; rewritten: string[]; left: string[]; done: string[] } {
  const result = codemod.transform({ filePath, source, program: parseSource(filePath, source), options });
  return {
    output: applyTextEdits(source, result.edits),
    rewritten: result.rewritten.map((site) => `${site.line}: ${site.message}`),
    left: result.left.map((site) => `${site.line}: ${site.message}`),
    done: (result.done ?? []).map((site) => `${site.line}: ${site.message}`),
  };
}

// fixtures.json gives a case the path it is transformed under (a test file's case lives under __tests__/).
const manifest = JSON.parse(readFileSync(join(FIXTURES, 'fixtures.json'), 'utf8')) as { paths: Record<string, string> };
const cases = readdirSync(FIXTURES)
  .filter((file) => file.includes('.input.'))
  .sort()
  .map((file) => ({ name: file.split('.input.')[0]!, extension: file.split('.input.')[1]! }));

/** Lines each fixture must report as left (every other considered site is rewritten). */
const EXPECTED_LEFT: Record<string, number[]> = {
  'balanced-clients': [5, 6, 7, 9, 14],
  'credentials-evidence': [5],
  'in-test-file': [5, 6],
  decoys: [7, 8],
  'legacy-generated': [7, 8, 9],
  'legacy-grpc': [4, 5],
  'reflection-client': [5],
  'untyped-constructor': [5],
  'wrappers-one-shot': [7, 8, 18, 22],
};

describe.each(cases)('grpc-rotation fixture $name', ({ name, extension }) => {
  const input = readFileSync(join(FIXTURES, `${name}.input.${extension}`), 'utf8');
  const expected = readFileSync(join(FIXTURES, `${name}.output.${extension}`), 'utf8');
  const filePath = manifest.paths[name] ?? `fixtures/grpc-rotation/${name}.input.${extension}`;

  it('rewrites to the expected output, which parses and is a fixed point', () => {
    const first = run(filePath, input);
    expect(first.output).toBe(expected);
    expect(() => parseSource(filePath, first.output)).not.toThrow();
    const second = run(filePath, first.output);
    expect(second.output).toBe(first.output);
    expect(second.rewritten).toEqual([]);
    // Every server it rewrote is done on its own output, not left.
    const servers = first.rewritten.filter((site) => site.includes('new grpc.Server(…)')).length;
    expect(second.done.filter((site) => site.includes('serverConnectionAge()')).length).toBe(servers);
    expect(second.left.length).toBe(first.left.length);
  });

  it('imports the helpers at most once and reports every site it leaves', () => {
    const { output, left } = run(filePath, input);
    expect((output.match(/@quickwins\/runtime\/grpc/g) ?? []).length).toBeLessThanOrEqual(1);
    expect(left.map((entry) => Number(entry.split(':')[0]))).toEqual(EXPECTED_LEFT[name] ?? []);
  });
});

describe('grpc-rotation', () => {
  it('says which evidence decided, and flags clients made inside a function', () => {
    const pool = readFileSync(join(FIXTURES, 'service-client-constructor.input.ts'), 'utf8');
    expect(run('a.ts', pool).rewritten).toEqual([
      '6: new Ctor(…) → rotatingClient(…) (typed as grpc-js ServiceClientConstructor); it is made inside a function: make it once per process',
      '13: new this.ServiceCtor(…) → rotatingClient(…) (typed as grpc-js ServiceClientConstructor, in a class field); it is made inside a function: make it once per process',
      '18: new services[name]!(…) → rotatingClient(…) (typed as grpc-js ServiceClientConstructor); it is made inside a function: make it once per process',
      '22: new Health(…) → rotatingClient(…) (made by grpc.makeClientConstructor())',
    ]);
    const tools = readFileSync(join(FIXTURES, 'grpc-tools-cjs.input.js'), 'utf8');
    expect(run('a.js', tools).rewritten[0]).toContain("imported from the generated gRPC module './helloworld_grpc_pb'");
  });

  it('leaves servers with --no-servers, and says so', () => {
    const source = "import * as grpc from '@grpc/grpc-js';\nconst server = new grpc.Server();\n";
    const { output, left } = run('a.ts', source, { ...OPTIONS, servers: false });
    expect(output).toBe(source);
    expect(left).toEqual(['2: grpc.Server left: --no-servers']);
  });

  it('spreads an options variable after the age, so its own keys win', () => {
    const source = "const grpc = require('@grpc/grpc-js');\nconst opts = {};\nconst server = new grpc.Server(opts);\n";
    expect(run('a.cjs', source).output).toContain('new grpc.Server({ ...serverConnectionAge(), ...opts })');
  });

  it('leaves test files by default and says so; --tests rewrites them', () => {
    const source = "import * as grpc from '@grpc/grpc-js';\nconst server = new grpc.Server();\n";
    const left = run('src/__tests__/server.spec.ts', source);
    expect(left.output).toBe(source);
    expect(left.left).toEqual([
      '2: in a test file: pass --tests to include it (new grpc.Server(…) → with serverConnectionAge())',
    ]);
    expect(run('src/__tests__/server.spec.ts', source, { ...OPTIONS, tests: true }).rewritten).toEqual([
      '2: new grpc.Server(…) → with serverConnectionAge()',
    ]);
  });

  it("leaves every file of a monorepo's test package (named test, tests or e2e) as test code", () => {
    const dir = mkdtempSync(join(tmpdir(), 'grpc-test-package-'));
    try {
      mkdirSync(join(dir, 'src'));
      writeFileSync(join(dir, 'package.json'), '{ "name": "@acme/test", "private": true }\n');
      const source = "import * as grpc from '@grpc/grpc-js';\nexport const server = new grpc.Server();\n";
      expect(run(join(dir, 'src/test-server-connection.ts'), source).left).toEqual([
        '2: in a test file: pass --tests to include it (new grpc.Server(…) → with serverConnectionAge())',
      ]);
      writeFileSync(join(dir, 'package.json'), '{ "name": "@acme/testing-kit" }\n');
      clearPackageFacts();
      expect(run(join(dir, 'src/test-server-connection.ts'), source).rewritten).toEqual([
        '2: new grpc.Server(…) → with serverConnectionAge()',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('never takes grpc-js credentials as evidence: a class from another package is left, naming the package', () => {
    const reflection = readFileSync(join(FIXTURES, 'reflection-client.input.ts'), 'utf8');
    expect(run('a.ts', reflection).left).toEqual([
      '5: new Client(): Client from grpc-reflection-js is not a generated grpc-js client (only a generated gRPC module, loadPackageDefinition, makeGenericClientConstructor or a ServiceClientConstructor type shows one)',
    ]);
    const unknown = readFileSync(join(FIXTURES, 'untyped-constructor.input.ts'), 'utf8');
    expect(run('a.ts', unknown).left[0]).toMatch(/^5: new Ctor\(\): not shown to be a generated grpc-js client/);
  });

  it('with types, the same fixtures give the same output, and what a ServiceClientConstructor makes is a client to the checker', () => {
    const files = new Map([
      [
        'reflection.d.ts',
        "declare module 'grpc-reflection-js' {\n  export class Client {\n    constructor(address: string, credentials: unknown);\n  }\n}\n",
      ],
      [
        'pool.ts',
        "import * as grpc from '@grpc/grpc-js';\nexport declare function pick(name: string): grpc.ServiceClientConstructor;\nexport const client = new (pick('Greeter'))('localhost:1', grpc.credentials.createInsecure());\n",
      ],
      ...['service-client-constructor', 'reflection-client'].map(
        (name) => [`${name}.ts`, readFileSync(join(FIXTURES, `${name}.input.ts`), 'utf8')] as const,
      ),
    ]);
    const project = createTsProject(files);
    try {
      for (const name of ['service-client-constructor', 'reflection-client']) {
        const text = files.get(`${name}.ts`)!;
        const { ast, types } = project.services(`${name}.ts`, text);
        const result = codemod.transform({
          filePath: join(project.dir, `${name}.ts`),
          source: text,
          program: ast,
          options: OPTIONS,
          types,
        });
        expect(applyTextEdits(text, result.edits), name).toBe(
          readFileSync(join(FIXTURES, `${name}.output.ts`), 'utf8'),
        );
      }
      const text = files.get('pool.ts')!;
      const { ast, types } = project.services('pool.ts', text);
      const result = codemod.transform({
        filePath: join(project.dir, 'pool.ts'),
        source: text,
        program: ast,
        options: OPTIONS,
        types,
      });
      expect(applyTextEdits(text, result.edits)).toContain(
        "export const client = rotatingClient(pick('Greeter'), 'localhost:1', grpc.credentials.createInsecure());",
      );
      expect(result.rewritten.map((site) => site.message)).toEqual([
        "new pick('Greeter')(…) → rotatingClient(…) (the checker: the constructed type extends grpc-js Client)",
      ]);
    } finally {
      project.dispose();
    }
  });

  it('counts servers whose options (or a same-file constant they spread) set an age by hand as done, not left', () => {
    const servers = readFileSync(join(FIXTURES, 'server-options-constant.input.ts'), 'utf8');
    const { left, done } = run('a.ts', servers);
    expect(left).toEqual([]);
    expect(done).toEqual([
      '4: grpc.Server: its options already set grpc.max_connection_age_ms (SERVER_OPTIONS)',
      '5: grpc.Server: its options already set grpc.max_connection_age_ms (SERVER_OPTIONS)',
    ]);
  });

  it('leaves clients already balanced, and one-shot clients, with the reason', () => {
    const clients = readFileSync(join(FIXTURES, 'balanced-clients.input.ts'), 'utf8');
    expect(run('a.ts', clients).left).toEqual([
      '5: new GreeterClient(): already balanced per call (round_robin in its options): each call already picks a backend, rotation adds nothing',
      '6: new GreeterClient(): already balanced per call (round_robin in its options): each call already picks a backend, rotation adds nothing',
      "7: new GreeterClient(): already balanced per call (an xDS target, 'xds:'): each call already picks a backend, rotation adds nothing",
      '9: new GreeterClient(): already balanced per call (round_robin in its options, BALANCED): each call already picks a backend, rotation adds nothing',
      '14: new GreeterClient(): a one-shot client (one sayHello() call, then close()): its connection never lives long enough to rotate',
    ]);
  });

  it('leaves a project class that holds a client, and clients made for one call and dropped, with the reason', () => {
    const source = readFileSync(join(FIXTURES, 'wrappers-one-shot.input.ts'), 'utf8');
    const { left, rewritten } = run(join(FIXTURES, 'wrappers-one-shot.input.ts'), source);
    const wrapper =
      'GreeterStub from ./client-stub is not a generated grpc-js client (a class of the project that holds a client is not one: its own `new` of the generated client is the site)';
    expect(left.slice(0, 2)).toEqual(
      [7, 8].map((line) => expect.stringContaining(`${line}: new GreeterStub(): ${wrapper}`)),
    );
    expect(left.slice(2)).toEqual([
      '18: new GreeterClient(): a one-shot client (handed to callOnce(), which makes one call on it and keeps it nowhere): its connection never lives long enough to rotate',
      '22: new GreeterClient(): a one-shot client (one sayHello() call, never kept): its connection never lives long enough to rotate',
    ]);
    expect(rewritten).toEqual([
      "27: new GreeterClient(…) → rotatingClient(…) (imported from the generated gRPC module './helloworld_grpc_pb')",
    ]);
    // The module's own construction of the generated client is the site.
    const stub = readFileSync(join(FIXTURES, 'client-stub.ts'), 'utf8');
    expect(run(join(FIXTURES, 'client-stub.ts'), stub).rewritten).toHaveLength(1);
  });

  it("names the deprecated 'grpc' package as the reason it leaves its clients and servers", () => {
    const source = readFileSync(join(FIXTURES, 'legacy-grpc.input.js'), 'utf8');
    expect(run('a.js', source).left[0]).toMatch(/deprecated C-core 'grpc' package/);
  });

  it("reads a required member (`require('x').grpc`, grpc-web's generated services) without failing the file", () => {
    const source =
      "var grpc = require('@improbable-eng/grpc-web').grpc;\nvar api_grpc_pb = require('./api_grpc_pb');\nexports.stub = new api_grpc_pb.DgraphClient('localhost:9080', null);\n";
    expect(() => run('api_pb_service.js', source)).not.toThrow();
  });

  it('never touches files that do not use gRPC', () => {
    const source = "import { S3Client } from '@aws-sdk/client-s3';\nexport const s3 = new S3Client({});\n";
    expect(codemod.mightApply(source, { typed: false })).toBe(false);
    expect(run('a.ts', source)).toEqual({ output: source, rewritten: [], left: [], done: [] });
  });
});
