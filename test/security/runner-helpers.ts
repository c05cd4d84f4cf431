/**
 * Codemods for the runner's adversarial tests, loaded through QUICKWINS_CODEMODS like a team's own codemod: they go
 * through the real runner of the built CLI. `race-probe` renames `foo` to `bar` and, while the runner holds the file,
 * does on disk what its marker comment says (another process editing the file, the file swapped for a symlink), or
 * makes the file import @quickwins/runtime. `extra-writer` has a project session that writes `notes.json` beside the
 * run's folder, the way narrow-eslint-disable writes eslint-suppressions.json.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../cli/helpers.js';

/** The environment variable naming the outside file `// race: swap` links the file to. */
export const SWAP_TARGET_ENV = 'QUICKWINS_TEST_SWAP_TARGET';

const RENAMES = `
function renameFoo(source) {
  const edits = [];
  for (let at = source.indexOf('foo'); at !== -1; at = source.indexOf('foo', at + 3)) edits.push({ start: at, end: at + 3, text: 'bar' });
  return edits;
}
const renamed = (edits) => edits.map(() => ({ line: 1, column: 0, message: 'foo renamed to bar' }));
`;

const RACE_PROBE = `import { appendFileSync, symlinkSync, unlinkSync } from 'node:fs';
${RENAMES}
export const codemod = {
  id: 'race-probe',
  summary: 'test only: renames foo, and changes the file on disk while the runner holds it',
  options: [],
  usesTypes: false,
  mightApply: (source) => source.includes('foo'),
  transform({ filePath, source }) {
    // Another process, in the middle of the run: an editor saving the file, an attacker swapping it for a link.
    if (source.includes('race: edit')) appendFileSync(filePath, '// edited by someone else during the run\\n');
    if (source.includes('race: swap')) {
      unlinkSync(filePath);
      symlinkSync(process.env.${SWAP_TARGET_ENV}, filePath);
    }
    const edits = renameFoo(source);
    return { edits, rewritten: renamed(edits), left: [], imports: source.includes('race: runtime') ? ['@quickwins/runtime'] : [] };
  },
};
`;

const EXTRA_WRITER = `import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
${RENAMES}
export const codemod = {
  id: 'extra-writer',
  summary: 'test only: renames foo and lists the renamed files in notes.json',
  options: [],
  usesTypes: false,
  mightApply: (source) => source.includes('foo'),
  transform: ({ source }) => ({ edits: renameFoo(source), rewritten: renamed(renameFoo(source)), left: [] }),
  async prepareProject({ cwd }) {
    const notes = join(cwd, 'notes.json');
    const previous = existsSync(notes) ? readFileSync(notes, 'utf8') : undefined;
    return {
      parallel: false,
      async transformFile({ filePath, source }) {
        if (source.includes('race: edit-notes')) appendFileSync(notes, ' ');
        const edits = renameFoo(source);
        return { edits, rewritten: renamed(edits), left: [], record: filePath };
      },
      async finish(records) {
        const text = JSON.stringify(records.map((entry) => entry.record)) + '\\n';
        return [{ path: notes, text, summary: records.length + ' file(s) noted', previous }];
      },
    };
  },
};
`;

/** Writes the codemods into a temp folder; returns the QUICKWINS_CODEMODS value that loads them. */
export function raceCodemods(): string {
  const dir = tempDir('quickwins-race-codemods-');
  writeFileSync(join(dir, 'race-probe.mjs'), RACE_PROBE);
  writeFileSync(join(dir, 'extra-writer.mjs'), EXTRA_WRITER);
  return [join(dir, 'race-probe.mjs'), join(dir, 'extra-writer.mjs')].join(':');
}
