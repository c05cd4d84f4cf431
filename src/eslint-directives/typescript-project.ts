/**
 * The project's own TypeScript, for codemods that must know what the project's `tsc` reports: resolved from the
 * project (the user's install; `typescript` is an optional peer of quickwins), one language service per tsconfig
 * (the nearest tsconfig.json that lists the file, else a project it references; or the one `--tsconfig` names),
 * rooted at every file the tsconfig lists, as `tsc -p` is. A file's text can be replaced in memory and checked
 * again: the service reuses the unchanged files and type-checks only the file asked for.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as TypeScript from 'typescript';
import { ProjectSetupError } from './eslint-project.js';
import { createTsconfigIndex } from '../core/tsconfig-index.js';
import { checkDeclaredRead } from '../core/project-reads.js';
import type { TypeScriptModule } from './ts-nocheck.js';

export interface FileCheck {
  readonly sourceFile: TypeScript.SourceFile;
  readonly options: TypeScript.CompilerOptions;
  /** Parse errors: no comment directive hides them. */
  readonly syntactic: readonly TypeScript.Diagnostic[];
  /**
   * Type errors of this file, after TypeScript applied its comment directives (unused `@ts-expect-error`s included).
   * A function: the type checker is built only when asked (a program's checker costs more than its parse).
   */
  readonly semantic: () => readonly TypeScript.Diagnostic[];
}

export interface ProjectTypeChecker {
  readonly ts: TypeScriptModule;
  /** The tsconfig whose files include `filePath`, or undefined. */
  configHolding(filePath: string): string | undefined;
  /** Type-checks `filePath` holding `text` in its tsconfig's program; undefined when no tsconfig includes it. */
  check(filePath: string, text: string): FileCheck | undefined;
  /** Gives the program `text` for `filePath` from the next check on, without checking anything now. */
  setText(filePath: string, text: string): void;
  /** How many language services (programs) were built. */
  programsBuilt(): number;
}

/** Loads `typescript` from `cwd` (as `npx tsc` would). Throws ProjectSetupError with a one-line reason. */
export async function loadProjectTypeScript(cwd: string): Promise<TypeScriptModule> {
  checkDeclaredRead('project-tools', `the TypeScript of ${cwd}`);
  let entry: string;
  try {
    entry = createRequire(join(cwd, 'package.json')).resolve('typescript');
  } catch {
    throw new ProjectSetupError(
      `TypeScript is not installed in ${cwd} or a folder above it (npm install --save-dev typescript): --ts-nocheck type-checks with the project's own compiler`,
    );
  }
  const loaded = (await import(pathToFileURL(entry).href)) as Partial<TypeScriptModule> & {
    default?: TypeScriptModule;
  };
  const ts = typeof loaded.createLanguageService === 'function' ? (loaded as TypeScriptModule) : loaded.default;
  if (!ts?.createLanguageService) throw new ProjectSetupError(`${entry} is not the TypeScript compiler`);
  return ts;
}

/** `tsconfig` (relative to cwd) replaces the lookup for every file. */
export function createProjectTypeChecker(ts: TypeScriptModule, cwd: string, tsconfig?: string): ProjectTypeChecker {
  checkDeclaredRead('project-tools', `the tsconfig of ${cwd}`);
  const fixedConfig = tsconfig === undefined ? undefined : resolve(cwd, tsconfig);
  if (fixedConfig !== undefined && !existsSync(fixedConfig))
    throw new ProjectSetupError(`--tsconfig: ${tsconfig} does not exist`);

  const { readConfig, filesOf, referencedConfigs } = createTsconfigIndex(ts);

  const configHolding = (filePath: string): string | undefined => {
    const absolute = resolve(filePath);
    const nearest = fixedConfig ?? ts.findConfigFile(dirname(absolute), ts.sys.fileExists, 'tsconfig.json');
    if (nearest === undefined) return undefined;
    const seen = new Set<string>();
    const queue = [nearest];
    while (queue.length > 0) {
      const candidate = queue.shift() as string;
      if (seen.has(candidate)) continue;
      seen.add(candidate);
      if (filesOf(candidate).has(absolute)) return candidate;
      queue.push(...referencedConfigs(candidate));
    }
    return undefined;
  };

  const registry = ts.createDocumentRegistry(ts.sys.useCaseSensitiveFileNames, cwd);
  const overrides = new Map<string, { text: string; version: number }>();
  // One counter for every file: a version string is never reused for another text (the registry caches by version).
  let nextVersion = 1;
  const setText = (filePath: string, text: string): void => {
    const absolute = resolve(filePath);
    if (overrides.get(absolute)?.text !== text) overrides.set(absolute, { text, version: nextVersion++ });
  };
  const services = new Map<string, TypeScript.LanguageService>();
  const serviceFor = (configPath: string): TypeScript.LanguageService => {
    let service = services.get(configPath);
    if (service) return service;
    const parsed = readConfig(configPath) as TypeScript.ParsedCommandLine;
    const host: TypeScript.LanguageServiceHost = {
      getCompilationSettings: () => parsed.options,
      getProjectReferences: () => parsed.projectReferences,
      getScriptFileNames: () => parsed.fileNames,
      getScriptVersion: (fileName) => String(overrides.get(resolve(fileName))?.version ?? 0),
      getScriptSnapshot: (fileName) => {
        const text = overrides.get(resolve(fileName))?.text ?? ts.sys.readFile(fileName);
        return text === undefined ? undefined : ts.ScriptSnapshot.fromString(text);
      },
      getCurrentDirectory: () => dirname(configPath),
      getDefaultLibFileName: (options) => ts.getDefaultLibFilePath(options),
      fileExists: ts.sys.fileExists,
      readFile: ts.sys.readFile,
      readDirectory: ts.sys.readDirectory,
      directoryExists: ts.sys.directoryExists,
      getDirectories: ts.sys.getDirectories,
      realpath: ts.sys.realpath,
      useCaseSensitiveFileNames: () => ts.sys.useCaseSensitiveFileNames,
    };
    service = ts.createLanguageService(host, registry);
    services.set(configPath, service);
    return service;
  };

  const check = (filePath: string, text: string): FileCheck | undefined => {
    const configPath = configHolding(filePath);
    if (configPath === undefined) return undefined;
    const absolute = resolve(filePath);
    setText(absolute, text);
    const program = serviceFor(configPath).getProgram();
    const sourceFile = program?.getSourceFile(absolute);
    if (!program || !sourceFile) return undefined;
    return {
      sourceFile,
      options: program.getCompilerOptions(),
      syntactic: program.getSyntacticDiagnostics(sourceFile),
      semantic: () => program.getSemanticDiagnostics(sourceFile),
    };
  };

  return { ts, configHolding, check, setText, programsBuilt: () => services.size };
}
