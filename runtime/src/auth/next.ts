// Next.js App Router route handlers `(request: Request, ctx?) => Response`. The status is the returned Response's.
// `redirect()` / `permanentRedirect()` / `notFound()` throw control-flow errors that Next turns into responses; they
// are recognised by their `digest` (no import of next) and are not failures: a redirect is a success with its
// status, notFound a success with 404. `unauthorized()` / `forbidden()` (NEXT_HTTP_ERROR_FALLBACK;401/403) are
// failures. Everything else thrown is an error. The throw always propagates unchanged.
//
// The identifier is read from a clone of the request body (JSON or form) after the handler finished, and the user id
// from a clone of a JSON response body, so neither is consumed and the response is never delayed.
import { correlationOf } from './context.js';
import { identifierFrom } from './email.js';
import { activateCall, activeCallFor, finishAuthCall, startAuthCall, type AuthCall } from './record.js';
import type { AuthAction, ResolvedAuthOptions } from './types.js';
import { applyAsRunning, isThenable, type AnyFunction } from './handler.js';

const MAX_BODY = 65_536;

export function isFetchRequest(args: readonly unknown[]): boolean {
  return typeof Request === 'function' && args[0] instanceof Request;
}

export interface NextControlFlow {
  kind: 'redirect' | 'http-fallback';
  status: number;
}

/** Next's control-flow throws by digest: `NEXT_REDIRECT;replace;/path;307;`, `NEXT_NOT_FOUND`,
 *  `NEXT_HTTP_ERROR_FALLBACK;404`. */
export function nextControlFlow(error: unknown): NextControlFlow | undefined {
  if (error === null || typeof error !== 'object') return undefined;
  const digest = (error as { digest?: unknown }).digest;
  if (typeof digest !== 'string') return undefined;
  if (digest.startsWith('NEXT_REDIRECT')) {
    const status = Number(digest.split(';')[3]);
    return { kind: 'redirect', status: Number.isInteger(status) && status >= 300 && status < 400 ? status : 307 };
  }
  if (digest === 'NEXT_NOT_FOUND') return { kind: 'http-fallback', status: 404 };
  if (digest.startsWith('NEXT_HTTP_ERROR_FALLBACK;')) {
    const status = Number(digest.split(';')[1]);
    return { kind: 'http-fallback', status: Number.isInteger(status) ? status : 404 };
  }
  return undefined;
}

function bodyClone(request: Request): Request | undefined {
  if (request.body === null || request.bodyUsed) return undefined;
  const type = request.headers.get('content-type') ?? '';
  if (!/json|x-www-form-urlencoded|multipart\/form-data/i.test(type)) return undefined;
  const length = Number(request.headers.get('content-length') ?? '0');
  if (length > MAX_BODY) return undefined;
  try {
    return request.clone();
  } catch {
    return undefined;
  }
}

async function readBody(clone: Request | undefined): Promise<unknown> {
  if (clone === undefined) return undefined;
  try {
    const type = clone.headers.get('content-type') ?? '';
    if (/json/i.test(type)) return await clone.json();
    const form = await clone.formData();
    const fields: Record<string, unknown> = {};
    for (const [key, value] of form.entries()) if (typeof value === 'string') fields[key] = value;
    return fields;
  } catch {
    return undefined;
  }
}

/** A clone of a JSON response body, taken before the response is handed back (Next reads it right away). */
function responseClone(response: Response): Response | undefined {
  const type = response.headers.get('content-type') ?? '';
  if (!/json/i.test(type) || response.body === null || response.bodyUsed) return undefined;
  const length = Number(response.headers.get('content-length') ?? '0');
  if (length > MAX_BODY) return undefined;
  try {
    return response.clone();
  } catch {
    return undefined;
  }
}

async function readResponseBody(clone: Response | undefined): Promise<unknown> {
  if (clone === undefined) return undefined;
  try {
    return await clone.json();
  } catch {
    return undefined;
  }
}

interface Settled {
  response?: Response;
  responseClone?: Response;
  error?: unknown;
  threw: boolean;
  aborted?: boolean;
}

async function complete(
  call: AuthCall,
  clone: Request | undefined,
  finishedAt: number,
  outcome: Settled,
): Promise<void> {
  const body = await readBody(clone);
  if (body !== undefined) {
    call.email = identifierFrom(body, call.options);
    call.readBody = body;
  }
  if (outcome.threw) {
    const flow = nextControlFlow(outcome.error);
    if (flow?.kind === 'redirect' || (flow?.kind === 'http-fallback' && flow.status === 404)) {
      finishAuthCall(call, { statusCode: flow.status, threw: false, controlFlow: true }, finishedAt);
    } else if (flow !== undefined) {
      finishAuthCall(call, { statusCode: flow.status, threw: false }, finishedAt);
    } else {
      // Next answers any other throw from a route handler with a 500.
      finishAuthCall(call, { statusCode: 500, threw: true, error: outcome.error }, finishedAt);
    }
    return;
  }
  const response = outcome.response;
  if (response === undefined) {
    // A route handler must return a Response; Next answers 500 otherwise.
    finishAuthCall(call, { statusCode: 500, threw: false }, finishedAt);
    return;
  }
  if (outcome.aborted) {
    // The client went away (Next aborts `request.signal` on disconnect) before the handler answered.
    finishAuthCall(call, { threw: false, aborted: true }, finishedAt);
    return;
  }
  const status = response.status;
  finishAuthCall(
    call,
    { statusCode: status, threw: false, body: await readResponseBody(outcome.responseClone) },
    finishedAt,
  );
}

export function runNextRoute(
  action: AuthAction,
  options: ResolvedAuthOptions,
  handler: AnyFunction,
  self: unknown,
  args: unknown[],
): unknown {
  const request = args[0] as Request;
  // A wrapped helper called with the same Request inside a wrapped route: the route's line covers it.
  if (activeCallFor(request) !== undefined) return handler.apply(self, args);
  const url = URL.canParse(request.url) ? new URL(request.url) : undefined;
  const call = startAuthCall({
    action,
    options,
    targets: [request],
    correlation: correlationOf(request.headers),
    method: request.method,
    // The path, never the query string (reset links carry tokens there). Dynamic segments may still hold one, so
    // only a path without long opaque segments is kept.
    route: url && !/[A-Za-z0-9_-]{24,}/.test(url.pathname) ? url.pathname : undefined,
  });
  activateCall(request, call);
  const clone = bodyClone(request);
  const settle = (outcome: Settled): void => {
    void complete(call, clone, performance.now(), { ...outcome, aborted: request.signal?.aborted === true });
  };
  let result: unknown;
  try {
    result = applyAsRunning(call, handler, self, args);
  } catch (error) {
    settle({ threw: true, error });
    throw error;
  }
  const handle = (value: unknown): unknown => {
    const response = value instanceof Response ? value : undefined;
    settle({ response, responseClone: response ? responseClone(response) : undefined, threw: false });
    return value;
  };
  if (isThenable(result)) {
    return Promise.resolve(result).then(handle, (error: unknown) => {
      settle({ threw: true, error });
      throw error;
    });
  }
  return handle(result);
}
