/**
 * One JSON line per GraphQL operation, on the logger the auth lines use: the `logger` option, else the logger given to
 * configureAuthLogging (shared across the runtime's bundles), else the runtime's default pino logger.
 *
 *   { event: 'graphql.operation', operation_name, operation_type, document_hash, cache,
 *     elapsed_ms: { total, parse, validate, execute }, error_count, error_codes, request_id, trace_id, variables? }
 *
 * Variables are user data (passwords in a login mutation, tokens, addresses): none is logged unless its name is in
 * `logVariables`, and only top-level names are matched. The document itself is never logged: its hash identifies it
 * (the same SHA-256 the persisted-query protocol uses), so a line can be matched to the query in a client's registry.
 */
import type { DocumentNode, GraphQLError, OperationTypeNode } from 'graphql';
import { globalAuthLogger } from '../auth/config.js';
import { correlationOf, requestIdOf, type Correlation } from '../auth/context.js';
import { createDefaultAuthLogger } from '../auth/logger.js';
import type { AuthLogger } from '../auth/types.js';
import type { LookupResult } from './metrics.js';

export type OperationLogger = AuthLogger;

export interface OperationLogOptions {
  /** Where lines go; default: configureAuthLogging's logger, else the runtime's default pino logger. */
  readonly logger?: OperationLogger;
  /** Variable names whose values may be logged (top level only). Default: none. */
  readonly logVariables?: readonly string[];
  /** request_id / trace_id for an operation; default: read from the context's request headers (see correlationOfContext). */
  readonly correlation?: (contextValue: unknown) => Correlation;
  /** The line's `event` field. Default 'graphql.operation'. */
  readonly event?: string;
}

export interface OperationRecord {
  operationName: string | undefined;
  operationType: OperationTypeNode | undefined;
  documentHash: string | undefined;
  cache: LookupResult | 'unknown';
  parseMs: number;
  validateMs: number;
  executeMs: number;
  totalMs: number;
  errors: readonly Pick<GraphQLError, 'extensions'>[];
  /** Which phase the errors come from when no error carries a code of its own. */
  failedAt: 'parse' | 'validate' | 'execute' | 'request' | undefined;
  variables: Readonly<Record<string, unknown>> | null | undefined;
  contextValue: unknown;
}

let fallbackLogger: OperationLogger | undefined;
function loggerOf(options: OperationLogOptions): OperationLogger {
  if (options.logger) return options.logger;
  const configured = globalAuthLogger();
  if (configured) return configured;
  fallbackLogger ??= createDefaultAuthLogger();
  return fallbackLogger;
}

export function validateLogOptions(options: OperationLogOptions | false | undefined, where: string): void {
  if (options === undefined || options === false) return;
  if (options === null || typeof options !== 'object') throw new TypeError(`${where}: log must be an object or false`);
  const logger = options.logger as unknown as Record<string, unknown> | undefined;
  if (logger !== undefined && (typeof logger.info !== 'function' || typeof logger.warn !== 'function')) {
    throw new TypeError(`${where}: log.logger must have info/warn methods (a pino logger)`);
  }
  if (
    options.logVariables !== undefined &&
    !(Array.isArray(options.logVariables) && options.logVariables.every((name) => typeof name === 'string'))
  ) {
    throw new TypeError(`${where}: log.logVariables must be an array of variable names`);
  }
  if (options.correlation !== undefined && typeof options.correlation !== 'function') {
    throw new TypeError(`${where}: log.correlation must be a function`);
  }
}

type Headers = Parameters<typeof correlationOf>[0];

/**
 * request_id / trace_id from the usual places a GraphQL context keeps its request: `req` (Express, node:http,
 * Apollo's express middleware), `request` (Yoga's Fetch Request, Fastify/Mercurius `reply.request`), or `headers`.
 */
export function correlationOfContext(contextValue: unknown): Correlation {
  if (contextValue === null || typeof contextValue !== 'object') return {};
  const context = contextValue as Record<string, unknown>;
  const request = (context.req ??
    context.request ??
    (context.reply as Record<string, unknown> | undefined)?.request) as { headers?: Headers; id?: unknown } | undefined;
  const headers = request?.headers ?? (context.headers as Headers | undefined);
  return correlationOf(headers, request?.id ?? requestIdOf(context.requestId));
}

export function operationOf(
  document: DocumentNode | undefined,
  operationName: string | null | undefined,
): { name: string | undefined; type: OperationTypeNode | undefined } {
  if (document === undefined) return { name: operationName ?? undefined, type: undefined };
  let only: { name: string | undefined; type: OperationTypeNode } | undefined;
  let count = 0;
  for (const definition of document.definitions) {
    if (definition.kind !== 'OperationDefinition') continue;
    count++;
    const name = definition.name?.value;
    if (operationName != null && name === operationName) return { name, type: definition.operation };
    if (only === undefined) only = { name, type: definition.operation };
  }
  if (operationName == null && count === 1 && only) return only;
  return { name: operationName ?? undefined, type: undefined };
}

const round = (ms: number): number => Math.round(ms * 1000) / 1000;

function errorCodes(record: OperationRecord): string[] {
  const codes = new Set<string>();
  for (const error of record.errors) {
    const code = error.extensions?.code;
    if (typeof code === 'string') codes.add(code);
    else if (record.failedAt === 'parse') codes.add('GRAPHQL_PARSE_FAILED');
    else if (record.failedAt === 'validate') codes.add('GRAPHQL_VALIDATION_FAILED');
    else codes.add('INTERNAL_SERVER_ERROR');
  }
  return [...codes];
}

function allowedVariables(
  record: OperationRecord,
  allowed: readonly string[] | undefined,
): Record<string, unknown> | undefined {
  if (!allowed || allowed.length === 0 || !record.variables) return undefined;
  let picked: Record<string, unknown> | undefined;
  for (const name of allowed) {
    if (Object.prototype.hasOwnProperty.call(record.variables, name)) (picked ??= {})[name] = record.variables[name];
  }
  return picked;
}

/** Writes the line for one operation. Never throws: a logger that fails must not fail the request. */
export function writeOperationLine(options: OperationLogOptions, record: OperationRecord): void {
  try {
    const correlation = (options.correlation ?? correlationOfContext)(record.contextValue);
    const line: Record<string, unknown> = {
      event: options.event ?? 'graphql.operation',
      operation_name: record.operationName ?? null,
      operation_type: record.operationType ?? null,
      document_hash: record.documentHash ?? null,
      cache: record.cache,
      elapsed_ms: {
        total: round(record.totalMs),
        parse: round(record.parseMs),
        validate: round(record.validateMs),
        execute: round(record.executeMs),
      },
      error_count: record.errors.length,
      error_codes: errorCodes(record),
    };
    if (correlation.request_id !== undefined) line.request_id = correlation.request_id;
    if (correlation.trace_id !== undefined) line.trace_id = correlation.trace_id;
    const variables = allowedVariables(record, options.logVariables);
    if (variables !== undefined) line.variables = variables;
    const logger = loggerOf(options);
    if (record.errors.length > 0) logger.warn(line, 'graphql operation failed');
    else logger.info(line, 'graphql operation');
  } catch {
    // a broken logger or correlation hook: the operation's answer matters more than its line
  }
}
