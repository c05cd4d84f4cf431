/**
 * One guard that starts from the file system: every codemod entry, rule and runtime area found on disk has all its
 * places, and every list that names them (registry, plugin, package exports, build entries) names exactly what is on
 * disk. Adding a codemod is its entry, its feature folder, fixtures and doc (docs/adding-a-codemod.md); this names
 * whatever is missing.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import quickwins from '../../eslint-plugin/index.js';
import { loadCodemods } from '../../src/registry/index.js';
import { REPO_ROOT } from '../codemods/fixture-cases.js';

const read = (path: string): string => readFileSync(join(REPO_ROOT, path), 'utf8');
const namesIn = (folder: string, extension: string): string[] =>
  readdirSync(join(REPO_ROOT, folder))
    .filter((file) => file.endsWith(extension) && !file.endsWith(`.d${extension}`))
    .map((file) => file.slice(0, -extension.length))
    .sort();

const codemodIds = namesIn('codemods', '.ts');
const ruleIds = namesIn('eslint-plugin/rules', '.ts');
const runtimeAreas = readdirSync(join(REPO_ROOT, 'runtime/src'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(REPO_ROOT, 'runtime/src', entry.name, 'index.ts')))
  .map((entry) => entry.name)
  .sort();
const registered = await loadCodemods({});
const QUICK_WIN_IMPORT =
  /from '\.\.\/src\/(pool-backpressure|auth-logging|eslint-directives|index-advisor|graphql-cache|kafka-dedupe|grpc-rotation)\//;

describe('what is on disk', () => {
  it('finds the codemods, rules and runtime areas', () => {
    expect(codemodIds).toContain('pool-backpressure');
    expect(ruleIds).toContain('no-raw-pool-connect');
    expect(runtimeAreas).toContain('pg');
  });
});

describe.each(codemodIds)('codemod %s', (id) => {
  it('is registered under its file name', () => {
    expect(registered.get(id)?.id, `src/registry/index.ts does not register codemods/${id}.ts`).toBe(id);
  });

  it('is a thin entry into its quick win folder under src/', () => {
    expect(read(`codemods/${id}.ts`), `codemods/${id}.ts imports nothing from a src/<quick win>/ folder`).toMatch(
      QUICK_WIN_IMPORT,
    );
  });

  it('has fixtures, every input with its output', () => {
    const dir = join(REPO_ROOT, 'fixtures', id);
    expect(existsSync(dir), `fixtures/${id}/ is missing`).toBe(true);
    if (registered.get(id)?.hasProjectSession) {
      // A codemod with a project session has fixture projects: <case>/input and <case>/output.
      const projects = readdirSync(dir);
      expect(projects.length, `no fixture project in fixtures/${id}/`).toBeGreaterThan(0);
      for (const project of projects) {
        expect(existsSync(join(dir, project, 'input')), `fixtures/${id}/${project}/input`).toBe(true);
        expect(existsSync(join(dir, project, 'output')), `fixtures/${id}/${project}/output`).toBe(true);
      }
      return;
    }
    const files = readdirSync(dir);
    const inputs = files.filter((file) => file.includes('.input.'));
    expect(inputs.length, `no <case>.input.<ext> in fixtures/${id}/`).toBeGreaterThan(0);
    for (const input of inputs) expect(files, `${input} has no output`).toContain(input.replace('.input.', '.output.'));
    for (const output of files.filter((file) => file.includes('.output.')))
      expect(files, `${output} has no input`).toContain(output.replace('.output.', '.input.'));
  });

  it('has a doc naming it, a README row (generated) and a test file', () => {
    expect(existsSync(join(REPO_ROOT, 'docs/codemods', `${id}.md`)), `docs/codemods/${id}.md is missing`).toBe(true);
    expect(read(`docs/codemods/${id}.md`)).toContain(id);
    expect(read('README.md'), `README.md has no row for ${id}: run npm run docs:sections`).toContain(
      `| [\`${id}\`](docs/codemods/${id}.md) |`,
    );
    expect(
      existsSync(join(REPO_ROOT, 'test/codemods', `${id}.test.ts`)),
      `test/codemods/${id}.test.ts is missing`,
    ).toBe(true);
  });

  it('is built to a jscodeshift transform', () => {
    const built = join(REPO_ROOT, 'codemods', `${id}.cjs`);
    expect(existsSync(built), `codemods/${id}.cjs is missing: run npm run build`).toBe(true);
    expect(readFileSync(built, 'utf8')).toMatch(/module\.exports/);
  });
});

describe('the registry', () => {
  it('registers exactly the entries on disk', () => {
    expect([...registered.keys()].sort()).toEqual(codemodIds);
  });
});

describe.each(ruleIds)('rule %s', (id) => {
  it('is in the plugin under its file name, with a doc and a test', () => {
    expect(Object.keys(quickwins.rules), `eslint-plugin/index.ts does not list rules/${id}.ts`).toContain(id);
    expect(existsSync(join(REPO_ROOT, 'docs/rules', `${id}.md`)), `docs/rules/${id}.md is missing`).toBe(true);
    expect(
      existsSync(join(REPO_ROOT, 'test/eslint-plugin', `${id}.test.ts`)),
      `test/eslint-plugin/${id}.test.ts is missing`,
    ).toBe(true);
  });

  it('is in the strict config, and in recommended unless it needs types', () => {
    expect(Object.keys(quickwins.configs.strict.rules)).toContain(`quickwins/${id}`);
    const needsTypes =
      (quickwins.rules as Record<string, { meta: { docs?: { requiresTypeChecking?: boolean } } }>)[id]?.meta.docs
        ?.requiresTypeChecking === true;
    if (!needsTypes) expect(Object.keys(quickwins.configs.recommended.rules)).toContain(`quickwins/${id}`);
  });

  it('is a thin entry into its quick win folder under src/', () => {
    expect(read(`eslint-plugin/rules/${id}.ts`).replaceAll("'../../src/", "'../src/")).toMatch(QUICK_WIN_IMPORT);
  });
});

describe('the plugin', () => {
  it('lists exactly the rule files on disk', () => {
    expect(Object.keys(quickwins.rules).sort()).toEqual(ruleIds);
  });
});

interface ExportTarget {
  readonly import: { readonly types: string; readonly default: string };
  readonly require: { readonly types: string; readonly default: string };
}

describe.each(runtimeAreas)('runtime area %s', (area) => {
  const manifest = JSON.parse(read('runtime/package.json')) as {
    exports: Record<string, ExportTarget>;
    files?: string[];
  };

  it('is a subpath of @quickwins/runtime, ESM and CommonJS, with types', () => {
    expect(manifest.exports[`./${area}`], `runtime/package.json has no "./${area}" export`).toEqual({
      import: { types: `./dist/${area}/index.d.ts`, default: `./dist/${area}/index.js` },
      require: { types: `./dist/${area}/index.d.cts`, default: `./dist/${area}/index.cjs` },
    });
  });

  it('has a folder for resolvers that ignore exports (node10), shipped in the package', () => {
    expect(JSON.parse(read(`runtime/${area}/package.json`))).toEqual({
      main: `../dist/${area}/index.cjs`,
      module: `../dist/${area}/index.js`,
      types: `../dist/${area}/index.d.ts`,
    });
    if (manifest.files)
      expect(
        manifest.files.some((entry) => entry === area || entry === `${area}/` || entry === `${area}/package.json`),
        `runtime/package.json "files" lacks ${area}`,
      ).toBe(true);
  });

  it('has tests', () => {
    expect(existsSync(join(REPO_ROOT, 'test/runtime', area)), `test/runtime/${area}/ is missing`).toBe(true);
  });
});

describe('the runtime package', () => {
  it('exports exactly the areas on disk, and its root', () => {
    const manifest = JSON.parse(read('runtime/package.json')) as { exports: Record<string, unknown> };
    expect(Object.keys(manifest.exports).sort()).toEqual(
      ['.', './package.json', ...runtimeAreas.map((area) => `./${area}`)].sort(),
    );
  });
});
