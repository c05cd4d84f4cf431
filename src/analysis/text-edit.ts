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
