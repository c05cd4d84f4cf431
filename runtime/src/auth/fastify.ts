// Fastify handlers `(request, reply)`. The handler may return a value (async) or call `reply.send`; Fastify's own
// error handling turns a throw into a response (status from `error.statusCode`, else 500). The line is written when
// the raw response is done, so the status is the one the client got. Logger: `request.log` (Fastify's pino child,
// with its `reqId`) unless Fastify's logger is disabled.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { correlationOf } from './context.js';
import { identifierFrom } from './email.js';
import { invokeHandler, isThenable, type AnyFunction } from './handler.js';
import { nodeResponseEnd, onResponseDone } from './node-response.js';
import { activateCall, activeCallFor, finishAuthCall, startAuthCall, type AuthCall } from './record.js';
import type { AuthAction, ResolvedAuthOptions } from './types.js';

interface FastifyRequestLike {
  raw: IncomingMessage;
  id?: unknown;
  body?: unknown;
  user?: unknown;
  log?: unknown;
  method?: string;
  routeOptions?: { url?: unknown };
}

interface FastifyReplyLike {
  raw: ServerResponse;
  send: AnyFunction;
  sent?: boolean;
}

export function isFastifyPair(args: readonly unknown[]): boolean {
  const request = args[0] as { raw?: unknown } | null | undefined;
  const reply = args[1] as { raw?: unknown; send?: unknown; code?: unknown } | null | undefined;
  return (
    typeof request === 'object' &&
    request !== null &&
    typeof request.raw === 'object' &&
    request.raw !== null &&
    typeof reply === 'object' &&
    reply !== null &&
    typeof reply.raw === 'object' &&
    reply.raw !== null &&
    typeof reply.send === 'function' &&
    typeof reply.code === 'function'
  );
}

function startFastifyCall(
  action: AuthAction,
  options: ResolvedAuthOptions,
  request: FastifyRequestLike,
  reply: FastifyReplyLike,
): AuthCall {
  const url = request.routeOptions?.url;
  const call = startAuthCall({
    action,
    options,
    targets: [request, reply, request.raw],
    correlation: correlationOf(request.raw.headers, request.id),
    email: identifierFrom(request.body, options),
    method: request.method ?? request.raw.method,
    route: typeof url === 'string' ? url : undefined,
    requestLogger: request.log,
    userAtEntry: request.user,
  });
  activateCall(request, call);
  const send = reply.send;
  // Fastify also routes an async handler's return value through reply.send, so this sees both forms.
  reply.send = function capturedSend(this: unknown, ...sendArgs: unknown[]) {
    if (!(sendArgs[0] instanceof Error)) call.captureBody(sendArgs[0]);
    return send.apply(this, sendArgs);
  };
  onResponseDone(reply.raw, (finishedAt) => {
    finishAuthCall(call, nodeResponseEnd(reply.raw, call, call.body, request.user), finishedAt);
  });
  return call;
}

export function runFastify(
  action: AuthAction,
  options: ResolvedAuthOptions,
  handler: AnyFunction,
  self: unknown,
  args: unknown[],
): unknown {
  const request = args[0] as FastifyRequestLike;
  const reply = args[1] as FastifyReplyLike;
  // A second wrapper on the same request joins the first call (one line per request).
  const call = activeCallFor(request) ?? startFastifyCall(action, options, request, reply);
  const result = invokeHandler(call, handler, self, args);
  if (!isThenable(result)) return result;
  return Promise.resolve(result).then(
    (value) => {
      if (value !== undefined && value !== reply) call.captureBody(value);
      return value;
    },
    (error: unknown) => {
      call.recordError(error);
      throw error;
    },
  );
}
