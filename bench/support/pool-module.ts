/**
 * One large generated module full of node-postgres pool calls, for the runner's per-file scaling bench
 * (bench/file-size.ts) and tests (test/cli/large-files.test.ts). Each function brings its own pool and
 * two sites the codemod rewrites (an awaited `query` with type arguments, a callback `connect`), plus a
 * comment with a non-ASCII character and a call on a parameter the bindings cannot place.
 */
export const SITES_PER_FUNCTION = 2;

export function poolModule(functions: number): string {
  const parts = ["import { Pool } from 'pg';\n"];
  for (let index = 0; index < functions; index++) {
    parts.push(
      `const pool${index} = new Pool({ max: ${(index % 10) + 1} });\n` +
        `/** Reads row ${index}. */\n` +
        `export async function read${index}(id: number, other: { query(text: string): unknown }) {\n` +
        `  // call ${index}: café\n` +
        `  const result = await pool${index}.query<{ id: number }>('select ${index} from t where id = $1', [id]);\n` +
        `  pool${index}.connect((error, client, done) => { if (!error) done(); });\n` +
        `  other.query('select 1');\n` +
        `  return result.rows;\n` +
        `}\n`,
    );
  }
  return parts.join('');
}
