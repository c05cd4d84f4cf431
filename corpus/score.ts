/**
 * `npm run corpus -- <checkouts-dir> [--heldout]`: scores the codemods on the hand-labelled corpus (see corpus/README.md).
 * Runs corpus/score-pool.ts with `--tests` (and on its held-out labels when corpus/heldout-pool-labels.tsv exists),
 * then corpus/score-auth.ts when it exists (same interface: a module exporting
 * `scoreAuth(checkoutsDir): Promise<{ table: string; ok: boolean }>`), then corpus/score-libs.ts (graphql-cache,
 * kafka-dedupe, grpc-rotation; `--heldout` scores their held-out labels instead of the tuning ones). Fetches nothing;
 * exit 1 when a scorer fails, 2 on usage errors.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { formatLibsScores, libsScoresOk, scoreLibs } from './score-libs.js';
import { HELDOUT_LABELS, formatPoolScores, heldOutFiles, scorePool } from './score-pool.js';

interface AuthScorer {
  scoreAuth(checkoutsDir: string): Promise<{ table: string; ok: boolean }>;
}

async function main(argv: readonly string[]): Promise<number> {
  const [dir] = argv.filter((arg) => !arg.startsWith('--'));
  if (!dir) {
    process.stderr.write(
      'usage: npm run corpus -- <checkouts-dir>   (folders named <owner>+<name>, see corpus/README.md)\n',
    );
    return 2;
  }
  const checkouts = resolve(dir);
  if (!existsSync(checkouts)) {
    process.stderr.write(`corpus: ${checkouts} does not exist\n`);
    return 2;
  }
  const tuned = await scorePool(checkouts, { extra: ['--tests'] });
  process.stdout.write(`## pool-backpressure (tuning corpus, --tests)\n\n${formatPoolScores(tuned)}\n`);
  if (existsSync(HELDOUT_LABELS)) {
    const heldOut = await scorePool(checkouts, { ...heldOutFiles(), extra: ['--tests'] });
    process.stdout.write(`\n## pool-backpressure (held out, --tests)\n\n${formatPoolScores(heldOut)}\n`);
  }
  const authScorer = fileURLToPath(new URL('./score-auth.ts', import.meta.url));
  let ok = true;
  if (existsSync(authScorer)) {
    const { scoreAuth } = (await import(pathToFileURL(authScorer).href)) as AuthScorer;
    const auth = await scoreAuth(checkouts);
    process.stdout.write(`\n## auth-logging\n\n${auth.table}\n`);
    ok = auth.ok;
  }
  const libs = await scoreLibs(checkouts, { heldout: argv.includes('--heldout') });
  process.stdout.write(
    `\n## graphql-cache, kafka-dedupe, grpc-rotation${argv.includes('--heldout') ? ' (held-out)' : ''}\n\n${formatLibsScores(libs)}\n`,
  );
  return ok && libsScoresOk(libs) ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`corpus: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
