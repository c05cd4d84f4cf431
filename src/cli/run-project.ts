/**
 * Runs a codemod that has a project session (`Codemod.prepareProject`): prepares it once for the run's files, then
 * transforms the files one after another on the main thread (the session holds the project's tools, ESLint and its
 * parsers, which are not shared with worker threads), and collects the files it writes at the end.
 */
import type { ProjectFileOutput } from '../codemod-host/codemod.js';
import type { AnyCodemod } from '../codemod-host/registry.js';
import { transformWithSession } from '../codemod-host/transform-project.js';
import type { TextOutcome } from '../codemod-host/transform-text.js';
import type { SourceText } from './workers.js';

export interface ProjectRun {
  readonly outcomes: readonly TextOutcome[];
  readonly extraFiles: readonly ProjectFileOutput[];
}

/** Throws what `prepareProject` throws (CodemodSetupError for a project that lacks what the codemod needs). */
export async function runProjectSession(
  codemod: AnyCodemod,
  options: Readonly<Record<string, unknown>>,
  cwd: string,
  files: readonly SourceText[],
  onOutcome: () => void,
): Promise<ProjectRun> {
  if (!codemod.prepareProject || files.length === 0) return { outcomes: [], extraFiles: [] };
  const session = await codemod.prepareProject({ cwd, files: files.map((file) => file.path), options: options as never });
  const outcomes: TextOutcome[] = [];
  for (const file of files) {
    outcomes.push(await transformWithSession(session, file.path, file.text));
    onOutcome();
  }
  return { outcomes, extraFiles: (await session.finish?.()) ?? [] };
}
