// GraphQL resolvers: a real graphql-js execution of a schema whose login / register resolvers are wrapped, and a
// resolver class method decorated with AuthLoggedResolver; a real pino logger writing to a stream the test reads.
import {
  graphql,
  GraphQLBoolean,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLString,
  GraphQLError,
} from 'graphql';
import { pino } from 'pino';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AuthLoggedResolver,
  configureAuthLogging,
  resetAuthLoggingConfig,
  withAuthLogging,
} from '../../../runtime/src/index.js';
import { ALICE, ALICE_JWT, decideLogin, expectNoSecrets, LogCapture } from './support.js';

afterEach(() => resetAuthLoggingConfig());

function capturing(): LogCapture {
  const capture = new LogCapture();
  configureAuthLogging({ logger: pino(capture) });
  return capture;
}

const FieldError = new GraphQLObjectType({
  name: 'FieldError',
  fields: { field: { type: GraphQLString }, message: { type: GraphQLString } },
});
const LoginPayload = new GraphQLObjectType({
  name: 'LoginPayload',
  fields: {
    token: { type: GraphQLString },
    userId: { type: GraphQLString },
    errors: { type: new GraphQLList(FieldError) },
  },
});

/** The login rules of every framework test, answered the GraphQL way: a payload, in-band errors, a thrown error. */
const loginResolver = async (_parent: unknown, args: { email: string; password: string }) => {
  const decision = decideLogin(args);
  if (decision.kind === 'explode') throw decision.error;
  if (decision.kind === 'invalid' && decision.status === 400) {
    throw new GraphQLError('invalid input', { extensions: { code: 'BAD_USER_INPUT' } });
  }
  if (decision.kind !== 'ok') return { errors: [{ field: 'password', message: 'invalid credentials' }] };
  return { token: decision.token, userId: decision.userId };
};

const schema = new GraphQLSchema({
  query: new GraphQLObjectType({ name: 'Query', fields: { ok: { type: GraphQLBoolean, resolve: () => true } } }),
  mutation: new GraphQLObjectType({
    name: 'Mutation',
    fields: {
      login: {
        type: LoginPayload,
        args: {
          email: { type: new GraphQLNonNull(GraphQLString) },
          password: { type: new GraphQLNonNull(GraphQLString) },
        },
        resolve: withAuthLogging('login', loginResolver),
      },
    },
  }),
});

const LOGIN =
  'mutation ($email: String!, $password: String!) { login(email: $email, password: $password) { token userId errors { field } } }';

function execute(email: string, password: string, requestId = 'req-1') {
  const contextValue = { req: { headers: { 'x-request-id': requestId, authorization: `Bearer ${ALICE_JWT}` } } };
  return graphql({ schema, source: LOGIN, variableValues: { email, password }, contextValue });
}

describe('withAuthLogging on GraphQL resolvers (graphql-js execution)', () => {
  it('logs one line per mutation: success with the user id, in-band errors and client errors as failures, a crash as an error', async () => {
    const capture = capturing();
    const ok = await execute(ALICE.email, ALICE.password, 'r-ok');
    expect(ok.errors).toBeUndefined();
    expect(ok.data?.login).toMatchObject({ token: ALICE_JWT, userId: ALICE.id });
    const wrong = await execute(ALICE.email, 'wrong', 'r-denied');
    expect((wrong.data?.login as { errors: unknown[] }).errors).toHaveLength(1);
    const invalid = await execute(ALICE.email, '', 'r-invalid');
    expect(invalid.errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
    const crash = await execute(ALICE.email, 'explode-now', 'r-crash');
    expect(crash.errors?.[0]?.message).toBe('user store unavailable');

    const lines = capture.outcomes();
    expect(lines).toHaveLength(4);
    const byId = (id: string) => lines.find((line) => line.request_id === id);
    expect(byId('r-ok')).toMatchObject({
      action: 'login',
      outcome: 'success',
      user_id: ALICE.id,
      route: 'Mutation.login',
      email: 'a***@example.com',
    });
    expect(byId('r-denied')).toMatchObject({ outcome: 'failure', route: 'Mutation.login' });
    expect(byId('r-invalid')).toMatchObject({ outcome: 'failure', reason: 'bad_request' });
    expect(byId('r-crash')).toMatchObject({ outcome: 'error' });
    for (const line of lines) expect(line).not.toHaveProperty('status_code');
    expectNoSecrets(capture.text);
  });

  it('is transparent: random inputs give the same GraphQL result wrapped and unwrapped, and exactly one line each', async () => {
    const bare = new GraphQLSchema({
      query: schema.getQueryType() ?? undefined,
      mutation: new GraphQLObjectType({
        name: 'Mutation',
        fields: {
          login: {
            ...schema.getMutationType()!.getFields().login!,
            args: { email: { type: GraphQLString }, password: { type: GraphQLString } },
            resolve: loginResolver,
          },
        },
      }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(ALICE.email, 'bob@example.com', ''),
        fc.constantFrom(ALICE.password, 'x', '', 'explode-now'),
        async (email, password) => {
          const capture = capturing();
          const wrapped = await execute(email, password);
          const unwrapped = await graphql({
            schema: bare,
            source: LOGIN,
            variableValues: { email, password },
            contextValue: {},
          });
          expect(JSON.parse(JSON.stringify(wrapped))).toEqual(JSON.parse(JSON.stringify(unwrapped)));
          expect(capture.outcomes()).toHaveLength(1);
        },
      ),
      { numRuns: 25 },
    );
  });
});

describe('AuthLoggedResolver on resolver class methods', () => {
  class UserResolver {
    calls = 0;
    async login(
      options: { usernameOrEmail: string; password: string },
      ctx: { req: { headers: Record<string, string> } },
    ) {
      this.calls++;
      void ctx;
      const decision = decideLogin({ email: options.usernameOrEmail, password: options.password });
      if (decision.kind === 'ok') return { user: { id: decision.userId } };
      return { errors: [{ field: 'password', message: 'incorrect password' }] };
    }
  }
  const descriptor = Object.getOwnPropertyDescriptor(UserResolver.prototype, 'login')!;
  AuthLoggedResolver('login')(UserResolver.prototype, 'login', descriptor);
  Object.defineProperty(UserResolver.prototype, 'login', descriptor);

  it('keeps `this`, the arguments and the result, and logs the payload outcome with the request id of the context argument', async () => {
    const capture = capturing();
    const resolver = new UserResolver();
    const ok = await resolver.login(
      { usernameOrEmail: ALICE.email, password: ALICE.password },
      { req: { headers: { 'x-request-id': 'c-ok' } } },
    );
    const bad = await resolver.login(
      { usernameOrEmail: ALICE.email, password: 'nope' },
      { req: { headers: { 'x-request-id': 'c-bad' } } },
    );
    expect(ok).toEqual({ user: { id: ALICE.id } });
    expect(bad).toMatchObject({ errors: [{ field: 'password' }] });
    expect(resolver.calls).toBe(2);
    expect(UserResolver.prototype.login.name).toBe('login');
    const lines = capture.outcomes();
    expect(lines).toHaveLength(2);
    expect(lines.find((line) => line.request_id === 'c-ok')).toMatchObject({
      outcome: 'success',
      user_id: ALICE.id,
      route: 'login',
    });
    expect(lines.find((line) => line.request_id === 'c-bad')).toMatchObject({ outcome: 'failure' });
    expectNoSecrets(capture.text);
  });

  it('refuses an unknown action when decorating', () => {
    expect(() => AuthLoggedResolver('sign-in' as never)).toThrow(/unknown auth action/);
  });
});
