/**
 * Keeps the project's formatting: when the project has prettier (resolved from the file's own folder, never from
 * quickwins' dependencies) and a file was prettier-clean before the run, its new text is formatted with that
 * prettier and the project's config, so `prettier --check` still passes. A file that was not clean is written as
 * the codemod left it (formatting it would rewrite lines the codemod never touched). No prettier: no change.
 * A file prettier could not handle is written as the codemod left it and listed in `failures()`, never hidden.
 */
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The part of prettier's API (v2 and v3) used here; v3 returns promises, v2 values. */
interface Prettier {
  check(source: string, options: Record<string, unknown>): boolean | Promise<boolean>;
  format(source: string, options: Record<string, unknown>): string | Promise<string>;
  resolveConfig(
    filePath: string,
    options?: { editorconfig?: boolean },
  ): Record<string, unknown> | null | Promise<Record<string, unknown> | null>;
  getFileInfo(
    filePath: string,
    options?: { ignorePath?: string },
  ): { ignored: boolean; inferredParser: string | null } | Promise<{ ignored: boolean; inferredParser: string | null }>;
}

export interface ProjectFormatter {
  /** The text to write for `path`: `after` formatted when the project has prettier and `before` was clean. */
  readonly format: (path: string, before: string, after: string) => Promise<string>;
  /** Files formatted so far. */
  readonly formatted: () => readonly string[];
  /** Files prettier failed on (or the project's prettier failed to load for), with its error. */
  readonly failures: () => readonly FormatFailure[];
}

export interface FormatFailure {
  readonly path: string;
  readonly message: string;
}

export function createProjectFormatter(): ProjectFormatter {
  const prettierOfFolder = new Map<string, Promise<ProjectPrettier | undefined>>();
  const formatted: string[] = [];
  const failures: FormatFailure[] = [];

  const prettierFor = (folder: string): Promise<ProjectPrettier | undefined> => {
    let found = prettierOfFolder.get(folder);
    if (!found) {
      found = loadProjectPrettier(folder);
      prettierOfFolder.set(folder, found);
    }
    return found;
  };

  const format = async (path: string, before: string, after: string): Promise<string> => {
    try {
      const project = await prettierFor(dirname(path));
      if (!project) return after;
      const { prettier, root } = project;
      const info = await prettier.getFileInfo(path, { ignorePath: join(root, '.prettierignore') });
      if (info.ignored || !info.inferredParser) return after;
      const options = { ...((await prettier.resolveConfig(path, { editorconfig: true })) ?? {}), filepath: path };
      if (!(await prettier.check(before, options))) return after;
      const result = await prettier.format(after, options);
      if (result !== after) formatted.push(path);
      return result;
    } catch (error) {
      // Written as the codemod left it; reported so a `prettier --check` failure afterwards has its cause.
      failures.push({ path, message: firstLine(error) });
      return after;
    }
  };

  return { format, formatted: () => formatted, failures: () => failures };
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n', 1)[0]!.trim() || 'unknown error';
}

interface ProjectPrettier {
  readonly prettier: Prettier;
  /** The folder whose node_modules holds it: where `prettier --check` runs and `.prettierignore` lives. */
  readonly root: string;
}

/** The prettier the project at `folder` would run (its node_modules, up the tree), or undefined. */
async function loadProjectPrettier(folder: string): Promise<ProjectPrettier | undefined> {
  let resolved: string;
  try {
    // A require anchored in the project's folder only searches the project's node_modules folders.
    resolved = createRequire(join(folder, 'noop.js')).resolve('prettier');
  } catch {
    return undefined;
  }
  const module = (await import(pathToFileURL(resolved).href)) as Partial<Prettier> & { default?: Partial<Prettier> };
  // Prettier 3 is ESM with named exports; prettier 2 is CommonJS, whose API is whole only on the default export
  // (Node's CommonJS export detection finds some of its names, not getFileInfo).
  const prettier = [module, module.default].find(hasPrettierApi);
  if (!prettier) throw new Error(`the prettier at ${resolved} has no format/check/resolveConfig/getFileInfo functions`);
  const marker = `${sep}node_modules${sep}`;
  const root = resolved.slice(0, resolved.lastIndexOf(marker));
  return { prettier, root };
}

function hasPrettierApi(candidate: Partial<Prettier> | undefined): candidate is Prettier {
  return (
    candidate !== undefined &&
    typeof candidate.format === 'function' &&
    typeof candidate.check === 'function' &&
    typeof candidate.resolveConfig === 'function' &&
    typeof candidate.getFileInfo === 'function'
  );
}
