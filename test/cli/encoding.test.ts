// Files in other encodings than UTF-8, through the real CLI on temp git repositories: every byte the codemod does not
// rewrite stays as it was on disk, or the file is left untouched and reported with the reason (exit 1).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { assertBuilt, gitRepo, removeTempDirs, runCli, testCodemods, type JsonReport } from './helpers.js';

let env: NodeJS.ProcessEnv;
beforeAll(() => {
  assertBuilt();
  env = { QUICKWINS_CODEMODS: testCodemods() };
});
afterAll(removeTempDirs);
vi.setConfig({ testTimeout: 120_000 });

const run = (cwd: string, ...args: string[]) => runCli(args, { cwd, env });
const bytesOf = (root: string, path: string) => readFileSync(join(root, path));
const latin1 = (text: string) => Buffer.from(text, 'latin1');
const utf8 = (text: string) => Buffer.from(text, 'utf8');
const utf16le = (text: string) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
const utf16be = (text: string) => Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()]);

/** Runs rename-foo (foo → bar, no header) on one file and returns the run and the bytes on disk afterwards. */
function renameIn(content: Buffer, ...args: string[]) {
  const root = gitRepo({ 'a.ts': content });
  const result = run(root, 'rename-foo', '--no-header', '--json', ...args);
  return { result, report: JSON.parse(result.stdout) as JsonReport, bytes: bytesOf(root, 'a.ts') };
}

describe('non-UTF-8 files are rewritten byte for byte', () => {
  it("Latin-1: 'été' in a string and a comment keeps its single bytes", () => {
    const { result, report, bytes } = renameIn(latin1("// résumé\nconst foo = 'été';\nfoo();\n"));
    expect(result.status).toBe(0);
    expect(bytes.equals(latin1("// résumé\nconst bar = 'été';\nbar();\n"))).toBe(true);
    expect(bytes.includes(0xef)).toBe(false); // no U+FFFD (EF BF BD) anywhere
    expect(report.files[0]).toMatchObject({ status: 'changed', encoding: 'bytes' });
  });

  it('UTF-16 LE with BOM, astral characters included', () => {
    const { result, report, bytes } = renameIn(utf16le("\uFEFFconst foo = 'été 😀';\nfoo();\n"));
    expect(result.status).toBe(0);
    expect(bytes.equals(utf16le("\uFEFFconst bar = 'été 😀';\nbar();\n"))).toBe(true);
    expect(report.files[0]).toMatchObject({ status: 'changed', encoding: 'utf16le' });
  });

  it('UTF-16 BE with BOM', () => {
    const { result, bytes } = renameIn(utf16be("\uFEFFconst foo = 'ß';\r\nfoo();\r\n"));
    expect(result.status).toBe(0);
    expect(bytes.equals(utf16be("\uFEFFconst bar = 'ß';\r\nbar();\r\n"))).toBe(true);
  });

  it('UTF-8 with one invalid byte in a comment: the UTF-8 text and the stray byte both survive', () => {
    const before = Buffer.concat([
      utf8("const foo = 'naïve — ok';\n// bad "),
      Buffer.from([0xff, 0xc3]),
      utf8(' byte\nfoo();\n'),
    ]);
    const expected = Buffer.concat([
      utf8("const bar = 'naïve — ok';\n// bad "),
      Buffer.from([0xff, 0xc3]),
      utf8(' byte\nbar();\n'),
    ]);
    const { result, bytes } = renameIn(before);
    expect(result.status).toBe(0);
    expect(bytes.equals(expected)).toBe(true);
  });

  it('UTF-8 with an invalid byte inside a string literal', () => {
    const before = Buffer.concat([utf8("const foo = 'ü"), Buffer.from([0x80]), utf8("é';\nfoo(foo);\n")]);
    const expected = Buffer.concat([utf8("const bar = 'ü"), Buffer.from([0x80]), utf8("é';\nbar(bar);\n")]);
    const { result, bytes } = renameIn(before);
    expect(result.status).toBe(0);
    expect(bytes.equals(expected)).toBe(true);
  });

  it('UTF-8 with BOM keeps the BOM', () => {
    const { result, bytes } = renameIn(utf8("\uFEFFconst foo = 'é';\n"));
    expect(result.status).toBe(0);
    expect(bytes.equals(utf8("\uFEFFconst bar = 'é';\n"))).toBe(true);
  });
});

describe('what cannot be written back exactly is left and named, exit 1', () => {
  it('a Latin-1 file where the new text needs a character one byte cannot hold', () => {
    const before = latin1("const foo = 'été';\n");
    const { result, report, bytes } = renameIn(before, '--to', 'fooŝ');
    expect(result.status).toBe(1);
    expect(bytes.equals(before)).toBe(true);
    expect(report.files[0]).toMatchObject({ status: 'left' });
    expect(report.files[0]?.reason).toMatch(/not UTF-8.*"ŝ"/);
    expect(report.totals).toMatchObject({ left: 1, changed: 0 });
  });

  it('a UTF-16 BOM with an odd number of bytes is never parsed', () => {
    const before = Buffer.concat([utf16le('const foo = 1;\n'), Buffer.from([0x41])]);
    const root = gitRepo({ 'a.ts': before });
    const result = run(root, 'rename-foo');
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /^left {2}a\.ts: file left as it was: UTF-16 LE with BOM but an odd number of bytes$/m,
    );
    expect(bytesOf(root, 'a.ts').equals(before)).toBe(true);
  });
});
