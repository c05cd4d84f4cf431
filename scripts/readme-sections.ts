/**
 * Doc sections generated from the code, so a list in the README or the docs cannot drift from the list it copies.
 * `npm run docs:sections` rewrites them; `npm run docs:sections -- --check` (and test/docs/lists-from-code.test.ts)
 * fails when a file differs from what the code says. A section is the text between `<!-- section:<name> -->` and
 * `<!-- /section:<name> -->`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import quickwins from '../eslint-plugin/index.js';
import { loadCodemods } from '../src/registry/index.js';

export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

interface RuleSchemaObject {
  readonly properties?: Readonly<Record<string, unknown>>;
}

/** The ESLint plugin's rule table (in docs/eslint-plugin.md): every rule, what it reports, fix, options, `recommended`. */
export function ruleTable(): string {
  const recommended = new Set(Object.keys(quickwins.configs.recommended.rules));
  const rows = Object.entries(quickwins.rules)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([id, rule]) => {
      const schema = (Array.isArray(rule.meta.schema) ? rule.meta.schema[0] : undefined) as
        RuleSchemaObject | undefined;
      const options = Object.keys(schema?.properties ?? {}).map((name) => `\`${name}\``);
      const cells = [
        `[\`${id}\`](rules/${id}.md)`,
        rule.meta.docs?.description ?? '',
        rule.meta.fixable === undefined ? 'no' : 'yes',
        options.length > 0 ? options.join(', ') : '—',
        recommended.has(`quickwins/${id}`) ? 'yes' : 'no',
      ];
      return `| ${cells.join(' | ')} |`;
    });
  return ['| rule | checks | fix | options | in `recommended` |', '| --- | --- | --- | --- | --- |', ...rows].join(
    '\n',
  );
}

/** The README's codemod table: every registered codemod, in the registry's order, with its summary and doc. */
export async function codemodTable(): Promise<string> {
  const codemods = [...(await loadCodemods({})).values()];
  const rows = codemods.map(
    (codemod) => `| [\`${codemod.id}\`](docs/codemods/${codemod.id}.md) | ${codemod.summary.replaceAll('|', '\\|')} |`,
  );
  return ['| codemod | rewrites |', '| --- | --- |', ...rows].join('\n');
}

/** Every generated section: file (relative to the repository) → section name → body (without the markers). */
export async function generatedSections(): Promise<ReadonlyMap<string, ReadonlyMap<string, string>>> {
  return new Map([
    ['README.md', new Map([['codemod-table', await codemodTable()]])],
    ['docs/eslint-plugin.md', new Map([['rule-table', ruleTable()]])],
  ]);
}

/** `text` with the body of section `name` replaced; throws when the markers are missing. */
export function replaceSection(text: string, name: string, body: string, file: string): string {
  const open = `<!-- section:${name} -->\n`;
  const close = `<!-- /section:${name} -->`;
  const start = text.indexOf(open);
  const end = text.indexOf(close, start);
  if (start < 0 || end < 0) throw new Error(`${file}: no "${open.trim()}" … "${close}" section`);
  return `${text.slice(0, start + open.length)}${body}\n${text.slice(end)}`;
}

/** Each file with generated sections: its text now and as the code says it should read. */
export async function regeneratedDocs(): Promise<Array<{ file: string; current: string; expected: string }>> {
  const docs = [];
  for (const [file, sections] of await generatedSections()) {
    const path = `${REPO_ROOT}${file}`;
    const current = readFileSync(path, 'utf8');
    let expected = current;
    for (const [name, body] of sections) expected = replaceSection(expected, name, body, file);
    docs.push({ file, current, expected });
  }
  return docs;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const { file, current, expected } of await regeneratedDocs()) {
    if (expected === current) continue;
    if (process.argv.includes('--check')) {
      console.error(`${file}: generated sections are out of date; run npm run docs:sections`);
      process.exitCode = 1;
    } else {
      writeFileSync(`${REPO_ROOT}${file}`, expected);
      console.log(`${file}: generated sections rewritten`);
    }
  }
}
