/**
 * `npx quickwins auth-logging [paths]`: wraps every authentication handler with the quickwins runtime so each
 * request writes one structured outcome line (`withAuthLogging('<action>', handler)`, or `@AuthLogged('<action>')`
 * on a NestJS controller method), and adds the import once in the file's module style.
 *
 * Thin on purpose: detection and edit planning live in src/auth-logging/ (shared with the ESLint plugin); this file
 * declares the codemod's options and hands each file to the planner.
 */
import type { Codemod } from '../src/codemod-host/codemod.js';
import { toJscodeshiftTransform } from '../src/codemod-host/jscodeshift.js';
import {
  DEFAULT_IMPORT_FROM,
  MIGHT_APPLY_EXACT,
  MIGHT_APPLY_WORDS,
  planAuthLogging,
  type AuthLoggingOptions,
} from '../src/auth-logging/plan-edits.js';

export type { AuthLoggingOptions };

export const codemod: Codemod<AuthLoggingOptions> = {
  id: 'auth-logging',
  summary:
    'Wrap authentication handlers (Express, Fastify, Koa, NestJS, Next.js, plain functions) with structured outcome logging.',
  options: [
    {
      flag: 'match',
      description:
        'Regex (case-insensitive) for route paths and handler names that are auth handlers; replaces the built-in test.',
      type: 'string',
      // Checked before any file is read: a bad pattern is a usage error (exit 2), not a failure in every file.
      validate: (value) => regexComplaint(String(value)),
    },
    {
      flag: 'plain-functions',
      description:
        'Also wrap exported functions that only their name says are auth actions (reported as candidates by default).',
      type: 'boolean',
      default: false,
    },
    {
      flag: 'import-from',
      description: 'Module to import withAuthLogging / AuthLogged from.',
      type: 'string',
      default: DEFAULT_IMPORT_FROM,
    },
  ],
  usesTypes: false,
  reads: ['package-json', 'imported-modules'],
  mightApply: (source) => MIGHT_APPLY_WORDS.test(source) || MIGHT_APPLY_EXACT.test(source),
  transform: planAuthLogging,
};

export default toJscodeshiftTransform(codemod);
/** jscodeshift: the wrapper parses by itself; this only keeps jscodeshift's own parser from choking first. */
export const parser = 'tsx';

function regexComplaint(pattern: string): string | undefined {
  try {
    new RegExp(pattern, 'i');
    return undefined;
  } catch (error) {
    return `is not a valid regular expression (${(error as Error).message})`;
  }
}
