/**
 * `useOperationLog(options)`: the operation line as an envelop plugin (GraphQL Yoga, envelop-based servers). Phases are
 * timed from envelop's own parse / validate / execute hooks. `cache` is `hit` when the parse step handed back a
 * document object it had handed back before (Yoga's parser cache returns the same object for the same source), else
 * `miss`. The envelop types are written out structurally so the runtime needs no @envelop/core.
 */
import type { DocumentNode, ExecutionArgs, GraphQLError, OperationTypeNode } from 'graphql';
import { sha256Hex } from './cache.js';
import {
  operationOf,
  validateLogOptions,
  writeOperationLine,
  type OperationLogOptions,
  type OperationRecord,
} from './operation-log.js';

interface OperationState {
  source: string | undefined;
  document: DocumentNode | undefined;
  cache: 'hit' | 'miss' | 'unknown';
  parseMs: number;
  validateMs: number;
  start: number;
  errors: readonly GraphQLError[];
  failedAt: OperationRecord['failedAt'];
}

type Context = Record<string, unknown>;

/** The slice of envelop's Plugin this plugin implements. */
export interface OperationLogEnvelopPlugin {
  onParse(payload: {
    context: Context;
    params: { source: string | { body: string } };
  }): (done: { result: unknown; context: Context }) => void;
  onValidate(payload: {
    context: Context;
    params: { documentAST: DocumentNode };
  }): (done: { valid: boolean; result: readonly GraphQLError[]; context: Context }) => void;
  onExecute(payload: { args: ExecutionArgs }): { onExecuteDone(done: { result: unknown; args: ExecutionArgs }): void };
}

export function useOperationLog(options: OperationLogOptions = {}): OperationLogEnvelopPlugin {
  validateLogOptions(options, 'useOperationLog');
  const seenDocuments = new WeakSet<DocumentNode>();
  const hashes = new WeakMap<DocumentNode, string>();
  // Per request: envelop hands the same context object to parse, validate and (as contextValue) to execute.
  const states = new WeakMap<object, OperationState>();
  const stateOf = (context: object): OperationState => {
    let state = states.get(context);
    if (state === undefined) {
      state = {
        source: undefined,
        document: undefined,
        cache: 'unknown',
        parseMs: 0,
        validateMs: 0,
        start: performance.now(),
        errors: [],
        failedAt: undefined,
      };
      states.set(context, state);
    }
    return state;
  };
  const hashOf = (state: OperationState): string | undefined => {
    if (state.document !== undefined) {
      let hash = hashes.get(state.document);
      if (hash === undefined && state.source !== undefined) {
        hash = sha256Hex(state.source);
        hashes.set(state.document, hash);
      }
      return hash;
    }
    return state.source === undefined ? undefined : sha256Hex(state.source);
  };
  const write = (
    state: OperationState,
    contextValue: unknown,
    args: { operationName?: string | null; variableValues?: Record<string, unknown> | null },
    executeMs: number,
  ): void => {
    const operation = operationOf(state.document, args.operationName);
    writeOperationLine(options, {
      operationName: operation.name,
      operationType: operation.type as OperationTypeNode | undefined,
      documentHash: hashOf(state),
      cache: state.cache,
      parseMs: state.parseMs,
      validateMs: state.validateMs,
      executeMs,
      totalMs: performance.now() - state.start,
      errors: state.errors,
      failedAt: state.failedAt,
      variables: args.variableValues,
      contextValue,
    });
  };
  return {
    onParse({ context, params }) {
      const state = stateOf(context);
      state.source = typeof params.source === 'string' ? params.source : params.source.body;
      const start = performance.now();
      return ({ result }) => {
        state.parseMs = performance.now() - start;
        if (result instanceof Error) {
          state.errors = [result as GraphQLError];
          state.failedAt = 'parse';
          write(state, context, {}, 0);
          return;
        }
        const document = result as DocumentNode;
        state.document = document;
        state.cache = seenDocuments.has(document) ? 'hit' : 'miss';
        seenDocuments.add(document);
      };
    },
    onValidate({ context }) {
      const state = stateOf(context);
      const start = performance.now();
      return ({ valid, result }) => {
        state.validateMs = performance.now() - start;
        if (!valid) {
          state.errors = result;
          state.failedAt = 'validate';
          write(state, context, {}, 0);
        }
      };
    },
    onExecute({ args }) {
      const context = (args.contextValue ?? {}) as object;
      const state = stateOf(context);
      if (state.document === undefined) state.document = args.document;
      const start = performance.now();
      return {
        onExecuteDone({ result }) {
          const executeMs = performance.now() - start;
          const errors = (result as { errors?: readonly GraphQLError[] } | null)?.errors;
          state.errors = errors ?? [];
          state.failedAt = 'execute';
          write(state, args.contextValue, args, executeMs);
          states.delete(context);
        },
      };
    },
  };
}
