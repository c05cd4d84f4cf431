// The type-aware parser's programs: one per tsconfig, sharing what they both hold instead of parsing it again.
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { createTypeAwareParser } from '../../src/cli/types.js';
import { REPO_ROOT, removeTempDirs, tempDir, writeTree } from './helpers.js';

afterAll(removeTempDirs);

describe('type-aware parser', () => {
  it('parses a file two programs hold once: lib files, @types/node and a sibling package are the same source file objects', () => {
    const root = tempDir('quickwins-types-');
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(root, 'node_modules'), 'dir');
    const tsconfig = JSON.stringify({
      compilerOptions: {
        strict: true,
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        noEmit: true,
        types: ['node'],
      },
      include: ['src'],
    });
    writeTree(root, {
      'package.json': JSON.stringify({ name: 'mono', private: true, type: 'module' }),
      'a/tsconfig.json': tsconfig,
      'a/src/shared.ts':
        "import { readFileSync } from 'node:fs';\nexport const read = (path: string) => readFileSync(path, 'utf8');\n",
      'a/src/a.ts': "import { read } from './shared.js';\nexport const a = read('a');\n",
      'b/tsconfig.json': tsconfig,
      'b/src/b.ts': "import { read } from '../../a/src/shared.js';\nexport const b = read('b');\n",
    });
    const parser = createTypeAwareParser();
    const files = [join(root, 'a/src/a.ts'), join(root, 'b/src/b.ts')];
    parser.prepare(files);
    expect(parser.programsBuilt()).toBe(2);
    const [programA, programB] = files.map((file) => {
      const program = parser.parse(file, ts.sys.readFile(file) ?? '').types?.program;
      if (!program) throw new Error(`${file} got no program`);
      return program;
    });
    const inBoth = programA!
      .getSourceFiles()
      .filter((sourceFile) => programB!.getSourceFile(sourceFile.fileName) !== undefined);
    expect(inBoth.some((sourceFile) => sourceFile.fileName.includes('@types/node/'))).toBe(true);
    expect(inBoth.some((sourceFile) => sourceFile.fileName.endsWith('a/src/shared.ts'))).toBe(true);
    for (const sourceFile of inBoth) expect(programB!.getSourceFile(sourceFile.fileName)).toBe(sourceFile);
    expect(parser.sourceFilesParsed()).toBe(
      new Set([...programA!.getSourceFiles(), ...programB!.getSourceFiles()].map((sourceFile) => sourceFile.fileName))
        .size,
    );
  });
});
