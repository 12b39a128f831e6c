import { requireSpeech } from '../../../src/core/vad/index.js';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Predictor } from '../../../src/core/predict.js';
import { SpeakerProfile } from '../../../src/core/speaker-profile.js';
import { loadBundleFromDir } from '../../../src/node/bundle-io.js';
import { seededRandom, tinyClip } from '../../helpers/tones.js';
import { saveSmallEnsemble } from './adaptive-bundle.js';
import {
  multipart,
  startServer,
  TINY_BUNDLE,
  tinyPredictor,
  wavBytes,
  type RunningServer,
} from './server-helpers.js';

interface Adaptation {
  speaker: string;
  speakerUtterances: number;
  adapted: boolean;
  minSpeakerUtterances: number | null;
}
interface PredictBody {
  label: string;
  probabilities: Record<string, number>;
  adaptation: Adaptation | null;
  modelId: string;
}
interface RecordingBody {
  id: string;
  speaker: string | null;
  modelId: string;
  prediction: PredictBody;
}
interface ErrorBody {
  error: { code: string; message: string };
}

/** A clip as the server will see it: 16-bit WAV bytes and the samples they decode to. */
function clip(seed: number, label = seed % 3): { bytes: Uint8Array<ArrayBuffer>; samples: Float32Array } {
  const samples = tinyClip(label, seededRandom(seed), 1.2);
  const quantised = samples.map((v) => Math.round(Math.max(-1, Math.min(1, v)) * 32767) / 32768);
  return { bytes: wavBytes(samples), samples: quantised };
}

describe('several models and speaker adaptation (real server, one inference worker)', () => {
  let s: RunningServer;
  let bundles: string;
  let ensemble: Predictor;

  before(async () => {
    bundles = mkdtempSync(join(tmpdir(), 'emovox-bundles-'));
    const adaptiveDir = join(bundles, 'adaptive');
    await saveSmallEnsemble(adaptiveDir, 3);
    await tinyPredictor(); // sets up the backend
    ensemble = Predictor.fromBundle(await loadBundleFromDir(adaptiveDir));
    s = await startServer({
      models: [
        { id: 'tiny', predictor: await tinyPredictor(), dir: TINY_BUNDLE },
        { id: 'adaptive', predictor: ensemble, dir: adaptiveDir },
      ],
      workers: 1,
    });
  });
  after(async () => {
    await s?.app.close();
    rmSync(s?.dataDir ?? '', { recursive: true, force: true });
    rmSync(bundles, { recursive: true, force: true });
  });

  const post = async (path: string, body: BodyInit, query = '') =>
    fetch(`${s.url}${path}${query}`, { method: 'POST', body });

  test('GET /api/models lists every model, the first as default, with members and adaptation', async () => {
    const list = (await (await fetch(`${s.url}/api/models`)).json()) as {
      default: string;
      models: {
        id: string;
        kind: string;
        title: string;
        bundleUrl: string;
        members: { name: string; kind: string; weight: number }[];
        speakerAdaptation: { minSpeakerUtterances: number } | null;
      }[];
    };
    assert.equal(list.default, 'tiny');
    assert.deepEqual(
      list.models.map((m) => [m.id, m.kind, m.bundleUrl]),
      [
        ['tiny', 'deep', '/model/tiny/'],
        ['adaptive', 'ensemble', '/model/adaptive/'],
      ],
    );
    const adaptive = list.models[1];
    assert.deepEqual(
      adaptive.members.map((m) => [m.name, m.kind, m.weight]),
      [
        ['cnn', 'deep', 1],
        ['svm-linear', 'classical', 1],
      ],
    );
    assert.deepEqual(adaptive.speakerAdaptation, { minSpeakerUtterances: 3 });
    assert.equal(list.models[0].speakerAdaptation, null);
    assert.equal((await fetch(`${s.url}/model/adaptive/classical/classical.json`)).status, 200);

    const one = await fetch(`${s.url}/api/models/adaptive`);
    assert.equal(((await one.json()) as { id: string }).id, 'adaptive');
    const missing = await fetch(`${s.url}/api/models/nope`);
    assert.equal(missing.status, 404);
    const err = (await missing.json()) as ErrorBody;
    assert.equal(err.error.code, 'UNKNOWN_MODEL');
    assert.match(err.error.message, /"nope".*models: tiny, adaptive/);
  });

  test('predict answers with the model named in the query or the form; an unknown one is a 404 naming the models', async () => {
    const { bytes } = clip(1);
    const byDefault = (await (await post('/api/predict', multipart(bytes))).json()) as PredictBody;
    assert.equal(byDefault.modelId, 'tiny');
    assert.equal(byDefault.adaptation, null, 'no speaker, no adaptation');

    const byQuery = (await (
      await post('/api/predict', multipart(bytes), '?model=adaptive')
    ).json()) as PredictBody;
    assert.equal(byQuery.modelId, 'adaptive');
    const form = multipart(bytes);
    form.append('model', 'adaptive');
    const byField = (await (await post('/api/predict', form)).json()) as PredictBody;
    assert.deepEqual(byField, byQuery);

    const unknown = await post('/api/recordings', multipart(bytes), '?model=english');
    assert.equal(unknown.status, 404);
    const body = (await unknown.json()) as ErrorBody;
    assert.equal(body.error.code, 'UNKNOWN_MODEL');
    assert.match(body.error.message, /models: tiny, adaptive/);

    const clash = multipart(bytes);
    clash.append('model', 'tiny');
    const r = await post('/api/predict', clash, '?model=adaptive');
    assert.equal(r.status, 400);
    assert.match(((await r.json()) as ErrorBody).error.message, /model is given twice/);
    const stored = (await (await fetch(`${s.url}/api/recordings`)).json()) as { total: number };
    assert.equal(stored.total, 0);
  });

  test('a bad speaker name is a 400 BAD_SPEAKER saying what is accepted, and nothing is stored', async () => {
    const { bytes } = clip(2);
    const cases: [string, string][] = [
      ['?speaker=two%20words', ''],
      ['', 'a/b'],
      [`?speaker=${'x'.repeat(65)}`, ''],
    ];
    for (const [query, field] of cases) {
      const form = multipart(bytes);
      if (field) form.append('speaker', field);
      const res = await post('/api/recordings', form, query);
      assert.equal(res.status, 400, query || field);
      const err = (await res.json()) as ErrorBody;
      assert.equal(err.error.code, 'BAD_SPEAKER');
      assert.match(err.error.message, /1 to 64 letters, digits, '-', '_' or '\.'/);
    }
    const list = await fetch(`${s.url}/api/recordings?speaker=a%2Fb`);
    assert.equal(list.status, 400);
    const stored = (await (await fetch(`${s.url}/api/recordings`)).json()) as { total: number };
    assert.equal(stored.total, 0);
  });

  test("a deep model counts a speaker's clips but never adapts", async () => {
    for (let i = 1; i <= 3; i++) {
      const form = multipart(clip(10 + i).bytes);
      form.append('speaker', 'dora');
      const rec = (await (await post('/api/recordings', form)).json()) as RecordingBody;
      assert.equal(rec.speaker, 'dora');
      assert.deepEqual(rec.prediction.adaptation, {
        speaker: 'dora',
        speakerUtterances: i,
        adapted: false,
        minSpeakerUtterances: null,
      });
    }
  });

  test('an adaptive model stores a clip sent without a speaker (adaptation null) and the history still lists it', async () => {
    const res = await post('/api/recordings', multipart(clip(40).bytes), '?model=adaptive');
    assert.equal(res.status, 201);
    const rec = (await res.json()) as RecordingBody;
    assert.equal(rec.speaker, null);
    assert.equal(rec.prediction.adaptation, null);
    const list = await fetch(`${s.url}/api/recordings?pageSize=100`);
    assert.equal(list.status, 200);
    const page = (await list.json()) as { items: RecordingBody[] };
    const listed = page.items.find((r) => r.id === rec.id);
    assert.ok(listed, 'the stored recording is listed');
    assert.equal(listed.prediction.adaptation, null);
  });

  test('the adaptive model adapts once the speaker has enough clips, with the profile of exactly those clips', async () => {
    const clips = [20, 21, 22, 23].map((seed) => clip(seed));
    const ids: string[] = [];
    const seen: [number, boolean][] = [];
    for (const c of clips.slice(0, 3)) {
      const rec = (await (
        await post('/api/recordings', multipart(c.bytes), '?model=adaptive&speaker=anna')
      ).json()) as RecordingBody;
      ids.push(rec.id);
      assert.equal(rec.modelId, 'adaptive');
      seen.push([rec.prediction.adaptation!.speakerUtterances, rec.prediction.adaptation!.adapted]);
    }
    assert.deepEqual(seen, [
      [1, false],
      [2, false],
      [3, true],
    ]);

    // A prediction is not stored: it counts itself but does not join the profile.
    const probe = clips[3];
    const first = (await (
      await post('/api/predict', multipart(probe.bytes), '?model=adaptive&speaker=anna')
    ).json()) as PredictBody;
    assert.deepEqual(first.adaptation, {
      speaker: 'anna',
      speakerUtterances: 4,
      adapted: true,
      minSpeakerUtterances: 3,
    });
    const again = (await (
      await post('/api/predict', multipart(probe.bytes), '?model=adaptive&speaker=anna')
    ).json()) as PredictBody;
    assert.deepEqual(again, first);

    // The server's answer is the predictor's with a profile of the three stored clips plus this
    // one, each clip's speech only (the server classifies what the VAD keeps).
    const speechOf = (x: Float32Array) => requireSpeech(x, ensemble.sampleRate).speech;
    const profile = new SpeakerProfile(ensemble.descriptorDim);
    for (const c of clips) profile.add((await ensemble.describe(speechOf(c.samples)))!);
    const expected = await ensemble.predict(speechOf(probe.samples), undefined, { profile });
    assert.equal(expected.adaptation?.adapted, true);
    for (const l of ensemble.labels) {
      assert.ok(
        Math.abs(first.probabilities[l] - expected.probabilities[l]) < 2e-3,
        `${l}: ${first.probabilities[l]} vs ${expected.probabilities[l]}`,
      );
    }

    const other = (await (
      await post('/api/predict', multipart(probe.bytes), '?model=adaptive&speaker=ben')
    ).json()) as PredictBody;
    assert.deepEqual(other.adaptation, {
      speaker: 'ben',
      speakerUtterances: 1,
      adapted: false,
      minSpeakerUtterances: 3,
    });

    const speakers = (await (await fetch(`${s.url}/api/speakers`)).json()) as {
      speakers: { name: string; recordings: number; profiles: { model: string; clips: number }[] }[];
    };
    assert.deepEqual(
      speakers.speakers.map((x) => [x.name, x.recordings, x.profiles]),
      [
        ['anna', 3, [{ model: 'adaptive', clips: 3, minSpeakerUtterances: 3 }]],
        ['dora', 3, [{ model: 'adaptive', clips: 0, minSpeakerUtterances: 3 }]],
      ],
    );
    const annas = (await (await fetch(`${s.url}/api/recordings?speaker=anna`)).json()) as {
      total: number;
      items: RecordingBody[];
    };
    assert.equal(annas.total, 3);
    assert.ok(annas.items.every((r) => r.speaker === 'anna'));

    // Deleting a recording takes it out of the profile.
    assert.equal((await fetch(`${s.url}/api/recordings/${ids[0]}`, { method: 'DELETE' })).status, 204);
    const after = (await (
      await post('/api/predict', multipart(probe.bytes), '?model=adaptive&speaker=anna')
    ).json()) as PredictBody;
    assert.deepEqual(after.adaptation, {
      speaker: 'anna',
      speakerUtterances: 3,
      adapted: true,
      minSpeakerUtterances: 3,
    });
    assert.notDeepEqual(after.probabilities, first.probabilities);
  });
});
