// Fastify 5: the outcome line goes through `request.log` (Fastify's own pino, here writing to the capture stream),
// so it carries Fastify's `reqId` binding.
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { resetAuthLoggingConfig, setAuthFailure, withAuthLogging } from '../../../runtime/src/index.js';
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

const apps: FastifyInstance[] = [];
afterEach(async () => {
  resetAuthLoggingConfig();
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

async function start(): Promise<{ baseUrl: string; capture: LogCapture }> {
  const capture = new LogCapture();
  const app = Fastify({ logger: { stream: capture, level: 'info' } });
  apps.push(app);
  app.get('/health', async () => ({ ok: true }));
  // async handler returning the body
  app.post(
    '/login',
    withAuthLogging('login', async (request: FastifyRequest, reply: FastifyReply) => {
      const decision = decideLogin(request.body);
      if (decision.kind === 'invalid') {
        if (decision.logReason) setAuthFailure(request, decision.logReason);
        return reply.code(decision.status).send({ error: decision.error });
      }
      if (decision.kind === 'explode') throw decision.error;
      if (decision.kind === 'slow') {
        await sleep(SLOW_MS);
        return { user: { id: ALICE.id } };
      }
      reply.header('set-cookie', 'session=session-cookie-secret; HttpOnly');
      return { user: { id: decision.userId }, token: decision.token };
    }),
  );
  // route() form with a sync handler calling reply.send, and an http error thrown with a 4xx status
  app.route({
    method: 'POST',
    url: '/register',
    handler: withAuthLogging('register', (request: FastifyRequest, reply: FastifyReply) => {
      const body = request.body as { email?: string };
      if (body.email === 'taken@example.com')
        throw Object.assign(new Error('email already registered'), { statusCode: 409 });
      reply.code(201).send({ id: 'new-user-3' });
    }),
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { baseUrl: baseUrlOf(app.server.address()), capture };
}

describe('withAuthLogging on Fastify', () => {
  it('writes one outcome line per login request through request.log with the right fields and no secret', async () => {
    const { baseUrl, capture } = await start();
    const lines = await runLoginScenario({ baseUrl, capture });
    expect(lines.success).toHaveProperty('reqId');
    expect(lines.success!.route).toBe('/login');
  });

  it('handles route(), reply.send in a sync handler and a thrown 4xx error', async () => {
    const { baseUrl, capture } = await start();
    await send(baseUrl, '/register', {
      body: { email: 'new@example.com', password: 'wrong-horse' },
      requestId: 'reg-ok',
    });
    await send(baseUrl, '/register', {
      body: { email: 'taken@example.com', password: 'wrong-horse' },
      requestId: 'reg-taken',
    });
    await capture.waitFor((lines) => lines.length >= 2);
    expect(capture.byRequestId('reg-ok')).toMatchObject([
      { level: 30, event: 'user_created', status_code: 201, user_id: 'new-user-3', email: 'n***@example.com' },
    ]);
    expect(capture.byRequestId('reg-taken')).toMatchObject([
      {
        level: 40,
        event: 'authn_register_fail',
        outcome: 'failure',
        status_code: 409,
        reason: 'conflict',
        email: 't***@example.com',
      },
    ]);
    expectNoSecrets(capture.text);
    expect(capture.text).not.toContain('taken@example.com');
  });
});
