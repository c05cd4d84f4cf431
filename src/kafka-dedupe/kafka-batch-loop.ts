/**
 * Reading a kafkajs `eachBatch` handler: which payload members it uses (destructured `({ batch, resolveOffset })`
 * or through a parameter `payload.batch`), the loops over `batch.messages`, and the statements of kafkajs' per-record
 * protocol inside them (stop check, resolveOffset, heartbeat, commitOffsetsIfNecessary). Shared by the
 * `kafka-dedupe` codemod (which moves the loop body into a per-record handler) and the `kafka-batch-protocol` rule.
 */
import type { TSESTree } from '@typescript-eslint/typescript-estree';
import { propertyKeyName } from '../core/bindings.js';
import { forEachChild, traverse } from '../core/traverse.js';

export type HandlerFunction =
  TSESTree.ArrowFunctionExpression | TSESTree.FunctionExpression | TSESTree.FunctionDeclaration;

export const PROTOCOL_MEMBERS = [
  'resolveOffset',
  'heartbeat',
  'commitOffsetsIfNecessary',
  'isRunning',
  'isStale',
  'uncommittedOffsets',
  'pause',
  'batch',
] as const;

/** How the handler reaches the payload's members. */
export interface PayloadAccess {
  /** Destructured members by payload name → local name (`{ batch: b }` → batch → b). */
  readonly locals: ReadonlyMap<string, string>;
  /** The parameter's name when the payload is not destructured (`async (payload) => …`). */
  readonly parameter?: string;
  /** A rest element or default values: members cannot all be named. */
  readonly opaque: boolean;
}

export function payloadAccess(handler: HandlerFunction): PayloadAccess {
  const [first] = handler.params;
  if (first === undefined) return { locals: new Map(), opaque: false };
  if (first.type === 'Identifier') return { locals: new Map(), parameter: first.name, opaque: false };
  if (first.type !== 'ObjectPattern') return { locals: new Map(), opaque: true };
  const locals = new Map<string, string>();
  let opaque = false;
  for (const property of first.properties) {
    if (property.type !== 'Property' || property.computed) {
      opaque = true;
      continue;
    }
    const name = propertyKeyName(property);
    if (name !== undefined && property.value.type === 'Identifier') locals.set(name, property.value.name);
    else opaque = true;
  }
  return { locals, opaque };
}

/** Whether `node` is the payload member `member` (`resolveOffset` destructured, or `payload.resolveOffset`). */
export function isPayloadMember(node: TSESTree.Node, access: PayloadAccess, member: string): boolean {
  if (node.type === 'Identifier') return access.locals.get(member) === node.name;
  return (
    node.type === 'MemberExpression' &&
    !node.computed &&
    node.object.type === 'Identifier' &&
    node.object.name === access.parameter &&
    node.property.type === 'Identifier' &&
    node.property.name === member
  );
}

/** The payload member a node names, if any. */
export function payloadMemberOf(node: TSESTree.Node, access: PayloadAccess): string | undefined {
  return PROTOCOL_MEMBERS.find((member) => isPayloadMember(node, access, member));
}

/** `batch.messages` (or `payload.batch.messages`). */
export function isBatchMessages(node: TSESTree.Node, access: PayloadAccess): boolean {
  return (
    node.type === 'MemberExpression' &&
    !node.computed &&
    node.property.type === 'Identifier' &&
    node.property.name === 'messages' &&
    isPayloadMember(node.object, access, 'batch')
  );
}

/** Loops over the batch's records: `for (… of batch.messages)` and `for (…; i < batch.messages.length; …)`. */
export function findMessageLoops(
  handler: HandlerFunction,
  access: PayloadAccess,
): (TSESTree.ForOfStatement | TSESTree.ForStatement)[] {
  const loops: (TSESTree.ForOfStatement | TSESTree.ForStatement)[] = [];
  traverse(handler.body, (node) => {
    if (node.type === 'ForOfStatement' && isBatchMessages(node.right, access)) loops.push(node);
    if (node.type === 'ForStatement' && node.test && mentions(node.test, (inner) => isBatchMessages(inner, access)))
      loops.push(node);
  });
  return loops;
}

/** Whether any node under `root` satisfies `test` (functions nested inside included). */
export function mentions(root: TSESTree.Node, test: (node: TSESTree.Node) => boolean): boolean {
  let found = false;
  traverse(root, (node) => {
    if (!found && test(node)) found = true;
  });
  return found;
}

/** Whether `root` calls payload member `member` (`isRunning()`, `payload.isStale()`). */
export function callsMember(root: TSESTree.Node, access: PayloadAccess, member: string): boolean {
  return mentions(root, (node) => node.type === 'CallExpression' && isPayloadMember(node.callee, access, member));
}

export type ProtocolStatement = 'stop-check' | 'resolve-offset' | 'heartbeat' | 'commit';

/**
 * Classifies one statement of a loop body as part of kafkajs' per-record protocol:
 *   if (!isRunning() || isStale()) break;     stop-check
 *   resolveOffset(message.offset);            resolve-offset
 *   await heartbeat();                        heartbeat
 *   await commitOffsetsIfNecessary();         commit
 */
export function protocolStatement(statement: TSESTree.Statement, access: PayloadAccess): ProtocolStatement | undefined {
  if (
    statement.type === 'IfStatement' &&
    statement.alternate === null &&
    isBreak(statement.consequent) &&
    onlyStopCalls(statement.test, access)
  ) {
    return 'stop-check';
  }
  if (statement.type !== 'ExpressionStatement') return undefined;
  const expression =
    statement.expression.type === 'AwaitExpression' ? statement.expression.argument : statement.expression;
  if (expression.type !== 'CallExpression') return undefined;
  if (isPayloadMember(expression.callee, access, 'resolveOffset') && expression.arguments.length === 1)
    return 'resolve-offset';
  if (isPayloadMember(expression.callee, access, 'heartbeat') && expression.arguments.length === 0) return 'heartbeat';
  if (isPayloadMember(expression.callee, access, 'commitOffsetsIfNecessary') && expression.arguments.length === 0)
    return 'commit';
  return undefined;
}

function isBreak(statement: TSESTree.Statement): boolean {
  if (statement.type === 'BreakStatement') return statement.label === null;
  return statement.type === 'BlockStatement' && statement.body.length === 1 && isBreak(statement.body[0]!);
}

/** A test made only of `isRunning()` / `isStale()` calls, `!`, `||`, `&&`. */
export function onlyStopCalls(test: TSESTree.Expression, access: PayloadAccess): boolean {
  switch (test.type) {
    case 'UnaryExpression':
      return test.operator === '!' && onlyStopCalls(test.argument, access);
    case 'LogicalExpression':
      return onlyStopCalls(test.left, access) && onlyStopCalls(test.right, access);
    case 'CallExpression':
      return (
        test.arguments.length === 0 &&
        (isPayloadMember(test.callee, access, 'isRunning') || isPayloadMember(test.callee, access, 'isStale'))
      );
    default:
      return false;
  }
}

/**
 * `continue`, `break` and `return` statements in a loop body that leave the loop's own iteration (not those inside a
 * nested loop, switch or function).
 */
export function loopExits(body: TSESTree.Statement): {
  continues: TSESTree.ContinueStatement[];
  breaks: TSESTree.BreakStatement[];
  returns: TSESTree.ReturnStatement[];
  labelled: boolean;
} {
  const result = {
    continues: [] as TSESTree.ContinueStatement[],
    breaks: [] as TSESTree.BreakStatement[],
    returns: [] as TSESTree.ReturnStatement[],
    labelled: false,
  };
  const visit = (node: TSESTree.Node, inLoop: boolean, inSwitch: boolean): void => {
    switch (node.type) {
      case 'FunctionDeclaration':
      case 'FunctionExpression':
      case 'ArrowFunctionExpression':
        return;
      case 'ContinueStatement':
        if (node.label) result.labelled = true;
        else if (!inLoop) result.continues.push(node);
        return;
      case 'BreakStatement':
        if (node.label) result.labelled = true;
        else if (!inLoop && !inSwitch) result.breaks.push(node);
        return;
      case 'ReturnStatement':
        result.returns.push(node);
        return;
      default:
        break;
    }
    const loop = inLoop || /^(For|ForIn|ForOf|While|DoWhile)Statement$/.test(node.type);
    const inner = inSwitch || node.type === 'SwitchStatement';
    forEachChild(node, (child) => visit(child, loop, inner));
  };
  visit(body, false, false);
  return result;
}
