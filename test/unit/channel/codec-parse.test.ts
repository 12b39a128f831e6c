import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRng } from '../../../src/core/random.js';
import {
  applyChannel,
  augmentationSampler,
  chainNeeds,
  ChannelError,
  parseChannel,
  parseChannelList,
} from '../../../src/core/channel/index.js';
import { opusAt, opusCodec } from '../../../src/node/channel/opus.js';
import { babblePool, loadChannelResources } from '../../../src/node/channel/resources.js';
import { readCorpus } from '../../../src/node/datasets/index.js';
import { writeToneCorpus } from '../../helpers/tone-corpus.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { corpus } from '../../helpers/datasets.js';

const noise = corpus('noise');

const SR = 16000;

/** A speech-like test signal: harmonics of a gliding 150-250 Hz pitch up to 7 kHz, amplitude-modulated. */
function voiced(n: number): Float32Array {
  const x = new Float32Array(n);
  let phase = 0;
  for (let i = 0; i < n; i++) {
    const f0 = 150 + 100 * (i / n);
    phase += (2 * Math.PI * f0) / SR;
    let s = 0;
    for (let h = 1; h * f0 < 7800; h++) s += Math.sin(h * phase) / Math.sqrt(h);
    x[i] = 0.05 * s * (0.6 + 0.4 * Math.sin((2 * Math.PI * 3 * i) / SR));
  }
  return x;
}

test('codec (Opus 16 kb/s) keeps duration and alignment, is lossy at the asked bitrate', async () => {
  const x = voiced(SR * 2);
  const y = await opusCodec.roundTrip(x, SR, 16000);
  assert.equal(y.length, x.length);
  // Time-aligned: the cross-correlation peaks within 1 ms of lag 0.
  let best = -Infinity;
  let bestLag = 0;
  for (let lag = -200; lag <= 200; lag++) {
    let s = 0;
    for (let i = 4000; i < 28000; i++) s += x[i] * y[i + lag];
    if (s > best) [best, bestLag] = [s, lag];
  }
  assert.ok(Math.abs(bestLag) <= 16, `lag ${bestLag}`);
  // Lossy at the bitrate asked for: constant-bitrate packets carry 16 kb/s (+-15 %).
  const { bytes } = opusAt(x, 16000, 16000);
  const kbps = (bytes * 8) / (x.length / SR) / 1000;
  assert.ok(Math.abs(kbps - 16) < 2.4, `${kbps.toFixed(1)} kb/s`);
  const err = x.reduce((a, v, i) => a + (v - y[i]) ** 2, 0) / x.reduce((a, v) => a + v * v, 0);
  assert.ok(err > 1e-4 && err < 1, `relative error ${err}`);
  // A higher bitrate is closer to the input.
  const y24 = await opusCodec.roundTrip(x, SR, 48000);
  const err24 = x.reduce((a, v, i) => a + (v - y24[i]) ** 2, 0) / x.reduce((a, v) => a + v * v, 0);
  assert.ok(err24 < err, `48 kb/s error ${err24} vs 16 kb/s ${err}`);
});

test('codec at a rate Opus does not run at (22.05 kHz) resamples around it and keeps the length', async () => {
  const x = voiced(22050);
  const y = await opusCodec.roundTrip(x, 22050, 20000);
  assert.equal(y.length, x.length);
});

test('codec condition through the chain needs a codec, and says so', async () => {
  const chain = parseChannel('codec');
  await assert.rejects(applyChannel(chain, voiced(1600), SR, { seed: 1 }), ChannelError);
  const y = await applyChannel(chain, voiced(3200), SR, { seed: 1, resources: { codec: opusCodec } });
  assert.equal(y.length, 3200);
});

test('condition names parse into chains; bad names give the accepted forms', () => {
  const list = parseChannelList('studio,telephone,telephone-alaw,codec,noise-10db,noise-5db,reverb');
  assert.deepEqual(
    list.map((c) => c.steps.map((s) => s.name)),
    [['studio'], ['telephone'], ['telephone-alaw'], ['codec'], ['noise-10db'], ['noise-5db'], ['reverb']],
  );
  assert.deepEqual(
    parseChannel('reverb-0.4s+babble-5db+gain+6db+codec-24kbps').steps.map((s) => s.name),
    ['reverb-0.4s', 'babble-5db', 'gain+6db', 'codec-24kbps'],
  );
  assert.deepEqual([...chainNeeds(parseChannel('noise-0db+codec'))].sort(), ['codec', 'noise']);
  assert.throws(() => parseChannel('phone'), /unknown channel step 'phone' \(accepted: studio, telephone/);
  assert.throws(() => parseChannelList('studio,studio'), /listed twice/);
  assert.throws(() => parseChannel('reverb-9s'), /RT60 must be in/);
  assert.throws(() => parseChannelList(' , '), /no channel conditions/);
});

test('noise without recordings fails clearly; babble leaves out the clip speaker', async () => {
  await assert.rejects(
    applyChannel(parseChannel('noise-10db'), voiced(1600), SR, { seed: 1 }),
    /needs noise recordings/,
  );
  const pool = ['a', 'b', 'c', 'd'].map((speaker, k) => ({ speaker, samples: voiced(1600 + 100 * k) }));
  const y = await applyChannel(parseChannel('babble-5db'), voiced(1600), SR, {
    seed: 1,
    resources: { babble: pool },
    speaker: 'a',
  });
  assert.equal(y.length, 1600);
  await assert.rejects(
    applyChannel(parseChannel('babble-5db'), voiced(1600), SR, {
      seed: 1,
      resources: { babble: pool.slice(0, 3) },
      speaker: 'a',
    }),
    /at least 3 utterances of other speakers, got 2 \(excluding speaker a\)/,
  );
});

test('augmentation sampler: seeded, reparseable names, only drawable transforms, varied across clips', async () => {
  const s1 = augmentationSampler(7, {}, { noise: true, codec: false });
  const s2 = augmentationSampler(7, {}, { noise: true, codec: false });
  const names = Array.from({ length: 200 }, (_, i) => s1.chainFor(i).name);
  assert.deepEqual(
    names,
    Array.from({ length: 200 }, (_, i) => s2.chainFor(i).name),
  );
  assert.ok(new Set(names).size > 100, 'draws vary');
  assert.ok(names.includes('studio'));
  assert.ok(
    !names.some((n) => n.includes('codec') || n.includes('babble')),
    'unavailable transforms never drawn',
  );
  for (const n of names) assert.equal(parseChannel(n).name, n);
  const share = (re: RegExp) => names.filter((n) => re.test(n)).length / names.length;
  assert.ok(Math.abs(share(/reverb/) - 0.3) < 0.1, `reverb share ${share(/reverb/)}`);
  const rng = seededRng(1);
  const x = Float32Array.from({ length: 4000 }, () => 0.1 * (rng() - 0.5));
  const resources = { noise: [voiced(8000)] };
  const a = await s1.augment('3:17', x, SR, { resources });
  const b = await s2.augment('3:17', x, SR, { resources });
  assert.deepEqual(a, b);
  assert.notEqual(
    augmentationSampler(8).chainFor(0).name + augmentationSampler(8).chainFor(1).name,
    names[0] + names[1],
  );
  assert.throws(() => augmentationSampler(1, { noise: 2 }), /noise must be in \[0, 1\]/);
  assert.ok(!names.some((n) => n.includes('speed')), 'speed is off unless asked for');
});

test('augmentation sampler with speed: a voice step first, factor 0.9-1.1, the other draws unchanged', () => {
  const have = { noise: true, codec: true };
  const plain = augmentationSampler(7, {}, have);
  const fast = augmentationSampler(7, { speed: 1 }, have);
  const names = Array.from({ length: 200 }, (_, i) => fast.chainFor(i).name);
  const withSpeed = names.filter((n) => n.startsWith('speed-'));
  // A draw that rounds to 1.00 is left out, so a few clips may lack the step.
  assert.ok(withSpeed.length > 180, `${withSpeed.length} of 200 with a speed step`);
  for (const n of withSpeed) {
    const f = Number(/^speed-([\d.]+)/.exec(n)![1]);
    assert.ok(f >= 0.9 && f <= 1.1, n);
    assert.equal(parseChannel(n).name, n);
  }
  assert.ok(
    names.every((n) => !n.slice(1).includes('speed')),
    'speed comes first',
  );
  // Speed off: the draws of earlier versions, so cached augmented copies stay valid.
  assert.equal(plain.chainFor(0).name, augmentationSampler(7, { speed: 0 }, have).chainFor(0).name);
});

test('augmentation sampler with pitch: a voice step, -2..+2 semitones, the other draws unchanged', () => {
  const have = { noise: true, codec: true };
  const names = Array.from(
    { length: 200 },
    (_, i) => augmentationSampler(7, { pitch: 1 }, have).chainFor(i).name,
  );
  const withPitch = names.filter((n) => /^pitch[+-]/.test(n));
  assert.ok(withPitch.length > 180, `${withPitch.length} of 200 with a pitch step`);
  for (const n of withPitch) {
    const s = Number(/^pitch([+-][\d.]+)st/.exec(n)![1]);
    assert.ok(Math.abs(s) <= 2, n);
    assert.equal(parseChannel(n).name, n);
  }
  // Pitch off: the draws of earlier versions, so cached augmented copies stay valid.
  assert.equal(
    augmentationSampler(7, {}, have).chainFor(3).name,
    augmentationSampler(7, { pitch: 0 }, have).chainFor(3).name,
  );
  assert.throws(() => augmentationSampler(1, { pitch: 1.5 }), /pitch must be in \[0, 1\]/);
});

test('loadChannelResources loads only what the chains need', { skip: noise.skip }, async () => {
  const none = await loadChannelResources(parseChannelList('studio,telephone,reverb'), { sampleRate: SR });
  assert.deepEqual(none, {});
  const r = await loadChannelResources(parseChannelList('codec,noise-10db'), {
    sampleRate: SR,
    noiseDir: noise.dir,
  });
  assert.equal(r.codec, opusCodec);
  assert.equal(r.noise?.length, 6);
  await assert.rejects(
    loadChannelResources(parseChannelList('babble-5db'), { sampleRate: SR }),
    /babble conditions need utterances of training speakers/,
  );
});

test('babblePool: a seeded choice of clips per speaker, decoded, usable as babble for another speaker', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'emovox-babble-'));
  try {
    writeToneCorpus(dir, 3, 2, 5);
    const { utterances } = await readCorpus('folder', dir);
    const a = await babblePool(utterances, SR, { perSpeaker: 2, seed: 3 });
    const b = await babblePool(utterances, SR, { perSpeaker: 2, seed: 3 });
    assert.deepEqual(
      a.map((s) => s.speaker),
      ['s1', 's1', 's2', 's2', 's3', 's3'],
    );
    assert.deepEqual(a, b);
    const y = await applyChannel(parseChannel('babble-0db'), voiced(8000), SR, {
      seed: 1,
      resources: { babble: a },
      speaker: 's1',
    });
    assert.equal(y.length, 8000);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
