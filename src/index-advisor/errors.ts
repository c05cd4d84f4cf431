/**
 * One-line errors for the advisor: the CLI prints the message as is and exits with the code (1 failure, 2 usage).
 */
export class AdvisorError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 1,
  ) {
    super(message);
  }
}

/** The URL with its password masked, for messages. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}

/** pg's message when a query outlives its query_timeout. */
const QUERY_TIMEOUT = 'Query read timeout';

/** Turns a pg / network error into the one line a user can act on. */
export function describeDatabaseError(error: unknown, url: string): AdvisorError {
  if (error instanceof AdvisorError) return error;
  const failed = error as { code?: string; message?: string };
  const message = (failed.message ?? String(error)).split('\n')[0] ?? '';
  const where = redactUrl(url);
  if (message === QUERY_TIMEOUT) {
    return new AdvisorError(
      `${where} did not answer a query within the client-side limit (--query-timeout): the server may be frozen or overloaded`,
    );
  }
  switch (failed.code) {
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
      return new AdvisorError(`cannot connect to ${where}: ${message}`);
    case '28P01':
    case '28000':
      return new AdvisorError(`cannot log in to ${where}: ${message}`);
    case '3D000':
      return new AdvisorError(`database of ${where} does not exist: ${message}`);
    case '42501':
      return new AdvisorError(
        `permission denied on ${where}: ${message} (the advisor needs to read pg_stat_statements and the catalog; grant pg_read_all_stats)`,
      );
    default:
      return new AdvisorError(`${where}: ${message}`);
  }
}

/** Parses and checks a connection URL before any network traffic, so a typo is a usage error. */
export function checkDatabaseUrl(url: string | undefined): string {
  if (url === undefined || url === '') {
    throw new AdvisorError('no database: pass --database-url <postgres://user@host:port/db> or set DATABASE_URL', 2);
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new AdvisorError(
      `--database-url is not a URL: ${JSON.stringify(redactUrl(url))} (expected postgres://user@host:port/db)`,
      2,
    );
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new AdvisorError(
      `--database-url must start with postgres:// or postgresql://, got ${JSON.stringify(parsed.protocol)}`,
      2,
    );
  }
  return url;
}
