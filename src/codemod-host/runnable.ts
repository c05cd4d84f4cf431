/**
 * A codemod whatever its options type: what the registry holds and the front doors run. The raw option values (the
 * command line, a worker thread's copy, a test) are resolved by the codemod's own option list once, at `configure`;
 * from then on nothing outside the codemod needs the options' type.
 */
import type { Codemod, CodemodOption, CodemodRead, MightApplyContext, ProjectSession } from './codemod.js';
import { resolveOptionsOf } from './options.js';
import { withDeclaredReadsAsync } from '../core/project-reads.js';
import {
  parseText,
  parseWithoutTypes,
  transformParsed,
  transformText,
  heldToReads,
  type DeclaredReads,
  type ParseAttempt,
  type ParseFile,
  type TextOutcome,
} from './transform-text.js';

export interface RunnableCodemod {
  readonly id: string;
  readonly summary: string;
  readonly options: readonly CodemodOption[];
  readonly usesTypes: boolean;
  /** What it reads besides the file's text; empty for a codemod loaded from QUICKWINS_CODEMODS that does not say. */
  readonly reads: readonly CodemodRead[];
  /** The codemod consults the project's own tools (`Codemod.prepareProject`): the runner runs a project session. */
  readonly hasProjectSession: boolean;
  mightApply(source: string, context: MightApplyContext): boolean;
  /** Binds option values resolved from `raw` (options.ts); throws OptionError naming the flag of a bad value. */
  configure(raw: Readonly<Record<string, unknown>>): ConfiguredCodemod;
}

/** A codemod bound to its resolved options: one file's transform, or a project session, needs nothing more. */
export interface ConfiguredCodemod {
  readonly codemod: RunnableCodemod;
  /** The resolved values, plain data: a worker thread configures its own copy from them. */
  readonly values: Readonly<Record<string, unknown>>;
  /** transform-text.ts's trip through the codemod (pre-filter, parse, transform, edits applied). */
  transformText(filePath: string, text: string, parse?: ParseFile): TextOutcome;
  /** The same on a file already parsed (its pre-filter passed): several codemods share one parse (`transformEach`). */
  transformParsed(filePath: string, text: string, attempt: ParseAttempt): TextOutcome;
  /** `Codemod.prepareProject` with these options; undefined for a codemod without a project session. */
  readonly prepareProject?: (context: {
    readonly cwd: string;
    readonly files: readonly string[];
  }) => Promise<ProjectSession>;
}

export function runnable<Options>(codemod: Codemod<Options>): RunnableCodemod {
  const described: RunnableCodemod = {
    id: codemod.id,
    summary: codemod.summary,
    options: codemod.options,
    usesTypes: codemod.usesTypes,
    // A team's own codemod, loaded as plain JavaScript, may predate the field.
    reads: codemod.reads ?? [],
    hasProjectSession: codemod.prepareProject !== undefined,
    mightApply: (source, context) => heldToReads(codemod, () => codemod.mightApply(source, context)),
    configure(raw) {
      const { values, options } = resolveOptionsOf(codemod, raw);
      const { prepareProject } = codemod;
      return {
        codemod: described,
        values,
        transformText: (filePath, text, parse) => transformText(codemod, filePath, text, options, parse),
        transformParsed: (filePath, text, attempt) => transformParsed(codemod, filePath, text, options, attempt),
        prepareProject:
          prepareProject &&
          (async (context) =>
            sessionHeldToReads(
              codemod,
              await heldToReadsAsync(codemod, () => prepareProject.call(codemod, { ...context, options })),
            )),
      };
    },
  };
  return described;
}

/** `heldToReads` for asynchronous work: every read until the promise settles is held. */
function heldToReadsAsync<Result>(codemod: DeclaredReads, work: () => Promise<Result>): Promise<Result> {
  return Array.isArray(codemod.reads) ? withDeclaredReadsAsync(codemod.id, codemod.reads, work) : work();
}

/** The session with each of its calls held to the codemod's reads, as `prepareProject` was. */
function sessionHeldToReads(codemod: DeclaredReads, session: ProjectSession): ProjectSession {
  const { finish } = session;
  return {
    parallel: session.parallel,
    transformFile: (input) => heldToReadsAsync(codemod, () => session.transformFile(input)),
    finish: finish && ((records) => heldToReadsAsync(codemod, () => finish.call(session, records))),
  };
}

/**
 * Several codemods on one file with one parse (`quickwins plan`): each gets the outcome its own `transformText` would
 * give with the same parser; a codemod whose pre-filter refuses the file gets `skipped`, and no codemod wanting the
 * file means no parse at all.
 */
export function transformEach(
  codemods: readonly ConfiguredCodemod[],
  filePath: string,
  text: string,
  parse: ParseFile = parseWithoutTypes,
): TextOutcome[] {
  const source = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const typed = parse !== parseWithoutTypes;
  const wanted = codemods.map((configured) => configured.codemod.mightApply(source, { typed, filePath }));
  const attempt = wanted.some(Boolean) ? parseText(filePath, text, parse) : undefined;
  return codemods.map((configured, index) =>
    attempt && wanted[index]
      ? configured.transformParsed(filePath, text, attempt)
      : { status: 'skipped', timings: { parseMs: 0, transformMs: 0 } },
  );
}
