/**
 * Type-aware parsing: when a tsconfig covers a file and the codemod uses types, the file is parsed
 * from one TypeScript program per tsconfig (built once per run, only for configs that hold a file
 * whose sites wait for the checker, and rooted at those files only) so the codemod gets the same `{ program, esTreeNodeToTSNodeMap }` an ESLint
 * rule gets from typescript-eslint. Files no tsconfig covers are parsed without types.
 */
import { parseAndGenerateServices } from '@typescript-eslint/typescript-estree';
import { dirname, extname, resolve } from 'node:path';
import ts from 'typescript';
import { isStackOverflow, SOURCE_EXTENSIONS } from '../core/parse.js';
import { createTsconfigIndex } from '../core/tsconfig-index.js';
import { parseWithoutTypes, type ParseFile, type ParsedFile } from '../codemod-host/transform-text.js';

export interface TypeAwareParser {
  readonly parse: ParseFile;
  /** Builds the programs for these files up front, so per-file parse timings do not include them. */
  readonly prepare: (filePaths: readonly string[]) => void;
  /** How many TypeScript programs were built, and the time that took. */
  readonly programsBuilt: () => number;
  readonly buildMs: () => number;
  /** Whether a given file got type information. */
  readonly isTyped: (filePath: string) => boolean;
  /** Why a tsconfig's program could not be built (its files were handled without types), one line each. */
  readonly unbuilt: () => readonly string[];
  /** Source files TypeScript parsed for the run's programs: each file once, however many programs hold it. */
  readonly sourceFilesParsed: () => number;
}

export function createTypeAwareParser(): TypeAwareParser {
  const configOfDirectory = new Map<string, string | undefined>();
  const programOfConfig = new Map<string, ts.Program | undefined>();
  let buildMs = 0;
  let built = 0;
  const unbuilt: string[] = [];
  const sourceFiles = createSourceFileCache();

  function nearestConfig(directory: string): string | undefined {
    if (!configOfDirectory.has(directory)) {
      configOfDirectory.set(directory, ts.findConfigFile(directory, ts.sys.fileExists, 'tsconfig.json'));
    }
    return configOfDirectory.get(directory);
  }

  /** The tsconfig that holds `filePath`: the nearest one, else one of the projects it references. */
  function configHolding(filePath: string): string | undefined {
    const configPath = nearestConfig(dirname(filePath));
    if (configPath === undefined) return undefined;
    for (const candidate of [configPath, ...referencedConfigs(configPath)]) {
      if (filesOf(candidate).has(filePath)) return candidate;
    }
    return configPath; // not listed anywhere: the nearest program may still load it through an import (never a root)
  }

  function programFor(filePath: string): ts.Program | undefined {
    const configPath = configHolding(filePath);
    return configPath === undefined ? undefined : programOfConfig.get(configPath);
  }

  const typed = new Set<string>();
  const parse: ParseFile = (filePath, source): ParsedFile => {
    const absolute = resolve(filePath);
    const program = programFor(absolute);
    // The program reads files from disk as UTF-8: a file read otherwise (not UTF-8, kept byte for byte) gives it
    // other text, and its ranges would not be this text's. Such a file is parsed without types.
    if (!program || program.getSourceFile(absolute)?.text !== source) return parseWithoutTypes(filePath, source);
    const jsx = SOURCE_EXTENSIONS.get(extname(filePath).toLowerCase())?.jsx ?? true;
    // With `programs`, the AST comes from the program's own source file (read from disk, BOM removed),
    // which is the text the runner holds, so ranges line up with `source`.
    let parsed: ReturnType<typeof parseAndGenerateServices>;
    try {
      parsed = parseAndGenerateServices(source, {
        programs: [program],
        filePath: absolute,
        jsx,
        range: true,
        loc: true,
        comment: true,
        tokens: true,
        loggerFn: false,
      });
    } catch (error) {
      // Too deep for typescript-estree's converter: parse.ts reads it as safely as it can, without types.
      if (isStackOverflow(error)) return parseWithoutTypes(filePath, source);
      throw error;
    }
    const { ast, services } = parsed;
    if (!services.program) return { program: ast };
    typed.add(absolute);
    return {
      program: ast,
      types: { program: services.program, esTreeNodeToTSNodeMap: services.esTreeNodeToTSNodeMap },
    };
  };

  // One program per tsconfig, rooted at the files that wait for the checker (TypeScript loads what they import) and
  // the config's declaration files (globals and ambient modules no import names): not at every file of the project.
  const prepare = (filePaths: readonly string[]): void => {
    const rootsOfConfig = new Map<string, string[]>();
    for (const filePath of filePaths.map((path) => resolve(path))) {
      const configPath = configHolding(filePath);
      if (configPath === undefined) continue;
      const roots = rootsOfConfig.get(configPath) ?? [];
      if (filesOf(configPath).has(filePath)) roots.push(filePath);
      rootsOfConfig.set(configPath, roots);
    }
    for (const [configPath, roots] of rootsOfConfig) {
      const start = performance.now();
      try {
        programOfConfig.set(configPath, buildProgram(configPath, roots, sourceFiles));
        built++;
      } catch (error) {
        // TypeScript's parser recurses on the JavaScript stack: a file of the program nested too deeply overflows it.
        if (!isStackOverflow(error)) throw error;
        programOfConfig.set(configPath, undefined);
        unbuilt.push(
          `no types for the files of ${configPath}: a file its program loads nests too deeply for TypeScript's parser (the JavaScript stack overflowed); they were handled without types`,
        );
      }
      buildMs += performance.now() - start;
    }
  };

  return {
    parse,
    prepare,
    programsBuilt: () => built,
    buildMs: () => buildMs,
    isTyped: (filePath) => typed.has(resolve(filePath)),
    unbuilt: () => unbuilt,
    sourceFilesParsed: () => sourceFiles.parsed(),
  };
}

const { readConfig, filesOf, referencedConfigs } = createTsconfigIndex(ts);

function buildProgram(
  configPath: string,
  roots: readonly string[],
  sourceFiles: SourceFileCache,
): ts.Program | undefined {
  const parsed = readConfig(configPath);
  if (!parsed || parsed.fileNames.length === 0) return undefined;
  const declarations = parsed.fileNames.filter((fileName) => /\.d\.[cm]?ts$/i.test(fileName));
  const rootNames = [...new Set([...declarations.map((fileName) => resolve(fileName)), ...roots])];
  const host = ts.createCompilerHost(parsed.options, true);
  // JSDoc in TypeScript files gives no types (only deprecations and `@see` links), and parsing it was a third of the
  // time spent on lib.d.ts and @types/node; JavaScript files keep theirs. TypeScript before 5.3 has no such mode.
  if (ts.JSDocParsingMode) host.jsDocParsingMode = ts.JSDocParsingMode.ParseForTypeInfo;
  host.getSourceFile = sourceFiles.reader(parsed.options, host.getSourceFile.bind(host));
  return ts.createProgram({ rootNames, options: parsed.options, projectReferences: parsed.projectReferences, host });
}

interface SourceFileCache {
  /** A `CompilerHost.getSourceFile` for programs with these options, reading through the run's cache. */
  reader(options: ts.CompilerOptions, read: ts.CompilerHost['getSourceFile']): ts.CompilerHost['getSourceFile'];
  parsed(): number;
}

/**
 * One parse of each file for every program of a run: a monorepo's programs share lib.d.ts, @types/node and each
 * other's sources, and parsing those again per tsconfig was most of a typed run's time and memory. A parse depends
 * on the file and on the options that shape it (target, module format, JSDoc mode, how a module is detected), so
 * those make the key; the files are read once per run, as the rest of the run reads them.
 */
function createSourceFileCache(): SourceFileCache {
  const cache = new Map<string, ts.SourceFile | undefined>();
  return {
    reader: (options, read) => (fileName, languageVersionOrOptions, onError, shouldCreate) => {
      const shape =
        typeof languageVersionOrOptions === 'object'
          ? languageVersionOrOptions
          : { languageVersion: languageVersionOrOptions };
      const key = [
        resolve(fileName),
        shape.languageVersion,
        shape.impliedNodeFormat ?? '',
        shape.jsDocParsingMode ?? '',
        options.moduleDetection ?? '',
        options.module ?? '',
        options.jsx ?? '',
      ].join('|');
      if (!shouldCreate && cache.has(key)) return cache.get(key);
      const sourceFile = read(fileName, languageVersionOrOptions, onError, shouldCreate);
      cache.set(key, sourceFile);
      return sourceFile;
    },
    parsed: () => cache.size,
  };
}
