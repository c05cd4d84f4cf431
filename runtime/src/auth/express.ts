// Express 4 and 5 (and Router) handlers `(req, res, next)`, and bare Node `(req, res)` handlers.
//
// - The line is written when the response is done: `close` with `writableFinished` (Node emits `close` after
//   `finish` for every response), or, without it, a client abort.
// - Errors: a sync throw (Express turns it into next(err)), an error passed to `next`, a rejected promise. Express 4
//   ignores rejected promises (the request would hang), so the wrapper passes the rejection to `next` itself and
//   resolves; Express 5 then sees a settled promise and does not call `next` a second time.
// - The response body (for the user id and the reason) is seen through `res.json` / `res.send` (see below).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { correlationOf, requestIdOf, type Correlation } from './context.js';
import { identifierFrom } from './email.js';
import { invokeHandler, isThenable, type AnyFunction } from './handler.js';
import { nodeResponseEnd } from './node-response.js';
import {
  activateHttpCall,
  activeCallFor,
  AuthCall,
  finishAuthCall,
  liveHttpCall,
  releaseHttpCall,
  type AuthCallInit,
} from './record.js';
import type { AuthAction, ResolvedAuthOptions } from './types.js';

// Not `extends IncomingMessage`: pino-http augments it with its own `id` / `log` types.
interface ExpressRequest {
  headers: IncomingMessage['headers'];
  method?: string;
  body?: unknown;
  user?: unknown;
  id?: unknown;
  log?: unknown;
  route?: { path?: unknown };
}

interface ExpressResponse extends ServerResponse {
  req: IncomingMessage;
  locals?: { user?: unknown };
  json?: AnyFunction;
  send?: AnyFunction;
}

export function isNodeHttpPair(args: readonly unknown[]): boolean {
  const req = args[0] as { headers?: unknown; method?: unknown } | null | undefined;
  const res = args[1] as { setHeader?: unknown; writeHead?: unknown; once?: unknown } | null | undefined;
  return (
    typeof req === 'object' &&
    req !== null &&
    typeof req.headers === 'object' &&
    typeof req.method === 'string' &&
    typeof res === 'object' &&
    res !== null &&
    typeof res.setHeader === 'function' &&
    typeof res.writeHead === 'function' &&
    typeof res.once === 'function'
  );
}

// The hot path allocates one call object and one `next` wrapper per request and adds no property to `req` or `res`
// (Express gives each of them a hidden class of its own: see record.ts); it reads as few of their properties as it
// can, since each read misses V8's caches. The call is found from either object through record.ts's Map. json/send are
// hooked once, on the prototype that defines them (`express.response`): other routes pay one Map lookup. A
// response whose json/send are its own properties (Next.js pages API, or patched by someone else) is hooked on the
// instance instead.
const hookedPrototypes = new WeakSet<object>();
// Direct prototypes of responses already looked at (each Express app's `app.response`): skip the walk next time.
const readyPrototypes = new WeakSet<object>();

class HttpCall extends AuthCall {
  constructor(
    init: AuthCallInit,
    readonly req: ExpressRequest,
    readonly res: ExpressResponse,
  ) {
    super(init);
  }
}

function hookMethod(owner: Record<string, unknown>, name: 'json' | 'send'): void {
  const original = owner[name];
  if (typeof original !== 'function') return;
  owner[name] = function authLoggingCapture(this: object, body?: unknown): unknown {
    const call = liveHttpCall(this);
    if (call !== undefined) call.captureBody(body);
    // `arguments`, not a rest array: this runs for every json/send of the app, logged route or not.
    // eslint-disable-next-line prefer-rest-params -- pass the framework exactly what the caller passed
    return (original as AnyFunction).apply(this, arguments as unknown as unknown[]);
  };
}

function hookBodyCapture(res: ExpressResponse): void {
  const own = Object.prototype.hasOwnProperty;
  if (own.call(res, 'json') || own.call(res, 'send')) {
    hookMethod(res as unknown as Record<string, unknown>, 'json');
    hookMethod(res as unknown as Record<string, unknown>, 'send');
    return;
  }
  const direct = Object.getPrototypeOf(res) as object | null;
  if (direct === null || readyPrototypes.has(direct)) return;
  readyPrototypes.add(direct);
  // The framework prototype that defines json/send (Express's `express.response`, under each `app.response`); Node's
  // own ServerResponse.prototype defines neither, so nothing outside the framework is touched.
  for (
    let proto = Object.getPrototypeOf(res) as Record<string, unknown> | null;
    proto !== null;
    proto = Object.getPrototypeOf(proto) as Record<string, unknown> | null
  ) {
    const ownsJson = own.call(proto, 'json');
    const ownsSend = own.call(proto, 'send');
    if (!ownsJson && !ownsSend) continue;
    if (hookedPrototypes.has(proto)) return;
    hookedPrototypes.add(proto);
    if (ownsJson) hookMethod(proto, 'json');
    if (ownsSend) hookMethod(proto, 'send');
    return;
  }
}

function onClose(this: ExpressResponse): void {
  const call = liveHttpCall(this);
  if (!(call instanceof HttpCall)) return;
  const res = call.res;
  releaseHttpCall(call.req, res);
  finishAuthCall(call, nodeResponseEnd(res, call, call.body, call.req.user ?? res.locals?.user));
}

function isRealError(error: unknown): boolean {
  return error !== undefined && error !== null && error !== 'route' && error !== 'router';
}

/** `x-request-id`, else the framework's `req.id` (read only when the header is absent: each read costs, see above). */
function correlationFor(req: ExpressRequest): Correlation {
  const correlation = correlationOf(req.headers);
  if (correlation.request_id === undefined) {
    const frameworkId = requestIdOf(req.id);
    if (frameworkId !== undefined) correlation.request_id = frameworkId;
  }
  return correlation;
}

function startHttpCall(
  action: AuthAction,
  options: ResolvedAuthOptions,
  req: ExpressRequest,
  res: ExpressResponse,
): HttpCall {
  const routePath = req.route?.path;
  const call = new HttpCall(
    {
      action,
      options,
      targets: [req, res],
      correlation: correlationFor(req),
      email: identifierFrom(req.body, options),
      method: req.method,
      route: typeof routePath === 'string' ? routePath : undefined,
      requestLogger: req.log,
      userAtEntry: req.user ?? res.locals?.user,
    },
    req,
    res,
  );
  activateHttpCall(req, res, call);
  hookBodyCapture(res);
  // `on`, not `once`: close fires once per response, and `once` allocates a wrapper.
  res.on('close', onClose);
  return call;
}

export function runNodeHttp(
  action: AuthAction,
  options: ResolvedAuthOptions,
  handler: AnyFunction,
  self: unknown,
  args: unknown[],
): unknown {
  const req = args[0] as ExpressRequest;
  const res = args[1] as ExpressResponse;
  const next = typeof args[2] === 'function' ? (args[2] as AnyFunction) : undefined;
  // A second wrapper in the same chain joins the first call: errors still count, no second line.
  const existing = activeCallFor(req);
  const call = existing ?? startHttpCall(action, options, req, res);

  if (next !== undefined) {
    // Anonymous on purpose: a named function expression made per request gets a `name` defineProperty per request
    // from esbuild's keepNames (tsx, which runs the bench): ~3 µs a request in a CPU profile of the bench.
    args[2] = function (this: unknown, error?: unknown) {
      if (isRealError(error)) call.recordError(error);
      // eslint-disable-next-line prefer-rest-params -- pass Express exactly what the handler passed
      return next.apply(this, arguments as unknown as unknown[]);
    };
  }
  const result = invokeHandler(call, handler, self, args);
  if (!isThenable(result)) return result;
  return Promise.resolve(result).then(undefined, (error: unknown) => {
    call.recordError(error);
    // Express 4 drops rejections; forward it like Express 5 would. Without `next` (bare Node), rethrow.
    if (next === undefined) throw error;
    next(error);
  });
}
