import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Predictor } from '../../../src/core/predict.js';
import { loadBundleFromDir } from '../../../src/node/bundle-io.js';
import { RecordingStore } from '../../../src/node/store/recordings.js';
import { uncertainBundle } from '../../helpers/calibrated-bundle.js';
import {
  multipart,
  startServer,
  TINY_BUNDLE,
  tinyPredictor,
  voiceWav,
  type RunningServer,
} from './server-helpers.js';

interface PredictionBody {
  label: string;
  confidence: number;
  uncertain: boolean;
  probabilities: Record<string, number>;
}

describe('calibrated "not sure" answers through the API', () => {
  let s: RunningServer;
  let bundles: string;

  before(async () => {
    bundles = mkdtempSync(join(tmpdir(), 'emovox-calibrated-'));
    const dir = uncertainBundle(bundles);
    await tinyPredictor(); // sets up the backend
    s = await startServer({
      models: [
        { id: 'unsure', predictor: Predictor.fromBundle(await loadBundleFromDir(dir)), dir },
        { id: 'tiny', predictor: await tinyPredictor(), dir: TINY_BUNDLE },
      ],
      workers: 1,
    });
  });
  after(async () => {
    await s?.app.close();
    rmSync(s?.dataDir ?? '', { recursive: true, force: true });
    rmSync(bundles, { recursive: true, force: true });
  });

  test('predict and recordings carry uncertain: true for the calibrated model, false for the raw one', async () => {
    const unsure = (await (
      await fetch(`${s.url}/api/predict?model=unsure`, { method: 'POST', body: multipart(voiceWav()) })
    ).json()) as PredictionBody;
    const raw = (await (
      await fetch(`${s.url}/api/predict?model=tiny`, { method: 'POST', body: multipart(voiceWav()) })
    ).json()) as PredictionBody;
    assert.equal(unsure.uncertain, true);
    assert.equal(raw.uncertain, false);
    assert.equal(unsure.label, raw.label, 'calibration never changes the label');
    assert.ok(unsure.confidence < raw.confidence);

    const created = await fetch(`${s.url}/api/recordings?model=unsure`, {
      method: 'POST',
      body: multipart(voiceWav()),
    });
    assert.equal(created.status, 201);
    const rec = (await created.json()) as { id: string; prediction: PredictionBody };
    assert.equal(rec.prediction.uncertain, true);
    const again = (await (await fetch(`${s.url}/api/recordings/${rec.id}`)).json()) as {
      prediction: PredictionBody;
    };
    assert.equal(again.prediction.uncertain, true);
  });

  test('a recording stored before calibration existed reads as not uncertain', async () => {
    const store = RecordingStore.open(s.dataDir);
    const old = store.create({
      bytes: voiceWav(),
      mimeType: 'audio/wav',
      durationSec: 1.5,
      modelId: 'tiny',
      prediction: {
        label: 'neutral',
        emoji: '😐',
        confidence: 0.6,
        probabilities: { neutral: 0.6, sadness: 0.4 },
      },
    });
    store.close();
    const page = (await (await fetch(`${s.url}/api/recordings`)).json()) as {
      items: { id: string; prediction: PredictionBody }[];
    };
    assert.equal(page.items.find((r) => r.id === old.id)?.prediction.uncertain, false);
  });

  test('the OpenAPI document names the field', async () => {
    const doc = (await (await fetch(`${s.url}/api/openapi.json`)).json()) as object;
    assert.match(JSON.stringify(doc), /"uncertain":\{"type":"boolean"/);
  });
});
