/**
 * Adding a codemod is its file, its fixtures and its doc: this fails when a registered codemod lacks any of them,
 * like the rules' doc test. For every codemod in the registry: fixture pairs under fixtures/<id>/ (each input with
 * its output), docs/codemods/<id>.md, a row in the README's codemod table linking that doc, and the built
 * jscodeshift transform codemods/<id>.cjs (`npm test` builds before the tests run).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCodemods } from '../../src/registry/index.js';
import { fixtureDir, REPO_ROOT } from './fixture-cases.js';

const codemods = [...(await loadCodemods({})).values()];
/** Codemods with a project session: their fixtures are projects, tested through the CLI in their own test file. */
const projectCodemods = new Set(codemods.filter((codemod) => codemod.prepareProject !== undefined).map((codemod) => codemod.id));
const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');

describe('every registered codemod ships complete', () => {
  it('the registry is not empty', () => {
    expect(codemods.length).toBeGreaterThan(0);
  });

  for (const { id, summary } of codemods) {
    describe(id, () => {
      it(`has fixture pairs under fixtures/${id}/, every input with its output`, () => {
        const dir = fixtureDir(id);
        expect(existsSync(dir), `fixtures/${id}/ is missing`).toBe(true);
        if (projectCodemods.has(id)) {
          // A codemod with a project session (it lints with the project's ESLint) has fixture projects:
          // fixtures/<id>/<case>/input and fixtures/<id>/<case>/output.
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
        for (const output of files.filter((file) => file.includes('.output.'))) {
          expect(files, `${output} has no input`).toContain(output.replace('.output.', '.input.'));
        }
      });

      it(`has docs/codemods/${id}.md naming it`, () => {
        const doc = join(REPO_ROOT, 'docs', 'codemods', `${id}.md`);
        expect(existsSync(doc), `docs/codemods/${id}.md is missing`).toBe(true);
        expect(readFileSync(doc, 'utf8')).toContain(id);
      });

      it('has a row in the README codemod table linking its doc', () => {
        const row = readme.split('\n').find((line) => line.startsWith(`| [\`${id}\`](docs/codemods/${id}.md) |`));
        expect(row, `README.md needs a row "| [\`${id}\`](docs/codemods/${id}.md) | ... |"`).toBeDefined();
      });

      it(`is built to codemods/${id}.cjs, a jscodeshift transform`, () => {
        const built = join(REPO_ROOT, 'codemods', `${id}.cjs`);
        expect(existsSync(built), `codemods/${id}.cjs is missing: run npm run build`).toBe(true);
        expect(summary.length).toBeGreaterThan(0);
        expect(readFileSync(built, 'utf8')).toMatch(/module\.exports/);
      });
    });
  }
});
