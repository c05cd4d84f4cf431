// AuthLoggedMethod: withAuthLogging as a method decorator, for decorator-routed controllers that are not NestJS. A real
// Koa server on loopback calls the decorated method the way such frameworks do: `controller[method](ctx)`.
import type { Server } from 'node:http';
import Koa, { type Context } from 'koa';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { AuthLoggedMethod, configureAuthLogging, resetAuthLoggingConfig } from '../../../runtime/src/index.js';
import { ALICE, baseUrlOf, decideLogin, expectNoSecrets, LogCapture, send } from './support.js';

const servers: Server[] = [];
afterEach(async () => {
  resetAuthLoggingConfig();
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

class AuthController {
  readonly service = { name: 'auth' };
  async login(ctx: Context): Promise<void> {
    // `this` must still be the controller.
    if (this.service.name !== 'auth') throw new Error('lost this');
    const decision = decideLogin((ctx.request as { body?: unknown }).body);
    if (decision.kind === 'ok') {
      ctx.body = { user: { id: decision.userId } };
      return;
    }
    ctx.status = decision.kind === 'invalid' ? decision.status : 500;
    ctx.body = { error: 'invalid_credentials' };
  }
}
const descriptor = Object.getOwnPropertyDescriptor(AuthController.prototype, 'login')!;
AuthLoggedMethod('login')(AuthController.prototype, 'login', descriptor);
Object.defineProperty(AuthController.prototype, 'login', descriptor);

async function start(): Promise<{ baseUrl: string; capture: LogCapture }> {
  const capture = new LogCapture();
  configureAuthLogging({ logger: pino(capture) });
  const controller = new AuthController();
  const app = new Koa();
  app.use(async (ctx, next) => {
    const chunks: Buffer[] = [];
    for await (const chunk of ctx.req) chunks.push(chunk as Buffer);
    (ctx.request as { body?: unknown }).body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
    await next();
  });
  app.use((ctx) => controller.login(ctx));
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  await new Promise((resolve) => server.once('listening', resolve));
  return { baseUrl: baseUrlOf(server.address()), capture };
}

describe('AuthLoggedMethod on a Koa controller method', () => {
  it('writes one line per request with the status the client got, keeping `this` and the method name', async () => {
    const { baseUrl, capture } = await start();
    const ok = await send(baseUrl, '/api/auth/login', {
      body: { email: ALICE.email, password: ALICE.password },
      requestId: 'm-ok',
    });
    const bad = await send(baseUrl, '/api/auth/login', {
      body: { email: ALICE.email, password: 'nope' },
      requestId: 'm-bad',
    });
    expect([ok.status, bad.status]).toEqual([200, 401]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(capture.byRequestId('m-ok')).toEqual([
      expect.objectContaining({ action: 'login', outcome: 'success', status_code: 200, user_id: ALICE.id }),
    ]);
    expect(capture.byRequestId('m-bad')).toEqual([expect.objectContaining({ outcome: 'failure', status_code: 401 })]);
    expect(AuthController.prototype.login.name).toBe('login');
    expectNoSecrets(capture.text);
  });

  it('refuses an unknown action and a non-method', () => {
    expect(() => AuthLoggedMethod('signin' as never)).toThrow(/unknown auth action/);
    expect(() => AuthLoggedMethod('login')({}, 'x', { value: 42 })).toThrow(/not a method/);
  });
});
