/**
 * Reading the text *between* two AST nodes: there, the only things are punctuators (`(`, `)`, `,`, `.`,
 * `?.`, `<`, ...), keywords and modifiers, whitespace and comments. So a scan that skips whitespace and
 * the program's comments finds the next or previous punctuator exactly, without a token list: the
 * codemods' parser keeps none (src/core/parse.ts), and ESLint's is not needed for it.
 * Only call these with offsets in such gaps; inside a string or template the answer means nothing.
 */
import type { TSESTree } from '@typescript-eslint/typescript-estree';
import { partitionPoint } from './lines.js';

export class Trivia {
  private readonly comments: readonly TSESTree.Comment[];

  /** `comments` in source order, as every ESTree parser returns them. */
  constructor(
    private readonly source: string,
    comments: readonly TSESTree.Comment[] | undefined,
  ) {
    this.comments = comments ?? [];
  }

  /** The offset of the first character at or after `offset` that is neither whitespace nor in a comment. */
  skipForward(offset: number): number {
    let cursor = offset;
    for (;;) {
      while (cursor < this.source.length && isWhitespace(this.source.charCodeAt(cursor))) cursor++;
      const comment = this.commentStartingAt(cursor);
      if (!comment) return cursor;
      cursor = comment.range[1];
    }
  }

  /** The offset just after the last character before `offset` that is neither whitespace nor in a comment. */
  skipBackward(offset: number): number {
    let cursor = offset;
    for (;;) {
      while (cursor > 0 && isWhitespace(this.source.charCodeAt(cursor - 1))) cursor--;
      const comment = this.commentEndingAt(cursor);
      if (!comment) return cursor;
      cursor = comment.range[0];
    }
  }

  /** The character just before `skipBackward(offset)` (`''` at the start of the file). */
  previousChar(offset: number): string {
    return this.source[this.skipBackward(offset) - 1] ?? '';
  }

  private commentStartingAt(offset: number): TSESTree.Comment | undefined {
    const comment = this.comments[this.firstCommentEndingAfter(offset)];
    return comment && comment.range[0] === offset ? comment : undefined;
  }

  private commentEndingAt(offset: number): TSESTree.Comment | undefined {
    const comment = this.comments[this.firstCommentEndingAfter(offset - 1)];
    return comment && comment.range[1] === offset ? comment : undefined;
  }

  /** Index of the first comment whose end is after `offset` (binary search). */
  private firstCommentEndingAfter(offset: number): number {
    return partitionPoint(this.comments.length, (index) => (this.comments[index]?.range[1] ?? 0) <= offset);
  }
}

/** ECMAScript WhiteSpace and LineTerminator code points. */
function isWhitespace(code: number): boolean {
  return (
    code === 0x20 ||
    (code >= 0x09 && code <= 0x0d) ||
    code === 0xa0 ||
    code === 0xfeff ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000
  );
}
