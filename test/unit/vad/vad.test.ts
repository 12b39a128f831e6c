import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  detectSpeech,
  NoSpeechError,
  requireSpeech,
  speechSamples,
  VoiceActivityDetector,
  type SpeechSegment,
} from '../../../src/core/vad/index.js';
import { decodeBytes, decodeFile } from '../../../src/node/decode.js';
import { DATASETS_DIR } from '../../helpers/datasets.js';
import { concat, hum, mix, pinkNoise, SR, voicedSpeech, whiteNoise } from '../../helpers/speech-like.js';

const TAP = resolve(DATASETS_DIR, 'noise/running_tap.flac');

test(
  'a running tap is refused (3 s excerpts at the recording level)',
  { skip: !existsSync(TAP) && `${TAP} is absent (../shared/datasets)` },
  async () => {
    const tap = (await decodeFile(TAP, { maxDurationSec: 3600 })).samples;
    for (const startSec of [0, 10, 20, 30, 40, 55]) {
      const x = tap.subarray(startSec * SR, (startSec + 3) * SR);
      assert.deepEqual(detectSpeech(x, SR), [], `speech found in the tap at ${startSec} s`);
    }
    assert.throws(() => requireSpeech(tap.subarray(0, 3 * SR), SR), NoSpeechError);
  },
);

test('50 Hz and 60 Hz hum with harmonics, white and pink noise are refused', () => {
  const cases: [string, Float32Array][] = [
    ['50 Hz hum', hum(3, 50)],
    ['60 Hz hum', hum(3, 60)],
    ['loud 50 Hz hum', hum(3, 50, 0.6)],
    ['white noise', whiteNoise(3, 0.05)],
    ['quiet white noise', whiteNoise(3, 0.003, 2)],
    ['pink noise', pinkNoise(3, 0.1)],
    ['hum + pink noise', mix(hum(3, 50), pinkNoise(3, 0.05, 3))],
  ];
  for (const [name, x] of cases) assert.deepEqual(detectSpeech(x, SR), [], `speech found in ${name}`);
  const err = (() => {
    try {
      requireSpeech(hum(3), SR);
    } catch (e) {
      return e as NoSpeechError;
    }
  })();
  assert.ok(err instanceof NoSpeechError);
  assert.equal(err.code, 'NO_SPEECH');
  assert.match(err.message, /no speech heard in 3\.00 s/);
});

test('synthetic voiced speech is accepted, also over hum and noise', () => {
  for (const f0 of [110, 180, 260]) {
    const segs = detectSpeech(concat(new Float32Array(SR / 2), voicedSpeech(2, f0)), SR);
    assert.ok(segs.length >= 1, `no speech found at F0 ${f0} Hz`);
    const covered = segs.reduce((s, g) => s + g.endSec - g.startSec, 0);
    assert.ok(covered > 1.4, `only ${covered.toFixed(2)} s of 2 s of speech found at F0 ${f0} Hz`);
  }
  const noisy = mix(concat(whiteNoise(1, 0.002), voicedSpeech(2), whiteNoise(1, 0.002)), hum(4, 50, 0.02));
  assert.ok(detectSpeech(noisy, SR).length >= 1, 'speech over hum not found');
});

test(
  'espeak-ng speech is accepted and the noise around it is cut off',
  { skip: spawnSync('espeak-ng', ['--version']).status !== 0 && 'espeak-ng is not installed' },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'emovox-vad-'));
    try {
      const wav = join(dir, 'say.wav');
      const r = spawnSync('espeak-ng', ['-w', wav, 'Hello, this is a test of the speech detector.']);
      assert.equal(r.status, 0, String(r.stderr));
      const speech = (await decodeBytes(readFileSync(wav), { targetSampleRate: SR })).samples;
      const x = concat(new Float32Array(SR), speech, new Float32Array(SR));
      const noisy = mix(x, pinkNoise(x.length / SR, 0.01, 5));
      for (const signal of [x, noisy]) {
        const { segments, speech: kept } = requireSpeech(signal, SR);
        assert.ok(segments[0].startSec > 0.8 && segments[0].startSec < 1.2, JSON.stringify(segments));
        const last = segments[segments.length - 1];
        const end = 1 + speech.length / SR;
        assert.ok(Math.abs(last.endSec - end) < 0.3, JSON.stringify(segments));
        assert.ok(kept.length < signal.length - 1.5 * SR, 'the silences were not cut off');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test('speech - silence - speech: two segments with boundaries within 100 ms', () => {
  // 0.7 s quiet noise, 1.5 s speech, 1.2 s quiet noise, 1.3 s speech, 0.8 s quiet noise.
  const x = mix(
    concat(
      new Float32Array(0.7 * SR),
      voicedSpeech(1.5, 150, 1),
      new Float32Array(1.2 * SR),
      voicedSpeech(1.3, 220, 2),
      new Float32Array(0.8 * SR),
    ),
    whiteNoise(5.5, 0.001, 9),
  );
  const segs = detectSpeech(x, SR);
  assert.equal(segs.length, 2, JSON.stringify(segs));
  const want: SpeechSegment[] = [
    { startSec: 0.7, endSec: 2.2 },
    { startSec: 3.4, endSec: 4.7 },
  ];
  segs.forEach((s, i) => {
    assert.ok(Math.abs(s.startSec - want[i].startSec) <= 0.1, `start ${s.startSec} vs ${want[i].startSec}`);
    assert.ok(Math.abs(s.endSec - want[i].endSec) <= 0.1, `end ${s.endSec} vs ${want[i].endSec}`);
  });
});

test('streaming in chunks of any size gives the segments of the whole signal, events in order', () => {
  const x = concat(
    new Float32Array(0.6 * SR),
    voicedSpeech(1.2, 150, 3),
    new Float32Array(0.9 * SR),
    voicedSpeech(1, 200, 4),
  );
  const whole = detectSpeech(x, SR);
  for (const chunk of [1, 160, 333, 4096, 16000]) {
    const vad = new VoiceActivityDetector({ sampleRate: SR });
    const events = [];
    for (let i = 0; i < x.length; i += chunk) events.push(...vad.push(x.subarray(i, i + chunk)));
    events.push(...vad.flush());
    const types = events.map((e) => e.type);
    assert.deepEqual(types, ['speech-start', 'speech-end', 'speech-start', 'speech-end'], `chunk ${chunk}`);
    assert.deepEqual(
      events.flatMap((e) => (e.type === 'speech-end' ? [e.segment] : [])),
      whole,
      `chunk ${chunk}`,
    );
  }
});

test('speechSamples keeps the padded segments in order and merges overlaps', () => {
  const x = Float32Array.from({ length: 10 * SR }, (_, i) => i);
  const out = speechSamples(x, SR, [
    { startSec: 1, endSec: 2 },
    { startSec: 2.05, endSec: 3 },
    { startSec: 9.98, endSec: 10 },
  ]);
  // [0.95, 3.05) merged, then [9.93, 10).
  assert.equal(out.length, Math.round(2.1 * SR) + Math.round(0.07 * SR));
  assert.equal(out[0], 0.95 * SR);
  assert.equal(out[Math.round(2.1 * SR)], Math.floor(9.93 * SR));
  assert.equal(speechSamples(x, SR, [{ startSec: 0, endSec: 10 }]), x);
});
