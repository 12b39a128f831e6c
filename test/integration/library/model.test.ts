/**
 * The library's model (src/index.ts): loadModel() finds the bundled default, a bundled name or a
 * folder; predict takes options (and resamples); predictFile builds a speaker's profile;
 * timeline, info and the profile helpers.
 */
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  bundledModelNames,
  loadModel,
  ModelNotFoundError,
  parseProfile,
  serializeProfile,
  type EmotionModel,
} from '../../../src/index.js';
import { decodeFile } from '../../../src/node/decode.js';
import { resample } from '../../../src/core/audio/resample.js';

const ROOT = resolve(fileURLToPath(new URL('../../../', import.meta.url)));
const SAMPLE = join(ROOT, 'samples', 'hello.wav');
const TINY = join(ROOT, 'test', 'fixtures', 'bundles', 'tiny');

describe('library model', () => {
  let model: EmotionModel;
  before(async () => {
    model = await loadModel();
  });

  test('loadModel() is the bundled default; names and folders resolve; unknown ones say what exists', async () => {
    assert.equal(model.id, 'default');
    assert.equal(model.dir, join(ROOT, 'models', 'default'));
    assert.deepEqual(bundledModelNames(), ['default', 'emodb', 'emodb-ravdess']);
    assert.deepEqual((await loadModel('emodb')).labels.length, 7, 'the German model keeps its 7 emotions');
    const named = await loadModel('emodb-ravdess');
    assert.equal(named.dir, join(ROOT, 'models', 'emodb-ravdess'));
    assert.equal(named.info.title, 'German + English, 6 emotions');
    assert.deepEqual(named.info.corpora, ['emodb', 'ravdess']);
    const folder = await loadModel(TINY, { id: 'mine' });
    assert.equal(folder.id, 'mine');
    assert.equal(folder.info.kind, 'deep');
    assert.equal(folder.info.minSpeakerUtterances, null);
    await assert.rejects(loadModel('no-such-model'), (err: Error) => {
      assert.ok(err instanceof ModelNotFoundError);
      assert.match(err.message, /no-such-model.*bundled name \(default, emodb, emodb-ravdess\)/);
      return true;
    });
  });

  test('info describes the model', () => {
    const { info } = model;
    assert.equal(info.kind, 'classical');
    assert.deepEqual(info.labels, model.labels);
    assert.deepEqual(info.labels, ['neutral', 'happiness', 'sadness', 'anger', 'fear', 'disgust']);
    assert.deepEqual(info.corpora, ['emodb', 'ravdess', 'ased']);
    assert.equal(info.title, 'German + English + Amharic, 6 emotions');
    assert.equal(info.sampleRate, 16000);
    assert.equal(info.minSpeakerUtterances, 10);
    assert.match(info.card.title, /default model/);
    assert.ok(info.card.summary.length > 20 && !info.card.summary.includes('\n'));
  });

  test('predict(samples, { sampleRate }) resamples to the model rate: the same answer as predictFile', async () => {
    const fromFile = await model.predictFile(SAMPLE);
    const audio = await decodeFile(SAMPLE, { targetSampleRate: 16000 });
    const at16 = await model.predict(audio.samples);
    assert.deepEqual(at16.probabilities, fromFile.probabilities);
    const at48 = await model.predict(await resample(audio.samples, 16000, 48000), { sampleRate: 48000 });
    assert.equal(at48.label, fromFile.label);
    for (const l of model.labels)
      assert.ok(Math.abs(at48.probabilities[l] - fromFile.probabilities[l]) < 0.05, l);
    await assert.rejects(model.predict(new Float32Array(0)), /no audio samples/);
  });

  test("predictFile({ speaker }) grows that speaker's profile; it adapts once it has enough clips", async () => {
    const fresh = await loadModel();
    let last;
    for (let i = 1; i <= 10; i++) {
      last = await fresh.predictFile(SAMPLE, { speaker: 'anna' });
      assert.equal(last.adaptation?.speakerUtterances, i);
      assert.equal(last.adaptation?.adapted, i >= 10, `clip ${i}`);
    }
    assert.equal(fresh.speakerProfile('anna')?.count, 10);
    assert.equal(fresh.speakerProfile('bob'), undefined);
    // A saved profile starts another model where this one stopped.
    const saved = serializeProfile(fresh.speakerProfile('anna')!);
    const again = await loadModel();
    again.setSpeakerProfile('anna', parseProfile(saved));
    const next = await again.predictFile(SAMPLE, { speaker: 'anna' });
    assert.deepEqual(next.adaptation, { speakerUtterances: 11, adapted: true });
    assert.equal(fresh.forgetSpeaker('anna'), true);
    assert.equal(fresh.speakerProfile('anna'), undefined);
  });

  test('createProfile / updateProfile build a profile by hand for predict({ profile })', async () => {
    const audio = await decodeFile(SAMPLE, { targetSampleRate: 16000 });
    const profile = model.createProfile();
    for (let i = 0; i < 10; i++) await model.updateProfile(profile, audio.samples);
    assert.equal(profile.count, 10);
    const p = await model.predict(audio.samples, { profile });
    assert.deepEqual(p.adaptation, { speakerUtterances: 10, adapted: true });
    const tiny = await loadModel(TINY);
    assert.throws(() => tiny.createProfile(), /does not adapt to speakers/);
  });

  test('timeline gives segments covering the signal', async () => {
    const audio = await decodeFile(SAMPLE, { targetSampleRate: 16000 });
    const segments = await model.timeline(audio.samples, { windowSec: 1, hopSec: 0.5 });
    assert.ok(segments.length >= 2);
    assert.equal(segments[0].startSec, 0);
    assert.ok(Math.abs(segments.at(-1)!.endSec - audio.samples.length / 16000) < 1e-6);
    for (const s of segments) assert.ok(model.labels.includes(s.prediction.label));
    const fromFile = await model.timelineFile(SAMPLE, { windowSec: 1, hopSec: 0.5 });
    assert.deepEqual(
      fromFile.map((s) => s.prediction.label),
      segments.map((s) => s.prediction.label),
    );
  });
});
