/**
 * `quickwins plan` prints file names and reasons for people: a name holding an escape sequence must be shown, never
 * sent to the terminal (the runner's own output does the same, test/security/runner-names.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { gitRepo, runCli } from '../cli/helpers.js';

/** C0 and C1 control characters other than a newline or a tab. */
const controlCharacters = (text: string): string[] =>
  [...text].filter((character) => {
    const code = character.charCodeAt(0);
    return (code <= 0x1f && character !== '\n' && character !== '\t') || (code >= 0x7f && code <= 0x9f);
  });

describe('quickwins plan with a hostile file name', () => {
  it('shows the control characters of a name in text and markdown, never sends them to the terminal', () => {
    const name = 'src/db\u001b[2J\u001b]0;owned\u0007.js';
    const repo = gitRepo({
      'package.json': JSON.stringify({ name: 'hostile', dependencies: { pg: '^8.13.0' } }),
      [name]:
        "const { Pool } = require('pg');\nconst pool = new Pool();\nexports.read = () => pool.query('select 1');\n",
    });
    for (const flags of [[], ['--markdown']]) {
      const result = runCli(['plan', ...flags], { cwd: repo });
      expect(result.status, result.stderr).toBe(0);
      if (flags.length === 0) expect(result.stdout).toContain('db\\033[2J'); // the site list names the file
      expect(controlCharacters(result.stdout)).toEqual([]);
    }
  });
});
