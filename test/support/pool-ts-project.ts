/**
 * A throwaway TypeScript project for pool-backpressure tests: files written to a temp dir whose
 * node_modules links to this repository's (so `pg` and `@types/pg` resolve as in a user's project),
 * with `@quickwins/runtime` (and any alias, e.g. a team's re-export) mapped to runtime/src/index.ts. Gives diagnostics
 * per file and typescript-eslint type services for the detector's type-aware path.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAndGenerateServices, type TSESTree } from '@typescript-eslint/typescript-estree';
import ts from 'typescript';
import type { TypeServices } from '../../src/codemod-host/codemod.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface TsProject {
  readonly dir: string;
  readonly program: ts.Program;
  /** Error diagnostics of one file, as `line:col TScode message` strings (stable for comparisons). */
  errors(relativePath: string): string[];
  /** Parses a project file with type services bound to the project's program. */
  services(relativePath: string, text: string): { ast: TSESTree.Program; types: TypeServices };
  dispose(): void;
}

/** A codemod fixture pair as the codemod tests hold it. */
export interface FixturePairFiles {
  readonly inputFile: string;
  readonly outputFile: string;
  readonly input: string;
  readonly expected: string;
}

/** The files of a typed fixture project: support files read from the fixture folder, then every pair's input and
 *  expected output, under their own names. */
export function fixtureProjectFiles(
  fixtureDir: string,
  supportFiles: readonly string[],
  fixtures: readonly FixturePairFiles[],
): Map<string, string> {
  const files = new Map<string, string>(
    supportFiles.map((support) => [support, readFileSync(join(fixtureDir, support), 'utf8')]),
  );
  for (const fixture of fixtures) {
    files.set(fixture.inputFile, fixture.input);
    files.set(fixture.outputFile, fixture.expected);
  }
  return files;
}

/** `files`: relative path → text. `quickwinsAliases`: extra module names that stand for quickwins. `extraOptions`:
 *  compiler options over the strict defaults (`noUnusedLocals` for a codemod that removes imports). */
export function createTsProject(
  files: ReadonlyMap<string, string>,
  quickwinsAliases: readonly string[] = [],
  extraOptions: ts.CompilerOptions = {},
): TsProject {
  const dir = mkdtempSync(join(tmpdir(), 'qw-pool-'));
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'fixture-project', type: 'module' }));
  for (const [path, text] of files) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  const quickwinsEntry = join(REPO_ROOT, 'runtime/src/index.ts');
  const paths: Record<string, string[]> = {
    '@quickwins/runtime': [quickwinsEntry],
    '@quickwins/runtime/graphql': [join(REPO_ROOT, 'runtime/src/graphql/index.ts')],
  };
  for (const alias of quickwinsAliases) paths[alias] = [quickwinsEntry];
  // Area subpaths (`@quickwins/runtime/kafka`) map to their own sources, as the package's exports do.
  paths['@quickwins/runtime/*'] = [join(REPO_ROOT, 'runtime/src/*/index.ts')];
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    skipLibCheck: true,
    esModuleInterop: true,
    jsx: ts.JsxEmit.Preserve,
    types: ['node'],
    experimentalDecorators: true,
    emitDecoratorMetadata: true,
    paths,
    ...extraOptions,
  };
  const rootNames = [...files.keys()].map((path) => join(dir, path));
  const program = ts.createProgram({ rootNames, options });
  return {
    dir,
    program,
    errors(relativePath) {
      const sourceFile = program.getSourceFile(join(dir, relativePath));
      if (!sourceFile) throw new Error(`${relativePath} is not in the project`);
      const diagnostics = [
        ...program.getSyntacticDiagnostics(sourceFile),
        ...program.getSemanticDiagnostics(sourceFile),
      ];
      return diagnostics
        .filter((diagnostic) => diagnostic.category === ts.DiagnosticCategory.Error)
        .map((diagnostic) => {
          const { line, character } = sourceFile.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
          return `${line + 1}:${character} TS${diagnostic.code} ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`;
        });
    },
    services(relativePath, text) {
      const { ast, services } = parseAndGenerateServices(text, {
        filePath: join(dir, relativePath),
        programs: [program],
        range: true,
        loc: true,
        tokens: true,
        comment: true,
        jsx: relativePath.endsWith('x'),
      });
      if (!services.program) throw new Error('no type information');
      return { ast, types: { program: services.program, esTreeNodeToTSNodeMap: services.esTreeNodeToTSNodeMap } };
    },
    dispose() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
