/**
 * The plugin through ESLint's own Linter, the way the CLI and the editors run it: real directive handling,
 * real suppressed-message bookkeeping, the plugin registered under its `quickwins` namespace.
 */
import eslintComments from '@eslint-community/eslint-plugin-eslint-comments';
import { ESLint, Linter } from 'eslint';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';
import quickwins from '../../eslint-plugin/index.js';

/** ESLint 10's types no longer declare getSuppressedMessages(), which the Linter still has. */
function suppressedMessages(linter: Linter): Linter.SuppressedLintMessage[] {
  return (linter as Linter & { getSuppressedMessages(): Linter.SuppressedLintMessage[] }).getSuppressedMessages();
}

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

const NESTED = [
  '/* eslint-disable */', // 1: file top
  'debugger;',
  'debugger; // eslint-disable-line', // 3: same line
  '// eslint-disable-next-line', // 4: next line
  'debugger;',
  '/* eslint-disable */', // 6: nested block
  '',
].join('\n');

function lint(
  code: string,
  config: Linter.Config[],
  filename = 'file.js',
): { messages: Linter.LintMessage[]; suppressed: Linter.SuppressedLintMessage[] } {
  const linter = new Linter();
  const messages = linter.verify(code, config, filename);
  return { messages, suppressed: suppressedMessages(linter) };
}

const at = (message: Linter.LintMessage): string => `${message.line}:${message.column}`;

describe('no-blanket-disable through the Linter (ESLint 10)', () => {
  const config: Linter.Config[] = [
    quickwins.configs.recommended as unknown as Linter.Config,
    // ESLint's own unused-directive warnings are asserted where they are the subject.
    { rules: { 'no-debugger': 'error' }, linterOptions: { reportUnusedDisableDirectives: 'off' } },
  ];

  it('reports every blanket directive in one run, none swallowed, while the blankets still hide other rules', () => {
    const { messages, suppressed } = lint(NESTED, config);
    const ours = messages.filter((message) => message.ruleId === 'quickwins/no-blanket-disable');
    expect(ours.map((message) => [at(message), message.endLine])).toEqual([
      ['1:0', 1],
      ['1:0', 3],
      ['1:0', 4],
      ['1:0', 6],
    ]);
    expect(ours[0]?.message).toContain('`eslint-disable` without rule names switches off every rule');
    expect(ours[0]?.message).toContain('Name the rules that fire here (`eslint-disable rule-a, rule-b -- why`)');
    expect(ours[0]?.message).toContain('or let `npx quickwins narrow-eslint-disable` name them in every file at once');
    expect(ours[0]?.message).toContain('`ignores` in eslint.config.js');
    expect(ours[2]?.message).toContain('This is about line 4; it is reported on line 1');
    expect(suppressed.filter((message) => message.ruleId === 'quickwins/no-blanket-disable')).toEqual([]);
    // What the user disabled stays disabled: our rule only makes the blanket visible.
    expect(messages.filter((message) => message.ruleId === 'no-debugger')).toEqual([]);
    expect(suppressed.filter((message) => message.ruleId === 'no-debugger')).toHaveLength(3);
  });

  it('where eslint-comments/no-unlimited-disable loses the directives inside a blanket region', () => {
    const { messages, suppressed } = lint(NESTED, [
      {
        plugins: { '@eslint-community/eslint-comments': eslintComments as never },
        rules: { '@eslint-community/eslint-comments/no-unlimited-disable': 'error' },
      },
    ]);
    const rule = '@eslint-community/eslint-comments/no-unlimited-disable';
    expect(messages.filter((message) => message.ruleId === rule).map(at)).toEqual(['1:0']);
    expect(suppressed.filter((message) => message.ruleId === rule).map(at)).toEqual(['3:0', '4:0', '6:0']);
  });

  it('reports outside the directive on the same line and on the line a next-line directive covers', () => {
    const code =
      'debugger; // eslint-disable-line\n// eslint-disable-next-line\n// eslint-disable-next-line\ndebugger;\n';
    const { messages } = lint(code, config);
    expect(messages.map((message) => [message.ruleId, at(message)])).toEqual([
      ['quickwins/no-blanket-disable', '1:0'],
      ['quickwins/no-blanket-disable', '2:1'],
      ['quickwins/no-blanket-disable', '3:0'],
    ]);
  });

  it('leaves ESLint to flag a blanket directive that has nothing left to hide', () => {
    const { messages } = lint('/* eslint-disable */\nconst a = 1;\nexport { a };\n', [
      quickwins.configs.recommended as unknown as Linter.Config,
      { linterOptions: { reportUnusedDisableDirectives: 'warn' } },
    ]);
    expect(messages.map((message) => [message.ruleId, at(message)])).toEqual([
      ['quickwins/no-blanket-disable', '1:0'],
      [null, '1:1'],
    ]);
    expect(messages[1]?.message).toBe('Unused eslint-disable directive (no problems were reported).');
  });

  it('respects a named opt-out of this rule, and counts it as used', () => {
    const code =
      '/* eslint-disable quickwins/no-blanket-disable -- vendored file */\n/* eslint-disable */\ndebugger;\n';
    const { messages, suppressed } = lint(code, [
      ...config,
      { linterOptions: { reportUnusedDisableDirectives: 'error' } },
    ]);
    expect(messages).toEqual([]);
    expect(suppressed.map((message) => [message.ruleId, at(message), message.suppressions])).toEqual([
      ['quickwins/no-blanket-disable', '2:0', [{ kind: 'directive', justification: 'vendored file' }]],
      ['no-debugger', '3:1', [{ kind: 'directive', justification: '' }]],
    ]);
  });

  it('is the same under typescript-eslint’s parser, JSX comments and @ts-nocheck included', () => {
    const code =
      '// @ts-nocheck\nconst a = (\n  <div>\n    {/* eslint-disable-next-line */}\n    <b />\n  </div>\n);\nexport { a };\n';
    const { messages } = lint(
      code,
      [
        {
          files: ['**/*.tsx'],
          languageOptions: { parser: tseslint.parser as never, parserOptions: { ecmaFeatures: { jsx: true } } },
        },
        quickwins.configs.recommended as unknown as Linter.Config,
        { linterOptions: { reportUnusedDisableDirectives: 'off' } },
      ],
      'component.tsx',
    );
    expect(messages.map((message) => [message.ruleId, message.messageId, at(message)])).toEqual([
      ['quickwins/no-blanket-disable', 'tsNocheck', '1:1'],
      ['quickwins/no-blanket-disable', 'blanket', '4:6'],
    ]);
  });

  it('takes `allow` globs relative to the cwd', () => {
    const allowConfig: Linter.Config[] = [
      quickwins.configs.recommended as unknown as Linter.Config,
      { rules: { 'quickwins/no-blanket-disable': ['error', { allow: ['src/generated/**'] }] } },
    ];
    const linter = new Linter({ cwd: '/project' });
    expect(
      linter.verify('/* eslint-disable */\n', allowConfig, '/project/src/generated/api.js').filter((m) => m.ruleId),
    ).toEqual([]);
    expect(linter.verify('/* eslint-disable */\n', allowConfig, '/project/src/api.js').map((m) => m.ruleId)).toContain(
      'quickwins/no-blanket-disable',
    );
    expect(
      linter.verify('/* eslint-disable */\n', allowConfig, '/project/lib/src/generated/api.js').map((m) => m.ruleId),
    ).toContain('quickwins/no-blanket-disable');
  });
});

const POOL_JS = [
  "import pg from 'pg';",
  '',
  'const pool = new pg.Pool({ max: 10 });',
  '',
  'export class Accounts {',
  '  async transfer() {',
  '    const client = await pool.connect();',
  '    client.release();',
  '  }',
  '}',
  '',
  "export const count = () => pool.query('select count(*) from users');",
  '',
].join('\n');

const POOL_JS_FIXED = POOL_JS.replace(
  "import pg from 'pg';",
  "import pg from 'pg';\nimport { acquireWithBackpressure, queryWithBackpressure } from '@quickwins/runtime';",
)
  .replace('await pool.connect()', 'await acquireWithBackpressure(pool)')
  .replace("pool.query('select", "queryWithBackpressure(pool, 'select");

describe('no-raw-pool-connect through the Linter and the ESLint class', () => {
  it('with espree, ESLint’s default parser: reports and fixes', () => {
    const config = [quickwins.configs.recommended as unknown as Linter.Config];
    const { messages } = lint(POOL_JS, config, 'accounts.js');
    expect(messages.map((message) => [message.ruleId, message.messageId, message.line])).toEqual([
      ['quickwins/no-raw-pool-connect', 'connect', 7],
      ['quickwins/no-raw-pool-connect', 'query', 12],
    ]);
    expect(new Linter().verifyAndFix(POOL_JS, config, 'accounts.js').output).toBe(POOL_JS_FIXED);
  });

  it('with typescript-eslint type information (projectService), through ESLint#lintFiles and outputFixes', async () => {
    const project = mkdtempSync(join(tmpdir(), 'quickwins-typed-'));
    try {
      // The temp project borrows this repository's node_modules for pg's types.
      symlinkSync(join(repoRoot, 'node_modules'), join(project, 'node_modules'), 'dir');
      writeFileSync(
        join(project, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            strict: true,
            module: 'NodeNext',
            moduleResolution: 'NodeNext',
            noEmit: true,
            types: ['node'],
          },
          include: ['*.ts'],
        }),
      );
      // Only type information knows that `db` is a pg Pool: nothing in this file constructs it.
      const typed = [
        "import type { Pool } from 'pg';",
        '',
        'export async function run(db: Pool): Promise<number> {',
        '  const client = await db.connect();',
        '  client.release();',
        '  return 1;',
        '}',
        '',
      ].join('\n');
      writeFileSync(join(project, 'run.ts'), typed);
      const eslint = new ESLint({
        cwd: project,
        overrideConfigFile: true,
        overrideConfig: [
          {
            files: ['**/*.ts'],
            languageOptions: {
              parser: tseslint.parser as never,
              parserOptions: { projectService: true, tsconfigRootDir: project },
            },
          },
          quickwins.configs.recommended as unknown as Linter.Config,
        ],
        fix: true,
      });
      const results = await eslint.lintFiles(['run.ts']);
      expect(results[0]?.messages).toEqual([]);
      expect(results[0]?.output).toBe(
        typed
          .replace(
            "import type { Pool } from 'pg';",
            "import type { Pool } from 'pg';\nimport { acquireWithBackpressure } from '@quickwins/runtime';",
          )
          .replace('await db.connect()', 'await acquireWithBackpressure(db)'),
      );
      await ESLint.outputFixes(results);
      expect(readFileSync(join(project, 'run.ts'), 'utf8')).toBe(results[0]?.output);
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  });
});

describe('no-raw-pool-connect follows relative imports without type information', () => {
  it('reports a pool imported from a sibling module, unless followImports is off', () => {
    const dir = mkdtempSync(join(tmpdir(), 'quickwins-imports-'));
    try {
      writeFileSync(join(dir, 'db.js'), "import pg from 'pg';\nexport const pool = new pg.Pool();\n");
      const code = "import { pool } from './db.js';\nexport const count = () => pool.query('select 1');\n";
      const file = join(dir, 'count.js');
      writeFileSync(file, code);
      const linter = new Linter({ cwd: dir });
      const run = (followImports: boolean): (string | null)[] =>
        linter
          .verify(
            code,
            [
              quickwins.configs.recommended as unknown as Linter.Config,
              { rules: { 'quickwins/no-raw-pool-connect': ['error', { followImports }] } },
            ],
            file,
          )
          .map((message) => message.ruleId);
      expect(run(true)).toEqual(['quickwins/no-raw-pool-connect']);
      expect(run(false)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
