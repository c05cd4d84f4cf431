/**
 * README sections generated from the code, so a list in the README cannot drift from the list it copies.
 * `npm run docs:sections` rewrites them; `npm run docs:sections -- --check` (and test/docs/readme-sections.test.ts)
 * fails when README.md differs from what the code says. A section is the text between
 * `<!-- section:<name> -->` and `<!-- /section:<name> -->`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import quickwins from '../eslint-plugin/index.js';

export const README_PATH = fileURLToPath(new URL('../README.md', import.meta.url));

interface RuleSchemaObject {
  readonly properties?: Readonly<Record<string, unknown>>;
}

/** The ESLint plugin's rule table: every rule, what it reports, whether it fixes, its options, and `recommended`. */
export function ruleTable(): string {
  const recommended = new Set(Object.keys(quickwins.configs.recommended.rules));
  const rows = Object.entries(quickwins.rules)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([id, rule]) => {
      const schema = (Array.isArray(rule.meta.schema) ? rule.meta.schema[0] : undefined) as RuleSchemaObject | undefined;
      const options = Object.keys(schema?.properties ?? {}).map((name) => `\`${name}\``);
      const cells = [
        `[\`${id}\`](docs/rules/${id}.md)`,
        rule.meta.docs?.description ?? '',
        rule.meta.fixable === undefined ? 'no' : 'yes',
        options.length > 0 ? options.join(', ') : '—',
        recommended.has(`quickwins/${id}`) ? 'yes' : 'no',
      ];
      return `| ${cells.join(' | ')} |`;
    });
  return ['| rule | checks | fix | options | in `recommended` |', '| --- | --- | --- | --- | --- |', ...rows].join('\n');
}

/** Every generated section: its name → its body (without the markers). */
export function generatedSections(): ReadonlyMap<string, string> {
  return new Map([['rule-table', ruleTable()]]);
}

/** `text` with the body of section `name` replaced; throws when the markers are missing. */
export function replaceSection(text: string, name: string, body: string): string {
  const open = `<!-- section:${name} -->\n`;
  const close = `<!-- /section:${name} -->`;
  const start = text.indexOf(open);
  const end = text.indexOf(close, start);
  if (start < 0 || end < 0) throw new Error(`README.md: no "${open.trim()}" … "${close}" section`);
  return `${text.slice(0, start + open.length)}${body}\n${text.slice(end)}`;
}

/** README.md as the code says it should read. */
export function regeneratedReadme(readme: string): string {
  let text = readme;
  for (const [name, body] of generatedSections()) text = replaceSection(text, name, body);
  return text;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const readme = readFileSync(README_PATH, 'utf8');
  const expected = regeneratedReadme(readme);
  if (process.argv.includes('--check')) {
    if (expected !== readme) {
      console.error('README.md: generated sections are out of date; run npm run docs:sections');
      process.exitCode = 1;
    }
  } else if (expected !== readme) {
    writeFileSync(README_PATH, expected);
    console.log('README.md: generated sections rewritten');
  }
}
