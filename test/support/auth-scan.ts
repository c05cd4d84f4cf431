// The auth detector on one source text, and its verdicts as lines a test compares: shared by the precision and
// recall tests.
import { findAuthHandlers, type AuthHandlerScan } from '../../src/auth-logging/index.js';
import { parseSource } from '../../src/core/parse.js';

export function scanAuth(source: string, filePath: string): AuthHandlerScan {
  return findAuthHandlers(parseSource(filePath, source), { filePath });
}

/** `login POST /login` for each wrapped handler. */
export function wrapped(result: AuthHandlerScan): string[] {
  return result.handlers.map((site) => `${site.action} ${site.description}`);
}

/** `POST /users: <reason>` for each site left. */
export function left(result: AuthHandlerScan): string[] {
  return result.skipped.map((site) => `${site.description}: ${site.reason}`);
}
