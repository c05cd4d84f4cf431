/**
 * `quickwins <codemod> --help` and `quickwins list`, through the built CLI: a boolean option that is on by default
 * is offered as `--no-<flag>`, and the text next to it must say what that flag does, not what the default does.
 */
import { describe, expect, it } from 'vitest';
import { loadCodemods } from '../../src/registry/index.js';
import { assertBuilt, REPO_ROOT, runCli } from './helpers.js';

const codemods = [...(await loadCodemods({})).values()];

interface HelpOption {
  readonly flags: string;
  readonly text: string;
}

/** The Options block of commander's help, one entry per option, with wrapped description lines joined. */
function helpOptions(help: string): HelpOption[] {
  const block = help.slice(help.indexOf('\nOptions:\n') + '\nOptions:\n'.length);
  const options: { flags: string; text: string }[] = [];
  for (const line of block.split('\n')) {
    const start = /^ {2}(-\S.*?)(?: {2,}(.*))?$/.exec(line);
    if (start) options.push({ flags: start[1]!.trim(), text: start[2] ?? '' });
    else if (line.trim() !== '' && options.length > 0) options.at(-1)!.text += ` ${line.trim()}`;
  }
  return options;
}

/** A negated flag's text says what it turns off, and does not call that the default. */
function expectNegationReadsForward(flags: string, text: string): void {
  expect(text, `${flags}: its text must say what ${flags} does`).toMatch(/^do not /);
  expect(text, `${flags}: the default is the flag's opposite`).not.toMatch(/\(default\)/);
}

describe('--no-<flag> options read as what the flag does', () => {
  assertBuilt();

  for (const codemod of codemods) {
    it(`${codemod.id} --help`, () => {
      const run = runCli([codemod.id, '--help'], { cwd: REPO_ROOT });
      expect(run.status, run.stderr).toBe(0);
      const options = helpOptions(run.stdout);
      const negated = options.filter((option) => option.flags.startsWith('--no-'));
      // The runner's own --no-types, --no-add-dependency and --no-format are checked here too.
      expect(negated.length).toBeGreaterThanOrEqual(3);
      for (const option of negated) expectNegationReadsForward(option.flags, option.text);
      for (const declared of codemod.options.filter((option) => option.type === 'boolean' && option.default === true)) {
        expect(
          options.map((option) => option.flags),
          `--${declared.flag} is on by default`,
        ).toContain(`--no-${declared.flag}`);
      }
    });
  }

  it('quickwins list', () => {
    const run = runCli(['list'], { cwd: REPO_ROOT });
    expect(run.status, run.stderr).toBe(0);
    const negated = run.stdout
      .split('\n')
      .map((line) => /^ {4}(--no-\S+) {2}(.*)$/.exec(line))
      .filter((match) => match !== null);
    expect(negated.length).toBe(
      codemods
        .flatMap((codemod) => codemod.options)
        .filter((option) => option.type === 'boolean' && option.default === true).length,
    );
    for (const [, flags, text] of negated) expectNegationReadsForward(flags!, text!);
  });
});
