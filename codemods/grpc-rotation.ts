/**
 * `npx quickwins grpc-rotation`: spreads grpc-js clients over the backends behind an L4 balancer, keeping every
 * other byte:
 *   new GreeterClient(address, credentials, options?) → rotatingClient(GreeterClient, address, credentials, options?)
 *   new grpc.Server(options?)                          → new grpc.Server({ ...serverConnectionAge(), ...options })
 * Detection and edits live in src/grpc-rotation/grpc-clients.ts (shared with the ESLint rule grpc-connection-rotation);
 * this file only wires options and turns sites into the report.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Codemod, CodemodInput, CodemodResult, CodemodSite } from '../src/codemod-host/codemod.js';
import { sniffCodeStyle } from '../src/core/code-style.js';
import { findGrpcSites, mayHaveGrpcSites, planGrpcRewrites } from '../src/grpc-rotation/grpc-clients.js';
import { sniffModuleStyle } from '../src/core/module-style.js';
import { positionsOf } from '../src/core/parse.js';
import { checkDeclaredRead } from '../src/core/project-reads.js';
import { isTestFileInPackage, leaveTestFile } from '../src/codemod-host/test-files.js';
import { toJscodeshiftTransform } from '../src/codemod-host/jscodeshift.js';

export interface GrpcRotationOptions {
  /** Module to import rotatingClient / serverConnectionAge from. */
  readonly importFrom: string;
  /** Also give servers a max connection age (default true). */
  readonly servers: boolean;
  /** Also rewrite test files (default false: a test's throwaway clients and servers are left, and reported). */
  readonly tests: boolean;
}

const EXTENSIONS = ['', '.ts', '.js', '.mts', '.mjs', '.cts', '.cjs', '/index.ts', '/index.js'];

/** Reads a relative import's module text, trying the usual extensions (`./greeter_grpc_pb` → `.js`, `.ts`). */
function moduleReader(filePath: string): ((specifier: string) => string | undefined) | undefined {
  if (!existsSync(filePath)) return undefined;
  return (specifier) => {
    checkDeclaredRead('imported-modules', `'${specifier}' from ${filePath}`);
    const base = resolve(dirname(filePath), specifier).replace(/\.[cm]?js$/, '');
    for (const extension of EXTENSIONS) {
      const candidate = base + extension;
      if (existsSync(candidate)) {
        try {
          return readFileSync(candidate, 'utf8').slice(0, 200_000);
        } catch {
          return undefined;
        }
      }
    }
    return undefined;
  };
}

export const codemod: Codemod<GrpcRotationOptions> = {
  id: 'grpc-rotation',
  summary: 'Wrap grpc-js clients in rotatingClient() and give grpc.Server a max connection age',
  options: [
    {
      flag: 'import-from',
      type: 'string',
      default: '@quickwins/runtime/grpc',
      description: 'module to import the helpers from',
    },
    {
      flag: 'servers',
      type: 'boolean',
      default: true,
      description: 'do not add serverConnectionAge() to new grpc.Server(...) (added by default)',
    },
    {
      flag: 'tests',
      type: 'boolean',
      default: false,
      description: 'also rewrite test files (left and reported by default)',
    },
  ],
  usesTypes: true,
  reads: ['package-json', 'imported-modules'],
  mightApply: (source) => mayHaveGrpcSites(source),
  transform(input) {
    const result = rewriteGrpc(input);
    return input.options.tests || !isTestFileInPackage(input.filePath) ? result : leaveTestFile(result);
  },
};

function rewriteGrpc({ filePath, source, program, options, types }: CodemodInput<GrpcRotationOptions>): CodemodResult {
  const scan = findGrpcSites(program, { types, readModule: moduleReader(filePath) });
  const positionOf = positionsOf(source);
  const servers = options.servers ? scan.servers : [];
  const plan = planGrpcRewrites(
    program,
    source,
    { clients: scan.clients, servers },
    {
      from: options.importFrom,
      moduleStyle: sniffModuleStyle(program, filePath),
      style: sniffCodeStyle(program, source),
    },
  );
  const rewritten: CodemodSite[] = [
    ...scan.clients.map((site) => ({
      ...positionOf(site.node.range[0]),
      message: `new ${source.slice(site.node.callee.range[0], site.node.callee.range[1])}(…) → rotatingClient(…) (${site.evidence})${site.perCall ? '; it is made inside a function: make it once per process' : ''}`,
    })),
    ...plan.rewrittenServers.map((site) => ({
      ...positionOf(site.node.range[0]),
      message: 'new grpc.Server(…) → with serverConnectionAge()',
    })),
  ];
  const left: CodemodSite[] = [
    ...scan.left,
    ...(options.servers
      ? []
      : scan.servers.map((site) => ({ node: site.node, reason: 'grpc.Server left: --no-servers' }))),
  ].map((site) => ({ ...positionOf(site.node.range[0]), message: site.reason }));
  const done = plan.done.map((site) => ({ ...positionOf(site.node.range[0]), message: site.reason }));
  return { edits: plan.edits, rewritten, left, done, imports: rewritten.length > 0 ? [options.importFrom] : [] };
}

export default toJscodeshiftTransform(codemod);
export const parser = 'tsx';
