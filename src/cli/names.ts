/**
 * File names printed for people. A name may hold a newline, ESC or another control character (all legal on POSIX):
 * printed raw it would split a report's lines or drive the terminal. Such names are quoted as git quotes them
 * (C-style, in double quotes), so a --dry diff still applies with `git apply`; other names, UTF-8 included, print as
 * they are (git's `core.quotePath=false`). Machine output (--json) keeps the real name.
 */

const NAMED_ESCAPES: Readonly<Record<string, string>> = {
  '\x07': '\\a',
  '\b': '\\b',
  '\t': '\\t',
  '\n': '\\n',
  '\v': '\\v',
  '\f': '\\f',
  '\r': '\\r',
  '"': '\\"',
  '\\': '\\\\',
};

/** C0 and C1 control characters and DEL: what a terminal may act on. */
function isControl(character: string): boolean {
  const code = character.charCodeAt(0);
  return code <= 0x1f || (code >= 0x7f && code <= 0x9f);
}

function needsQuotes(character: string): boolean {
  return isControl(character) || character === '"' || character === '\\';
}

/** Whether `text` holds a control character (it would break a line or drive a terminal). */
export function hasControlCharacter(text: string): boolean {
  return [...text].some(isControl);
}

/** One character as git writes it inside quotes: a named escape, or its UTF-8 bytes in octal. */
function escapeCharacter(character: string): string {
  const named = NAMED_ESCAPES[character];
  if (named !== undefined) return named;
  return [...Buffer.from(character, 'utf8')].map((byte) => `\\${byte.toString(8).padStart(3, '0')}`).join('');
}

/** `path` as git prints it: unchanged when nothing in it needs quoting, else C-style escaped in double quotes. */
export function quotePath(path: string): string {
  const characters = [...path];
  if (!characters.some(needsQuotes)) return path;
  return `"${characters.map((character) => (needsQuotes(character) ? escapeCharacter(character) : character)).join('')}"`;
}

/** Free text bound for a terminal (an error message that may quote a file name): control characters escaped, no quotes added. */
export function escapeControl(text: string): string {
  if (!hasControlCharacter(text)) return text;
  return [...text].map((character) => (isControl(character) ? escapeCharacter(character) : character)).join('');
}
