// success | failure | error, and the reason of a failure. Pure functions over what an adapter observed.
//
// - error:   a thrown error without a 4xx status, or a 5xx response. Logged at error level with `err`.
// - failure: a 4xx response (whether sent or thrown as an http-error / HttpException / ctx.throw(401)), a body that
//            says so (`ok: false`, `success: false`), an explicit setAuthFailure, a falsy plain-function result, or a
//            client that went away before the response finished.
// - success: everything else (2xx and 3xx).
import type { AuthOutcome } from './types.js';

export interface Observed {
  /** HTTP status of the finished response (undefined for plain functions and aborted requests). */
  statusCode?: number;
  /** Set when the handler threw, rejected or passed an error to `next`. */
  threw: boolean;
  error?: unknown;
  /** Response body (or the plain function's result). */
  body?: unknown;
  /** Plain function: the return value is the outcome (falsy → failure). */
  plainResult?: boolean;
  aborted?: boolean;
  /** What the handler passed to setAuthFailure: untrusted, any type (cleaned when the line is written). */
  explicitReason?: unknown;
  /** Next.js redirect() / notFound(): the framework's control flow, not a failure. */
  controlFlow?: boolean;
}

export interface Verdict {
  outcome: AuthOutcome;
  /** The raw reason as found (explicit, error, body): untrusted text, cleaned by the record (clean.ts). */
  reason?: unknown;
  /** The status's name (`unauthorized`), the reason written when the raw one cannot be kept. */
  statusReason?: string;
}

export const STATUS_REASONS: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  410: 'gone',
  422: 'unprocessable',
  423: 'locked',
  429: 'rate_limited',
};

// Error names that mean "the credentials were wrong", not "the server broke", for plain functions.
const FAILURE_ERROR_NAME =
  /unauthori[sz]ed|unauthenticated|authentication|invalid.?(credentials|password|token|code)|forbidden|validation|locked|expired/i;

/** The HTTP status an error carries: http-errors / Koa `status`, Fastify `statusCode`, Nest `getStatus()`. */
export function statusOfError(error: unknown): number | undefined {
  if (error === null || typeof error !== 'object') return undefined;
  const candidate = error as { status?: unknown; statusCode?: unknown; getStatus?: unknown };
  let status: unknown = candidate.status ?? candidate.statusCode;
  if (status === undefined && typeof candidate.getStatus === 'function') {
    try {
      status = (candidate.getStatus as () => unknown).call(error);
    } catch {
      status = undefined;
    }
  }
  return typeof status === 'number' && status >= 100 && status <= 599 ? status : undefined;
}

function errorMessage(error: unknown): string | undefined {
  try {
    if (error instanceof Error && typeof error.message === 'string' && error.message !== '') return error.message;
  } catch {
    return undefined; // a throwing `message` getter
  }
  if (typeof error === 'string') return error;
  return undefined;
}

/** Nest's HttpException carries the response body it will send: its reason beats the generic message. */
function reasonFromError(error: unknown): string | undefined {
  const getResponse = (error as { getResponse?: unknown } | null)?.getResponse;
  if (typeof getResponse === 'function') {
    try {
      const fromBody = reasonFromBody(getResponse.call(error));
      if (fromBody !== undefined) return fromBody;
    } catch {
      // fall through to the message
    }
  }
  return errorMessage(error);
}

function parsedBody(body: unknown): unknown {
  if (typeof body === 'string' && body.length <= 65_536 && body.trimStart().startsWith('{')) {
    try {
      return JSON.parse(body);
    } catch {
      return undefined;
    }
  }
  if (body instanceof Uint8Array && body.byteLength <= 65_536) return parsedBody(Buffer.from(body).toString('utf8'));
  return body;
}

/** A failure reason the body states: `reason`, `message` (string or Nest's string list), `error`, `code`. */
export function reasonFromBody(body: unknown): string | undefined {
  const value = parsedBody(body);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const record = value as Record<string, unknown>;
  for (const key of ['reason', 'message', 'error', 'code']) {
    const field = record[key];
    if (typeof field === 'string' && field.trim() !== '') return field;
    if (Array.isArray(field) && field.length > 0 && field.every((item) => typeof item === 'string'))
      return field.join('; ');
    if (field !== null && typeof field === 'object' && typeof (field as { message?: unknown }).message === 'string') {
      return (field as { message: string }).message;
    }
  }
  return undefined;
}

/** True when a 2xx body says the attempt failed: `{ ok: false }`, `{ success: false }`, `{ authenticated: false }`. */
export function bodySaysFailure(body: unknown): boolean {
  const value = parsedBody(body);
  if (value === null || typeof value !== 'object') return false;
  const record = value as Record<string, unknown>;
  return record.ok === false || record.success === false || record.authenticated === false || record.valid === false;
}

function failure(observed: Observed, status: number | undefined, fromError: boolean): Verdict {
  const reason =
    observed.explicitReason ??
    (fromError ? reasonFromError(observed.error) : undefined) ??
    reasonFromBody(observed.body);
  const verdict: Verdict = { outcome: 'failure' };
  if (reason !== undefined) verdict.reason = reason;
  const statusReason = status !== undefined ? STATUS_REASONS[status] : undefined;
  if (statusReason !== undefined) verdict.statusReason = statusReason;
  return verdict;
}

export function classify(observed: Observed): Verdict {
  if (observed.controlFlow && observed.explicitReason === undefined) return { outcome: 'success' };
  if (observed.threw) {
    const status =
      observed.statusCode !== undefined && observed.statusCode >= 400
        ? observed.statusCode
        : statusOfError(observed.error);
    if (status !== undefined && status >= 400 && status < 500) return failure(observed, status, true);
    if (status === undefined && observed.plainResult !== undefined) {
      const name = observed.error instanceof Error ? `${observed.error.name} ${observed.error.constructor.name}` : '';
      if (FAILURE_ERROR_NAME.test(name)) return failure(observed, undefined, true);
    }
    if (observed.aborted && status === undefined) return { outcome: 'failure', reason: 'client_aborted' };
    return { outcome: 'error' };
  }
  if (observed.aborted) return { outcome: 'failure', reason: 'client_aborted' };
  const status = observed.statusCode;
  if (status !== undefined && status >= 500) {
    const reason = observed.explicitReason ?? reasonFromBody(observed.body);
    return reason === undefined ? { outcome: 'error' } : { outcome: 'error', reason };
  }
  if (status !== undefined && status >= 400) return failure(observed, status, false);
  if (observed.explicitReason !== undefined) return failure(observed, status, false);
  if (observed.plainResult === false) return failure(observed, undefined, false);
  if (bodySaysFailure(observed.body)) return failure(observed, status, false);
  return { outcome: 'success' };
}
