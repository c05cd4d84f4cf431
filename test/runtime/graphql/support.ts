// A small gateway-like schema (users, posts, a union, an interface, a mutation, a failing field, an async field)
// and a capture logger, shared by the GraphQL runtime tests and the bench.
import { Writable } from 'node:stream';
import { buildSchema, type GraphQLSchema } from 'graphql';
import { pino } from 'pino';

export const TYPE_DEFS = /* GraphQL */ `
  interface Node {
    id: ID!
  }
  type User implements Node {
    id: ID!
    name: String!
    email: String
    posts(first: Int = 2): [Post!]!
  }
  type Post implements Node {
    id: ID!
    title: String!
    author: User!
    tags: [String!]!
  }
  union SearchResult = User | Post
  enum Order {
    NEWEST
    OLDEST
  }
  input PostFilter {
    tag: String
    order: Order = NEWEST
  }
  type Query {
    me: User
    user(id: ID!): User
    feed(first: Int = 3, filter: PostFilter): [Post!]!
    search(text: String!): [SearchResult!]!
    node(id: ID!): Node
    broken: String
    slow: String
  }
  type Mutation {
    login(email: String!, password: String!): User
  }
`;

export function makeSchema(typeDefs: string = TYPE_DEFS): GraphQLSchema {
  return buildSchema(typeDefs);
}

const users = [
  { id: 'u1', name: 'Ada', email: 'ada@example.com' },
  { id: 'u2', name: 'Grace', email: null },
];
const posts = [
  { id: 'p1', title: 'Hello', authorId: 'u1', tags: ['intro'] },
  { id: 'p2', title: 'Caching', authorId: 'u2', tags: ['perf', 'graphql'] },
  { id: 'p3', title: 'Queues', authorId: 'u1', tags: ['kafka'] },
];
const withPosts = (user: (typeof users)[number]) => ({
  ...user,
  __typename: 'User',
  posts: ({ first }: { first: number }) =>
    posts
      .filter((post) => post.authorId === user.id)
      .slice(0, first)
      .map(withAuthor),
});
const withAuthor = (post: (typeof posts)[number]): Record<string, unknown> => ({
  ...post,
  __typename: 'Post',
  author: () => withPosts(users.find((user) => user.id === post.authorId)!),
});

/** The root value for buildSchema's default resolvers. */
export const ROOT = {
  me: () => withPosts(users[0]!),
  user: ({ id }: { id: string }) => {
    const user = users.find((candidate) => candidate.id === id);
    return user ? withPosts(user) : null;
  },
  feed: ({ first, filter }: { first: number; filter?: { tag?: string; order: string } }) => {
    const picked = posts.filter((post) => !filter?.tag || post.tags.includes(filter.tag));
    return (filter?.order === 'OLDEST' ? picked : [...picked].reverse()).slice(0, first).map(withAuthor);
  },
  search: ({ text }: { text: string }) => [
    ...users.filter((user) => user.name.includes(text)).map(withPosts),
    ...posts.filter((post) => post.title.includes(text)).map(withAuthor),
  ],
  node: ({ id }: { id: string }) => {
    const user = users.find((candidate) => candidate.id === id);
    if (user) return withPosts(user);
    const post = posts.find((candidate) => candidate.id === id);
    return post ? withAuthor(post) : null;
  },
  broken: () => {
    throw new Error('broken on purpose');
  },
  slow: async () => {
    await new Promise((resolve) => setTimeout(resolve, 1));
    return 'done';
  },
  login: ({ email }: { email: string }) => {
    const user = users.find((candidate) => candidate.email === email);
    return user ? withPosts(user) : null;
  },
};

/** A pino logger writing into an array of parsed lines. */
export function captureLogger(): { logger: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n'))
        if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

/** pino writes synchronously to a Writable only after a tick; wait for it. */
export const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** The same root as a resolver map (parent, args) for servers that take resolvers (Apollo, Yoga, Mercurius). */
export const RESOLVERS = (() => {
  const asResolver = (resolve: (args: never) => unknown) => (_parent: unknown, args: never) => resolve(args);
  const { login, ...queries } = ROOT;
  return {
    Query: Object.fromEntries(
      Object.entries(queries).map(([name, resolve]) => [name, asResolver(resolve as (args: never) => unknown)]),
    ),
    Mutation: { login: asResolver(login as (args: never) => unknown) },
  };
})();
