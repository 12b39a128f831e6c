/**
 * npm run golden: rewrites test/fixtures/golden/<bundle>.json for every bundle in models/ from
 * the current code and bundles (descriptor or frame vectors and probabilities of each file in
 * samples/). Run it in the same commit as a retrained bundle; the golden test fails otherwise.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { computeGolden, GOLDEN_DIR, shippedBundles } from '../test/helpers/golden.js';

mkdirSync(GOLDEN_DIR, { recursive: true });
for (const bundle of shippedBundles()) {
  const g = await computeGolden(bundle);
  const path = join(GOLDEN_DIR, `${bundle}.json`);
  writeFileSync(path, JSON.stringify(g, null, 1) + '\n');
  process.stdout.write(`wrote ${path} (${Object.keys(g.samples).length} samples)\n`);
}
