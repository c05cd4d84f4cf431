/**
 * Reading an `eachBatch` handler that already writes per batch, the evidence the `kafka-dedupe` codemod needs before
 * it writes the batch mode (`dedupeBatch`) instead of the per-record one:
 *   - one transaction opened for the batch: `…query('BEGIN')` / `'START TRANSACTION'`, or a `.transaction(fn)` /
 *     `.$transaction(fn)` call, outside any loop of the handler (inside a loop it is a transaction per record);
 *   - one call handed the whole batch: `insertMany(batch.messages.map(…))`, `copyRows(batch.messages)`, every
 *     mention of `batch.messages` being such an argument (`Promise.all(batch.messages.map(…))` is a write per record).
 * The statements of kafkajs' protocol at the handler's top level (resolveOffset, heartbeat, commitOffsetsIfNecessary,
 * a resolve loop over batch.messages, an `if (!isRunning() || isStale()) return;`) are listed so they can go.
 */
import type { TSESTree } from '@typescript-eslint/typescript-estree';
import {
  isBatchMessages,
  onlyStopCalls,
  protocolStatement,
  type HandlerFunction,
  type PayloadAccess,
} from './kafka-batch-loop.js';
import { forEachChild, traverse } from '../core/traverse.js';

export type BatchWriteEvidence = 'transaction' | 'bulk call';

export interface BatchWriter {
  readonly evidence: BatchWriteEvidence;
  /** What the evidence is, as written (`client.query('BEGIN')`, `db.insertMany(…)`). */
  readonly shown: string;
  /** Top-level statements of kafkajs' protocol, which the wrapper does per chunk. */
  readonly protocol: readonly TSESTree.Statement[];
  /** Every `batch.messages` outside those statements: the claimed records take their place. */
  readonly messages: readonly TSESTree.MemberExpression[];
}

const BEGIN = /^\s*(?:BEGIN|START\s+TRANSACTION)\b/i;
const CONCURRENT = new Set(['all', 'allSettled', 'race', 'any']);
const ARRAY_STEPS = new Set(['map', 'filter', 'flatMap', 'slice']);

/** The handler's per-batch write, or undefined when the code shows none. */
export function readBatchWriter(
  handler: HandlerFunction,
  access: PayloadAccess,
  source: string,
): BatchWriter | undefined {
  if (handler.body.type !== 'BlockStatement') return undefined;
  const protocol = handler.body.body.filter((statement) => isTopLevelProtocol(statement, access));
  const kept = handler.body.body.filter((statement) => !protocol.includes(statement));
  const messages: TSESTree.MemberExpression[] = [];
  for (const statement of kept) {
    traverse(statement, (node) => {
      if (node.type === 'MemberExpression' && isBatchMessages(node, access)) messages.push(node);
    });
  }
  if (messages.length === 0) return undefined;
  const transaction = kept.map((statement) => batchTransaction(statement)).find((call) => call !== undefined);
  if (transaction !== undefined)
    return { evidence: 'transaction', shown: shortText(source, transaction), protocol, messages };
  const bulkCalls = kept.flatMap((statement) => bulkCallsIn(statement, access));
  const inBulkCall = (node: TSESTree.Node): boolean =>
    bulkCalls.some((call) => call.range[0] <= node.range[0] && node.range[1] <= call.range[1]);
  if (bulkCalls.length > 0 && messages.every(inBulkCall))
    return { evidence: 'bulk call', shown: shortText(source, bulkCalls[0]!), protocol, messages };
  return undefined;
}

function shortText(source: string, node: TSESTree.CallExpression): string {
  const callee = source.slice(...node.callee.range);
  const [first] = node.arguments;
  return first?.type === 'Literal' && typeof first.value === 'string'
    ? `${callee}(${source.slice(...first.range)})`
    : `${callee}(…)`;
}

/** resolveOffset / heartbeat / commitOffsetsIfNecessary, a loop that only resolves, a stop check that returns. */
function isTopLevelProtocol(statement: TSESTree.Statement, access: PayloadAccess): boolean {
  const kind = protocolStatement(statement, access);
  if (kind === 'resolve-offset' || kind === 'heartbeat' || kind === 'commit') return true;
  if (statement.type === 'ForOfStatement' && isBatchMessages(statement.right, access)) {
    const body = statement.body.type === 'BlockStatement' ? statement.body.body : [statement.body];
    return body.length > 0 && body.every((inner) => protocolStatement(inner, access) !== undefined);
  }
  if (statement.type === 'IfStatement' && statement.alternate === null) {
    const consequent =
      statement.consequent.type === 'BlockStatement' && statement.consequent.body.length === 1
        ? statement.consequent.body[0]!
        : statement.consequent;
    return (
      consequent.type === 'ReturnStatement' && consequent.argument === null && onlyStopCalls(statement.test, access)
    );
  }
  return false;
}

/** A BEGIN query or a `.transaction(fn)` call under `root`, not inside a loop or a nested function. */
function batchTransaction(root: TSESTree.Node): TSESTree.CallExpression | undefined {
  let found: TSESTree.CallExpression | undefined;
  const visit = (node: TSESTree.Node): void => {
    if (found !== undefined) return;
    if (/^(For|ForIn|ForOf|While|DoWhile)Statement$/.test(node.type) || /Function/.test(node.type)) return;
    if (node.type === 'CallExpression' && opensTransaction(node)) {
      found = node;
      return;
    }
    forEachChild(node, (child) => visit(child));
  };
  visit(root);
  return found;
}

function opensTransaction(call: TSESTree.CallExpression): boolean {
  const name = calleeName(call);
  const [first] = call.arguments;
  if (first?.type === 'Literal' && typeof first.value === 'string' && BEGIN.test(first.value)) return true;
  if (
    first?.type === 'TemplateLiteral' &&
    first.expressions.length === 0 &&
    BEGIN.test(first.quasis[0]!.value.cooked ?? '')
  )
    return true;
  return (
    (name === 'transaction' || name === '$transaction') &&
    (first?.type === 'ArrowFunctionExpression' || first?.type === 'FunctionExpression')
  );
}

function calleeName(call: TSESTree.CallExpression): string | undefined {
  const callee = call.callee;
  if (callee.type === 'Identifier') return callee.name;
  if (callee.type === 'MemberExpression' && !callee.computed && callee.property.type === 'Identifier')
    return callee.property.name;
  return undefined;
}

/** Awaited calls (outside loops and nested functions) with the whole batch as an argument. */
function bulkCallsIn(root: TSESTree.Node, access: PayloadAccess): TSESTree.CallExpression[] {
  const calls: TSESTree.CallExpression[] = [];
  const visit = (node: TSESTree.Node): void => {
    if (/^(For|ForIn|ForOf|While|DoWhile)Statement$/.test(node.type) || /Function/.test(node.type)) return;
    if (
      node.type === 'AwaitExpression' &&
      node.argument.type === 'CallExpression' &&
      takesWholeBatch(node.argument, access)
    ) {
      calls.push(node.argument);
      return;
    }
    forEachChild(node, (child) => visit(child));
  };
  visit(root);
  return calls;
}

function takesWholeBatch(call: TSESTree.CallExpression, access: PayloadAccess): boolean {
  const callee = call.callee;
  if (
    callee.type === 'MemberExpression' &&
    callee.object.type === 'Identifier' &&
    callee.object.name === 'Promise' &&
    CONCURRENT.has(calleeName(call) ?? '')
  )
    return false;
  return call.arguments.some((argument) => wholeBatch(argument, access));
}

/** `batch.messages`, or it through map/filter/flatMap/slice steps. */
function wholeBatch(node: TSESTree.Node, access: PayloadAccess): boolean {
  if (isBatchMessages(node, access)) return true;
  return (
    node.type === 'CallExpression' &&
    node.callee.type === 'MemberExpression' &&
    !node.callee.computed &&
    node.callee.property.type === 'Identifier' &&
    ARRAY_STEPS.has(node.callee.property.name) &&
    wholeBatch(node.callee.object, access)
  );
}
