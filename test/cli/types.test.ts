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

  it('reads JSDoc in JavaScript files only: TypeScript and declaration files are parsed without it', () => {
    const root = tempDir('quickwins-types-');
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(root, 'node_modules'), 'dir');
    writeTree(root, {
      'package.json': JSON.stringify({ name: 'app', private: true, type: 'module' }),
      'tsconfig.json': JSON.stringify({
        compilerOptions: { strict: true, module: 'NodeNext', allowJs: true, noEmit: true, types: ['node'] },
        include: ['src'],
      }),
      'src/db.js': "import pg from 'pg';\n/** @type {pg.Pool} */\nexport const pool = new pg.Pool();\n",
      'src/app.ts':
        "import { pool } from './db.js';\n/** Counts. */\nexport const count = () => pool.query('select 1');\n",
    });
    const parser = createTypeAwareParser();
    const file = join(root, 'src/app.ts');
    parser.prepare([file]);
    const program = parser.parse(file, ts.sys.readFile(file) ?? '').types?.program;
    if (!program) throw new Error(`${file} got no program`);
    const jsDocOf = (sourceFile: ts.SourceFile | undefined) =>
      sourceFile?.statements.flatMap((statement) => (statement as { jsDoc?: unknown[] }).jsDoc ?? []) ?? [];
    expect(jsDocOf(program.getSourceFile(join(root, 'src/db.js')))).toHaveLength(1);
    expect(jsDocOf(program.getSourceFile(file))).toEqual([]);
    const nodeTypes = program.getSourceFiles().filter((sourceFile) => sourceFile.fileName.includes('@types/node/'));
    expect(nodeTypes.length).toBeGreaterThan(10);
    for (const sourceFile of nodeTypes) expect(jsDocOf(sourceFile)).toEqual([]);
    // The JavaScript file's JSDoc still types its export.
    const checker = program.getTypeChecker();
    const pool = program
      .getSourceFile(file)!
      .statements.find((statement): statement is ts.ImportDeclaration => ts.isImportDeclaration(statement))!
      .importClause!.namedBindings as ts.NamedImports;
    expect(checker.typeToString(checker.getTypeAtLocation(pool.elements[0]!.name))).toBe('Pool');
  });
});
