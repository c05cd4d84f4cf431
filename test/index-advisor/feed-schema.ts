/**
 * The plan's feed service in miniature: users, conversations, messages and content with soft deletes, seeded with
 * generate_series, and the workload whose right indexes are known (quick-wins plan, Day 2):
 * messages (conversation_id, created_at DESC) WHERE deleted_at IS NULL, messages (user_id, created_at DESC) WHERE
 * deleted_at IS NULL, content (user_id, created_at DESC) WHERE deleted_at IS NULL.
 */
import type pg from 'pg';

export const FEED_SCHEMA = `
CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL UNIQUE, name text NOT NULL);
CREATE TABLE conversations (id bigint PRIMARY KEY, title text NOT NULL, created_at timestamptz NOT NULL);
CREATE TABLE messages (
  id bigint PRIMARY KEY, conversation_id bigint NOT NULL, user_id bigint NOT NULL, body text NOT NULL,
  created_at timestamptz NOT NULL, deleted_at timestamptz
);
CREATE TABLE content (
  id bigint PRIMARY KEY, user_id bigint NOT NULL, title text NOT NULL, created_at timestamptz NOT NULL, deleted_at timestamptz
);`;

/** Rows: 2,000 users, 4,000 conversations, `messages` messages (1 in 10 soft-deleted), half as many content rows. */
export async function seedFeed(client: pg.ClientBase, messages = 200_000): Promise<void> {
  await client.query(FEED_SCHEMA);
  await client.query(
    `INSERT INTO users SELECT g, 'user' || g || '@example.com', 'User ' || g FROM generate_series(1, 2000) g`,
  );
  await client.query(
    `INSERT INTO conversations SELECT g, 'Conversation ' || g, now() - g * interval '1 hour' FROM generate_series(1, 4000) g`,
  );
  await client.query(
    `INSERT INTO messages
     SELECT g, 1 + (g::bigint * 7919) % 4000, 1 + (g::bigint * 104729) % 2000, repeat('message body ', 4),
            now() - g * interval '10 seconds', CASE WHEN g % 10 = 0 THEN now() END
       FROM generate_series(1, $1::int) g`,
    [messages],
  );
  await client.query(
    `INSERT INTO content
     SELECT g, 1 + (g::bigint * 15485863) % 2000, 'Post ' || g, now() - g * interval '30 seconds', CASE WHEN g % 10 = 0 THEN now() END
       FROM generate_series(1, $1::int) g`,
    [messages / 2],
  );
  await client.query('ANALYZE');
}

/** Each statement with the parameters of one call; `calls` varied ids. */
export const FEED_WORKLOAD: readonly { readonly sql: string; readonly params: (call: number) => unknown[] }[] = [
  {
    // The conversation page: newest visible messages first.
    sql: 'SELECT id, user_id, body, created_at FROM messages WHERE conversation_id = $1 AND deleted_at IS NULL ORDER BY created_at DESC LIMIT 50',
    params: (call) => [1 + ((call * 37) % 4000)],
  },
  {
    // The unread badge: served by the same index's leading column.
    sql: 'SELECT count(*) FROM messages WHERE conversation_id = $1 AND deleted_at IS NULL',
    params: (call) => [1 + ((call * 53) % 4000)],
  },
  {
    // A user's own messages.
    sql: 'SELECT m.id, m.body FROM messages m WHERE m.user_id = $1 AND m.deleted_at IS NULL ORDER BY m.created_at DESC LIMIT 20',
    params: (call) => [1 + ((call * 11) % 2000)],
  },
  {
    // The feed: a user's content, newest first.
    sql: 'SELECT id, title, created_at FROM content WHERE user_id = $1 AND deleted_at IS NULL ORDER BY created_at DESC LIMIT 20',
    params: (call) => [1 + ((call * 13) % 2000)],
  },
  {
    // Login: the unique constraint's index already serves it.
    sql: 'SELECT id, name FROM users WHERE email = $1',
    params: (call) => [`user${1 + (call % 2000)}@example.com`],
  },
  {
    // An export of most of the table: an index would not pay.
    sql: 'SELECT id, body FROM messages WHERE created_at > $1',
    params: () => [new Date(Date.now() - 86_400_000 * 365)],
  },
];

export async function runWorkload(client: pg.ClientBase, calls = 20): Promise<void> {
  for (let call = 0; call < calls; call++) {
    for (const statement of FEED_WORKLOAD) await client.query(statement.sql, statement.params(call));
  }
}
