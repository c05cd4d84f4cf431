/**
 * Every quickwins codemod is also a plain jscodeshift transform: `codemods/<id>.ts` ends with
 * `export default toJscodeshiftTransform(codemod)` and `export const parser = 'tsx'`, and the build
 * turns it into `codemods/<id>.cjs`. The wrapper ignores jscodeshift's own parser and recast (it
 * parses with the same oxc-parser call as the runner, src/core/parse.ts, and applies the same minimal edits),
 * so both front doors give byte-identical output.
 */
import type { Codemod } from './codemod.js';
import { resolveCodemodOptions } from './options.js';
import { transformText } from './transform-text.js';

/** The part of jscodeshift's `fileInfo` the wrapper reads. */
export interface JscodeshiftFileInfo {
  readonly path: string;
  readonly source: string;
}

/** The part of jscodeshift's `api` the wrapper uses: `report` prints a line under the file's name. */
export interface JscodeshiftApi {
  readonly report?: (message: string) => void;
}

/**
 * jscodeshift's transform signature. Returning `undefined` counts as "skipped" and the source unchanged
 * as "unmodified" in jscodeshift's summary; a throw counts as an error.
 */
export type JscodeshiftTransform = (
  file: JscodeshiftFileInfo,
  api: JscodeshiftApi,
  options: Readonly<Record<string, unknown>>,
) => string | undefined | null;

export function toJscodeshiftTransform<Options>(codemod: Codemod<Options>): JscodeshiftTransform {
  return (file, api, rawOptions) => {
    // jscodeshift passes its own flags (dry, parser, ...) in the same object; only declared options are read.
    const options = resolveCodemodOptions(codemod.options, rawOptions ?? {}) as Options;
    const outcome = transformText(codemod, file.path, file.source, options);
    switch (outcome.status) {
      case 'skipped':
        return undefined;
      case 'left':
        // jscodeshift counts it as skipped; the reason (a file too deeply nested to parse here) is reported.
        api.report?.(`${file.path}: left as it was: ${outcome.reason}`);
        return undefined;
      case 'error': {
        const where = outcome.error.line === undefined ? '' : ` (${outcome.error.line}:${outcome.error.column ?? 0})`;
        throw new Error(`${outcome.error.phase} error${where}: ${outcome.error.message}`);
      }
      case 'unchanged':
      case 'changed':
        for (const site of outcome.left) api.report?.(`${file.path}:${site.line}: left: ${site.message}`);
        return outcome.status === 'changed' ? outcome.output : null;
    }
  };
}
