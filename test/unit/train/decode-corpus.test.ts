import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extractFeatures, parseFeatureConfig } from '../../../src/core/features/index.js';
import type { Utterance } from '../../../src/node/datasets/index.js';
import { deepSignals } from '../../../src/node/train/evaluate/plan.js';
import { decodeCorpus } from '../../../src/node/train/load-audio.js';
import { seededRandom, voiceLikeTone } from '../../helpers/tones.js';
import { encodeWav16 } from '../../helpers/wav-file.js';

let dir: string;
let clip8k: Float32Array;
const utt = (name: string): Utterance =>
  ({ path: join(dir, name), label: 'neutral', speaker: 's1' }) as Utterance;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'emovox-decode-corpus-'));
  clip8k = voiceLikeTone({
    startHz: 150,
    endHz: 220,
    durationSec: 1,
    sampleRate: 8000,
    amplitude: 0.3,
    rng: seededRandom(5),
  });
  writeFileSync(join(dir, 'a.wav'), encodeWav16(clip8k, 8000));
  writeFileSync(join(dir, 'broken.wav'), 'not audio');
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('an 8 kHz feature config: the evaluation decodes at 8 kHz and its features are those of the 8 kHz signal', async () => {
  const cfg = parseFeatureConfig({ kind: 'logmel', sampleRate: 8000, nMels: 32 });
  const signals = await deepSignals([utt('a.wav')], { featureConfig: cfg }, () => {});
  const x = signals.get(join(dir, 'a.wav'))!;
  assert.equal(x.length, clip8k.length, 'one second at 8 kHz, not resampled to 16 kHz');
  // The file holds 16-bit samples of clip8k: features match the original's to quantisation noise.
  const got = extractFeatures(x, cfg);
  const want = extractFeatures(clip8k, cfg);
  assert.equal(got.frames, want.frames);
  let maxDiff = 0;
  for (let i = 0; i < want.data.length; i++)
    maxDiff = Math.max(maxDiff, Math.abs(got.data[i] - want.data[i]));
  assert.ok(maxDiff < 0.05, `log-mel differs by ${maxDiff}`);
  // The default feature config (16 kHz) resamples the same file.
  const at16k = await deepSignals([utt('a.wav')], {}, () => {});
  assert.equal(at16k.get(join(dir, 'a.wav'))!.length, 16000);
});

test('decodeCorpus skips files that fail (naming them) or stops at them', async () => {
  const items = [utt('a.wav'), utt('broken.wav')];
  const seen: number[] = [];
  const r = await decodeCorpus(items, 16000, { onFailure: 'skip', onProgress: (d) => seen.push(d) });
  assert.deepEqual(
    r.ok.map((u) => u.path),
    [join(dir, 'a.wav')],
  );
  assert.equal(r.failed.length, 1);
  assert.ok(r.failed[0].reason.startsWith(join(dir, 'broken.wav')), r.failed[0].reason);
  assert.deepEqual(seen, [1, 2]);
  await assert.rejects(decodeCorpus(items, 16000), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'NOT_AUDIO');
    return true;
  });
});
