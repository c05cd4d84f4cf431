/**
 * `cachedGraphql(args)`: `graphql(args)` with parse and validate from the document cache. Same steps, same order, same
 * answers as graphql-js (16/17): schema validation errors, then `{ errors: [syntaxError] }`, then the validation
 * errors, then `execute`. Sources that are not strings (a `Source` object) go to graphql-js's own `graphql()`.
 *
 * `cachedParse` / `cachedValidate`: drop-ins for `parse(source)` / `validate(schema, document)` in code that runs the
 * three phases itself (`execute({ schema, document: parse(body.query) })`).
 */
import {
  execute,
  graphql,
  specifiedRules,
  validateSchema,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLArgs,
  type GraphQLError,
  type GraphQLSchema,
  type ValidationRule,
} from 'graphql';
import { defaultDocumentCache, type CachedDocument, type DocumentCache } from './cache.js';
import {
  operationOf,
  validateLogOptions,
  writeOperationLine,
  type OperationLogOptions,
  type OperationRecord,
} from './operation-log.js';

export interface CachedGraphqlOptions {
  /** Default: the process-wide cache (defaultDocumentCache()). */
  readonly cache?: DocumentCache;
  /** Validation rules; default graphql-js's specifiedRules (what `graphql()` uses). Build the array once and reuse it. */
  readonly rules?: readonly ValidationRule[];
  /** One JSON line per operation; `false` turns it off. Default on, with the auth lines' logger. */
  readonly log?: OperationLogOptions | false;
  /** Called with the document once it validated (APQ registers the hash here). */
  readonly onValidated?: (entry: CachedDocument, source: string) => void;
}

const NO_OPTIONS: CachedGraphqlOptions = {};

function settle(
  result: ExecutionResult | Promise<ExecutionResult>,
  done: (result: ExecutionResult) => void,
): Promise<ExecutionResult> {
  if (!(result instanceof Promise)) {
    done(result);
    return Promise.resolve(result);
  }
  return result.then((value) => {
    done(value);
    return value;
  });
}

function baseRecord(args: GraphQLArgs): OperationRecord {
  return {
    operationName: args.operationName ?? undefined,
    operationType: undefined,
    documentHash: undefined,
    cache: 'unknown',
    parseMs: 0,
    validateMs: 0,
    executeMs: 0,
    totalMs: 0,
    errors: [],
    failedAt: undefined,
    variables: args.variableValues,
    contextValue: args.contextValue,
  };
}

/** graphql(args) through the document cache. Resolves like graphql() does (never rejects for a GraphQL error). */
export function cachedGraphql(args: GraphQLArgs, options: CachedGraphqlOptions = NO_OPTIONS): Promise<ExecutionResult> {
  return new Promise<ExecutionResult>((resolve) => resolve(run(args, options)));
}

function run(args: GraphQLArgs, options: CachedGraphqlOptions): ExecutionResult | Promise<ExecutionResult> {
  const start = performance.now();
  const log = options.log;
  if (log !== false) validateLogOptions(log, 'cachedGraphql');
  const record = log === false ? undefined : baseRecord(args);
  const finish = (result: ExecutionResult): void => {
    if (record === undefined || log === false) return;
    record.totalMs = performance.now() - start;
    record.errors = result.errors ?? [];
    writeOperationLine(log ?? {}, record);
  };

  if (typeof args.source !== 'string') {
    if (record) record.cache = 'bypass';
    return settle(graphql(args), finish);
  }
  const schemaErrors = validateSchema(args.schema);
  if (schemaErrors.length > 0) {
    if (record) record.failedAt = 'request';
    return settle({ errors: schemaErrors }, finish);
  }
  const cache = options.cache ?? defaultDocumentCache();
  let lookup;
  try {
    lookup = cache.lookup(args.schema, args.source, options.rules ?? specifiedRules);
  } catch (error) {
    // graphql() answers anything parse throws as a result error; so do we
    if (record) record.failedAt = 'parse';
    return settle({ errors: [error as GraphQLError] }, finish);
  }
  if (record) {
    record.cache = lookup.cache;
    record.parseMs = lookup.parseMs;
    record.validateMs = lookup.validateMs;
  }
  if (!lookup.ok) {
    if (record) {
      record.documentHash = lookup.hash;
      record.failedAt = lookup.document === undefined ? 'parse' : 'validate';
      const operation = operationOf(lookup.document, args.operationName);
      record.operationName = operation.name;
      record.operationType = operation.type;
    }
    return settle({ errors: lookup.errors }, finish);
  }
  options.onValidated?.(lookup.entry, args.source);
  return executeDocument(args, lookup.entry.document, record, lookup.entry.hash, finish);
}

function executeDocument(
  args: GraphQLArgs,
  document: DocumentNode,
  record: OperationRecord | undefined,
  hash: string,
  finish: (result: ExecutionResult) => void,
): ExecutionResult | Promise<ExecutionResult> {
  if (record) {
    record.documentHash = hash;
    const operation = operationOf(document, args.operationName);
    record.operationName = operation.name;
    record.operationType = operation.type;
    record.failedAt = 'execute';
  }
  const executeStart = performance.now();
  const result = execute({
    schema: args.schema,
    document,
    rootValue: args.rootValue,
    contextValue: args.contextValue,
    variableValues: args.variableValues,
    operationName: args.operationName,
    fieldResolver: args.fieldResolver,
    typeResolver: args.typeResolver,
  });
  const timed = (value: ExecutionResult): void => {
    if (record) record.executeMs = performance.now() - executeStart;
    finish(value);
  };
  return settle(result, timed);
}

/** `parse(source)` from the default (or given) cache; throws the same syntax error parse would. */
export function cachedParse(source: string, cache: DocumentCache = defaultDocumentCache()): DocumentNode {
  return cache.parse(source);
}

/** `validate(schema, document, rules)` remembered per document, schema and rule set. */
export function cachedValidate(
  schema: GraphQLSchema,
  document: DocumentNode,
  rules: readonly ValidationRule[] = specifiedRules,
  cache: DocumentCache = defaultDocumentCache(),
): readonly GraphQLError[] {
  return cache.validate(schema, document, rules);
}
