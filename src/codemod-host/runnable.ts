/**
 * A codemod whatever its options type: what the registry holds and the front doors run. The raw option values (the
 * command line, a worker thread's copy, a test) are resolved by the codemod's own option list once, at `configure`;
 * from then on nothing outside the codemod needs the options' type.
 */
import type { Codemod, CodemodOption, CodemodRead, MightApplyContext, ProjectSession } from './codemod.js';
import { resolveOptionsOf } from './options.js';
import { transformText, type ParseFile, type TextOutcome } from './transform-text.js';

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
  /** `Codemod.prepareProject` with these options; undefined for a codemod without a project session. */
  readonly prepareProject?: (context: { readonly cwd: string; readonly files: readonly string[] }) => Promise<ProjectSession>;
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
    mightApply: (source, context) => codemod.mightApply(source, context),
    configure(raw) {
      const { values, options } = resolveOptionsOf(codemod, raw);
      const { prepareProject } = codemod;
      return {
        codemod: described,
        values,
        transformText: (filePath, text, parse) => transformText(codemod, filePath, text, options, parse),
        prepareProject: prepareProject && ((context) => prepareProject.call(codemod, { ...context, options })),
      };
    },
  };
  return described;
}
