/**
 * The plugin object's shape, and the contract between rules and their docs: every rule has `docs/rules/<id>.md`
 * (its `meta.docs.url`), every doc has a rule, every option is documented, and the doc's own pass/fail examples
 * lint the way the doc says.
 */
import { Linter } from 'eslint';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';
import quickwins from '../../eslint-plugin/index.js';
import { ruleDocsUrl } from '../../eslint-plugin/util/create-rule.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const docsDir = `${repoRoot}docs/rules/`;
const packageJson = JSON.parse(readFileSync(`${repoRoot}package.json`, 'utf8')) as { name: string; version: string };
const ruleIds = Object.keys(quickwins.rules) as (keyof typeof quickwins.rules)[];

describe('plugin object', () => {
  it('carries name and version from package.json', () => {
    expect(quickwins.meta).toEqual({ name: packageJson.name, version: packageJson.version });
  });

  it('configs.recommended registers the plugin itself and enables every rule that needs no type information', () => {
    const recommended = quickwins.configs.recommended;
    expect(recommended.plugins.quickwins).toBe(quickwins);
    const expected = ruleIds.filter(
      (id) => quickwins.rules[id].meta.docs?.recommended && !quickwins.rules[id].meta.docs?.requiresTypeChecking,
    );
    expect(Object.keys(recommended.rules).sort()).toEqual(expected.map((id) => `quickwins/${id}`).sort());
    expect(expected.length).toBeGreaterThan(0);
  });

  it('configs.strict enables every rule and makes stale disable directives errors', () => {
    const strict = quickwins.configs.strict;
    expect(strict.plugins.quickwins).toBe(quickwins);
    expect(Object.keys(strict.rules).sort()).toEqual(ruleIds.map((id) => `quickwins/${id}`).sort());
    expect(Object.values(strict.rules).every((entry) => entry === 'error')).toBe(true);
    expect(strict.linterOptions).toEqual({ reportUnusedDisableDirectives: 'error' });
  });

  it('is a valid flat config for ESLint, alone and combined', () => {
    const linter = new Linter();
    for (const config of [quickwins.configs.recommended, quickwins.configs.strict]) {
      const messages = linter.verify('/* eslint-disable */\n', [config as unknown as Linter.Config]);
      expect(messages.map((message) => message.ruleId)).toContain('quickwins/no-blanket-disable');
    }
  });
});

describe('rule docs', () => {
  const docFiles = readdirSync(docsDir).filter((file) => file.endsWith('.md'));

  it('every rule has a doc and every doc a rule', () => {
    expect(docFiles.map((file) => file.replace(/\.md$/, '')).sort()).toEqual([...ruleIds].sort());
  });

  for (const id of ruleIds) {
    const rule = quickwins.rules[id];
    const doc = (): string => readFileSync(`${docsDir}${id}.md`, 'utf8');

    it(`${id}: meta.docs.url points at docs/rules/${id}.md of this version`, () => {
      expect(rule.meta.docs?.url).toBe(ruleDocsUrl(id));
      expect(rule.meta.docs?.url).toBe(
        `https://unpkg.com/${packageJson.name}@${packageJson.version}/docs/rules/${id}.md`,
      );
      expect(doc().split('\n')[0]).toBe(`# \`quickwins/${id}\``);
    });

    it(`${id}: documents every option`, () => {
      const schema = rule.meta.schema as unknown as { properties?: Record<string, unknown> }[];
      const options = Object.keys(schema[0]?.properties ?? {});
      expect(options.length).toBeGreaterThan(0);
      for (const option of options) expect(doc(), option).toContain(`| \`${option}\` |`);
    });

    it(`${id}: its "Fail" examples are reported and its "Pass" examples are not`, () => {
      const examples = docExamples(doc());
      expect(examples.fail.length).toBeGreaterThan(0);
      expect(examples.pass.length).toBeGreaterThan(0);
      for (const example of examples.fail) expect(reportsOf(id, example), example.code).not.toEqual([]);
      for (const example of examples.pass) expect(reportsOf(id, example), example.code).toEqual([]);
      for (const example of examples.pass.filter((pass) => pass.fixedFrom)) {
        expect(fixedOutput(example.fixedFrom!)).toBe(`${example.code}\n`.trimEnd());
      }
    });
  }
});

interface Example {
  readonly lang: string;
  readonly code: string;
  /** For a "Pass (what `eslint --fix` makes of the example above)" block: that example. */
  readonly fixedFrom?: Example;
}

/** The fenced code blocks after a `Fail...:` line and after a `Pass...:` line, up to the next heading. */
function docExamples(markdown: string): { fail: Example[]; pass: Example[] } {
  const found = { fail: [] as Example[], pass: [] as Example[] };
  let section: 'fail' | 'pass' | undefined;
  let fixedFrom: Example | undefined;
  const lines = markdown.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    if (/^Fail\b.*:$/.test(line)) section = 'fail';
    else if (/^Pass\b.*:$/.test(line)) {
      section = 'pass';
      fixedFrom = line.includes('eslint --fix') ? found.fail.at(-1) : undefined;
    } else if (line.startsWith('#')) section = undefined;
    else if (section && line.startsWith('```')) {
      const end = lines.indexOf('```', index + 1);
      const code = lines.slice(index + 1, end).join('\n');
      found[section].push({ lang: line.slice(3), code, ...(section === 'pass' && fixedFrom ? { fixedFrom } : {}) });
      fixedFrom = undefined;
      index = end;
    }
  }
  return found;
}

function exampleConfig(example: Example): Linter.Config[] {
  const typescript = example.lang === 'ts' || example.lang === 'tsx';
  return [
    {
      files: ['**/*.ts', '**/*.tsx', '**/*.js', '**/*.jsx'],
      languageOptions: {
        ...(typescript ? { parser: tseslint.parser as Linter.Parser } : {}),
        parserOptions: { ecmaFeatures: { jsx: example.lang.endsWith('x') } },
      },
    },
    quickwins.configs.strict as unknown as Linter.Config,
    { linterOptions: { reportUnusedDisableDirectives: 'off' } },
  ];
}

function fixedOutput(example: Example): string {
  return new Linter().verifyAndFix(example.code, exampleConfig(example), `example.${example.lang}`).output;
}

function reportsOf(id: string, example: Example): string[] {
  const messages = new Linter().verify(example.code, exampleConfig(example), `example.${example.lang}`);
  const fatal = messages.find((message) => message.fatal);
  if (fatal) throw new Error(`example does not parse: ${fatal.message}\n${example.code}`);
  return messages
    .filter((message) => message.ruleId === `quickwins/${id}`)
    .map((message) => `${message.line}:${message.column}`);
}
