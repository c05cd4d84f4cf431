/**
 * Lists the README and docs copy from the code: generated where the code holds all they say (the codemod and rule
 * tables, by `npm run docs:sections`), else checked here both ways, so an entry added to or removed from the code without the
 * doc (or the other way round) fails.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CodemodOption } from '../../src/codemod-host/codemod.js';
import { loadCodemods } from '../../src/registry/index.js';
import { regeneratedDocs } from '../../scripts/readme-sections.js';
import { assertBuilt, REPO_ROOT, runCli } from '../cli/helpers.js';

const codemods = [...(await loadCodemods({})).values()];
const generatedDocs = await regeneratedDocs();
const cliDoc = readFileSync(join(REPO_ROOT, 'docs', 'cli.md'), 'utf8');

/** How an option is written on the command line: a boolean that is on by default only has its `--no-` form. */
const cliFlag = (option: CodemodOption): string =>
  option.type === 'boolean' && option.default === true ? `--no-${option.flag}` : `--${option.flag}`;

/** The rows of the markdown table whose header line is `header`, as arrays of trimmed cells. */
function tableRows(text: string, header: string): string[][] {
  const lines = text.split('\n');
  const start = lines.findIndex((line) => line.startsWith(header));
  expect(start, `no table starting "${header}"`).toBeGreaterThanOrEqual(0);
  const rows: string[][] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(
      line
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim()),
    );
  }
  return rows;
}

/** `--flag` from a cell such as `` `--flag <value>` `` (undefined for a row that names no flag). */
const flagOfCell = (cell: string | undefined): string | undefined => /^`(--[a-z-]+)/.exec(cell ?? '')?.[1];

describe('doc sections generated from the code', () => {
  for (const { file, current, expected } of generatedDocs) {
    it(`${file} is up to date (npm run docs:sections rewrites it)`, () => {
      expect(current).toBe(expected);
    });
  }
});

describe('doc lists checked against the code', () => {
  it("the runner's flag table lists exactly the flags `--help` shows besides the codemod's own", () => {
    assertBuilt();
    const codemod = codemods[0]!;
    const help = runCli([codemod.id, '--help'], { cwd: REPO_ROOT });
    expect(help.status, help.stderr).toBe(0);
    const own = new Set(codemod.options.map(cliFlag));
    const runnerFlags = [...help.stdout.matchAll(/^ {2}(?:-\w, )?(--[a-z-]+)/gm)]
      .map((match) => match[1]!)
      .filter((flag) => !own.has(flag) && flag !== '--help');
    const documented = tableRows(cliDoc, '| flag | what it does |')
      .map((row) => flagOfCell(row[0]))
      .filter((flag) => flag !== undefined);
    expect(documented.sort()).toEqual(runnerFlags.sort());
  });
});

describe("each codemod's doc lists its options", () => {
  for (const codemod of codemods) {
    it(`docs/codemods/${codemod.id}.md: one row per option, as written on the command line, with its default`, () => {
      const doc = readFileSync(join(REPO_ROOT, 'docs', 'codemods', `${codemod.id}.md`), 'utf8');
      const rows = tableRows(doc, '| option | default | meaning |');
      expect(rows.map((row) => flagOfCell(row[0])).sort()).toEqual(codemod.options.map(cliFlag).sort());
      for (const option of codemod.options.filter(
        (declared) => declared.type !== 'boolean' && declared.default !== undefined,
      )) {
        const row = rows.find((cells) => flagOfCell(cells[0]) === cliFlag(option));
        expect(row?.[1], `${cliFlag(option)}: default`).toContain(`\`${String(option.default)}\``);
      }
    });
  }
});
