/**
 * `quickwins/grpc-connection-rotation`: a grpc-js `Server` without a max connection age (clients behind an L4
 * balancer stay pinned to it for hours), fixed with `serverConnectionAge()`; and a gRPC client constructed inside a
 * function (per request: a new channel, TLS handshake and HTTP/2 connection on every call, and grpc-js shares them
 * anyway), reported without a fix: make it once per process, with `rotatingClient`.
 *
 * The ESLint front end of the `grpc-rotation` codemod: sites come from the shared detector
 * (src/grpc-rotation/grpc-clients.ts) and the server fix from the same `planGrpcRewrites`.
 */
import type { TSESTree } from '@typescript-eslint/utils';
import { sniffCodeStyle } from '../../src/core/code-style.js';
import { findGrpcSites, planGrpcRewrites, setsConnectionAge } from '../../src/grpc-rotation/grpc-clients.js';
import { sniffModuleStyle } from '../../src/core/module-style.js';
import type { TypeServices } from '../../src/core/parse.js';
import { createRule } from '../util/create-rule.js';

export interface GrpcConnectionRotationOptions {
  /** Module the fix imports `serverConnectionAge` from. */
  readonly importFrom?: string;
  /** Report gRPC clients constructed inside a function (default true). */
  readonly checkClientsPerCall?: boolean;
}

type MessageIds = 'serverWithoutAge' | 'clientPerCall';

export default createRule<[GrpcConnectionRotationOptions], MessageIds>({
  name: 'grpc-connection-rotation',
  meta: {
    type: 'problem',
    fixable: 'code',
    docs: {
      description: 'Require a max connection age on grpc-js servers and disallow gRPC clients constructed per call',
      recommended: true,
      requiresTypeChecking: false,
    },
    schema: [
      {
        type: 'object',
        properties: {
          importFrom: {
            type: 'string',
            minLength: 1,
            description: "Module to import serverConnectionAge from (default '@quickwins/runtime/grpc').",
          },
          checkClientsPerCall: {
            type: 'boolean',
            description: 'Report gRPC clients constructed inside a function (default true).',
          },
        },
        additionalProperties: false,
      },
    ],
    messages: {
      serverWithoutAge:
        'This grpc-js server never closes a connection, so clients behind an L4 balancer stay on it for hours and new pods get ' +
        'nothing. Spread `serverConnectionAge()` from {{from}} into its options (or run `npx quickwins grpc-rotation`).',
      clientPerCall:
        '`new {{client}}(…)` inside a function makes a gRPC client per call. Make it once per process, with ' +
        '`rotatingClient({{client}}, …)` from {{from}} so its connection is renewed and spread over the backends.',
    },
    defaultOptions: [{ importFrom: '@quickwins/runtime/grpc', checkClientsPerCall: true }],
  },
  create(context, [options]) {
    const importFrom = options.importFrom ?? '@quickwins/runtime/grpc';
    const sourceCode = context.sourceCode;
    const text = sourceCode.text;
    if (!/grpc/i.test(text)) return {};
    const services = sourceCode.parserServices as { program?: unknown; esTreeNodeToTSNodeMap?: unknown } | undefined;
    const types = services?.program && services.esTreeNodeToTSNodeMap ? (services as TypeServices) : undefined;
    return {
      'Program:exit'(node): void {
        const program = node as unknown as Parameters<typeof findGrpcSites>[0];
        const scan = findGrpcSites(program, types ? { types } : {});
        const style = {
          from: importFrom,
          moduleStyle: sniffModuleStyle(program, context.physicalFilename),
          style: sniffCodeStyle(program, text),
        };
        for (const server of scan.servers) {
          if (setsConnectionAge(server.node, program)) continue;
          context.report({
            node: server.node as unknown as TSESTree.Node,
            messageId: 'serverWithoutAge',
            data: { from: `'${importFrom}'` },
            fix: (fixer) =>
              planGrpcRewrites(program, text, { clients: [], servers: [server] }, style).edits.map((edit) =>
                fixer.replaceTextRange([edit.start, edit.end], edit.text),
              ),
          });
        }
        if (options.checkClientsPerCall === false) return;
        // A one-shot client is left by the codemod (nothing to rotate) but is still made per call.
        for (const client of [...scan.clients, ...scan.left]) {
          if (!client.perCall || client.node.type !== 'NewExpression') continue;
          context.report({
            node: client.node as unknown as TSESTree.Node,
            messageId: 'clientPerCall',
            data: {
              client: sourceCode.text.slice(client.node.callee.range[0], client.node.callee.range[1]),
              from: `'${importFrom}'`,
            },
          });
        }
      },
    };
  },
});
