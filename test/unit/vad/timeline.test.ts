import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Predictor } from '../../../src/core/predict.js';
import { speechTimeline, summariseTimeline } from '../../../src/core/speech-timeline.js';
import { detectSpeech, speechSamples } from '../../../src/core/vad/index.js';
import { SpeechSegmenter } from '../../../src/core/vad/segmenter.js';
import { initBackend } from '../../../src/node/backend.js';
import { loadBundleFromDir } from '../../../src/node/bundle-io.js';
import { decodeFileStream } from '../../../src/node/decode.js';
import { TINY_BUNDLE } from '../../integration/api/server-helpers.js';
import { concat, SR, voicedSpeech, whiteNoise } from '../../helpers/speech-like.js';
import { encodeWav16 } from '../../helpers/wav-file.js';

/** One 5 s period: 2 s of speech (pitch varies with k), 3 s of quiet noise. */
const speech = [voicedSpeech(2, 130, 1), voicedSpeech(2, 200, 2), voicedSpeech(2, 260, 3)];
const gap = whiteNoise(3, 0.001, 4);
const PERIOD_SEC = 5;
const PERIODS = 120; // 10 minutes

function* tenMinutes(chunkSec = 0.25): Generator<Float32Array> {
  for (let k = 0; k < PERIODS; k++) {
    const period = concat(speech[k % 3], gap);
    for (let i = 0; i < period.length; i += chunkSec * SR) yield period.subarray(i, i + chunkSec * SR);
  }
}

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'emovox-timeline-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('10 minutes streamed: the segmenter never holds more than a few seconds of audio', () => {
  const seg = new SpeechSegmenter({ sampleRate: SR, partialEverySec: 1 });
  let maxHeld = 0;
  const segments: { startSec: number; endSec: number }[] = [];
  for (const chunk of tenMinutes()) {
    for (const e of seg.push(chunk)) if (e.type === 'segment') segments.push(e);
    maxHeld = Math.max(maxHeld, seg.heldSamples);
  }
  for (const e of seg.flush()) if (e.type === 'segment') segments.push(e);
  assert.equal(segments.length, PERIODS);
  segments.forEach((s, k) => {
    assert.ok(Math.abs(s.startSec - k * PERIOD_SEC) < 0.1, `segment ${k} starts at ${s.startSec}`);
    assert.ok(Math.abs(s.endSec - (k * PERIOD_SEC + 2)) < 0.15, `segment ${k} ends at ${s.endSec}`);
  });
  // The history (1.5 s) plus a 2 s segment, its padding and a chunk: under 5 s of audio.
  assert.ok(maxHeld < 5 * SR, `held ${maxHeld / SR} s of audio at once`);
});

test('--timeline path: a 10-minute WAV decoded piece by piece gives the segment-wise predictions, a chunk at a time', async () => {
  const wav = join(dir, 'call.wav');
  const whole = concat(...tenMinutes(PERIOD_SEC));
  writeFileSync(wav, encodeWav16(whole));
  await initBackend();
  const predictor = Predictor.fromBundle(await loadBundleFromDir(TINY_BUNDLE));
  const wholeSegments = detectSpeech(whole, SR, { maxSegmentSec: 10 });

  // Memory: the decoder hands over at most one 64 KB read's worth of samples at a time (the
  // segmenter's own bound is the test above); RSS is not asserted, it depends on the GC.
  let maxChunk = 0;
  const chunks = (async function* () {
    for await (const c of decodeFileStream(wav, { targetSampleRate: SR })) {
      maxChunk = Math.max(maxChunk, c.length);
      yield c;
    }
  })();
  const entries = [];
  for await (const e of speechTimeline(chunks, (x) => predictor.predict(x), { sampleRate: SR }))
    entries.push(e);
  assert.ok(maxChunk <= 32 * 1024, `a decoded chunk had ${maxChunk} samples`);
  assert.equal(entries.length, wholeSegments.length);
  for (let k = 0; k < entries.length; k += 17) {
    const s = wholeSegments[k];
    assert.ok(
      Math.abs(entries[k].startSec - s.startSec) < 1e-9 && Math.abs(entries[k].endSec - s.endSec) < 1e-9,
    );
    const expected = await predictor.predict(speechSamples(whole, SR, [s]));
    for (const l of predictor.labels)
      assert.ok(
        Math.abs(entries[k].prediction.probabilities[l] - expected.probabilities[l]) < 1e-4,
        `segment ${k} ${l}`,
      );
  }
  const summary = summariseTimeline(entries, predictor.labels);
  assert.equal(summary.segments, entries.length);
  assert.ok(Math.abs(summary.speechSec - PERIODS * 2) < PERIODS * 0.2);
  assert.ok(Math.abs(Object.values(summary.shares).reduce((a, b) => a + b, 0) - 1) < 1e-9);
});
