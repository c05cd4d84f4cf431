// Koa middleware / @koa/router handlers `(ctx, next)`. Koa writes the response after the whole middleware chain
// returns, and an upstream error middleware may still turn a throw into a 401, so the line is written when the raw
// response is done, with the status the client got and `ctx.body` as it was sent.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { correlationOf } from './context.js';
import { identifierFrom } from './email.js';
import { onResponseDone } from './express.js';
import { finishAuthCall, startAuthCall } from './record.js';
import type { AuthAction, ResolvedAuthOptions } from './types.js';

type AnyFunction = (...args: unknown[]) => unknown;

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
  const ctx = args[0] as { req?: unknown; res?: unknown; request?: unknown; response?: unknown; app?: unknown } | null | undefined;
  return (
    typeof ctx === 'object' && ctx !== null && typeof ctx.req === 'object' && typeof ctx.res === 'object' &&
    typeof ctx.request === 'object' && typeof ctx.response === 'object' && ctx.app !== undefined
  );
}

export function runKoa(action: AuthAction, options: ResolvedAuthOptions, handler: AnyFunction, self: unknown, args: unknown[]): unknown {
  const ctx = args[0] as KoaContextLike;
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
  const seen: { threw: boolean; error?: unknown } = { threw: false };
  onResponseDone(ctx.res, (aborted, finishedAt) => {
    const res = ctx.res;
    finishAuthCall(
      call,
      {
        statusCode: res.headersSent || !aborted ? res.statusCode : undefined,
        aborted: aborted && !res.headersSent,
        threw: seen.threw,
        error: seen.error,
        body: ctx.body,
        userAtEnd: ctx.state?.user ?? ctx.user,
      },
      finishedAt,
    );
  });
  let result: unknown;
  try {
    result = handler.apply(self, args);
  } catch (error) {
    seen.threw = true;
    seen.error = error;
    throw error;
  }
  if (result === null || typeof (result as { then?: unknown })?.then !== 'function') return result;
  return Promise.resolve(result).then(undefined, (error: unknown) => {
    seen.threw = true;
    seen.error = error;
    throw error;
  });
}
