/**
 * socket.io event handlers: `socket.on('login', async (data, callback) => ...)`. They are request entry points, but
 * they answer through an acknowledgement callback or an emit, which the runtime cannot read: wrapping one would log
 * every sign-in as a failure (its return value is undefined). Auth events are found and reported, never wrapped.
 */
import type { TSESTree } from '@typescript-eslint/typescript-estree';
import { isFunctionNode } from '../core/ast-helpers.js';
import type { AuthScan } from './scan.js';
import { actionOfWords, authWords, DECOYS, has } from './vocabulary.js';

const SOCKET_NAME = /^(socket|sock|client|conn|connection|ws)$|Socket$/i;
/** Event words that read or subscribe rather than act (`twoFAStatus`, `sessions:get`, `push:register`). */
const READ_WORDS = new Set([
  'status',
  'get',
  'list',
  'need',
  'needs',
  'info',
  'push',
  'upload',
  'subscribe',
  'unsubscribe',
]);

/** The event's name as written: a string, or the last name of a constant (`Events.REQUEST_LOGIN`). */
function eventName(node: TSESTree.Node | undefined): string | undefined {
  if (node?.type === 'Literal' && typeof node.value === 'string') return node.value;
  if (node?.type === 'TemplateLiteral' && node.expressions.length === 0)
    return node.quasis[0]?.value.cooked ?? undefined;
  if (node?.type === 'MemberExpression' && !node.computed && node.property.type === 'Identifier')
    return node.property.name;
  return undefined;
}

export function detectSocketEvent(scan: AuthScan, call: TSESTree.CallExpression): void {
  const callee = call.callee;
  if (
    callee.type !== 'MemberExpression' ||
    callee.computed ||
    callee.property.type !== 'Identifier' ||
    callee.property.name !== 'on'
  )
    return;
  if (callee.object.type !== 'Identifier' || !SOCKET_NAME.test(callee.object.name)) return;
  const [event, handler] = call.arguments;
  const name = eventName(event);
  if (
    name === undefined ||
    !handler ||
    !(isFunctionNode(handler) || handler.type === 'Identifier' || handler.type === 'MemberExpression')
  )
    return;
  // `prepare2FA` splits as `prepare2 fa`: the factor is named before the words are split.
  const words = authWords(name.replace(/2fa/i, ' 2fa '));
  if (has(words, DECOYS) || has(words, READ_WORDS)) return;
  const action =
    actionOfWords(words)?.action ??
    (words.includes('auth') || (words.length === 1 && words[0] === 'setup') ? 'login' : undefined);
  if (!action) return;
  scan.skipped.push({
    framework: 'socket.io',
    description: `socket.on('${name}')`,
    node: call,
    reason: `a socket.io ${action} event answers through an acknowledgement callback or an emit, which withAuthLogging cannot read (it would log every attempt as a failure); log its outcome by hand`,
  });
}
