/**
 * The edits of the `kafka-dedupe` codemod for one `consumer.run({ … })` site:
 *   eachMessage: <handler>            → eachMessage: dedupeEachMessage(<handler>, { store, group })
 *   eachBatch: async ({ batch, … }) => { for (const message of batch.messages) { …body…; resolveOffset(…); … } }
 *                                     → eachBatch: dedupeEachBatch(async ({ message, batch }) => { …body… }, { store, group })
 *                                       and `eachBatchAutoResolve: false` in the run options
 * The batch form is rewritten only when the handler is exactly one loop over `batch.messages` whose body can become a
 * per-record handler (kafkajs' protocol statements dropped: the wrapper does them); anything else is left, with why.
 */
import type { TSESTree } from '@typescript-eslint/typescript-estree';
import type { BindingIndex } from '../core/bindings.js';
import { propertyKeyName } from '../core/bindings.js';
import {
  isBatchMessages,
  isPayloadMember,
  loopExits,
  payloadAccess,
  payloadMemberOf,
  protocolStatement,
  type HandlerFunction,
  type PayloadAccess,
} from './kafka-batch-loop.js';
import { readBatchWriter, type BatchWriter } from './kafka-batch-writer.js';
import { groupIdOf, groupIdReachable, type ConsumerVerdict, type RunCall } from './kafka-consumers.js';
import type { TextEdit } from '../core/text-edit.js';
import { calledName } from '../core/ast-helpers.js';
import { forEachChild, traverse } from '../core/traverse.js';
import { Trivia } from '../core/trivia.js';

export type StoreKind = 'memory' | 'pg' | 'redis';

export const WRAPPERS = { eachMessage: 'dedupeEachMessage', eachBatch: 'dedupeEachBatch' } as const;
/** The batch mode, for an eachBatch handler that already writes per batch. */
export const BATCH_WRAPPER = 'dedupeBatch';
export const STORE_FACTORIES: Record<StoreKind, string> = {
  memory: 'memoryDedupeStore',
  pg: 'pgDedupeStore',
  redis: 'redisDedupeStore',
};

export interface PlannedSite {
  readonly names: readonly string[];
  /** Builds the edits once the import plan says how each name is written in this file. */
  readonly edits: (reference: (name: string) => string) => TextEdit[];
  readonly summary: string;
}

export type SitePlan =
  | { readonly kind: 'rewrite'; readonly plan: PlannedSite }
  | { readonly kind: 'left'; readonly reason: string }
  /** The handler is already wrapped (by an earlier run or by hand): migrated, nothing for a person to do. */
  | { readonly kind: 'done'; readonly summary: string };

export interface SiteContext {
  readonly source: string;
  readonly program: TSESTree.Program;
  readonly index: BindingIndex;
  readonly store: StoreKind;
  /** The argument written into pgDedupeStore(…) / redisDedupeStore(…): the pool or redis client expression. */
  readonly storeArgument?: string;
}

const left = (reason: string): SitePlan => ({ kind: 'left', reason });

export function planKafkaSite(run: RunCall, verdict: ConsumerVerdict, context: SiteContext): SitePlan {
  // A wrapped handler is done whatever this file shows of its consumer: a person wraps by hand where the tool cannot.
  const wrapper = run.handler === undefined ? undefined : wrapperOf(run.handler.value);
  if (wrapper !== undefined)
    return { kind: 'done', summary: `${run.kind ?? 'handler'} already wrapped with ${wrapper}` };
  if (verdict.kind !== 'consumer') return left(`not a kafkajs Consumer as far as this file shows: ${verdict.reason}`);
  if (run.options === undefined || run.handler === undefined || run.kind === undefined) {
    return left('run() options are not an object literal here; wrap eachMessage / eachBatch where they are written');
  }
  const { handler, kind, options } = run;
  const groupId = groupIdOf(verdict.creation);
  if (groupId === undefined) {
    // The handler's own obstacle comes first: with the group written by hand it would still be left for it.
    const shape = kind === 'eachBatch' ? planBatch(handler, options, context, [], [], () => '', '') : undefined;
    if (shape?.kind === 'left') return shape;
    return left(groupNotInSight(run, verdict, context.source));
  }
  const kept =
    groupId.type === 'Identifier' ? keptOnThis(groupId, verdict.creation!, run.call, context.index) : undefined;
  if (kept === undefined && !groupIdReachable(groupId, run.call, context.index)) {
    return left(
      `the consumer's groupId \`${context.source.slice(...groupId.range)}\` does not mean the same at the run() call; wrap by hand with \`group\``,
    );
  }
  const groupText = kept ?? context.source.slice(...groupId.range);
  const factory = STORE_FACTORIES[context.store];
  const optionsText = (reference: (name: string) => string): string =>
    `{ store: ${reference(factory)}(${context.store === 'memory' ? '' : (context.storeArgument ?? '')}), group: ${groupText} }`;
  const names = [WRAPPERS[kind], factory];
  const storeNote =
    context.store === 'memory'
      ? 'memory store: retries and in-batch duplicates only'
      : context.store === 'pg'
        ? 'pg store: write the side effect through `tx` for effect-once'
        : 'redis store: best-effort';
  if (kind === 'eachMessage') {
    return {
      kind: 'rewrite',
      plan: {
        names,
        summary: `eachMessage wrapped with dedupeEachMessage (${storeNote}; ${verdict.evidence})${enqueueWarning(handler.value, context.source)}`,
        edits: (reference) => wrapEdits(handler, context, WRAPPERS.eachMessage, optionsText(reference), reference),
      },
    };
  }
  return planBatch(
    handler,
    options,
    context,
    [BATCH_WRAPPER, factory],
    names,
    optionsText,
    `${storeNote}; ${verdict.evidence}`,
  );
}

/** Why the group is not known where run() is called: the consumer is made elsewhere, or made without a groupId here. */
function groupNotInSight(run: RunCall, verdict: ConsumerVerdict & { kind: 'consumer' }, source: string): string {
  const receiver =
    run.call.callee.type === 'MemberExpression'
      ? `\`${source.slice(...run.call.callee.object.range)}\``
      : 'the consumer';
  if (verdict.creation !== undefined)
    return 'the consumer group id is not written in its `kafka.consumer({ groupId })` call; wrap by hand with `group`';
  const from =
    verdict.madeBy === undefined ? 'handed in' : `made elsewhere (\`${source.slice(...verdict.madeBy.range)}\`)`;
  return `not rewritten: ${receiver} is declared as kafkajs' Consumer but ${from}, so its groupId is not in sight; wrap by hand with \`group\``;
}

/**
 * `constructor(…, groupId) { this.groupId = groupId; this.consumer = kafka.consumer({ groupId }); }` with `run()` in a
 * method of the same class: the constructor parameter is out of scope there, `this.groupId` holds the same value.
 */
function keptOnThis(
  groupId: TSESTree.Identifier,
  creation: TSESTree.CallExpression,
  runCall: TSESTree.CallExpression,
  index: BindingIndex,
): string | undefined {
  const binding = index.resolve(groupId);
  if (binding?.kind !== 'parameter' || binding.owner === undefined) return undefined;
  const owner = binding.owner as TSESTree.FunctionExpression;
  if (owner.type !== 'FunctionExpression' || owner.body === null || owner.body === undefined) return undefined;
  if (!(owner.range[0] <= creation.range[0] && creation.range[1] <= owner.range[1])) return undefined;
  let field: string | undefined;
  for (const statement of owner.body.body) {
    if (statement.type !== 'ExpressionStatement' || statement.expression.type !== 'AssignmentExpression') continue;
    const { left: target, right } = statement.expression;
    if (
      right.type === 'Identifier' &&
      index.resolve(right) === binding &&
      target.type === 'MemberExpression' &&
      target.object.type === 'ThisExpression' &&
      !target.computed &&
      target.property.type === 'Identifier'
    ) {
      field = target.property.name;
    }
  }
  if (field === undefined) return undefined;
  const receiver = runCall.callee.type === 'MemberExpression' ? runCall.callee.object : undefined;
  const runThis =
    receiver?.type === 'MemberExpression' && receiver.object.type === 'ThisExpression' ? receiver.object : undefined;
  const runClass = runThis === undefined ? undefined : index.thisClass(runThis);
  const sameClass =
    runClass !== undefined && runClass.range[0] <= owner.range[0] && owner.range[1] <= runClass.range[1];
  return sameClass ? `this.${field}` : undefined;
}

/** Calls that hand work to a queue or a broker; not awaited, the work runs after the claim is recorded. */
const ENQUEUE_METHODS = new Set([
  'add',
  'addBulk',
  'enqueue',
  'publish',
  'dispatch',
  'schedule',
  'submit',
  'send',
  'sendMessage',
  'produce',
]);

/**
 * A warning for a handler that only hands its work on (`queue.add(…)` not awaited): the wrapper records the claim when
 * the handler returns, before that work has run, so a failure there is never retried. Empty when there is none.
 */
function enqueueWarning(handler: TSESTree.Node, source: string): string {
  if (handler.type !== 'ArrowFunctionExpression' && handler.type !== 'FunctionExpression') return '';
  let floating: string | undefined;
  const visit = (node: TSESTree.Node, nested: boolean): void => {
    if (floating !== undefined) return;
    if (
      nested &&
      (node.type === 'ArrowFunctionExpression' ||
        node.type === 'FunctionExpression' ||
        node.type === 'FunctionDeclaration')
    )
      return;
    if (node.type === 'ExpressionStatement') {
      const call = node.expression.type === 'ChainExpression' ? node.expression.expression : node.expression;
      if (
        call.type === 'CallExpression' &&
        call.callee.type === 'MemberExpression' &&
        !call.callee.computed &&
        call.callee.property.type === 'Identifier' &&
        ENQUEUE_METHODS.has(call.callee.property.name)
      ) {
        floating = `${source.slice(...call.callee.range)}(…)`;
        return;
      }
    }
    forEachChild(node, (child) => visit(child, true));
  };
  visit(handler.body, false);
  return floating === undefined
    ? ''
    : `; warning: the handler does not await \`${floating}\`: the claim is recorded before that work runs, so a failure there is not retried; await it, or de-duplicate where the work runs`;
}

/** The wrapper a handler is already passed to (`dedupeEachMessage(…)`, `kafka.dedupeBatch(…)`), if any. */
function wrapperOf(value: TSESTree.Node): string | undefined {
  if (value.type !== 'CallExpression') return undefined;
  const callee = value.callee;
  const name = calledName(callee);
  return /^dedupe(?:EachMessage|EachBatch|Batch)/.test(name) ? name : undefined;
}

/** eachMessage: the handler is passed through whole (a record has every member of kafkajs' EachMessagePayload). */
function wrapEdits(
  property: TSESTree.Property,
  context: SiteContext,
  wrapper: string,
  optionsText: string,
  reference: (name: string) => string,
): TextEdit[] {
  const call = reference(wrapper);
  if (property.shorthand) {
    const name = context.source.slice(...property.key.range);
    return [{ start: property.range[0], end: property.range[1], text: `${name}: ${call}(${name}, ${optionsText})` }];
  }
  if (property.method) {
    const fn = property.value as TSESTree.FunctionExpression;
    const trivia = new Trivia(context.source, context.program.comments);
    const paramsStart = trivia.skipForward(property.key.range[1]);
    const key = context.source.slice(...property.key.range);
    return [
      {
        start: property.range[0],
        end: property.range[1],
        text: `${key}: ${call}(${fn.async ? 'async ' : ''}function ${context.source.slice(paramsStart, fn.body!.range[1])}, ${optionsText})`,
      },
    ];
  }
  const value = property.value;
  return [
    { start: value.range[0], end: value.range[0], text: `${call}(` },
    { start: value.range[1], end: value.range[1], text: `, ${optionsText})` },
  ];
}

/** `Promise.all(batch.messages.map(…))` (or `allSettled`) anywhere in the handler: its records run concurrently. */
function handsBatchToPromiseAll(handler: HandlerFunction, access: Parameters<typeof isBatchMessages>[1]): boolean {
  let found = false;
  traverse(handler.body, (node) => {
    if (found || node.type !== 'CallExpression' || node.callee.type !== 'MemberExpression' || node.callee.computed)
      return;
    const { object, property } = node.callee;
    if (
      object.type !== 'Identifier' ||
      object.name !== 'Promise' ||
      property.type !== 'Identifier' ||
      !['all', 'allSettled'].includes(property.name)
    )
      return;
    const mapped = node.arguments[0];
    found =
      mapped?.type === 'CallExpression' &&
      mapped.callee.type === 'MemberExpression' &&
      isBatchMessages(mapped.callee.object, access);
  });
  return found;
}

function planBatch(
  property: TSESTree.Property,
  options: TSESTree.ObjectExpression,
  context: SiteContext,
  batchNames: readonly string[],
  names: readonly string[],
  optionsText: (reference: (name: string) => string) => string,
  note: string,
): SitePlan {
  const fn = property.value;
  if (property.shorthand || (fn.type !== 'ArrowFunctionExpression' && fn.type !== 'FunctionExpression')) {
    return left('eachBatch is defined elsewhere; move its per-record work into dedupeEachBatch(handler) by hand');
  }
  if (property.method || fn.generator)
    return left('eachBatch is written as a method; rewrite it as `eachBatch: async (…) => …` first');
  const handler = fn as HandlerFunction;
  const access = payloadAccess(handler);
  if (access.parameter !== undefined || access.opaque)
    return left(
      'the eachBatch payload is not destructured (`async ({ batch, … }) =>`), so its members cannot be followed',
    );
  if (handler.body.type !== 'BlockStatement')
    return left('eachBatch has an expression body, not a loop over batch.messages');
  const statements = handler.body.body.filter((statement) => statement.type !== 'EmptyStatement');
  const loop = statements[0];
  if (statements.length !== 1 || loop?.type !== 'ForOfStatement' || !isBatchMessages(loop.right, access)) {
    const writer = readBatchWriter(handler, access, context.source);
    if (writer !== undefined)
      return planWholeBatch(handler, access, writer, property, options, context, batchNames, optionsText, note);
    if (handsBatchToPromiseAll(handler, access)) {
      return left(
        'eachBatch hands the batch to `Promise.all(batch.messages.map(…))`: it handles the batch as a whole, its records at once; claim keys per record by hand with dedupeEachBatch',
      );
    }
    const loops = statements.filter(
      (statement) => statement.type === 'ForOfStatement' && isBatchMessages(statement.right, access),
    ).length;
    const shape =
      loops === 0
        ? 'has no `for (… of batch.messages)` loop at its top'
        : 'does more than one `for (… of batch.messages)` loop';
    return left(
      `eachBatch ${shape} (it handles the batch as a whole); claim keys per record by hand with dedupeEachBatch`,
    );
  }
  if (loop.await) return left('`for await` over batch.messages is not the per-record protocol');
  if (loop.left.type !== 'VariableDeclaration' || loop.left.declarations.length !== 1)
    return left('the loop variable is not declared in the loop');
  if (loop.body.type !== 'BlockStatement') return left('the loop body is not a block');
  const kept = loop.body.body.filter((statement) => protocolStatement(statement, access) === undefined);
  const dropped = loop.body.body.filter((statement) => protocolStatement(statement, access) !== undefined);
  const loopId = loop.left.declarations[0]!.id;
  // `resolveOffset(message.offset); continue;` inside the body (skip this record) is what the wrapper does after any
  // return; it goes too, but only when the loop also resolves every record at its end (else it is another protocol).
  const resolvesEveryRecord = dropped.some((statement) => protocolStatement(statement, access) === 'resolve-offset');
  const nestedResolves = resolvesEveryRecord
    ? kept.flatMap((statement) => resolvesOfRecord(statement, access, loopId))
    : [];
  const members = new Set<string>();
  let foreign: string | undefined;
  for (const statement of kept) {
    traverse(statement, (node) => {
      const member = payloadMemberOf(node, access);
      if (member === undefined) return;
      if (member === 'batch' || member === 'heartbeat' || member === 'pause') members.add(member);
      else if (!(
        member === 'resolveOffset' &&
        nestedResolves.some(
          (resolve) => resolve.expression.range[0] <= node.range[0] && node.range[1] <= resolve.expression.range[1],
        )
      )) {
        foreign ??= member;
      }
    });
  }
  if (foreign !== undefined)
    return left(`the loop body calls \`${foreign}\` itself, beyond the plain per-record protocol; convert it by hand`);
  const exits = kept
    .map((statement) => loopExits(statement))
    .reduce(
      (all, one) => ({
        continues: [...all.continues, ...one.continues],
        breaks: [...all.breaks, ...one.breaks],
        returns: [...all.returns, ...one.returns],
        labelled: all.labelled || one.labelled,
      }),
      loopExits({ type: 'EmptyStatement', range: [0, 0] } as TSESTree.EmptyStatement),
    );
  if (exits.labelled) return left('the loop body uses labelled break/continue');
  if (exits.breaks.length > 0)
    return left('the loop body breaks out of the batch early (a `break` other than the isRunning()/isStale() check)');
  if (exits.returns.length > 0) return left('the loop body returns from eachBatch (stops the whole batch)');

  const source = context.source;
  return {
    kind: 'rewrite',
    plan: {
      names,
      summary: `eachBatch loop moved into dedupeEachBatch (${note})`,
      edits: (reference) => {
        const params = [
          loopId.type === 'Identifier' && loopId.name === 'message'
            ? 'message'
            : `message: ${source.slice(...loopId.range)}`,
        ];
        for (const member of ['batch', 'heartbeat', 'pause']) {
          if (!members.has(member)) continue;
          const local = access.locals.get(member)!;
          params.push(local === member ? member : `${member}: ${local}`);
        }
        const body = rewrittenLoopBody(
          source,
          loop,
          [...dropped, ...nestedResolves],
          exits.continues,
          context.program,
          handler.body as TSESTree.BlockStatement,
        );
        return [
          wrappedHandlerEdit(fn, params, body, reference(WRAPPERS.eachBatch), optionsText(reference)),
          ...autoResolveEdits(options, property, source),
        ];
      },
    },
  };
}

/**
 * A handler that writes per batch becomes dedupeBatch's handler: the claimed records stand in for `batch.messages`,
 * the top-level protocol statements go (the wrapper resolves, heartbeats and commits after each chunk).
 */
function planWholeBatch(
  handler: HandlerFunction,
  access: PayloadAccess,
  writer: BatchWriter,
  property: TSESTree.Property,
  options: TSESTree.ObjectExpression,
  context: SiteContext,
  names: readonly string[],
  optionsText: (reference: (name: string) => string) => string,
  note: string,
): SitePlan {
  const body = handler.body as TSESTree.BlockStatement;
  const kept = body.body.filter((statement) => !writer.protocol.includes(statement));
  const members = new Set<string>();
  let foreign: string | undefined;
  let returns = false;
  let taken = false;
  for (const statement of kept) {
    traverse(statement, (node) => {
      const member = payloadMemberOf(node, access);
      if (member === 'heartbeat' || member === 'pause') members.add(member);
      else if (member === 'batch') {
        if (!writer.messages.some((messages) => messages.object === node)) members.add(member);
      } else if (member !== undefined) foreign ??= member;
      if (node.type === 'Identifier' && node.name === 'records') taken = true;
    });
    returns ||= loopExits(statement).returns.length > 0;
  }
  if (foreign !== undefined)
    return left(`eachBatch writes per batch but calls \`${foreign}\` itself; convert it to dedupeBatch by hand`);
  if (returns)
    return left(
      'eachBatch writes per batch but returns early: which records it applied is not clear; convert it to dedupeBatch by hand',
    );
  if (taken)
    return left('eachBatch writes per batch but already has a `records` binding; convert it to dedupeBatch by hand');
  const source = context.source;
  const fn = handler as TSESTree.ArrowFunctionExpression | TSESTree.FunctionExpression;
  return {
    kind: 'rewrite',
    plan: {
      names,
      summary: `eachBatch writes per batch (${writer.evidence}: ${writer.shown}): wrapped with dedupeBatch, one claim and one transaction per batch (${note})`,
      edits: (reference) => {
        const params = ['records'];
        for (const member of ['batch', 'heartbeat', 'pause']) {
          if (!members.has(member)) continue;
          const local = access.locals.get(member)!;
          params.push(local === member ? member : `${member}: ${local}`);
        }
        const inner: TextEdit[] = [
          ...writer.protocol.map((statement) =>
            wholeLines(source, statement.range[0], statement.range[1], body.range[0] + 1, body.range[1] - 1),
          ),
          ...writer.messages.map((messages) => ({
            start: messages.range[0],
            end: messages.range[1],
            text: 'records.map((record) => record.message)',
          })),
        ].sort((a, b) => b.start - a.start);
        let text = source.slice(...body.range);
        for (const edit of inner)
          text = text.slice(0, edit.start - body.range[0]) + edit.text + text.slice(edit.end - body.range[0]);
        return [
          wrappedHandlerEdit(fn, params, text, reference(BATCH_WRAPPER), optionsText(reference)),
          ...autoResolveEdits(options, property, source),
        ];
      },
    },
  };
}

/** `resolveOffset(<record>.offset);` statements anywhere under `root` (not in nested functions). */
function resolvesOfRecord(
  root: TSESTree.Node,
  access: PayloadAccess,
  loopId: TSESTree.Node,
): TSESTree.ExpressionStatement[] {
  const found: TSESTree.ExpressionStatement[] = [];
  if (loopId.type !== 'Identifier') return found;
  traverse(root, (node) => {
    if (node.type !== 'ExpressionStatement' || node.expression.type !== 'CallExpression') return;
    const call = node.expression;
    const [argument] = call.arguments;
    if (
      isPayloadMember(call.callee, access, 'resolveOffset') &&
      argument?.type === 'MemberExpression' &&
      argument.object.type === 'Identifier' &&
      argument.object.name === loopId.name &&
      argument.property.type === 'Identifier' &&
      argument.property.name === 'offset'
    ) {
      found.push(node);
    }
  });
  return found;
}

/** The loop body as the new handler's body: protocol statements gone, `continue` → `return`, one level less indent. */
function rewrittenLoopBody(
  source: string,
  loop: TSESTree.ForOfStatement,
  dropped: readonly TSESTree.Statement[],
  continues: readonly TSESTree.ContinueStatement[],
  program: TSESTree.Program,
  handlerBody: TSESTree.BlockStatement,
): string {
  const block = loop.body as TSESTree.BlockStatement;
  const innerStart = block.range[0] + 1;
  const innerEnd = block.range[1] - 1;
  const edits: TextEdit[] = [
    ...dropped.map((statement) => wholeLines(source, statement.range[0], statement.range[1], innerStart, innerEnd)),
    ...continues.map((statement) => ({
      start: statement.range[0],
      end: statement.range[0] + 'continue'.length,
      text: 'return',
    })),
  ].sort((a, b) => b.start - a.start);
  let inner = source.slice(innerStart, innerEnd);
  for (const edit of edits)
    inner = inner.slice(0, edit.start - innerStart) + edit.text + inner.slice(edit.end - innerStart);
  const loopIndent = indentAt(source, loop.range[0]);
  const firstStatement = block.body[0];
  const statementIndent = firstStatement ? indentAt(source, firstStatement.range[0]) : loopIndent;
  const extra = statementIndent.startsWith(loopIndent) ? statementIndent.slice(loopIndent.length) : '';
  const multilineTemplate = hasMultilineTemplate(block, source);
  if (extra !== '' && !multilineTemplate)
    inner = inner
      .split('\n')
      .map((line) =>
        line.startsWith(loopIndent + extra) ? loopIndent + line.slice(loopIndent.length + extra.length) : line,
      )
      .join('\n');
  // The loop's closing brace sat at the loop's indent; the handler's closes where the old handler body closed.
  inner = inner.replace(/\n[ \t]*$/, `\n${indentAt(source, handlerBody.range[1] - 1)}`);
  void program;
  return `{${inner}}`;
}

function hasMultilineTemplate(root: TSESTree.Node, source: string): boolean {
  let found = false;
  traverse(root, (node) => {
    if (node.type === 'TemplateLiteral' && source.slice(...node.range).includes('\n')) found = true;
  });
  return found;
}

/** The whitespace that starts the line `offset` is on. */
function indentAt(source: string, offset: number): string {
  const lineStart = source.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*/.exec(source.slice(lineStart))![0];
}

/** Removal of [start, end), widened to whole lines when nothing else is on them. */
function wholeLines(source: string, start: number, end: number, floor: number, ceiling: number): TextEdit {
  let from = start;
  while (from > floor && (source[from - 1] === ' ' || source[from - 1] === '\t')) from--;
  let to = end;
  while (to < ceiling && (source[to] === ' ' || source[to] === '\t')) to++;
  const ownLine =
    (from === floor || source[from - 1] === '\n') && (to === ceiling || source[to] === '\n' || source[to] === '\r');
  if (!ownLine) return { start, end, text: '' };
  if (source[to] === '\r') to++;
  if (source[to] === '\n' && to < ceiling) to++;
  return { start: from, end: to, text: '' };
}

/** `eachBatchAutoResolve: false` in the run options (the wrapper resolves offsets itself, and stops early). */
/** The handler replaced by `wrapper(async ({ params }) body, options)`, in the function form it was written in. */
function wrappedHandlerEdit(
  fn: TSESTree.ArrowFunctionExpression | TSESTree.FunctionExpression,
  params: readonly string[],
  body: string,
  wrapper: string,
  options: string,
): TextEdit {
  const head =
    fn.type === 'FunctionExpression'
      ? `async function ({ ${params.join(', ')} }) `
      : `async ({ ${params.join(', ')} }) => `;
  return { start: fn.range[0], end: fn.range[1], text: `${wrapper}(${head}${body}, ${options})` };
}

function autoResolveEdits(options: TSESTree.ObjectExpression, handler: TSESTree.Property, source: string): TextEdit[] {
  const existing = options.properties.find(
    (property): property is TSESTree.Property =>
      property.type === 'Property' && propertyKeyName(property) === 'eachBatchAutoResolve',
  );
  if (existing) {
    if (existing.value.type === 'Literal' && existing.value.value === false) return [];
    return [{ start: existing.value.range[0], end: existing.value.range[1], text: 'false' }];
  }
  const indent = indentAt(source, handler.range[0]);
  const startsLine = /^[ \t]*$/.test(
    source.slice(source.lastIndexOf('\n', handler.range[0] - 1) + 1, handler.range[0]),
  );
  const eol = source.includes('\r\n') ? '\r\n' : '\n';
  return [
    {
      start: handler.range[0],
      end: handler.range[0],
      text: startsLine ? `eachBatchAutoResolve: false,${eol}${indent}` : 'eachBatchAutoResolve: false, ',
    },
  ];
}
