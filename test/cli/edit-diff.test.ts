// The unified diff built from edits: applying it (jsdiff's applyPatch, as `git apply` would) to the text before gives
// the text after, for any text and any non-overlapping edits; and it reads like git's for the common cases.
import { applyPatch } from 'diff';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyTextEdits, type TextEdit } from '../../src/core/text-edit.js';
import { hunksFromEdits } from '../../src/cli/edit-diff.js';

const patchOf = (before: string, edits: readonly TextEdit[]) => `--- a/x\n+++ b/x\n${hunksFromEdits(before, edits)}`;

/** Text from a few short lines (LF or CRLF, maybe no final newline) and edits at sorted, non-overlapping offsets. */
const textAndEdits = fc
  .tuple(
    fc.array(fc.constantFrom('a', 'b', 'const x = 1;', '', '  y();', 'é'), { maxLength: 40 }),
    fc.constantFrom('\n', '\r\n'),
    fc.boolean(),
  )
  .map(([lines, eol, finalEol]) => lines.join(eol) + (finalEol && lines.length > 0 ? eol : ''))
  .chain((text) =>
    fc
      .uniqueArray(fc.integer({ min: 0, max: text.length }), { maxLength: 12 })
      .chain((cuts) => {
        const offsets = [...cuts].sort((a, b) => a - b);
        const pairs: [number, number][] = [];
        for (let index = 0; index + 1 < offsets.length; index += 2)
          pairs.push([offsets[index] as number, offsets[index + 1] as number]);
        if (offsets.length % 2 === 1) pairs.push([offsets.at(-1) as number, offsets.at(-1) as number]);
        return fc.tuple(
          ...pairs.map(([start, end]) =>
            fc
              .constantFrom('', 'z', 'new();\n', '\n', 'x\ny')
              .map((replacement) => ({ start, end, text: replacement })),
          ),
        );
      })
      .map((edits) => ({ text, edits: edits as TextEdit[] })),
  );

describe('hunksFromEdits', () => {
  it('applies back to the text after, for any edits', () => {
    fc.assert(
      fc.property(textAndEdits, ({ text, edits }) => {
        const after = applyTextEdits(text, edits);
        const patch = patchOf(text, edits);
        expect(applyPatch(text, patch)).toBe(after);
        if (after === text) expect(hunksFromEdits(text, edits)).toBe('');
      }),
      { numRuns: 2000 },
    );
  });

  it('writes an insertion at the top and a change in the middle as git does', () => {
    const before = ['import a;', '1', '2', '3', '4', '5', '6', '7', '8', 'pool.query();', '9', ''].join('\n');
    const insertAt = 0;
    const queryAt = before.indexOf('pool.query');
    const edits = [
      { start: insertAt, end: insertAt, text: 'import h;\n' },
      { start: queryAt, end: queryAt + 'pool.query()'.length, text: 'h(pool)' },
    ];
    expect(hunksFromEdits(before, edits)).toBe(
      [
        '@@ -1,3 +1,4 @@',
        '+import h;',
        ' import a;',
        ' 1',
        ' 2',
        '@@ -7,5 +8,5 @@',
        ' 6',
        ' 7',
        ' 8',
        '-pool.query();',
        '+h(pool);',
        ' 9',
        '',
      ].join('\n'),
    );
  });

  it('marks a last line without newline', () => {
    expect(hunksFromEdits('a\nfoo', [{ start: 2, end: 5, text: 'bar' }])).toBe(
      '@@ -1,2 +1,2 @@\n a\n-foo\n\\ No newline at end of file\n+bar\n\\ No newline at end of file\n',
    );
  });

  it('handles a file where every one of 50,000 lines changes', () => {
    const lines = Array.from({ length: 50_000 }, (_, index) => `pool.query(${index});\n`);
    const text = lines.join('');
    const edits: TextEdit[] = [];
    let offset = 0;
    for (const line of lines) {
      edits.push({ start: offset, end: offset + 4, text: 'POOL' });
      offset += line.length;
    }
    const patch = patchOf(text, edits);
    expect(applyPatch(text, patch)).toBe(applyTextEdits(text, edits));
  });
});
