/**
 * What psql sends to the server when it runs a `.sql` script with `-f`: psql runs meta-commands (`\set`, `\i`,
 * `\connect`, …) itself and reads the lines after `COPY … FROM stdin` as data up to `\.`, so the SQL parser must see
 * neither. Both are blanked in place (same length, line breaks kept) so every offset stays the file's.
 */

export interface PsqlScript {
  /** The script as the server receives it, blanked where psql consumes the text itself. */
  readonly sql: string;
  /** Meta-commands that run SQL the linter cannot see, with their offsets in the script. */
  readonly unchecked: readonly { readonly offset: number; readonly reason: string }[];
  /** Offsets just after each `;` that ends a statement outside quotes and comments, in order. */
  readonly statementEnds: readonly number[];
}

/** Meta-commands that send the query buffer, as a `;` does. */
const SENDS_BUFFER = new Set(['g', 'gx', 'gset', 'gexec', 'gdesc', 'crosstabview', 'watch']);

/** The next place where the scanner's state can change: a quote, a comment, a backslash or a statement end. */
const SPECIAL = /['"$\\;]|--|\/\*/g;
const DOLLAR_TAG = /\$(?:[A-Za-z_\u0080-\uffff][\w\u0080-\uffff]*)?\$/y;
const IDENTIFIER_CHAR = /[\w$\u0080-\uffff]/;
const COPY_FROM_STDIN = /^COPY\b[\s\S]*\bFROM\s+STDIN\b/i;
const META_NAME = /[A-Za-z!?]*/y;

export function psqlScript(text: string): PsqlScript {
  const unchecked: { offset: number; reason: string }[] = [];
  const statementEnds: number[] = [];
  const parts: string[] = [];
  let kept = 0;
  /** Replace text[start, end) by spaces (line breaks kept), or by `first` and spaces when it starts on a backslash. */
  const blank = (start: number, end: number, first?: string): void => {
    if (end <= start) return;
    const head = first === undefined ? '' : first;
    parts.push(text.slice(kept, start), head, text.slice(start + head.length, end).replace(/[^\n]/g, ' '));
    kept = end;
  };
  let statementStart = 0;
  let index = 0;
  while (index < text.length) {
    SPECIAL.lastIndex = index;
    const match = SPECIAL.exec(text);
    if (match === null) break;
    const at = match.index;
    const token = match[0];
    if (token === '--') index = lineEnd(text, at);
    else if (token === '/*') index = blockCommentEnd(text, at);
    else if (token === "'") index = quotedEnd(text, at, isEscapeString(text, at));
    else if (token === '"') index = closingEnd(text, at + 1, '"');
    else if (token === '$') index = dollarQuotedEnd(text, at);
    else if (token === ';') {
      index = at + 1;
      statementEnds.push(index);
      const dataEnd = copyDataEnd(text, statementStart, at);
      if (dataEnd !== undefined) {
        blank(lineEnd(text, at) + 1, dataEnd);
        index = Math.max(index, dataEnd);
      }
      statementStart = index;
    } else {
      // A backslash outside quotes and comments: a meta-command, up to the end of its line.
      META_NAME.lastIndex = at + 1;
      const name = META_NAME.exec(text)?.[0] ?? '';
      if (name === '' && (text[at + 1] === ';' || text[at + 1] === ':')) {
        // `\;` and `\:` put a plain `;` / `:` into the query (several statements, one round trip).
        blank(at, at + 1);
        index = at + 1;
        continue;
      }
      const end = lineEnd(text, at);
      const sends = SENDS_BUFFER.has(name);
      blank(at, end, sends ? ';' : ' ');
      if (name === 'gexec')
        unchecked.push({ offset: at, reason: '\\gexec runs the rows of the query before it as SQL: not checked' });
      index = end;
      // A meta-command before a statement's first keyword is no part of it.
      if (sends || skipSpaceAndComments(text, statementStart) === at) statementStart = end;
      if (name.toLowerCase() === 'copy' && /\bfrom\s+stdin\b/i.test(text.slice(at, end))) {
        const dataEnd = dataBlockEnd(text, end + 1);
        blank(end + 1, dataEnd);
        index = Math.max(index, dataEnd);
        statementStart = index;
      }
    }
  }
  parts.push(text.slice(kept));
  return { sql: parts.join(''), unchecked, statementEnds };
}

/** Offsets psql skips before a statement's first keyword: white space, `--` and (nested) `/* … *\/` comments. */
export function skipSpaceAndComments(text: string, from: number): number {
  let index = from;
  for (;;) {
    while (index < text.length && /\s/.test(text[index] ?? '')) index++;
    if (text.startsWith('--', index)) index = Math.min(text.length, lineEnd(text, index) + 1);
    else if (text.startsWith('/*', index)) index = blockCommentEnd(text, index);
    else return index;
  }
}

/** The offset of the `\n` ending the line that holds `from`, or the text's length. */
function lineEnd(text: string, from: number): number {
  const end = text.indexOf('\n', from);
  return end === -1 ? text.length : end;
}

function blockCommentEnd(text: string, start: number): number {
  let depth = 0;
  let index = start;
  while (index < text.length) {
    if (text.startsWith('/*', index)) {
      depth++;
      index += 2;
    } else if (text.startsWith('*/', index)) {
      depth--;
      index += 2;
      if (depth === 0) return index;
    } else index++;
  }
  return text.length;
}

/** `E'…'` strings take backslash escapes; `'…'` strings do not (standard_conforming_strings, the default). */
function isEscapeString(text: string, quote: number): boolean {
  const before = text[quote - 1];
  return (before === 'E' || before === 'e') && !IDENTIFIER_CHAR.test(text[quote - 2] ?? '');
}

function quotedEnd(text: string, quote: number, backslashEscapes: boolean): number {
  if (!backslashEscapes) return closingEnd(text, quote + 1, "'");
  let index = quote + 1;
  while (index < text.length) {
    const char = text[index];
    if (char === '\\') index += 2;
    else if (char === "'") return index + 1;
    else index++;
  }
  return text.length;
}

/** After the closing `quote` (a doubled quote closes and reopens, which scans the same). */
function closingEnd(text: string, from: number, quote: string): number {
  const end = text.indexOf(quote, from);
  return end === -1 ? text.length : end + 1;
}

function dollarQuotedEnd(text: string, at: number): number {
  // `$1` parameters and identifiers such as `a$b` hold a `$` that opens nothing.
  if (IDENTIFIER_CHAR.test(text[at - 1] ?? '')) return at + 1;
  DOLLAR_TAG.lastIndex = at;
  const tag = DOLLAR_TAG.exec(text)?.[0];
  if (tag === undefined) return at + 1;
  const end = text.indexOf(tag, at + tag.length);
  return end === -1 ? text.length : end + tag.length;
}

/** After `COPY … FROM stdin;` psql reads the next lines as data: where that data ends, or undefined for another statement. */
function copyDataEnd(text: string, statementStart: number, semicolon: number): number | undefined {
  const first = skipSpaceAndComments(text, statementStart);
  if (!/^copy\b/i.test(text.slice(first, first + 5))) return undefined;
  if (!COPY_FROM_STDIN.test(text.slice(first, semicolon))) return undefined;
  return dataBlockEnd(text, lineEnd(text, semicolon) + 1);
}

/** The end of the line `\.` that ends COPY data starting at `from` (or the text's end). */
function dataBlockEnd(text: string, from: number): number {
  let lineStart = from;
  while (lineStart < text.length) {
    const end = lineEnd(text, lineStart);
    const line = text.slice(lineStart, end);
    if (line === '\\.' || line === '\\.\r') return end;
    lineStart = end + 1;
  }
  return text.length;
}
