// Next.js App Router route handlers, served by a tiny Node adapter that does what Next does around them: builds a
// `Request` (with `signal` aborted on client disconnect), writes the returned `Response`, and turns the control-flow
// throws of redirect() / notFound() / unauthorized() (recognised by digest) into responses.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
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

type RouteHandler = (
  request: Request,
  context: { params: Promise<Record<string, string>> },
) => Response | Promise<Response>;
type RouteModule = Partial<Record<'GET' | 'POST', RouteHandler>>;

function nextError(digest: string): Error {
  return Object.assign(new Error(digest.split(';')[0]), { digest });
}

// ---- app/**/route.ts modules, as an app would write them (after the codemod) ----

const loginRoute: RouteModule = {
  POST: withAuthLogging('login', async (request: Request) => {
    const body: unknown = await request.json().catch(() => ({}));
    const decision = decideLogin(body);
    if (decision.kind === 'invalid') {
      if (decision.logReason) setAuthFailure(request, decision.logReason);
      return Response.json({ error: decision.error }, { status: decision.status });
    }
    if (decision.kind === 'explode') throw decision.error;
    if (decision.kind === 'slow') {
      await sleep(SLOW_MS);
      return Response.json({ user: { id: ALICE.id } });
    }
    return Response.json(
      { user: { id: decision.userId }, token: decision.token },
      { headers: { 'set-cookie': 'session=session-cookie-secret' } },
    );
  }),
};

const formLoginRoute: RouteModule = {
  // A form post that redirects on success (redirect() throws NEXT_REDIRECT) and calls unauthorized() otherwise.
  POST: withAuthLogging('login', async (request: Request) => {
    const form = await request.formData();
    if (form.get('password') !== ALICE.password) throw nextError('NEXT_HTTP_ERROR_FALLBACK;401');
    throw nextError('NEXT_REDIRECT;push;/dashboard;303;');
  }),
};

const verifyRoute: RouteModule = {
  GET: withAuthLogging('verify', () => {
    throw nextError('NEXT_HTTP_ERROR_FALLBACK;404');
  }),
};

// An email-verification link: the route calls a wrapped service with the token from the query string before any
// await, so the service joins the route's call (one line, the service's result gives the user id).
const checkVerifyToken = withAuthLogging('verify', async (token: unknown) =>
  token === 'link-token-0123456789' ? { userId: 'u-verified' } : null,
);
const verifyEmailRoute: RouteModule = {
  GET: withAuthLogging('verify', async (request: Request) => {
    const verified = await checkVerifyToken(new URL(request.url).searchParams.get('token'));
    return verified ? Response.json({ ok: true }) : Response.json({ error: 'invalid_token' }, { status: 400 });
  }),
};

const healthRoute: RouteModule = { GET: () => Response.json({ ok: true }) };

const ROUTES: Record<string, RouteModule> = {
  '/api/login': loginRoute,
  '/login/form': formLoginRoute,
  '/api/verify': verifyRoute,
  '/api/verify-email': verifyEmailRoute,
  '/api/health': healthRoute,
};

// ---- the adapter ----

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function toHeaders(req: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else if (value !== undefined) headers.set(name, value);
  }
  return headers;
}

async function writeResponse(res: ServerResponse, response: Response): Promise<void> {
  res.statusCode = response.status;
  response.headers.forEach((value, name) => res.setHeader(name, value));
  res.end(Buffer.from(await response.arrayBuffer()));
}

function controlFlowResponse(error: unknown): Response {
  const digest = (error as { digest?: unknown } | null)?.digest;
  if (typeof digest === 'string' && digest.startsWith('NEXT_REDIRECT')) {
    const [, , location, status] = digest.split(';');
    return new Response(null, { status: Number(status) || 307, headers: { location: location ?? '/' } });
  }
  if (typeof digest === 'string' && digest.startsWith('NEXT_HTTP_ERROR_FALLBACK;'))
    return new Response(null, { status: Number(digest.split(';')[1]) });
  return new Response('Internal Server Error', { status: 500 });
}

function serve(): Server {
  return createServer((req, res) => {
    void (async () => {
      const controller = new AbortController();
      res.on('close', () => {
        if (!res.writableFinished) controller.abort();
      });
      const handler = ROUTES[new URL(req.url ?? '/', 'http://x').pathname]?.[req.method as 'GET' | 'POST'];
      if (!handler) return void (await writeResponse(res, new Response(null, { status: 404 })));
      const body = req.method === 'GET' || req.method === 'HEAD' ? undefined : new Uint8Array(await readAll(req));
      const request = new Request(`http://127.0.0.1${req.url}`, {
        method: req.method,
        headers: toHeaders(req),
        body,
        signal: controller.signal,
      });
      let response: Response;
      try {
        response = await handler(request, { params: Promise.resolve({}) });
      } catch (error) {
        response = controlFlowResponse(error);
      }
      if (!res.destroyed) await writeResponse(res, response);
    })();
  });
}

const servers: Server[] = [];
afterEach(async () => {
  resetAuthLoggingConfig();
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

async function start(): Promise<{ baseUrl: string; capture: LogCapture }> {
  const capture = new LogCapture();
  configureAuthLogging({ logger: pino(capture) });
  const server = serve();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return { baseUrl: baseUrlOf(server.address()), capture };
}

function postForm(baseUrl: string, path: string, fields: Record<string, string>, requestId: string): Promise<Response> {
  return fetch(new URL(path, baseUrl), {
    method: 'POST',
    redirect: 'manual',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-request-id': requestId,
      cookie: 'sid=cookie-secret-value-123',
    },
    body: new URLSearchParams(fields).toString(),
  });
}

describe('withAuthLogging on Next.js route handlers', () => {
  it('writes one outcome line per login request with the right fields and no secret', async () => {
    const { baseUrl, capture } = await start();
    const lines = await runLoginScenario({ baseUrl, capture, loginPath: '/api/login', otherPath: '/api/health' });
    expect(lines.success!.route).toBe('/api/login');
  });

  it('treats redirect() and notFound() as control flow, unauthorized() as a failure', async () => {
    const { baseUrl, capture } = await start();
    const redirected = await postForm(
      baseUrl,
      '/login/form',
      { email: ALICE.email, password: ALICE.password },
      'form-ok',
    );
    expect(redirected.status).toBe(303);
    const refused = await postForm(baseUrl, '/login/form', { email: ALICE.email, password: 'wrong-horse' }, 'form-bad');
    expect(refused.status).toBe(401);
    const missing = await send(baseUrl, '/api/verify', { method: 'GET', requestId: 'verify-404' });
    expect(missing.status).toBe(404);
    await capture.waitFor((lines) => lines.length >= 3);
    expect(capture.byRequestId('form-ok')).toMatchObject([
      { level: 30, outcome: 'success', status_code: 303, email: 'a***@example.com' },
    ]);
    expect(capture.byRequestId('form-bad')).toMatchObject([
      { level: 40, outcome: 'failure', status_code: 401, reason: 'unauthorized', email: 'a***@example.com' },
    ]);
    expect(capture.byRequestId('verify-404')).toMatchObject([
      { level: 30, event: 'authn_verify_success', outcome: 'success', status_code: 404 },
    ]);
    expectNoSecrets(capture.text);
  });

  it('writes one line when the route calls a wrapped service with the token before its first await', async () => {
    const { baseUrl, capture } = await start();
    expect(
      (await send(baseUrl, '/api/verify-email?token=link-token-0123456789', { method: 'GET', requestId: 'link-ok' }))
        .status,
    ).toBe(200);
    expect(
      (await send(baseUrl, '/api/verify-email?token=forged', { method: 'GET', requestId: 'link-bad' })).status,
    ).toBe(400);
    await capture.waitFor((lines) => lines.length >= 2);
    await sleep(50);
    expect(capture.outcomes()).toHaveLength(2);
    expect(capture.byRequestId('link-ok')).toMatchObject([
      { event: 'authn_verify_success', route: '/api/verify-email', status_code: 200, user_id: 'u-verified' },
    ]);
    expect(capture.byRequestId('link-bad')).toMatchObject([
      { event: 'authn_verify_fail', outcome: 'failure', status_code: 400 },
    ]);
    expect(capture.text).not.toContain('link-token-0123456789');
  });
});
