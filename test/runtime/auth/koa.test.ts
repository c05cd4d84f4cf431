// Koa 3 with @koa/router: the wrapper sits on a router handler; an upstream error middleware turns ctx.throw(401)
// into a response after the handler returned, and the line still carries the status the client got.
import type { Server } from 'node:http';
import Router from '@koa/router';
import Koa, { type Context, type Next } from 'koa';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import {
  configureAuthLogging,
  resetAuthLoggingConfig,
  setAuthFailure,
  withAuthLogging,
} from '../../../runtime/src/index.js';
import {
  ALICE,
  baseUrlOf,
  decideLogin,
  expectNoSecrets,
  LogCapture,
  runLoginScenario,
  send,
  sleep,
  SLOW_MS,
} from './support.js';

const servers: Server[] = [];
afterEach(async () => {
  resetAuthLoggingConfig();
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** A JSON body parser small enough to read (no body-parser dependency). */
async function jsonBody(ctx: Context, next: Next): Promise<void> {
  if (ctx.is('application/json')) {
    const chunks: Buffer[] = [];
    for await (const chunk of ctx.req) chunks.push(chunk as Buffer);
    (ctx.request as { body?: unknown }).body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
  }
  await next();
}

async function start(): Promise<{ baseUrl: string; capture: LogCapture }> {
  const capture = new LogCapture();
  configureAuthLogging({ logger: pino(capture) });
  const app = new Koa();
  app.silent = true; // Koa's default error printer writes to stderr; the test reads only the capture
  const router = new Router();
  router.get('/health', (ctx) => {
    ctx.body = { ok: true };
  });
  router.post(
    '/login',
    withAuthLogging('login', async (ctx: Context) => {
      const decision = decideLogin((ctx.request as { body?: unknown }).body);
      if (decision.kind === 'invalid') {
        if (decision.logReason) setAuthFailure(ctx, decision.logReason);
        ctx.status = decision.status;
        ctx.body = { error: decision.error };
        return;
      }
      if (decision.kind === 'explode') throw decision.error;
      if (decision.kind === 'slow') {
        await sleep(SLOW_MS);
        ctx.body = { user: { id: ALICE.id } };
        return;
      }
      ctx.cookies.set('session', 'session-cookie-secret');
      ctx.body = { user: { id: decision.userId }, token: decision.token };
    }),
  );
  router.post(
    '/session/refresh',
    withAuthLogging('refresh', (ctx: Context) => {
      ctx.throw(401, 'refresh token expired');
    }),
  );
  // Upstream middleware that knows the user (koa-passport style).
  router.post(
    '/logout',
    async (ctx, next) => {
      ctx.state.user = { id: 12 };
      await next();
    },
    withAuthLogging('logout', (ctx: Context) => {
      ctx.status = 204;
    }),
  );
  app.use(jsonBody);
  app.use(router.routes());
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  servers.push(server);
  return { baseUrl: baseUrlOf(server.address()), capture };
}

describe('withAuthLogging on Koa + @koa/router', () => {
  it('writes one outcome line per login request with the right fields and no secret', async () => {
    const { baseUrl, capture } = await start();
    const lines = await runLoginScenario({ baseUrl, capture });
    expect(lines.success!.route).toBe('/login');
  });

  it('logs ctx.throw(401) as a failure with its message and ctx.state.user as the user id', async () => {
    const { baseUrl, capture } = await start();
    await send(baseUrl, '/session/refresh', { body: { refresh_token: 'refresh-secret-abc' }, requestId: 'refresh-1' });
    await send(baseUrl, '/logout', { requestId: 'logout-1' });
    await capture.waitFor((lines) => lines.length >= 2);
    expect(capture.byRequestId('refresh-1')).toMatchObject([
      { level: 40, event: 'authn_token_refresh_fail', outcome: 'failure', status_code: 401, reason: 'unauthorized' },
    ]);
    expect(capture.byRequestId('logout-1')).toMatchObject([
      { level: 30, event: 'session_expired', status_code: 204, user_id: 12 },
    ]);
    expectNoSecrets(capture.text);
    expect(capture.text).not.toContain('refresh-secret-abc');
  });
});
