/**
 * A linear, rough estimate of how deep a parser recurses on a file, read before oxc-parser sees it: oxc's
 * native parser has no depth limit, so a legal file nested deeply enough overflows its stack and kills the
 * whole process (a segfault, nothing to catch). The estimate errs high: a file it overrates is only parsed
 * somewhere safer (parse.ts), a file it underrated would crash the run.
 *
 * Units are "levels": one level is what a nested parenthesis costs oxc's stack; each construct weighs what
 * it was measured to cost against that (docs/parse-depth.md has the table). A level is counted where the
 * recursion happens:
 * - every open bracket, `${`, generic `<` and JSX element is a frame, weighted like the costliest of them;
 * - operators and prefix keywords chain inside a frame (`!!!x`, `a.b.c`, `1+1+1`, `x => y => z`, `new new A`)
 *   until a statement or list boundary (`;`, `,`, a line break that ASI must end a statement at);
 * - `else` chains survive statement boundaries (`if (a) x; else if (b) y; else ...` nests).
 * Strings, comments, template text and regular expressions are skipped; a line is also weighed raw (every
 * bracket and operator character, in strings or not), so a string or regex misread as code, or code misread
 * as one, can hide no more than one line.
 */

/** The weight of one frame: a function body or a generic (`{`, `${`, `<`: 1.4 to 1.7 parentheses each). */
const FRAME = 1.75;
/** What a call, an index or a tagged template adds to the chain it ends (`a()()()`, `T[][]`, ``a`x``y` ``). */
const CHAINED_FRAME = 0.1;

/** Operators by weight: a member access is cheap, an assignment, a conditional or an arrow nests like a bracket. */
const OPERATORS_BY_WEIGHT: readonly (readonly [number, string])[] = [
  [0.05, '.'],
  [0.2, ':!~+-*/%&|^<>@'],
  [0.75, '=?'],
];

/** Operator weight by character code, and the raw weight of each character for the line bound (brackets as frames). */
const OPERATOR_BY_CODE = new Float64Array(128);
const RAW_BY_CODE = new Float64Array(128);
for (const [weight, chars] of OPERATORS_BY_WEIGHT) {
  for (const char of chars) {
    OPERATOR_BY_CODE[char.charCodeAt(0)] = weight;
    RAW_BY_CODE[char.charCodeAt(0)] = weight;
  }
}
for (const char of '([{<') RAW_BY_CODE[char.charCodeAt(0)] = FRAME;

/** Words that nest what follows them (prefix operators, statement heads), by weight; `else` is counted apart. */
const WORD_WEIGHT: ReadonlyMap<string, number> = new Map(
  (
    [
      [1, ['if', 'while', 'for', 'with', 'do']],
      [0.75, ['extends']],
      [0.35, ['new']],
      [
        0.2,
        [
          'typeof',
          'void',
          'delete',
          'await',
          'yield',
          'keyof',
          'infer',
          'readonly',
          'unique',
          'in',
          'of',
          'instanceof',
          'as',
          'satisfies',
          'is',
        ],
      ],
    ] as const
  ).flatMap(([weight, words]) => words.map((word) => [word, weight] as const)),
);

/** Words after which an expression starts (a `/` is a regex, a `<` a JSX element or a type argument). */
const EXPRESSION_BEFORE = new Set([
  'return',
  'typeof',
  'void',
  'delete',
  'await',
  'yield',
  'new',
  'in',
  'of',
  'instanceof',
  'case',
  'do',
  'else',
  'extends',
  'throw',
  'let',
  'const',
  'var',
  'as',
  'satisfies',
  'keyof',
  'export',
  'import',
  'default',
  'async',
  'static',
  'declare',
  'abstract',
  'readonly',
  'type',
  'namespace',
  'module',
  'interface',
  'enum',
  'function',
  'class',
  'get',
  'set',
  'public',
  'private',
  'protected',
  'override',
  'accessor',
  'infer',
  'is',
  'asserts',
  'unique',
  'if',
  'while',
  'for',
  'with',
  'switch',
  'catch',
  'finally',
  'try',
  'from',
  'implements',
]);

/** Words whose `(…)` is followed by a statement. */
const HEADS = new Set(['if', 'while', 'for', 'with', 'switch']);

/** Words that continue the expression on the line before, so a line break before them ends no statement. */
const CONTINUES = new Set([
  'in',
  'of',
  'instanceof',
  'as',
  'satisfies',
  'extends',
  'implements',
  'else',
  'is',
  'catch',
  'finally',
  'while',
]);

type FrameKind = '(' | '[' | '{' | '${' | '<' | 'jsx' | '`';

interface Frame {
  kind: FrameKind;
  /** The chain of operators of the current statement or list item. */
  ops: number;
  /** The costliest frame closed inside the current statement or list item. */
  inner: number;
  /** `else` chains: never reset by a statement boundary. */
  fixed: number;
  /** The costliest this frame has been. */
  peak: number;
  /** A JSX element reads its tag (attributes, strings) and then its children (text, no strings or comments). */
  jsx?: 'tag' | 'children';
  /** A `(` opened by `if`, `while`, `for`, `with` or `switch`: what follows its `)` is a statement. */
  header?: boolean;
}

export interface NestingEstimate {
  /** The estimated depth, in levels (see above). */
  readonly levels: number;
  /** Where the deepest point was reached. */
  readonly offset: number;
}

function frameWeight(kind: FrameKind): number {
  return kind === '`' ? 0 : FRAME;
}

function isIdentifierStart(code: number): boolean {
  return (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || code === 95 || code === 36 || code > 127;
}

function isIdentifierPart(code: number): boolean {
  return isIdentifierStart(code) || (code >= 48 && code <= 57);
}

/** The deepest any single line goes if each of its brackets opened a frame and each operator chained. */
function deepestLine(text: string): NestingEstimate {
  let levels = 0;
  let offset = 0;
  let line = 0;
  let lineStart = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code === 10) {
      line = 0;
      lineStart = index + 1;
      continue;
    }
    if (code >= 128) continue;
    line += RAW_BY_CODE[code] as number;
    if (line > levels) {
      levels = line;
      offset = lineStart;
    }
  }
  return { levels, offset };
}

/**
 * Estimates how deep oxc-parser recurses on `text` (`jsx`: the file is parsed with JSX). Linear in the text's
 * length, one pass for the structure and one for the raw line bound.
 */
export function estimateNesting(text: string, jsx: boolean): NestingEstimate {
  const structured = new NestingScan(text, jsx).run();
  const line = deepestLine(text);
  return line.levels > structured.levels ? line : structured;
}

/** Whether a `/` or `<` here starts a value (regex, JSX, type argument list) rather than dividing or comparing. */
type Before = 'value' | 'start';

class NestingScan {
  private readonly stack: Frame[];
  private index = 0;
  private before: Before = 'start';
  /** The word or `)` just read, for the line-break rule. */
  private lastWord: string | undefined;
  private sawLineBreak = false;
  /** The word just read, so that a `(` after `if`, `while`, `for`, `with` or `switch` is known as a header. */
  private headerWord: string | undefined;
  private live = 0;
  private deepest = 0;
  private deepestAt = 0;

  constructor(
    private readonly text: string,
    private readonly jsx: boolean,
  ) {
    this.stack = [this.frame('{')];
  }

  run(): NestingEstimate {
    const { text } = this;
    if (text.startsWith('#!')) this.skipLine();
    while (this.index < text.length) {
      const top = this.top();
      if (top.kind === '`') this.templateText();
      else if (top.jsx === 'tag') this.jsxTag(top);
      else this.code(top.jsx === 'children');
    }
    while (this.stack.length > 1) this.closeTop();
    const root = this.stack[0] as Frame;
    return { levels: Math.max(root.peak, this.deepest), offset: this.deepestAt };
  }

  private frame(kind: FrameKind, jsx?: Frame['jsx'], header?: boolean): Frame {
    return { kind, ops: 0, inner: 0, fixed: 0, peak: 0, jsx, header };
  }

  private top(): Frame {
    return this.stack[this.stack.length - 1] as Frame;
  }

  private touch(frame: Frame): void {
    frame.peak = Math.max(frame.peak, frame.fixed + frame.ops + frame.inner);
  }

  private addOps(weight: number): void {
    const top = this.top();
    top.ops += weight;
    this.touch(top);
    this.raiseLive(weight);
  }

  private raiseLive(weight: number): void {
    this.live += weight;
    if (this.live > this.deepest) {
      this.deepest = this.live;
      this.deepestAt = this.index;
    }
  }

  private open(kind: FrameKind, jsx?: Frame['jsx'], header?: boolean): void {
    this.stack.push(this.frame(kind, jsx, header));
    this.raiseLive(frameWeight(kind));
  }

  private closeTop(): void {
    const child = this.stack.pop() as Frame;
    const parent = this.top();
    this.live -= frameWeight(child.kind) + child.ops + child.fixed;
    parent.inner = Math.max(parent.inner, frameWeight(child.kind) + child.peak);
    if (child.kind === '(' || child.kind === '[' || child.kind === '`') {
      parent.ops += CHAINED_FRAME;
      this.live += CHAINED_FRAME;
    }
    this.touch(parent);
  }

  /** Closes down to the nearest frame of one of `kinds`, never past a JSX element or a template; undefined when none. */
  private closeTo(kinds: readonly FrameKind[]): FrameKind | undefined {
    for (let depth = this.stack.length - 1; depth > 0; depth--) {
      const frame = this.stack[depth] as Frame;
      if (kinds.includes(frame.kind)) {
        while (this.stack.length > depth) this.closeTop();
        return frame.kind;
      }
      if (frame.kind === 'jsx' || frame.kind === '`') return undefined;
    }
    return undefined;
  }

  /** A statement or list boundary: the chain so far ends; what comes next is a sibling. */
  private boundary(): void {
    while (this.top().kind === '<' && this.stack.length > 1) this.closeTop(); // a `<` still open was a comparison
    const top = this.top();
    this.live -= top.ops;
    top.ops = 0;
    top.inner = 0;
  }

  private skipLine(): void {
    const end = this.text.indexOf('\n', this.index);
    this.index = end === -1 ? this.text.length : end;
  }

  private skipString(quote: string, untilLineEnd: boolean): void {
    const { text } = this;
    let index = this.index + 1;
    while (index < text.length) {
      const char = text[index];
      if (char === '\\') index += 2;
      else if (char === quote) {
        index++;
        break;
      } else if (char === '\n' && untilLineEnd) break;
      else index++;
    }
    this.index = index;
  }

  private skipRegex(): void {
    const { text } = this;
    let index = this.index + 1;
    let inClass = false;
    while (index < text.length) {
      const char = text[index];
      if (char === '\n') break;
      if (char === '\\') index += 2;
      else {
        index++;
        if (char === '[') inClass = true;
        else if (char === ']') inClass = false;
        else if (char === '/' && !inClass) break;
      }
    }
    while (index < text.length && isIdentifierPart(text.charCodeAt(index))) index++;
    this.index = index;
  }

  private templateText(): void {
    const { text } = this;
    while (this.index < text.length) {
      const char = text[this.index];
      if (char === '\\') this.index += 2;
      else if (char === '`') {
        this.index++;
        this.closeTop();
        this.before = 'value';
        return;
      } else if (char === '$' && text[this.index + 1] === '{') {
        this.index += 2;
        this.open('${');
        this.before = 'start';
        return;
      } else this.index++;
    }
  }

  /**
   * A JSX tag holds names, `=`, `.`, `:`, `-`, strings, comments, type arguments and `{…}`; anything else means the
   * `<` began no element (a comparison, a generic arrow `<T,>() =>` in a .tsx file), and the rest is read as code again.
   */
  private jsxTag(frame: Frame): void {
    const { text } = this;
    while (this.index < text.length) {
      const char = text[this.index] as string;
      const code = text.charCodeAt(this.index);
      if (char === '>') {
        this.index++;
        frame.jsx = 'children';
        this.before = 'start';
        return;
      }
      if (char === '/' && text[this.index + 1] === '>') {
        this.index += 2;
        this.closeTop();
        this.markValue();
        return;
      }
      if (char === '{') {
        this.open('{');
        this.index++;
        this.markStart();
        return;
      }
      if (char === '<') {
        // Type arguments (`<Select<Option> value={v}>` in a .tsx file): read as code until their `>`, then the tag goes on.
        this.index++;
        this.open('<');
        this.markStart();
        return;
      }
      if (char === '/' && text[this.index + 1] === '*') {
        const end = text.indexOf('*/', this.index + 2);
        this.index = end === -1 ? text.length : end + 2;
      } else if (char === '/' && text[this.index + 1] === '/') this.skipLine();
      else if ((char === '"' || char === "'") && this.previousNonSpace() === '=') this.skipString(char, false);
      else if (char === ' ' || char === '\t' || char === '\n' || char === '\r') this.index++;
      else if (isIdentifierStart(code)) {
        let end = this.index + 1;
        while (end < text.length && isIdentifierPart(text.charCodeAt(end))) end++;
        const word = text.slice(this.index, end);
        if (word === 'extends') return this.notAnElement(frame);
        const weight = WORD_WEIGHT.get(word);
        if (weight !== undefined) this.addOps(weight);
        this.index = end;
      } else if (char === '.' || char === '=' || char === ':' || char === '-' || (code >= 48 && code <= 57)) {
        this.addOps(OPERATOR_BY_CODE[code] ?? 0);
        this.index++;
      } else return this.notAnElement(frame);
    }
  }

  private notAnElement(frame: Frame): void {
    frame.kind = '<';
    frame.jsx = undefined;
    this.markStart();
  }

  private code(inJsxText: boolean): void {
    const { text } = this;
    const char = text[this.index] as string;
    const code = text.charCodeAt(this.index);
    if (code === 32 || code === 10 || code === 9 || code === 13) {
      let index = this.index;
      for (
        let space = code;
        space === 32 || space === 10 || space === 9 || space === 13;
        space = text.charCodeAt(++index)
      ) {
        if (space === 10) this.sawLineBreak = true;
      }
      this.index = index;
      return;
    }
    const lineBreakBefore = this.sawLineBreak;
    this.sawLineBreak = false;
    if (isIdentifierStart(code) || char === '\\') {
      let end = this.index + 1;
      while (end < text.length && (isIdentifierPart(text.charCodeAt(end)) || text[end] === '\\')) end++;
      const word = text.slice(this.index, end);
      const afterDot = this.lastWord === '.';
      if (lineBreakBefore && !inJsxText && this.endsStatement() && !CONTINUES.has(word)) this.boundary();
      this.index = end;
      if (afterDot) {
        this.before = 'value';
        this.lastWord = word;
        return;
      }
      if (word === 'else') {
        const top = this.top();
        top.fixed += 1;
        this.touch(top);
        this.raiseLive(1);
      } else {
        const weight = WORD_WEIGHT.get(word);
        if (weight !== undefined) this.addOps(weight);
      }
      this.before = EXPRESSION_BEFORE.has(word) ? 'start' : 'value';
      this.lastWord = this.before === 'start' ? word : 'value';
      // `for await (…)` is a head like `for (…)`.
      this.headerWord = word === 'await' && this.headerWord === 'for' ? 'for' : word;
      return;
    }
    if (code >= 48 && code <= 57) {
      let end = this.index + 1;
      while (end < text.length && (isIdentifierPart(text.charCodeAt(end)) || text[end] === '.')) end++;
      this.index = end;
      this.markValue();
      return;
    }
    const next = text[this.index + 1];
    if (!inJsxText) {
      // `<!--` anywhere and `-->` first on a line are line comments in a script (annex B).
      const htmlComment =
        (char === '<' && text.startsWith('<!--', this.index)) ||
        (char === '-' && lineBreakBefore && text.startsWith('-->', this.index));
      if ((char === '/' && next === '/') || htmlComment) {
        this.skipLine();
        this.sawLineBreak = lineBreakBefore;
        return;
      }
      if (char === '/' && next === '*') {
        const end = text.indexOf('*/', this.index + 2);
        const after = end === -1 ? text.length : end + 2;
        this.sawLineBreak = lineBreakBefore || text.slice(this.index, after).includes('\n');
        this.index = after;
        return;
      }
      if (char === '"' || char === "'") {
        this.skipString(char, true);
        this.markValue();
        return;
      }
    }
    const headerWord = this.headerWord;
    this.headerWord = undefined;
    if (!inJsxText && char === '/' && this.startsValue()) {
      this.skipRegex();
      this.markValue();
      return;
    }
    if (char === '`' && !inJsxText) {
      this.index++;
      this.open('`');
      return;
    }
    switch (char) {
      case '(':
        this.open('(', undefined, headerWord !== undefined && HEADS.has(headerWord));
        this.index++;
        this.markStart();
        return;
      case '[':
      case '{':
        this.open(char);
        this.index++;
        this.markStart();
        return;
      case ')': {
        const header = this.top().kind === '(' && this.top().header === true;
        this.index++;
        if (this.closeTo(['('])) {
          if (header) this.markStart();
          else this.markValue(')');
        }
        return;
      }
      case ']':
        this.index++;
        if (this.closeTo(['['])) this.markValue();
        return;
      case '}': {
        this.index++;
        const closed = this.closeTo(['{', '${']);
        if (closed === '${') this.before = 'start';
        else if (closed) this.markValue('}');
        return;
      }
      case ';':
      case ',':
        this.index++;
        this.boundary();
        this.markStart();
        return;
      case '<':
        return this.angle(inJsxText, next);
      case '>':
        this.index++;
        if (this.top().kind === '<') {
          this.closeTop();
          this.markValue();
        } else {
          this.addOps(0.2);
          this.markStart();
        }
        return;
      case '=':
        if (next === '>') {
          this.index += 2;
          this.addOps(0.75);
          this.markStart();
          return;
        }
        break;
      case '?':
        if (next === '.' || next === '?') {
          this.index += 2;
          this.addOps(next === '.' ? 0.05 : 0.2);
          this.markStart();
          return;
        }
        break;
    }
    this.index++;
    const weight = code < 128 ? (OPERATOR_BY_CODE[code] as number) : 0;
    if (weight > 0) this.addOps(weight);
    if (char === '.') this.lastWord = '.';
    else this.markStart();
  }

  private angle(inJsxText: boolean, next: string | undefined): void {
    const { text } = this;
    if (inJsxText && next === '/') {
      // A closing tag: the element ends (anything still open inside it was text).
      this.closeTo(['jsx']);
      const end = text.indexOf('>', this.index);
      this.index = end === -1 ? text.length : end + 1;
      this.markValue();
      return;
    }
    if (this.jsx && (inJsxText || this.startsValue()) && next !== '=' && next !== '<') {
      this.open('jsx', next === '>' ? 'children' : 'tag');
      this.index += next === '>' ? 2 : 1;
      this.before = 'start';
      return;
    }
    this.index++;
    if (next === '=' || next === '<') {
      this.index++;
      this.addOps(0.2);
      this.markStart();
      return;
    }
    this.open('<');
    this.markStart();
  }

  /** The last character before the current one that is not white space (an attribute string follows a `=`). */
  private previousNonSpace(): string | undefined {
    let index = this.index - 1;
    while (index >= 0 && /\s/.test(this.text[index] as string)) index--;
    return this.text[index];
  }

  /**
   * Whether a `/` here is a regex and a `<` an element. After `}` both are taken as starts: a block ends there far
   * more often than an object is divided, and a regex misread as a division could open a template or a comment
   * (a backtick, a `/*` in it) that hides the lines after it; a division misread as a regex hides one line at most.
   */
  private startsValue(): boolean {
    return this.before === 'start' || this.lastWord === '}';
  }

  /** A line break here ends the statement (ASI): the line ended with a value and the next starts with a word. */
  private endsStatement(): boolean {
    return this.before === 'value' && this.lastWord !== '.';
  }

  private markValue(word: string = 'value'): void {
    this.before = 'value';
    this.lastWord = word;
  }

  private markStart(): void {
    this.before = 'start';
    this.lastWord = undefined;
  }
}
