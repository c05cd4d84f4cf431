// Express 5 and Express 4 (installed as the alias `express4`): real servers on loopback, real requests, the log
// parsed line by line.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import express5 from 'express';
import { pino } from 'pino';
import { pinoHttp } from 'pino-http';
import { afterEach, describe, expect, it } from 'vitest';
import {
  configureAuthLogging,
  resetAuthLoggingConfig,
  setAuthFailure,
  setAuthUser,
  withAuthLogging,
} from '../../../runtime/src/index.js';
import {
  ALICE,
  ALICE_JWT,
  baseUrlOf,
  decideLogin,
  expectNoSecrets,
  LogCapture,
  runLoginScenario,
  send,
  sleep,
  SLOW_MS,
} from './support.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Express 4 has no types installed under its alias
type ExpressModule = any;
const express4 = createRequire(import.meta.url)('express4') as ExpressModule;

function buildApp(express: ExpressModule): ExpressModule {
  const app = express();
  app.use(express.json());
  app.get('/health', (_req: unknown, res: { json(body: unknown): void }) => res.json({ ok: true }));
  // An async handler: in Express 4 its rejection is only seen because the wrapper forwards it to next().
  app.post(
    '/login',
    withAuthLogging('login', async (req: { body: unknown }, res: ExpressModule) => {
      const decision = decideLogin(req.body);
      if (decision.kind === 'invalid') {
        if (decision.logReason) setAuthFailure(req, decision.logReason);
        return res.status(decision.status).json({ error: decision.error });
      }
      if (decision.kind === 'explode') throw decision.error;
      if (decision.kind === 'slow') {
        await sleep(SLOW_MS);
        return res.json({ user: { id: ALICE.id } });
      }
      res.setHeader('Set-Cookie', 'session=session-cookie-secret; HttpOnly');
      res.json({ user: { id: decision.userId }, token: decision.token });
    }),
  );
  // Error passed to next() from a callback-style handler.
  app.post(
    '/password/reset',
    withAuthLogging(
      'password_reset',
      (req: { body: { email: string } }, _res: unknown, next: (error: unknown) => void) => {
        // The message names the address and a token: both must be scrubbed from the line.
        setImmediate(() => next(new Error(`mailer rejected ${req.body.email} token=${ALICE_JWT}`)));
      },
    ),
  );
  // Only a token in the body: the user id is the JWT's sub.
  app.post(
    '/token',
    withAuthLogging('token', (_req: unknown, res: ExpressModule) =>
      res.json({ access_token: ALICE_JWT, token_type: 'Bearer' }),
    ),
  );
  // A session user set by earlier middleware (passport style), and an explicit setAuthUser winning over it.
  app.post(
    '/logout',
    (req: { user?: unknown }, _res: unknown, next: () => void) => {
      req.user = { id: 77 };
      next();
    },
    withAuthLogging('logout', (_req: unknown, res: ExpressModule) => res.status(204).end()),
  );
  app.post(
    '/mfa',
    withAuthLogging('mfa', (req: object, res: ExpressModule) => {
      setAuthUser(req, 'explicit-9');
      res.json({ id: 'body-id' });
    }),
  );
  // The codemod may wrap both a route and the service function it calls with the request, or two handlers of one
  // chain: still one line per request.
  const loginService = withAuthLogging('login', async (req: { body: { email?: string } }) =>
    req.body.email === ALICE.email ? { userId: 'svc-1' } : null,
  );
  app.post(
    '/session',
    withAuthLogging('session', (_req: unknown, _res: unknown, next: () => void) => next()),
    withAuthLogging('session', async (req: { body: { email?: string } }, res: ExpressModule) => {
      const session = await loginService(req);
      if (!session) return res.status(401).json({ error: 'invalid_credentials' });
      res.status(201).end();
    }),
  );
  // A wrapped service called with the credentials instead of the request: it joins the route's call while the route
  // handler runs synchronously (before its first await); after an await it cannot tell which request it serves and
  // writes a line of its own.
  const checkPassword = withAuthLogging('login', async (email: unknown, password: unknown) =>
    email === ALICE.email && password === ALICE.password ? { user: { id: 'svc-2' } } : null,
  );
  const signIn = (awaitFirst: boolean) =>
    withAuthLogging('login', async (req: { body: { email?: string; password?: string } }, res: ExpressModule) => {
      if (awaitFirst) await sleep(1);
      const session = await checkPassword(req.body.email, req.body.password);
      if (!session) return res.status(401).json({ error: 'invalid_credentials' });
      res.json({ ok: true });
    });
  app.post('/signin', signIn(false));
  app.post('/signin/after-await', signIn(true));
  app.use((_error: unknown, _req: unknown, res: ExpressModule, _next: unknown) =>
    res.status(500).json({ error: 'internal' }),
  );
  return app;
}

function listen(app: ExpressModule): Promise<Server> {
  return new Promise((resolve) => {
    const server: Server = app.listen(0, '127.0.0.1', () => resolve(server));
  });
}

const servers: Server[] = [];
afterEach(async () => {
  resetAuthLoggingConfig();
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

for (const [name, express] of [
  ['Express 5', express5],
  ['Express 4', express4],
] as const) {
  describe(`withAuthLogging on ${name}`, () => {
    async function start(): Promise<{ baseUrl: string; capture: LogCapture }> {
      const capture = new LogCapture();
      configureAuthLogging({ logger: pino(capture) });
      const server = await listen(buildApp(express));
      servers.push(server);
      return { baseUrl: baseUrlOf(server.address()), capture };
    }

    it('writes one outcome line per login request with the right fields and no secret', async () => {
      const { baseUrl, capture } = await start();
      const lines = await runLoginScenario({ baseUrl, capture });
      if (process.env.SHOW_AUTH_LOG) console.log(capture.text);
      expect(lines.success!.route).toBe('/login');
      expect(lines.success!.method).toBe('POST');
    });

    it('logs an error passed to next(), the JWT sub, req.user and an explicit setAuthUser', async () => {
      const { baseUrl, capture } = await start();
      await send(baseUrl, '/password/reset', { body: { email: ALICE.email }, requestId: 'reset-1' });
      await send(baseUrl, '/token', { body: { email: ALICE.email, password: ALICE.password }, requestId: 'token-1' });
      await send(baseUrl, '/logout', { requestId: 'logout-1' });
      await send(baseUrl, '/mfa', { body: { code: '123456' }, requestId: 'mfa-1' });
      await capture.waitFor((lines) => lines.length >= 4);
      expect(capture.byRequestId('reset-1')).toMatchObject([
        { level: 50, event: 'authn_password_reset_fail', outcome: 'error', status_code: 500, error: { type: 'Error' } },
      ]);
      expect(capture.byRequestId('token-1')).toMatchObject([
        { level: 30, event: 'authn_token_created', user_id: ALICE.id },
      ]);
      expect(capture.byRequestId('logout-1')).toMatchObject([
        { event: 'session_expired', outcome: 'success', status_code: 204, user_id: 77 },
      ]);
      expect(capture.byRequestId('mfa-1')).toMatchObject([{ event: 'authn_mfa_success', user_id: 'explicit-9' }]);
      expectNoSecrets(capture.text);
      expect(capture.text).not.toContain('123456');
    });

    it('writes one line when two wrappers see the same request (chain, or a wrapped login(req) inside a route)', async () => {
      const { baseUrl, capture } = await start();
      await send(baseUrl, '/session', {
        body: { email: ALICE.email, password: ALICE.password },
        requestId: 'nested-ok',
      });
      await send(baseUrl, '/session', {
        body: { email: 'mallory@example.com', password: 'wrong-horse' },
        requestId: 'nested-bad',
      });
      await capture.waitFor((lines) => lines.length >= 2);
      await sleep(50);
      expect(capture.outcomes()).toHaveLength(2);
      expect(capture.byRequestId('nested-ok')).toMatchObject([
        { event: 'session_created', outcome: 'success', status_code: 201, user_id: 'svc-1' },
      ]);
      expect(capture.byRequestId('nested-bad')).toMatchObject([
        { event: 'authn_session_fail', outcome: 'failure', status_code: 401 },
      ]);
    });

    it('writes one line when the route calls a wrapped login(email, password) before its first await', async () => {
      const { baseUrl, capture } = await start();
      await send(baseUrl, '/signin', {
        body: { email: ALICE.email, password: ALICE.password },
        requestId: 'service-ok',
      });
      await send(baseUrl, '/signin', {
        body: { email: ALICE.email, password: 'wrong-horse' },
        requestId: 'service-bad',
      });
      await capture.waitFor((lines) => lines.length >= 2);
      await sleep(50);
      expect(capture.outcomes()).toHaveLength(2);
      // The service's result gives the user id; the route's response gives the outcome.
      expect(capture.byRequestId('service-ok')).toMatchObject([
        {
          event: 'authn_login_success',
          route: '/signin',
          status_code: 200,
          user_id: 'svc-2',
          email: 'a***@example.com',
        },
      ]);
      expect(capture.byRequestId('service-bad')).toMatchObject([
        { event: 'authn_login_fail', outcome: 'failure', status_code: 401 },
      ]);

      // After an await the service is on its own: its line (no request fields) beside the route's.
      await send(baseUrl, '/signin/after-await', {
        body: { email: ALICE.email, password: ALICE.password },
        requestId: 'service-late',
      });
      await capture.waitFor((lines) => lines.length >= 4);
      await sleep(50);
      const late = capture.outcomes().slice(2);
      expect(late).toHaveLength(2);
      expect(late.filter((line) => line.request_id === 'service-late')).toMatchObject([
        { route: '/signin/after-await', status_code: 200 },
      ]);
      expect(late.filter((line) => line.request_id === undefined)).toMatchObject([
        { event: 'authn_login_success', user_id: 'svc-2' },
      ]);
      expectNoSecrets(capture.text);
    });
  });
}

describe('withAuthLogging on a bare Node handler (Next.js pages API style: res.json is an own property)', () => {
  it('captures the body through the instance and logs one line', async () => {
    const capture = new LogCapture();
    configureAuthLogging({ logger: pino(capture) });
    type PagesResponse = ServerResponse & { status(code: number): PagesResponse; json(body: unknown): void };
    const handler = withAuthLogging('login', async (req: IncomingMessage & { body?: unknown }, res: PagesResponse) => {
      const decision = decideLogin(req.body);
      if (decision.kind !== 'ok') return res.status(401).json({ error: 'invalid_credentials' });
      res.status(200).json({ user: { id: decision.userId } });
    });
    const server = createServer((req, res) => {
      void (async () => {
        const chunks: Buffer[] = [];
        for await (const chunk of req) chunks.push(chunk as Buffer);
        const pagesReq = Object.assign(req, { body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown });
        const pagesRes = res as PagesResponse;
        pagesRes.status = (code: number) => {
          pagesRes.statusCode = code;
          return pagesRes;
        };
        pagesRes.json = (body: unknown) => {
          pagesRes.setHeader('content-type', 'application/json');
          pagesRes.end(JSON.stringify(body));
        };
        await handler(pagesReq, pagesRes);
      })();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    const baseUrl = baseUrlOf(server.address());
    await send(baseUrl, '/api/login', {
      body: { email: ALICE.email, password: ALICE.password },
      requestId: 'pages-ok',
    });
    await send(baseUrl, '/api/login', {
      body: { email: ALICE.email, password: 'wrong-horse' },
      requestId: 'pages-bad',
    });
    await capture.waitFor((lines) => lines.length >= 2);
    expect(capture.byRequestId('pages-ok')).toMatchObject([
      { outcome: 'success', status_code: 200, user_id: ALICE.id, email: 'a***@example.com' },
    ]);
    expect(capture.byRequestId('pages-bad')).toMatchObject([
      { outcome: 'failure', status_code: 401, reason: 'invalid_credentials' },
    ]);
    expectNoSecrets(capture.text);
  });
});

describe('withAuthLogging with pino-http', () => {
  it("never writes through req.log (pino-http binds the whole request: URL, query, headers), even redacted; the app's logger gets the line with pino-http's request id", async () => {
    const appCapture = new LogCapture();
    configureAuthLogging({ logger: pino(appCapture) });
    const redactedCapture = new LogCapture();
    const rawCapture = new LogCapture();
    const app = express5();
    app.use(express5.json());
    app.use(
      '/safe',
      pinoHttp({
        logger: pino({ redact: ['req.headers.authorization', 'req.headers.cookie'] }, redactedCapture),
        autoLogging: false,
      }),
    );
    app.use('/raw', pinoHttp({ logger: pino(rawCapture), autoLogging: false, genReqId: () => 'ph-7' }));
    const handler = withAuthLogging('login', (_req: unknown, res: { json(body: unknown): void }) =>
      res.json({ userId: 5 }),
    );
    app.post('/safe/login', handler);
    app.post('/raw/reset/:token', handler);
    const server = await listen(app);
    servers.push(server);
    const baseUrl = baseUrlOf(server.address());
    await send(baseUrl, '/safe/login', { body: { email: ALICE.email, password: ALICE.password }, requestId: 'safe-1' });
    await send(baseUrl, '/raw/reset/reset-token-0123456789abcdef?token=q-secret-token-42', {
      body: { password: ALICE.password },
      requestId: null,
    });
    await appCapture.waitFor((lines) => lines.length >= 2);
    expect(redactedCapture.outcomes()).toHaveLength(0);
    expect(rawCapture.outcomes()).toHaveLength(0);
    expect(appCapture.byRequestId('safe-1')).toMatchObject([{ outcome: 'success', user_id: 5 }]);
    // No x-request-id header: the id pino-http generated is copied from its bindings, nothing else of them.
    const [copied] = appCapture.byRequestId('ph-7');
    expect(copied).toMatchObject({ outcome: 'success', route: '/raw/reset/:token' });
    expect(copied).not.toHaveProperty('req');
    expect(appCapture.text).not.toContain('reset-token-0123456789abcdef');
    expect(appCapture.text).not.toContain('q-secret-token-42');
    expectNoSecrets(appCapture.text + redactedCapture.text);
  });
});
