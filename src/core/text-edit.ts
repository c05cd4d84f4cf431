/**
 * Minimal text edits: every rewrite in quickwins (codemods and rule fixes) is a list of these,
 * applied to the original text so that every byte outside an edit stays as it was.
 */
export interface TextEdit {
  /** Offset of the first replaced character (UTF-16 code units, as ESTree `range`). */
  readonly start: number;
  /** Offset just past the last replaced character; `start === end` inserts. */
  readonly end: number;
  readonly text: string;
}

/** Applies non-overlapping edits to `source`; throws when two edits overlap (a bug in the caller). */
export function applyTextEdits(source: string, edits: readonly TextEdit[]): string {
  if (edits.length === 0) return source;
  const sorted = [...edits].sort((a, b) => a.start - b.start || a.end - b.end);
  let out = '';
  let cursor = 0;
  for (const edit of sorted) {
    if (edit.start < cursor) {
      throw new Error(`overlapping text edits at offset ${edit.start}`);
    }
    out += source.slice(cursor, edit.start) + edit.text;
    cursor = edit.end;
  }
  return out + source.slice(cursor);
}

/** Anything with an ESTree `range`. */
export interface Ranged {
  readonly range: readonly [number, number];
}

/**
 * Edits removing `removed` from a comma-separated list (object properties, import specifiers, pattern properties,
 * declarators) with their commas, one edit per run of neighbours so the edits never overlap. A run alone on its
 * line(s) goes with the whole lines, so a multi-line list keeps its layout; otherwise the text up to the next item
 * (or from the previous one, for a run at the end) goes. Every other byte stays.
 */
export function removeListItems(source: string, items: readonly Ranged[], removed: ReadonlySet<Ranged>): TextEdit[] {
  const edits: TextEdit[] = [];
  for (let first = 0; first < items.length; first++) {
    if (!removed.has(items[first]!)) continue;
    let last = first;
    while (last + 1 < items.length && removed.has(items[last + 1]!)) last++;
    edits.push(...removeRun(source, items, first, last));
    first = last;
  }
  return edits;
}

function removeRun(source: string, items: readonly Ranged[], first: number, last: number): TextEdit[] {
  const start = items[first]!.range[0];
  const runEnd = items[last]!.range[1];
  const next = items[last + 1];
  const previous = items[first - 1];
  const lineStart = source.lastIndexOf('\n', start - 1) + 1;
  const onlyIndentBefore = /^[ \t]*$/.test(source.slice(lineStart, start));
  let end = runEnd;
  const afterComma = /^[ \t]*,/.exec(source.slice(end));
  if (afterComma) end += afterComma[0].length;
  const restOfLine = /^[ \t]*(?:\/\/[^\n]*)?\r?\n/.exec(source.slice(end));
  if (onlyIndentBefore && restOfLine) {
    const lines = { start: lineStart, end: end + restOfLine[0].length, text: '' };
    if (next !== undefined || afterComma || previous === undefined) return [lines];
    // The last item without a trailing comma: its lines go, and the previous item's comma (that item's own line
    // comment stays where it is).
    const previousComma = source.indexOf(',', previous.range[1]);
    return previousComma !== -1 && previousComma < lineStart
      ? [{ start: previousComma, end: previousComma + 1, text: '' }, lines]
      : [{ start: previous.range[1], end: runEnd, text: '' }];
  }
  if (next !== undefined) return [{ start, end: next.range[0], text: '' }];
  if (previous !== undefined) return [{ start: previous.range[1], end: runEnd, text: '' }];
  return [{ start, end, text: '' }];
}

/**
 * An edit removing a whole statement: with its line(s) when it stands alone on them, else with the blanks after it.
 */
export function removeStatement(source: string, statement: Ranged): TextEdit {
  const [start, end] = statement.range;
  const lineStart = source.lastIndexOf('\n', start - 1) + 1;
  const restOfLine = /^[ \t]*(?:\/\/[^\n]*)?(?:\r?\n|$)/.exec(source.slice(end));
  if (/^[ \t]*$/.test(source.slice(lineStart, start)) && restOfLine)
    return { start: lineStart, end: end + restOfLine[0].length, text: '' };
  const blanks = /^[ \t]*/.exec(source.slice(end))![0].length;
  return { start, end: end + blanks, text: '' };
}

/**
 * Folds an insertion made at the end of a line into a removal of that whole line (a new import added after the
 * import a rewrite removes): the inserted line takes the removed one's place instead of the two edits overlapping.
 */
export function foldInsertionsIntoRemovals(source: string, edits: readonly TextEdit[]): TextEdit[] {
  const removals = edits.filter((edit) => edit.text === '' && edit.end > edit.start);
  const folded = new Set<TextEdit>();
  const replacements: TextEdit[] = [];
  for (const insertion of edits) {
    if (insertion.start !== insertion.end || insertion.text === '') continue;
    const removal = removals.find(
      (candidate) => !folded.has(candidate) && candidate.start < insertion.start && insertion.start < candidate.end,
    );
    if (removal === undefined) continue;
    const lineBreak = /\r?\n$/.exec(source.slice(removal.start, removal.end))?.[0] ?? '';
    const leadingBreak = /^\r?\n/.exec(insertion.text)?.[0] ?? '';
    folded.add(removal).add(insertion);
    replacements.push({
      start: removal.start,
      end: removal.end,
      text: insertion.text.slice(leadingBreak.length) + (lineBreak || leadingBreak),
    });
  }
  return [...edits.filter((edit) => !folded.has(edit)), ...replacements];
}
