// Action → event name. OWASP Logging Vocabulary names where one exists (authn_login_success, authn_login_fail,
// authn_password_change, authn_password_change_fail, authn_token_created, user_created, session_created,
// session_renewed, session_expired); the same `authn_<action>_fail` pattern elsewhere. An error (thrown / 5xx) uses
// the failure name: the `outcome` field tells the two apart.
import type { AuthAction, AuthOutcome, ResolvedAuthOptions } from './types.js';

interface EventPair {
  success: string;
  fail: string;
}

const EVENTS: Record<AuthAction, EventPair> = {
  login: { success: 'authn_login_success', fail: 'authn_login_fail' },
  logout: { success: 'session_expired', fail: 'authn_logout_fail' },
  register: { success: 'user_created', fail: 'authn_register_fail' },
  token: { success: 'authn_token_created', fail: 'authn_token_fail' },
  refresh: { success: 'session_renewed', fail: 'authn_token_refresh_fail' },
  password_reset: { success: 'authn_password_reset', fail: 'authn_password_reset_fail' },
  password_change: { success: 'authn_password_change', fail: 'authn_password_change_fail' },
  verify: { success: 'authn_verify_success', fail: 'authn_verify_fail' },
  mfa: { success: 'authn_mfa_success', fail: 'authn_mfa_fail' },
  session: { success: 'session_created', fail: 'authn_session_fail' },
};

export const AUTH_ACTIONS = Object.keys(EVENTS) as AuthAction[];

export function isAuthAction(value: unknown): value is AuthAction {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(EVENTS, value);
}

export function eventName(action: AuthAction, outcome: AuthOutcome, override?: ResolvedAuthOptions['event']): string {
  if (typeof override === 'string') return override;
  const custom = override?.[outcome];
  if (custom) return custom;
  const pair = EVENTS[action];
  return outcome === 'success' ? pair.success : pair.fail;
}
