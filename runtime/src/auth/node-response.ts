// The end of a Node `ServerResponse`, as every HTTP adapter (Express, Fastify, Koa, Nest) reads it: the status the
// client got, or none when the client left before any header was sent.
import type { ServerResponse } from 'node:http';
import type { AuthCallEnd } from './record.js';

/** Watches a Node response until it is done (`close` fires for finished and abandoned responses alike). */
export function onResponseDone(res: ServerResponse, onDone: (finishedAt: number) => void): void {
  res.once('close', () => onDone(performance.now()));
}

/** The call's end state from the response: one object, built once, when the response is done. */
export function nodeResponseEnd(
  res: ServerResponse,
  failure: { readonly threw: boolean; readonly error?: unknown },
  body: unknown,
  userAtEnd: unknown,
): AuthCallEnd {
  // headersSent is read only when the response did not finish (each getter read walks the prototype chain of an
  // Express response, which V8 cannot cache: see record.ts).
  const sent = res.writableFinished || res.headersSent;
  return {
    statusCode: sent ? res.statusCode : undefined,
    aborted: !sent,
    threw: failure.threw,
    error: failure.error,
    body,
    userAtEnd,
  };
}
