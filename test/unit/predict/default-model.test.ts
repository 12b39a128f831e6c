import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Predictor } from '../../../src/core/predict.js';
import { loadBundleFromDir } from '../../../src/node/bundle-io.js';
import { SpeakerProfile } from '../../../src/core/speaker-profile.js';
import { decodeFile } from '../../../src/node/decode.js';
import { corpus } from '../../helpers/datasets.js';

const DEFAULT = fileURLToPath(new URL('../../../models/default', import.meta.url));
const EMODB = fileURLToPath(new URL('../../../models/emodb', import.meta.url));
const emodb = corpus('emodb');
const ravdess = corpus('ravdess');

/** The five emotions the three corpora share, plus disgust (sorted). */
const SHARED_SIX = ['anger', 'disgust', 'fear', 'happiness', 'neutral', 'sadness'];

test('the committed default model is multilingual, calibrated, and its card shows LOCO, channel and LOSO rows with every licence', async () => {
  const { manifest } = await loadBundleFromDir(DEFAULT);
  assert.deepEqual([...manifest.labels].sort(), SHARED_SIX);
  assert.equal(manifest.corpus, 'emodb+ravdess+ased');
  assert.equal(manifest.kind, 'classical');
  assert.ok(manifest.calibration && manifest.calibration.temperature > 0, 'calibrated by LOCO');
  assert.ok(manifest.calibration.uncertainBelow > 0 && manifest.calibration.uncertainBelow < 1);
  assert.equal(manifest.card, readFileSync(join(DEFAULT, 'MODEL_CARD.md'), 'utf8'));
  assert.match(manifest.card, /CC0/);
  assert.match(manifest.card, /CC BY-NC-SA 4\.0/);
  assert.match(manifest.card, /ASED[^\n]*\n?[^\n]*research/);
  const loco = JSON.parse(readFileSync(join(DEFAULT, 'loco.json'), 'utf8')) as {
    protocol: string;
    results: { heldOut: string; conditions: { condition: string; uar: number }[] }[];
  };
  assert.equal(loco.protocol, 'loco');
  assert.deepEqual(loco.results.map((r) => r.heldOut).sort(), ['ased', 'emodb', 'ravdess']);
  for (const r of loco.results)
    for (const c of r.conditions) {
      const row = manifest.card
        .split('\n')
        .find((l) => l.includes(`| loco, ${c.condition} on held-out ${r.heldOut} (`));
      assert.ok(row, `the card has a row for held-out ${r.heldOut}, ${c.condition}`);
      assert.match(row, new RegExp(`\\| ${(c.uar * 100).toFixed(1)} \\|`));
    }
  assert.match(manifest.card, /loso on manifest/);
});

test(
  'the default model classifies a real RAVDESS recording with calibrated probabilities',
  { skip: ravdess.skip },
  async () => {
    const predictor = Predictor.fromBundle(await loadBundleFromDir(DEFAULT));
    const audio = await decodeFile(`${ravdess.dir}/Actor_01/03-01-05-01-01-01-01.flac`);
    const p = await predictor.predict(audio.samples, audio.sampleRate);
    assert.ok(predictor.labels.includes(p.label));
    assert.equal(typeof p.uncertain, 'boolean');
    assert.ok(Math.abs(Object.values(p.probabilities).reduce((a, b) => a + b, 0) - 1) < 1e-5);
  },
);

test('the EMO-DB model (the default until issue 9) keeps its seven emotions and its LOSO figures', async () => {
  const { manifest } = await loadBundleFromDir(EMODB);
  assert.deepEqual([...manifest.labels].sort(), [
    'anger',
    'boredom',
    'disgust',
    'fear',
    'happiness',
    'neutral',
    'sadness',
  ]);
  assert.equal(manifest.corpus, 'emodb');
  assert.equal(manifest.kind, 'classical');
  // The card is rendered from the template and the committed evaluation files, the same text in both places.
  assert.equal(manifest.card, readFileSync(join(EMODB, 'MODEL_CARD.md'), 'utf8'));
  assert.match(manifest.card, /## Licence of the training data\n\n- .*CC0/);
  for (const [file, norm] of [
    ['loso.json', 'no'],
    ['loso-speaker-norm.json', 'yes'],
  ]) {
    const e = JSON.parse(readFileSync(join(EMODB, file), 'utf8')) as {
      protocol: string;
      uar: number;
      wa: number;
    };
    assert.equal(e.protocol, 'loso');
    const row = manifest.card.split('\n').find((l) => l.includes(`models/emodb/${file}`));
    assert.ok(row, `the card has a row for ${file}`);
    assert.match(
      row,
      new RegExp(`\\| ${norm} .*\\| ${(e.uar * 100).toFixed(1)} \\| ${(e.wa * 100).toFixed(1)} \\|`),
    );
  }
});

test('the EMO-DB model classifies a real EMO-DB recording', { skip: emodb.skip }, async () => {
  const predictor = Predictor.fromBundle(await loadBundleFromDir(EMODB));
  const audio = await decodeFile(`${emodb.dir}/wav/03a01Wa.wav`);
  const p = await predictor.predict(audio.samples, audio.sampleRate);
  assert.ok(predictor.labels.includes(p.label));
  assert.ok(Math.abs(Object.values(p.probabilities).reduce((a, b) => a + b, 0) - 1) < 1e-5);
});

test('the English + German bundle covers the six shared emotions and names both licences', async () => {
  const { manifest } = await loadBundleFromDir(join(DEFAULT, '..', 'emodb-ravdess'));
  assert.deepEqual([...manifest.labels].sort(), SHARED_SIX);
  assert.match(manifest.card, /CC0/);
  assert.match(manifest.card, /CC BY-NC-SA 4\.0/);
});

test(
  'the default model (and the EMO-DB one) adapt to a speaker once they have 10 of their clips',
  { skip: emodb.skip },
  async () => {
    for (const dir of [DEFAULT, EMODB]) {
      const predictor = Predictor.fromBundle(await loadBundleFromDir(dir));
      const files = [
        '03a01Fa',
        '03a01Nc',
        '03a01Wa',
        '03a02Fc',
        '03a02Nc',
        '03a02Ta',
        '03a02Wb',
        '03a02Wc',
        '03a04Ad',
        '03a04Fd',
      ];
      let profile: SpeakerProfile | null = null;
      const seen: boolean[] = [];
      for (const f of files) {
        const audio = await decodeFile(`${emodb.dir}/wav/${f}.wav`);
        const d = (await predictor.describe(audio.samples))!;
        profile ??= new SpeakerProfile(d.length);
        profile.add(d);
        const p = await predictor.predict(audio.samples, audio.sampleRate, { profile, descriptors: d });
        // `emovox predict --speaker` classifies from the kept descriptors, without the samples.
        assert.deepEqual(await predictor.predictDescriptors(d, { profile }), p);
        seen.push(p.adaptation!.adapted);
      }
      assert.deepEqual(seen, [...Array(9).fill(false), true], dir);
    }
  },
);
