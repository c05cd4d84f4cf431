/**
 * What a caller may read of the project besides the text it was handed (a codemod's `reads`), held at run time: the
 * host runs a codemod inside `withDeclaredReads`, and every reader of the project calls `checkDeclaredRead` first.
 * Outside such a run (the runner's own reads, the ESLint rules, tests calling a reader directly) every read is allowed.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export type ProjectRead =
  /** The nearest package.json above the file: where it is (the package root), and its `type`, `name` and dependency lists. */
  | 'package-json'
  /**
   * Modules the file imports by a relative path, by a tsconfig.json / jsconfig.json `paths` or `baseUrl` alias (and
   * that config with the configs it extends, inside the repository), or by a workspace package's name, to see what
   * they export.
   */
  | 'imported-modules'
  /** The project's own tools, loaded by `prepareProject`: its ESLint and ESLint config, its tsconfig and what they load. */
  | 'project-tools'
  /** The run's files as they are on disk (a project session lints them) and the files a session returns (their `previous`). */
  | 'run-files'
  /** Files beside the code that say how it runs: bundler configs and index.html at a package root, a library's typings. */
  | 'project-config'
  /** The source files of the file's package, for their relative imports: which modules import the file. */
  | 'package-sources';

/** A read of a kind the running codemod did not declare. */
export class UndeclaredReadError extends Error {}

interface ReadPermit {
  readonly reader: string;
  readonly reads: ReadonlySet<ProjectRead>;
  /** The first undeclared read, kept even when the codemod catches the error (a reader inside its own try). */
  refused: UndeclaredReadError | undefined;
}

const permitInForce = new AsyncLocalStorage<ReadPermit>();

/** Throws UndeclaredReadError when the codemod running here did not declare `read`; `what` names the file or folder. */
export function checkDeclaredRead(read: ProjectRead, what: string): void {
  const permit = permitInForce.getStore();
  if (permit === undefined || permit.reads.has(read)) return;
  const error = new UndeclaredReadError(
    `${permit.reader} read ${what} ('${read}'), which its reads do not declare (${[...permit.reads].join(', ') || 'none'})`,
  );
  permit.refused ??= error;
  throw error;
}

/** Runs `work` as the host's own read, outside any codemod's permit (the parser's module type of a `.js` file). */
export function asHostRead<Result>(work: () => Result): Result {
  return permitInForce.exit(work);
}

/** Runs `work` holding `reader` to `reads`; throws the first undeclared read, even one the work caught. */
export function withDeclaredReads<Result>(reader: string, reads: readonly ProjectRead[], work: () => Result): Result {
  const permit: ReadPermit = { reader, reads: new Set(reads), refused: undefined };
  const result = permitInForce.run(permit, work);
  if (permit.refused) throw permit.refused;
  return result;
}

/** `withDeclaredReads` for asynchronous work: every read until the promise settles is held. */
export async function withDeclaredReadsAsync<Result>(
  reader: string,
  reads: readonly ProjectRead[],
  work: () => Promise<Result>,
): Promise<Result> {
  const permit: ReadPermit = { reader, reads: new Set(reads), refused: undefined };
  const result = await permitInForce.run(permit, work);
  if (permit.refused) throw permit.refused;
  return result;
}
