/**
 * `quickwins/kafka-batch-protocol`: kafkajs `eachBatch` handlers that break the per-record protocol:
 *   - `eachBatchAutoResolve: false` with a handler that never calls `resolveOffset`: nothing is ever marked processed,
 *     so every rebalance or restart redelivers the whole batch (and the partition never advances);
 *   - a loop over `batch.messages` that never asks `isRunning()` / `isStale()`: after a rebalance it keeps processing
 *     records another member is already given, and on shutdown it runs to the end of the batch.
 * Handlers are the `eachBatch` property of an object (`consumer.run({ eachBatch })`) and functions whose first
 * parameter is typed kafkajs' `EachBatchPayload`. The batch-loop reading is shared with the `kafka-dedupe` codemod
 * (src/kafka-dedupe/kafka-batch-loop.ts). Report-only: the fix needs a decision the rule cannot make.
 */
import type { TSESTree } from '@typescript-eslint/utils';
import { propertyKeyName } from '../../src/core/bindings.js';
import {
  callsMember,
  findMessageLoops,
  mentions,
  payloadAccess,
  isPayloadMember,
  type HandlerFunction,
} from '../../src/kafka-dedupe/kafka-batch-loop.js';
import { createRule } from '../util/create-rule.js';

export interface KafkaBatchProtocolOptions {
  /** Report `eachBatchAutoResolve: false` with a handler that never calls resolveOffset. */
  readonly checkResolveOffset?: boolean;
  /** Report loops over batch.messages that never call isRunning() / isStale(). */
  readonly checkStopChecks?: boolean;
}

type MessageIds = 'noResolveOffset' | 'noStopCheck';

type Fn = TSESTree.ArrowFunctionExpression | TSESTree.FunctionExpression | TSESTree.FunctionDeclaration;

export default createRule<[KafkaBatchProtocolOptions], MessageIds>({
  name: 'kafka-batch-protocol',
  meta: {
    type: 'problem',
    docs: {
      description:
        'Require kafkajs eachBatch handlers to resolve offsets when auto-resolve is off, and batch loops to stop on isRunning()/isStale()',
      recommended: true,
      requiresTypeChecking: false,
    },
    schema: [
      {
        type: 'object',
        properties: {
          checkResolveOffset: {
            type: 'boolean',
            description:
              'Report `eachBatchAutoResolve: false` with an eachBatch that never calls resolveOffset (default true).',
          },
          checkStopChecks: {
            type: 'boolean',
            description: 'Report loops over batch.messages without isRunning()/isStale() (default true).',
          },
        },
        additionalProperties: false,
      },
    ],
    messages: {
      noResolveOffset:
        '`eachBatchAutoResolve: false`, but this eachBatch never calls `resolveOffset`: no record is ever marked processed, so every ' +
        'rebalance or restart redelivers the whole batch. Call `resolveOffset(message.offset)` after each record (or use dedupeEachBatch).',
      noStopCheck:
        'This loop over `batch.messages` never checks `isRunning()` / `isStale()`: after a rebalance it keeps processing records that ' +
        'now belong to another member, and on shutdown it runs to the end of the batch. Start each iteration with ' +
        '`if (!isRunning() || isStale()) break;`.',
    },
    defaultOptions: [{ checkResolveOffset: true, checkStopChecks: true }],
  },
  create(context, [options]) {
    const text = context.sourceCode.text;
    if (!text.includes('eachBatch') && !text.includes('EachBatchPayload')) return {};
    const checked = new Set<Fn>();

    const checkLoops = (handler: Fn): void => {
      if (options.checkStopChecks === false || checked.has(handler)) return;
      checked.add(handler);
      const access = payloadAccess(handler as HandlerFunction);
      for (const loop of findMessageLoops(handler as HandlerFunction, access)) {
        // `isRunning` / `isStale` may also be passed on to a helper that checks them: any mention inside the loop counts.
        const stops = ['isRunning', 'isStale'].some(
          (member) =>
            callsMember(loop, access, member) || mentions(loop, (node) => isPayloadMember(node, access, member)),
        );
        if (!stops) context.report({ node: loop, messageId: 'noStopCheck' });
      }
    };

    return {
      Property(property: TSESTree.Property): void {
        if (propertyKeyName(property) !== 'eachBatch') return;
        const handler = functionOf(property.value);
        if (handler === undefined) return;
        checkLoops(handler);
        if (options.checkResolveOffset === false || property.parent.type !== 'ObjectExpression') return;
        const autoResolve = property.parent.properties.find(
          (candidate): candidate is TSESTree.Property =>
            candidate.type === 'Property' && propertyKeyName(candidate) === 'eachBatchAutoResolve',
        );
        if (autoResolve?.value.type !== 'Literal' || autoResolve.value.value !== false) return;
        const access = payloadAccess(handler as HandlerFunction);
        // A payload handed on whole (`eachBatch: (payload) => this.handle(payload)`) may be resolved elsewhere.
        if (access.opaque || (access.parameter !== undefined && handsOnPayload(handler, access.parameter))) return;
        if (!mentions(handler.body, (node) => isPayloadMember(node, access, 'resolveOffset')))
          context.report({ node: autoResolve, messageId: 'noResolveOffset' });
      },
      'FunctionDeclaration, FunctionExpression, ArrowFunctionExpression'(fn: Fn): void {
        const [first] = fn.params;
        const annotation = first && 'typeAnnotation' in first ? first.typeAnnotation?.typeAnnotation : undefined;
        if (
          annotation?.type === 'TSTypeReference' &&
          annotation.typeName.type === 'Identifier' &&
          annotation.typeName.name === 'EachBatchPayload'
        )
          checkLoops(fn);
      },
    };
  },
});

function functionOf(value: TSESTree.Node): Fn | undefined {
  return value.type === 'ArrowFunctionExpression' || value.type === 'FunctionExpression' ? value : undefined;
}

/** Whether the payload parameter itself is passed as an argument somewhere (resolution may happen there). */
function handsOnPayload(handler: Fn, parameter: string): boolean {
  return mentions(
    handler.body,
    (node) =>
      node.type === 'CallExpression' &&
      node.arguments.some((argument) => argument.type === 'Identifier' && argument.name === parameter),
  );
}
