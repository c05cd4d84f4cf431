/**
 * Offsets and lines of a source text, and the binary search they (and the sorted comment lists of the detectors)
 * use: one copy for the parser's comment positions, the runner's diff, the directive planner and the comment lookups.
 */

/** The first index in [0, length) where `isBefore` turns false (it must hold for a prefix and fail after). */
export function partitionPoint(length: number, isBefore: (index: number) => boolean): number {
  let low = 0;
  let high = length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (isBefore(middle)) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** Offsets where each line starts (after `\n`; a `\r\n` line ends at its `\n`). */
export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let index = text.indexOf('\n'); index !== -1; index = text.indexOf('\n', index + 1)) starts.push(index + 1);
  return starts;
}

/** The 0-based line holding `offset`, from `lineStarts(text)` (an offset at the very end belongs to the last line). */
export function lineIndexIn(starts: readonly number[], offset: number): number {
  return Math.max(0, partitionPoint(starts.length, (index) => (starts[index] as number) <= offset) - 1);
}

/** 1-based line, 0-based column of `offset` (ESTree `loc` convention), from `lineStarts(text)`. */
export function positionIn(starts: readonly number[], offset: number): { line: number; column: number } {
  const index = lineIndexIn(starts, offset);
  return { line: index + 1, column: offset - (starts[index] ?? 0) };
}
