import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  bundleHash,
  computeGolden,
  GOLDEN_DIR,
  MODELS_DIR,
  sampleFiles,
  shippedBundles,
  type GoldenFile,
} from '../../helpers/golden.js';

/** Relative tolerance on descriptor / frame values (plus a tiny absolute floor for values near 0). */
const VECTOR_RTOL = 1e-5;
const VECTOR_ATOL = 1e-9;
/** Absolute tolerance on probabilities. */
const PROB_ATOL = 1e-6;

const REGENERATE =
  'If the change is deliberate, retrain the bundle (emovox train --config configs/<bundle>.json --out models/<bundle>) ' +
  'and run `npm run golden` in the same commit.';

test('every shipped bundle has goldens over samples/', () => {
  assert.ok(shippedBundles().length >= 1, 'models/ holds at least one bundle');
  assert.ok(sampleFiles().length >= 1, 'samples/ holds at least one file');
  for (const b of shippedBundles()) {
    assert.ok(
      existsSync(join(GOLDEN_DIR, `${b}.json`)),
      `models/${b} has no golden file; run \`npm run golden\``,
    );
  }
});

for (const bundle of shippedBundles()) {
  test(`models/${bundle}: descriptors and probabilities on samples/ equal the committed goldens`, async () => {
    const path = join(GOLDEN_DIR, `${bundle}.json`);
    if (!existsSync(path)) assert.fail(`no ${path}; run \`npm run golden\``);
    const golden = JSON.parse(readFileSync(path, 'utf8')) as GoldenFile;
    assert.equal(
      bundleHash(join(MODELS_DIR, bundle)),
      golden.bundleHash,
      `models/${bundle} changed since its goldens were written: run \`npm run golden\` in the same commit as the new bundle`,
    );
    const now = await computeGolden(bundle);
    assert.deepEqual(
      Object.keys(now.samples),
      Object.keys(golden.samples),
      'the golden covers every file of samples/; run `npm run golden`',
    );
    for (const [file, g] of Object.entries(golden.samples)) {
      const c = now.samples[file];
      assert.equal(c.vectorKind, g.vectorKind);
      assert.equal(
        c.vector.length,
        g.vector.length,
        `${file}: ${c.vectorKind} vector length changed. ${REGENERATE}`,
      );
      for (let i = 0; i < g.vector.length; i++) {
        const a = g.vector[i];
        const b = c.vector[i];
        const ok = Math.abs(a - b) <= VECTOR_RTOL * Math.max(Math.abs(a), Math.abs(b)) + VECTOR_ATOL;
        if (!ok) {
          assert.fail(
            `models/${bundle} on samples/${file}: ${g.vectorKind}[${i}] is ${b}, the golden says ${a} ` +
              `(tolerance ${VECTOR_RTOL} relative): the feature code no longer computes what this bundle was trained on. ${REGENERATE}`,
          );
        }
      }
      for (const [label, p] of Object.entries(g.probabilities)) {
        const q = c.probabilities[label];
        if (!(Math.abs(p - q) <= PROB_ATOL)) {
          assert.fail(
            `models/${bundle} on samples/${file}: P(${label}) is ${q}, the golden says ${p} (tolerance ${PROB_ATOL}). ${REGENERATE}`,
          );
        }
      }
    }
  });
}
