import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { descriptorSpecMismatch, descriptorSpecRecord } from '../../../src/core/classical/descriptor-spec.js';
import {
  DEFAULT_CLASSICAL_FEATURES,
  familySpec,
  ROBUST_CLASSICAL_FEATURES,
} from '../../../src/core/classical/featurize.js';
import { loadBundleFromDir } from '../../../src/node/bundle-io.js';

const MODELS = fileURLToPath(new URL('../../../models', import.meta.url));

/** A copy of models/emodb (the mfcc family) whose manifest's descriptorSpec went through `edit`. */
async function loadEdited(
  edit: (spec: Record<string, unknown> & { basic: Record<string, unknown> }) => void,
) {
  const dir = mkdtempSync(join(tmpdir(), 'emovox-spec-'));
  try {
    cpSync(join(MODELS, 'emodb'), dir, { recursive: true });
    const m = JSON.parse(readFileSync(join(dir, 'emovox.json'), 'utf8'));
    edit(m.classical.descriptorSpec);
    if (m.classical.descriptorSpec?.__delete) delete m.classical.descriptorSpec;
    writeFileSync(join(dir, 'emovox.json'), JSON.stringify(m));
    return await loadBundleFromDir(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('the shipped bundles record the descriptor spec this code computes', () => {
  for (const b of ['default', 'emodb', 'emodb-ravdess']) {
    const m = JSON.parse(readFileSync(join(MODELS, b, 'emovox.json'), 'utf8'));
    assert.equal(descriptorSpecMismatch(m.classical.descriptorSpec, m.classical.descriptors), null, b);
    assert.equal(m.classical.descriptorSpec.hash, descriptorSpecRecord(m.classical.descriptors).hash);
  }
  // The default is the robust3 family: its record names that family's options (the noise-floor
  // gate and the formant analysis included), not the MFCC ones.
  const d = JSON.parse(readFileSync(join(MODELS, 'default', 'emovox.json'), 'utf8'));
  assert.deepEqual(d.classical.descriptorSpec.families, ['robust3']);
  assert.equal(d.classical.descriptorSpec.robust.activeAboveFloorDb, 6);
  assert.equal(d.classical.descriptorSpec.robust.formants, true);
  assert.equal(d.classical.descriptorSpec.robust.formantAnalysis.lpcOrder, 8);
  assert.equal(d.classical.descriptorSpec.robust.bandLowHz, 300);
  assert.equal(d.classical.descriptorSpec.robust.bandHighHz, 3400);
  assert.match(
    descriptorSpecMismatch(
      { ...d.classical.descriptorSpec, robust: { ...d.classical.descriptorSpec.robust, bandHighHz: 4000 } },
      d.classical.descriptors,
    ) ?? '',
    /robust\.bandHighHz: bundle 4000, code 3400/,
  );
});

test('the spec names every constant family in vector order and changes with the spec', () => {
  const r = descriptorSpecRecord(DEFAULT_CLASSICAL_FEATURES);
  assert.deepEqual(r.families, ['mfcc', 'extended']);
  const mfcc = r.mfcc as Record<string, unknown>;
  assert.equal(mfcc.winLength, 400);
  assert.equal(mfcc.hopLength, 160);
  assert.equal(mfcc.nFft, 512);
  assert.deepEqual((r.basic as Record<string, unknown>).bandEdgesHz, [0, 500, 1000, 2000, 4000, 8000]);
  assert.deepEqual((r.extended as Record<string, unknown>).rolloffFractions, [0.25, 0.5, 0.75, 0.9]);
  const basicOnly = descriptorSpecRecord({ ...DEFAULT_CLASSICAL_FEATURES, extendedDescriptors: false });
  assert.deepEqual(basicOnly.families, ['mfcc', 'basic']);
  assert.notEqual(basicOnly.hash, r.hash);
  const at8k = descriptorSpecRecord({ ...DEFAULT_CLASSICAL_FEATURES, sampleRate: 8000 });
  assert.equal((at8k.frames as Record<string, unknown>).nFft, 256);
  // robust2 records its gate; robust's record is what bundles trained before robust2 recorded.
  const robust = descriptorSpecRecord(ROBUST_CLASSICAL_FEATURES);
  const robust2 = descriptorSpecRecord(familySpec('robust2'));
  assert.deepEqual(robust2.families, ['robust2']);
  assert.equal((robust2.robust as Record<string, unknown>).activeAboveFloorDb, 6);
  assert.equal((robust.robust as Record<string, unknown>).activeAboveFloorDb, undefined);
  assert.notEqual(robust.hash, robust2.hash);
  // robust3 adds the formants and their analysis constants; robust2's record has neither.
  const robust3 = descriptorSpecRecord(familySpec('robust3'));
  assert.deepEqual(robust3.families, ['robust3']);
  assert.equal((robust3.robust as Record<string, unknown>).formants, true);
  assert.equal((robust2.robust as Record<string, unknown>).formantAnalysis, undefined);
  assert.notEqual(robust3.hash, robust2.hash);
  // robust4 records its voice-quality analysis (the CPP window among it); robust3's does not.
  const robust4 = descriptorSpecRecord(familySpec('robust4'));
  assert.deepEqual(robust4.families, ['robust4']);
  const vq = (robust4.robust as Record<string, Record<string, unknown>>).voiceQualityAnalysis;
  assert.equal(vq.cppWindowSeconds, 0.04);
  assert.equal((robust3.robust as Record<string, unknown>).voiceQualityAnalysis, undefined);
  assert.notEqual(robust4.hash, robust3.hash);
});

test('loading refuses a bundle trained with other band edges, naming the constant and both values', async () => {
  await assert.rejects(
    loadEdited((s) => {
      s.basic.bandEdgesHz = [0, 400, 1000, 2000, 4000, 8000];
    }),
    (err: Error) => {
      assert.equal(err.name, 'BundleError');
      assert.match(
        err.message,
        /basic\.bandEdgesHz: bundle \[0,400,1000,2000,4000,8000\], code \[0,500,1000,2000,4000,8000\]/,
      );
      assert.match(err.message, /Retrain the bundle/);
      return true;
    },
  );
});

test('loading refuses another frame length, another version and a bundle without a recorded spec', async () => {
  await assert.rejects(
    loadEdited((s) => {
      (s.mfcc as Record<string, unknown>).winLength = 512;
    }),
    /mfcc\.winLength: bundle 512, code 400.*Retrain the bundle/,
  );
  await assert.rejects(
    loadEdited((s) => {
      s.version = 'emovox-descriptors/0';
    }),
    /version: bundle "emovox-descriptors\/0", code "emovox-descriptors\/1"/,
  );
  await assert.rejects(
    loadEdited((s) => {
      s.__delete = true;
    }),
    /records no descriptor spec \(classical\.descriptorSpec\).*Retrain the bundle/,
  );
  await assert.rejects(
    loadEdited((s) => {
      s.hash = '00000000';
    }),
    /does not match its constants/,
  );
});
