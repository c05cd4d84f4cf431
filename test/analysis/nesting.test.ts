// The depth estimate that decides where oxc-parser may run (parse.ts): every construct that recurses in oxc, at the
// deepest the estimate lets into this process and at twice that, parses on a worker thread's stack (the smallest the
// runner uses) without crashing; ordinary code stays far below the limit.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { estimateNesting } from '../../src/core/nesting.js';
import { NESTING_LIMIT, SOURCE_EXTENSIONS } from '../../src/core/parse.js';
import { REPO_ROOT } from '../cli/helpers.js';

vi.setConfig({ testTimeout: 120_000 });

const repeat = (text: string, times: number) => text.repeat(times);

/** One text per construct that nests in oxc's parser, `n` levels deep (the measured crash depths are in docs/parse-depth.md). */
const CONSTRUCTS: Readonly<Record<string, { readonly file: string; readonly build: (n: number) => string }>> = {
  parentheses: { file: 'a.ts', build: (n) => `x = ${repeat('(', n)}1${repeat(')', n)};\n` },
  brackets: { file: 'a.ts', build: (n) => `x = ${repeat('[', n)}1${repeat(']', n)};\n` },
  objects: { file: 'a.ts', build: (n) => `x = ${repeat('{a:', n)}1${repeat('}', n)};\n` },
  blocks: { file: 'a.ts', build: (n) => `${repeat('{', n)}${repeat('}', n)}\n` },
  functions: { file: 'a.ts', build: (n) => `${repeat('function f(){', n)}${repeat('}', n)}\n` },
  templates: { file: 'a.ts', build: (n) => `x = ${repeat('`${', n)}1${repeat('}`', n)};\n` },
  'tagged templates': { file: 'a.ts', build: (n) => `x = a${repeat('``', n)};\n` },
  'JSX elements': { file: 'a.jsx', build: (n) => `x = ${repeat('<a>', n)}${repeat('</a>', n)};\n` },
  'JSX elements, one a line': { file: 'a.tsx', build: (n) => `x = ${repeat('<a>\n', n)}${repeat('</a>\n', n)};\n` },
  'JSX text with commas and quotes': {
    file: 'a.jsx',
    build: (n) => `x = ${repeat("<a>,'", n)}${repeat('</a>', n)};\n`,
  },
  'arrow functions': { file: 'a.ts', build: (n) => `x = ${repeat('() => ', n)}1;\n` },
  'arrow functions, one parameter': { file: 'a.ts', build: (n) => `x = ${repeat('x=>', n)}1;\n` },
  'unary operators': { file: 'a.ts', build: (n) => `x = ${repeat('!', n)}1;\n` },
  'typeof chain': { file: 'a.ts', build: (n) => `x = ${repeat('typeof ', n)}a;\n` },
  'new chain': { file: 'a.ts', build: (n) => `x = ${repeat('new ', n)}A;\n` },
  'await chain': { file: 'a.ts', build: (n) => `async function f() { ${repeat('await ', n)}1 }\n` },
  'member chain': { file: 'a.ts', build: (n) => `x = a${repeat('.b', n)};\n` },
  'member chain, one a line': { file: 'a.ts', build: (n) => `x = a${repeat('\n.b', n)};\n` },
  'call chain': { file: 'a.ts', build: (n) => `x = a${repeat('()', n)};\n` },
  'index chain': { file: 'a.ts', build: (n) => `x = a${repeat('[0]', n)};\n` },
  'optional chain': { file: 'a.ts', build: (n) => `x = a${repeat('?.b', n)};\n` },
  'non-null chain': { file: 'a.ts', build: (n) => `x = a${repeat('!', n)};\n` },
  'binary chain': { file: 'a.ts', build: (n) => `x = 1${repeat('+1', n)};\n` },
  'binary chain, one a line': { file: 'a.ts', build: (n) => `x = 1${repeat('\n+ 1', n)};\n` },
  'binary chain through strings holding ;': { file: 'a.ts', build: (n) => `x = 1${repeat(" + ';'", n)};\n` },
  'nullish chain': { file: 'a.ts', build: (n) => `x = a${repeat('??a', n)};\n` },
  'exponent chain': { file: 'a.ts', build: (n) => `x = 2${repeat('**2', n)};\n` },
  'conditional chain': { file: 'a.ts', build: (n) => `x = ${repeat('a?b:', n)}c;\n` },
  'assignment chain': { file: 'a.ts', build: (n) => `${repeat('a=', n)}1;\n` },
  'else-if chain': { file: 'a.ts', build: (n) => `if (a) x;${repeat('else if (a) x;', n)}\n` },
  'nested if, one a line': { file: 'a.ts', build: (n) => `${repeat('if /* c */ (a)\n', n)}x;\n` },
  'class extends chain': { file: 'a.ts', build: (n) => `x = ${repeat('class extends ', n)}A${repeat('{}', n)};\n` },
  'spread arrays': { file: 'a.ts', build: (n) => `x = ${repeat('[...', n)}a${repeat(']', n)};\n` },
  'type arguments': { file: 'a.ts', build: (n) => `type T = ${repeat('Map<A, ', n)}1${repeat('>', n)};\n` },
  'object types': { file: 'a.ts', build: (n) => `let x: ${repeat('{a:', n)}1${repeat('}', n)};\n` },
  'array types': { file: 'a.ts', build: (n) => `let x: T${repeat('[]', n)};\n` },
  'conditional types': { file: 'a.ts', build: (n) => `type T = ${repeat('A extends B ? C : ', n)}D;\n` },
  // After a block, a regex or an element read as a division or a comparison would let a backtick or `/*` hide lines.
  'element after a block, a backtick in its text': {
    file: 'a.jsx',
    build: (n) => `if (a) {}\n<a>\`\n${repeat('<a>\n', n)}${repeat('</a>\n', n)}\`</a>;\n`,
  },
  'regex holding a backtick after a block': {
    file: 'a.ts',
    build: (n) => `if (a) {}\n/\`/.test(s);\nx = ${repeat('(\n', n)}1${repeat(')\n', n)};\n`,
  },
  'regex holding /* after a block': {
    file: 'a.js',
    build: (n) => `if (a) {}\n/[/*]/.test(s);\nx = ${repeat('(\n', n)}1${repeat(')\n', n)};\n// */\n`,
  },
  'regex holding a backtick after for await (…)': {
    file: 'a.ts',
    build: (n) => `async () => { for await (x of y) /\`/.test(s);\nx = ${repeat('(\n', n)}1${repeat(')\n', n)}; };\n`,
  },
  // A tag read as code (a comment, type arguments in it) would read its text as code too, a backtick in it as a template.
  'element with a comment in its tag, a backtick in its text': {
    file: 'a.jsx',
    build: (n) => `x = <a /**/>\`\n${repeat('<a>\n', n)}${repeat('</a>\n', n)}\`</a>;\n`,
  },
  'element with type arguments, a backtick in its text': {
    file: 'a.tsx',
    build: (n) => `x = <C<T> b={1}>\`\n${repeat('<a>\n', n)}${repeat('</a>\n', n)}\`</C>;\n`,
  },
  'an HTML-like comment holding a backtick': {
    file: 'a.js',
    build: (n) => `x = 1;\n<!-- \`\nx = ${repeat('(\n', n)}1${repeat(')\n', n)};\n`,
  },
};

function estimate(file: string, text: string): number {
  return estimateNesting(text, SOURCE_EXTENSIONS.get(extname(file))?.jsx ?? true).levels;
}

/** The largest depth whose text the estimate keeps at or under the limit (the estimate grows with the depth). */
function deepestAllowed(name: string, construct: { file: string; build: (n: number) => string }): number {
  let low = 0;
  let high = 1;
  while (estimate(construct.file, construct.build(high)) <= NESTING_LIMIT) {
    high *= 2;
    if (high > 1_000_000) throw new Error(`${name}: the estimate stays under the limit at any depth`);
  }
  while (high - low > 1) {
    const middle = (low + high) >> 1;
    if (estimate(construct.file, construct.build(middle)) <= NESTING_LIMIT) low = middle;
    else high = middle;
  }
  return low;
}

/**
 * Parses each text on a fresh worker thread (default 4 MB stack) of one child process, printing each name once
 * parsed: a native stack overflow kills the child, and the last name printed says where.
 */
const PARSE_ON_WORKERS = `
import { Worker } from 'node:worker_threads';
import { readFileSync } from 'node:fs';
const [oxcUrl] = process.argv.slice(1);
const cases = JSON.parse(readFileSync(0, 'utf8'));
for (const { name, file, text } of cases) {
  await new Promise((resolve, reject) => {
    const worker = new Worker(\`
      import('node:worker_threads').then(async ({ workerData, parentPort }) => {
        const { parseSync } = await import(workerData.oxcUrl);
        const lang = workerData.file.endsWith('.ts') ? 'ts' : workerData.file.endsWith('.tsx') ? 'tsx' : 'jsx';
        const result = parseSync(workerData.file, workerData.text, { lang, sourceType: 'unambiguous', astType: 'ts', range: true, preserveParens: false });
        void result.program;
        parentPort.postMessage(result.errors.filter((error) => error.severity === 'Error').length);
      });
    \`, { eval: true, workerData: { oxcUrl, file, text } });
    worker.once('message', (errors) => { console.log(name + (errors === 0 ? ': parsed' : ': ' + errors + ' syntax errors')); resolve(worker.terminate()); });
    worker.once('error', reject);
  });
}
`;

describe('estimateNesting', () => {
  const oxcUrl = pathToFileURL(createRequire(import.meta.url).resolve('oxc-parser')).href;

  it('lets into the process only what a worker thread parses, with a margin of two: every construct, at twice the deepest allowed', () => {
    const cases = Object.entries(CONSTRUCTS).map(([name, construct]) => {
      const allowed = deepestAllowed(name, construct);
      expect(allowed, name).toBeGreaterThan(0);
      return { name, file: construct.file, text: construct.build(2 * allowed) };
    });
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', PARSE_ON_WORKERS, oxcUrl], {
      input: JSON.stringify(cases),
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    const parsed = child.stdout.trim().split('\n').filter(Boolean);
    const crashedOn = cases[parsed.length]?.name;
    expect({ status: child.status, signal: child.signal, crashedOn }, child.stderr).toEqual({
      status: 0,
      signal: null,
      crashedOn: undefined,
    });
    expect(parsed).toEqual(cases.map((entry) => `${entry.name}: parsed`));
  });

  it('rates ordinary code far below the limit: every source and test file of this repository', () => {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (SOURCE_EXTENSIONS.has(extname(entry.name)) && !entry.name.endsWith('.d.ts')) files.push(path);
      }
    };
    for (const dir of ['src', 'codemods', 'eslint-plugin', 'runtime/src', 'test']) walk(join(REPO_ROOT, dir));
    expect(files.length).toBeGreaterThan(100);
    const deepest = Math.max(...files.map((file) => estimate(file, readFileSync(file, 'utf8'))));
    expect(deepest).toBeLessThan(NESTING_LIMIT / 10);
  });

  it('grows with the depth: a chain twice as long, or a nesting twice as deep, is estimated twice as deep', () => {
    const chain = (n: number) => estimate('a.ts', CONSTRUCTS['binary chain']!.build(n));
    expect(chain(20_000) / chain(10_000)).toBeCloseTo(2, 1);
    const nested = (n: number) => estimate('a.ts', CONSTRUCTS.parentheses!.build(n));
    expect(nested(2_000) / nested(1_000)).toBeCloseTo(2, 1);
  });
});
