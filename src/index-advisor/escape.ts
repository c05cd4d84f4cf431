/**
 * Escaping for every place the advisor writes text it did not choose (identifiers, statement text, messages) into
 * a migration: SQL identifiers and literals, SQL line comments, JS string literals and JS line comments. Names come
 * from the database and may hold any character PostgreSQL allows (newlines, quotes, `*\/`, `--`, `$$` ...), so
 * nothing is written raw: each writer goes through one of these functions.
 */

/** Characters that end a line (SQL: \n \r; JS also U+2028/U+2029), other controls and bidi overrides. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu;

function hexEscape(character: string): string {
  return `\\u${(character.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`;
}

/**
 * Text that is safe on one line of a comment and unambiguous to a reader: backslash doubled, every line break,
 * control and bidi character as `\n`, `\r`, `\t` or `\uXXXX`. Nothing in the result can end a line comment.
 */
export function printable(text: string): string {
  return text.replaceAll('\\', '\\\\').replace(UNPRINTABLE, (character) => {
    if (character === '\n') return '\\n';
    if (character === '\r') return '\\r';
    if (character === '\t') return '\\t';
    return hexEscape(character);
  });
}

function refuseNul(value: string, what: string): void {
  if (value.includes('\u0000')) throw new Error(`${what} holds a NUL character, which PostgreSQL text cannot contain`);
}

/** An identifier as quote_ident writes a quoted one: double quotes doubled. Newlines and the rest stay inside. */
export function quotedIdentifier(name: string): string {
  refuseNul(name, 'an identifier');
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * A string literal that reads the same whatever standard_conforming_strings is: `'…'` with quotes doubled, or
 * `E'…'` with backslashes doubled too when the value holds one.
 */
export function sqlLiteral(value: string): string {
  refuseNul(value, 'a string literal');
  const quoted = value.replaceAll("'", "''");
  return value.includes('\\') ? `E'${quoted.replaceAll('\\', '\\\\')}'` : `'${quoted}'`;
}

/** A `-- …` SQL comment line: psql and the server end it at \n or \r only, and printable() leaves neither. */
export function sqlComment(text: string): string {
  return `-- ${printable(text)}`;
}

/** A `// …` JS comment line (JS also ends a line at U+2028/U+2029; printable() escapes both). */
export function jsComment(text: string): string {
  return `// ${printable(text)}`;
}

/**
 * A double-quoted JS string literal: JSON's escaping (quote, backslash, controls), plus line separators, C1 and
 * bidi characters as \u escapes so the file reads as it runs. Never a template literal: no `${` can start one.
 */
export function jsString(value: string): string {
  return JSON.stringify(value).replace(UNPRINTABLE, hexEscape);
}
