/**
 * What a run needs to know of tsconfig files, read once each: the parsed config, the files it lists and the projects
 * it references. Shared by the type-aware parser of the runner (src/cli/types.ts, quickwins' TypeScript) and
 * `--ts-nocheck` (typescript-project.ts, the project's own TypeScript), each with the module it loaded.
 */
import { resolve } from 'node:path';
import type * as TypeScript from 'typescript';

export interface TsconfigIndex {
  /** The parsed tsconfig (`noEmit` set), or undefined when TypeScript cannot read it. */
  readonly readConfig: (configPath: string) => TypeScript.ParsedCommandLine | undefined;
  /** The files a tsconfig lists (include / files, less exclude), as absolute paths. */
  readonly filesOf: (configPath: string) => ReadonlySet<string>;
  /** The tsconfig paths of the projects it references. */
  readonly referencedConfigs: (configPath: string) => string[];
}

type TsconfigApi = Pick<typeof TypeScript, 'getParsedCommandLineOfConfigFile' | 'resolveProjectReferencePath' | 'sys'>;

export function createTsconfigIndex(ts: TsconfigApi): TsconfigIndex {
  const parsedConfigs = new Map<string, TypeScript.ParsedCommandLine | undefined>();
  const filesOfConfig = new Map<string, ReadonlySet<string>>();

  const readConfig = (configPath: string): TypeScript.ParsedCommandLine | undefined => {
    if (!parsedConfigs.has(configPath)) {
      const parsed = ts.getParsedCommandLineOfConfigFile(
        configPath,
        { noEmit: true },
        { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined },
      );
      parsedConfigs.set(configPath, parsed ?? undefined);
    }
    return parsedConfigs.get(configPath);
  };
  const filesOf = (configPath: string): ReadonlySet<string> => {
    let files = filesOfConfig.get(configPath);
    if (!files) {
      files = new Set((readConfig(configPath)?.fileNames ?? []).map((fileName) => resolve(fileName)));
      filesOfConfig.set(configPath, files);
    }
    return files;
  };
  const referencedConfigs = (configPath: string): string[] =>
    (readConfig(configPath)?.projectReferences ?? []).map((reference) => ts.resolveProjectReferencePath(reference));

  return { readConfig, filesOf, referencedConfigs };
}
