// Koa middleware / @koa/router handlers `(ctx, next)`. Koa writes the response after the whole middleware chain
// returns, and an upstream error middleware may still turn a throw into a 401, so the line is written when the raw
// response is done, with the status the client got and `ctx.body` as it was sent.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { correlationOf } from './context.js';
import { identifierFrom } from './email.js';
import { invokeHandler, isThenable, type AnyFunction } from './handler.js';
import { nodeResponseEnd, onResponseDone } from './node-response.js';
import { activateCall, activeCallFor, finishAuthCall, startAuthCall, type AuthCall } from './record.js';
import type { AuthAction, ResolvedAuthOptions } from './types.js';

interface KoaContextLike {
  req: IncomingMessage;
  res: ServerResponse;
  request: { body?: unknown; log?: unknown };
  state?: { user?: unknown; requestId?: unknown };
  body?: unknown;
  method?: string;
  log?: unknown;
  user?: unknown;
  _matchedRoute?: unknown;
  routerPath?: unknown;
}

export function isKoaContext(args: readonly unknown[]): boolean {
  const ctx = args[0] as
    { req?: unknown; res?: unknown; request?: unknown; response?: unknown; app?: unknown } | null | undefined;
  return (
    typeof ctx === 'object' &&
    ctx !== null &&
    typeof ctx.req === 'object' &&
    typeof ctx.res === 'object' &&
    typeof ctx.request === 'object' &&
    typeof ctx.response === 'object' &&
    ctx.app !== undefined
  );
}

function startKoaCall(action: AuthAction, options: ResolvedAuthOptions, ctx: KoaContextLike): AuthCall {
  const route = ctx._matchedRoute ?? ctx.routerPath;
  const call = startAuthCall({
    action,
    options,
    targets: [ctx, ctx.request, ctx.req],
    correlation: correlationOf(ctx.req.headers, ctx.state?.requestId),
    email: identifierFrom(ctx.request.body ?? (ctx.req as { body?: unknown }).body, options),
    method: ctx.method ?? ctx.req.method,
    route: typeof route === 'string' ? route : undefined,
    requestLogger: ctx.log ?? ctx.request.log,
    userAtEntry: ctx.state?.user ?? ctx.user,
  });
  activateCall(ctx, call);
  onResponseDone(ctx.res, (finishedAt) => {
    finishAuthCall(call, nodeResponseEnd(ctx.res, call, ctx.body, ctx.state?.user ?? ctx.user), finishedAt);
  });
  return call;
}

export function runKoa(
  action: AuthAction,
  options: ResolvedAuthOptions,
  handler: AnyFunction,
  self: unknown,
  args: unknown[],
): unknown {
  const ctx = args[0] as KoaContextLike;
  // A second wrapper on the same request (a wrapped middleware and a wrapped handler) joins the first call.
  const call = activeCallFor(ctx) ?? startKoaCall(action, options, ctx);
  const result = invokeHandler(call, handler, self, args);
  if (!isThenable(result)) return result;
  return Promise.resolve(result).then(undefined, (error: unknown) => {
    call.recordError(error);
    throw error;
  });
}
