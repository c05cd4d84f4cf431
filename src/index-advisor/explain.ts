/**
 * EXPLAINs of workload statements sent many to a round trip: one statement's plan takes the server a fraction of
 * a millisecond, the round trip around it several times that. Sampled values are written into the statement as
 * literals (planned as bound parameters are: as constants); a generic plan is EXPLAIN (GENERIC_PLAN) from
 * PostgreSQL 16, before that a prepared statement forced to its generic plan.
 */
import { parseSync } from 'libpg-query';
import type pg from 'pg';
import { sqlLiteral } from './escape.js';
import type { ParsedStatement } from './types.js';

type Parsed = Extract<ParsedStatement, { kind: 'parsed' }>;

export interface PlanNode {
  readonly 'Node Type': string;
  readonly 'Total Cost': number;
  readonly 'Plan Rows': number;
  readonly 'Relation Name'?: string;
  readonly 'Index Name'?: string;
  readonly Plans?: readonly PlanNode[];
}

/** One plan to make: with these parameter values, or the generic plan when there are none. */
export interface PlanRequest {
  readonly statement: Parsed;
  readonly values?: readonly string[];
}

/** EXPLAINs a round trip: large enough that the round trip costs little, small enough to redo one by one. */
const BATCH = 64;

/** Each request's plan, or the error it alone raised (one failing EXPLAIN does not cost the others theirs). */
export async function explainMany(
  client: pg.ClientBase,
  requests: readonly PlanRequest[],
  serverVersion: number,
): Promise<(PlanNode | Error)[]> {
  const plans: (PlanNode | Error)[] = [];
  for (let start = 0; start < requests.length; start += BATCH) {
    const chunk = requests.slice(start, start + BATCH);
    try {
      plans.push(...(await explainChunk(client, chunk, serverVersion)));
    } catch {
      for (const request of chunk) {
        plans.push(
          await explainChunk(client, [request], serverVersion).then(
            ([plan]) => plan as PlanNode,
            (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
          ),
        );
      }
    }
  }
  return plans;
}

async function explainChunk(
  client: pg.ClientBase,
  chunk: readonly PlanRequest[],
  serverVersion: number,
): Promise<PlanNode[]> {
  const commands: string[] = [];
  const planAt: number[] = [];
  const prepared = serverVersion < 160000 && chunk.some((request) => request.values === undefined);
  // LOCAL: the batch runs as one implicit transaction, so the caller's session keeps its own plan cache mode.
  if (prepared) commands.push('SET LOCAL plan_cache_mode = force_generic_plan');
  for (const [index, request] of chunk.entries()) {
    const query = request.statement.statement.query.trim().replace(/;+\s*$/, '');
    if (request.values !== undefined) {
      planAt.push(commands.length);
      commands.push(`EXPLAIN (FORMAT JSON) ${withLiterals(query, request.values)}`);
    } else if (serverVersion >= 160000) {
      planAt.push(commands.length);
      commands.push(`EXPLAIN (GENERIC_PLAN, FORMAT JSON) ${query}`);
    } else {
      // Executed with NULLs by EXPLAIN only: the generic plan does not look at them.
      const name = `quickwins_advisor_${index}`;
      const count = request.statement.parameters;
      const parameters = count > 0 ? `(${Array.from({ length: count }, () => 'NULL').join(', ')})` : '';
      commands.push(`PREPARE ${name} AS ${query}`);
      planAt.push(commands.length);
      commands.push(`EXPLAIN (FORMAT JSON) EXECUTE ${name}${parameters}`, `DEALLOCATE ${name}`);
    }
  }
  try {
    const result = (await client.query(commands.join(';\n'))) as unknown as pg.QueryResult | pg.QueryResult[];
    const results = Array.isArray(result) ? result : [result];
    return planAt.map((at) => planOf(results[at]?.rows[0]));
  } catch (error) {
    if (prepared) await deallocateOwn(client);
    throw error;
  }
}

/**
 * Drops the advisor's own prepared statements a failed batch left behind. Never `DEALLOCATE ALL`: the caller's
 * connection may hold its own (node-postgres keeps named statements prepared).
 */
export async function deallocateOwn(client: pg.ClientBase): Promise<void> {
  const own = await client
    .query<{ name: string }>(`SELECT name FROM pg_prepared_statements WHERE name LIKE 'quickwins\\_advisor%'`)
    .catch(() => undefined);
  for (const { name } of own?.rows ?? []) await client.query(`DEALLOCATE "${name}"`).catch(() => undefined);
}

export function planOf(row: Record<string, unknown> | undefined): PlanNode {
  const plan = (row?.['QUERY PLAN'] as { Plan: PlanNode }[] | undefined)?.[0]?.Plan;
  if (!plan) throw new Error('EXPLAIN returned no plan');
  return plan;
}

const parameterPlaces = new Map<string, { number: number; location: number }[]>();

/**
 * The statement with each `$n` replaced by its value as a string literal (typed by its context, as `$n` is). The
 * parser's locations count bytes, so the replacement works on the UTF-8 bytes.
 */
export function withLiterals(query: string, values: readonly string[]): string {
  let places = parameterPlaces.get(query);
  if (!places) {
    places = [];
    collectParameters(parseSync(query), places);
    places.sort((a, b) => b.location - a.location);
    parameterPlaces.set(query, places);
  }
  let bytes = Buffer.from(query, 'utf8');
  for (const { number, location } of places) {
    const value = values[number - 1];
    const written = Buffer.from(`$${number}`, 'utf8');
    if (value === undefined || !bytes.subarray(location, location + written.length).equals(written)) continue;
    bytes = Buffer.concat([
      bytes.subarray(0, location),
      Buffer.from(sqlLiteral(value), 'utf8'),
      bytes.subarray(location + written.length),
    ]);
  }
  return bytes.toString('utf8');
}

function collectParameters(node: unknown, places: { number: number; location: number }[]): void {
  if (Array.isArray(node)) {
    for (const item of node) collectParameters(item, places);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const reference = (node as { ParamRef?: { number?: number; location?: number } }).ParamRef;
  if (reference?.number !== undefined && reference.location !== undefined) {
    places.push({ number: reference.number, location: reference.location });
  }
  for (const value of Object.values(node)) collectParameters(value, places);
}
