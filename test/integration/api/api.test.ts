import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { seededRandom, voiceLikeTone } from '../../helpers/tones.js';
import {
  multipart,
  startServer,
  tinyPredictor,
  voiceWav,
  wavBytes,
  type RunningServer,
} from './server-helpers.js';

interface PredictBody {
  label: string;
  emoji: string;
  confidence: number;
  probabilities: Record<string, number>;
  durationSec: number;
  modelId: string;
}
interface RecordingBody {
  id: string;
  createdAt: string;
  fileName: string | null;
  mimeType: string;
  sizeBytes: number;
  durationSec: number;
  modelId: string;
  prediction: Omit<PredictBody, 'durationSec' | 'modelId'>;
  audioUrl: string;
}
interface ErrorBody {
  error: { code: string; message: string };
}

function assertPrediction(p: Omit<PredictBody, 'durationSec' | 'modelId'>, labels: string[]): void {
  assert.deepEqual(Object.keys(p.probabilities).sort(), [...labels].sort());
  const sum = Object.values(p.probabilities).reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(sum - 1) < 1e-4, `probabilities sum to ${sum}`);
  assert.equal(p.confidence, Math.max(...Object.values(p.probabilities)));
  assert.equal(p.probabilities[p.label], p.confidence);
  assert.ok(p.emoji.length > 0);
}

describe('HTTP API on a real server and SQLite file', () => {
  let s: RunningServer;
  let labels: string[];
  const wav = voiceWav(1.5, 300, 360, 3);

  before(async () => {
    labels = (await tinyPredictor()).labels;
    s = await startServer({ maxUploadBytes: 256 * 1024, maxDurationSec: 5, minDurationSec: 0.25 });
  });
  after(async () => {
    await s.app.close();
    rmSync(s.dataDir, { recursive: true, force: true });
  });

  test('POST /api/predict with multipart and with a raw body gives the same prediction and stores nothing', async () => {
    const a = await fetch(`${s.url}/api/predict`, { method: 'POST', body: multipart(wav) });
    assert.equal(a.status, 200);
    const pa = (await a.json()) as PredictBody;
    assertPrediction(pa, labels);
    assert.equal(pa.modelId, 'tiny');
    assert.ok(Math.abs(pa.durationSec - 1.5) < 0.01);

    const b = await fetch(`${s.url}/api/predict`, {
      method: 'POST',
      headers: { 'content-type': 'audio/wav' },
      body: wav,
    });
    assert.equal(b.status, 200);
    assert.deepEqual(await b.json(), pa);

    const c = await fetch(`${s.url}/api/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: wav,
    });
    assert.equal(c.status, 200);
    assert.deepEqual(await c.json(), pa);

    const list = await (await fetch(`${s.url}/api/recordings`)).json();
    assert.equal((list as { total: number }).total, 0);
    assert.deepEqual(readdirSync(join(s.dataDir, 'audio')), []);
  });

  test('the API answers what the predictor says for the same samples', async () => {
    const samples = voiceLikeTone({
      startHz: 140,
      endHz: 120,
      durationSec: 1.2,
      amplitude: 0.3,
      rng: seededRandom(5),
    });
    const bytes = wavBytes(samples);
    // The WAV holds 16-bit samples; the server sees them back as floats within 1/32767.
    const expected = await (await tinyPredictor()).predict(samples.map((v) => Math.round(v * 32767) / 32768));
    const res = await fetch(`${s.url}/api/predict`, { method: 'POST', body: multipart(bytes) });
    const got = (await res.json()) as PredictBody;
    assert.equal(got.label, expected.label);
    for (const l of labels) assert.ok(Math.abs(got.probabilities[l] - expected.probabilities[l]) < 1e-3, l);
  });

  test('recordings: store, get, download the same bytes, paginate newest first, delete removes the file', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${s.url}/api/recordings`, {
        method: 'POST',
        body: multipart(voiceWav(1, 150 + 100 * i, 200, i), `c${i}.wav`),
      });
      assert.equal(res.status, 201);
      const rec = (await res.json()) as RecordingBody;
      assert.equal(res.headers.get('location'), `/api/recordings/${rec.id}`);
      assert.equal(rec.fileName, `c${i}.wav`);
      assert.equal(rec.mimeType, 'audio/wav');
      assert.equal(rec.modelId, 'tiny');
      assertPrediction(rec.prediction, labels);
      ids.push(rec.id);
    }
    const raw = await fetch(`${s.url}/api/recordings?name=raw.wav`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: wav,
    });
    assert.equal(raw.status, 201);
    const rawRec = (await raw.json()) as RecordingBody;
    assert.equal(rawRec.fileName, 'raw.wav');
    assert.equal(rawRec.mimeType, 'audio/wav', 'a generic upload type is replaced by the decoded container');
    assert.equal(rawRec.sizeBytes, wav.length);
    ids.push(rawRec.id);

    const got = (await (await fetch(`${s.url}/api/recordings/${rawRec.id}`)).json()) as RecordingBody;
    assert.deepEqual(got, rawRec);

    const audio = await fetch(`${s.url}${rawRec.audioUrl}`);
    assert.equal(audio.status, 200);
    assert.equal(audio.headers.get('content-type'), 'audio/wav');
    assert.deepEqual(new Uint8Array(await audio.arrayBuffer()), wav);

    const p1 = (await (await fetch(`${s.url}/api/recordings?page=1&pageSize=3`)).json()) as {
      items: RecordingBody[];
      total: number;
      page: number;
      pageSize: number;
    };
    assert.equal(p1.total, 4);
    assert.deepEqual(
      p1.items.map((r) => r.id),
      [ids[3], ids[2], ids[1]],
    );
    const p2 = (await (await fetch(`${s.url}/api/recordings?page=2&pageSize=3`)).json()) as {
      items: RecordingBody[];
    };
    assert.deepEqual(
      p2.items.map((r) => r.id),
      [ids[0]],
    );

    const file = join(s.dataDir, 'audio', `${rawRec.id}.wav`);
    assert.ok(existsSync(file));
    const del = await fetch(`${s.url}/api/recordings/${rawRec.id}`, { method: 'DELETE' });
    assert.equal(del.status, 204);
    assert.equal(existsSync(file), false);
    assert.equal((await fetch(`${s.url}/api/recordings/${rawRec.id}`)).status, 404);
    assert.equal((await fetch(`${s.url}${rawRec.audioUrl}`)).status, 404);
    assert.equal((await fetch(`${s.url}/api/recordings/${rawRec.id}`, { method: 'DELETE' })).status, 404);
  });

  test('bad ids and bad paging are 400 with a JSON error', async () => {
    const bad = await fetch(`${s.url}/api/recordings/not-a-uuid`);
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as ErrorBody).error.code, 'BAD_REQUEST');
    const page = await fetch(`${s.url}/api/recordings?pageSize=1000`);
    assert.equal(page.status, 400);
    assert.match(((await page.json()) as ErrorBody).error.message, /pageSize/);
  });

  async function expectError(res: Response, status: number, code: string, message: RegExp): Promise<void> {
    const body = (await res.json()) as ErrorBody;
    assert.equal(res.status, status, JSON.stringify(body));
    assert.equal(body.error.code, code);
    assert.match(body.error.message, message);
  }

  test('not audio, an unsupported Content-Type and an empty body are 415 naming what is accepted', async () => {
    const text = new TextEncoder().encode('hello, this is plainly not audio at all, just some text');
    await expectError(
      await fetch(`${s.url}/api/predict`, { method: 'POST', body: multipart(text, 'notes.wav') }),
      415,
      'NOT_AUDIO',
      /WAV.*FLAC.*MP3/,
    );
    await expectError(
      await fetch(`${s.url}/api/recordings`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: 'hi',
      }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      /multipart\/form-data.*audio\/\*/,
    );
    await expectError(
      await fetch(`${s.url}/api/predict`, {
        method: 'POST',
        headers: { 'content-type': 'audio/wav' },
        body: new Uint8Array(0),
      }),
      415,
      'EMPTY',
      /WAV/,
    );
    assert.deepEqual(readdirSync(join(s.dataDir, 'audio')).length, 3, 'failed uploads store nothing');
  });

  test('over the byte limit (raw and multipart) and over the duration limit are 413', async () => {
    const big = new Uint8Array(300 * 1024);
    await expectError(
      await fetch(`${s.url}/api/predict`, {
        method: 'POST',
        headers: { 'content-type': 'audio/wav' },
        body: big,
      }),
      413,
      'TOO_LARGE',
      /256 KiB|262144 bytes/,
    );
    await expectError(
      await fetch(`${s.url}/api/recordings`, { method: 'POST', body: multipart(big) }),
      413,
      'TOO_LARGE',
      /262144 bytes/,
    );
    const long = wavBytes(new Float32Array(16000 * 7).map((_, i) => 0.3 * Math.sin(i / 10)));
    await expectError(
      await fetch(`${s.url}/api/predict`, { method: 'POST', body: multipart(long) }),
      413,
      'TOO_LONG',
      /5/,
    );
  });

  test('too short and silent audio are 422', async () => {
    await expectError(
      await fetch(`${s.url}/api/predict`, { method: 'POST', body: multipart(voiceWav(0.1)) }),
      422,
      'TOO_SHORT',
      /0\.25/,
    );
    await expectError(
      await fetch(`${s.url}/api/recordings`, {
        method: 'POST',
        body: multipart(wavBytes(new Float32Array(16000))),
      }),
      422,
      'SILENT',
      /silen/i,
    );
  });

  test('GET /api/models describes the bundle and /model/<id>/ serves its files', async () => {
    const list = (await (await fetch(`${s.url}/api/models`)).json()) as {
      default: string;
      models: {
        id: string;
        title: string;
        kind: string;
        labels: string[];
        emojis: Record<string, string>;
        bundleUrl: string;
        metrics: object;
        card: string;
        history: unknown[];
        speakerAdaptation: object | null;
      }[];
    };
    assert.equal(list.default, 'tiny');
    assert.equal(list.models.length, 1);
    const m = list.models[0];
    assert.equal(m.id, 'tiny');
    assert.equal(m.kind, 'deep');
    assert.equal(m.title, `${labels.length} emotions`);
    assert.deepEqual(m.labels, labels);
    assert.deepEqual(Object.keys(m.emojis), labels);
    assert.equal(m.bundleUrl, '/model/tiny/');
    assert.equal(m.speakerAdaptation, null, 'a deep bundle does not adapt to speakers');
    assert.equal(typeof m.card, 'string');
    assert.deepEqual(await (await fetch(`${s.url}/api/models/tiny`)).json(), m);
    const manifest = (await (await fetch(`${s.url}/model/tiny/emovox.json`)).json()) as { labels: string[] };
    assert.deepEqual(manifest.labels, labels);
    assert.equal((await fetch(`${s.url}/model/tiny/model.json`)).status, 200);
  });

  test('the OpenAPI document lists every route', async () => {
    const doc = (await (await fetch(`${s.url}/api/openapi.json`)).json()) as {
      openapi: string;
      paths: object;
    };
    assert.match(doc.openapi, /^3\./);
    assert.deepEqual(Object.keys(doc.paths).sort(), [
      '/api/health',
      '/api/models',
      '/api/models/{id}',
      '/api/predict',
      '/api/recordings',
      '/api/recordings/{id}',
      '/api/recordings/{id}/audio',
      '/api/speakers',
    ]);
  });

  test('unknown routes are a JSON 404', async () => {
    const res = await fetch(`${s.url}/api/nope`);
    assert.equal(res.status, 404);
    assert.equal(((await res.json()) as ErrorBody).error.code, 'NOT_FOUND');
  });
});

test('history survives a restart on the same data directory', async () => {
  const first = await startServer();
  try {
    const created = (await (
      await fetch(`${first.url}/api/recordings`, {
        method: 'POST',
        body: multipart(voiceWav(1, 220, 220, 9), 'keep.wav'),
      })
    ).json()) as RecordingBody;
    await first.app.close();
    const second = await startServer({ dataDir: first.dataDir });
    try {
      const list = (await (await fetch(`${second.url}/api/recordings`)).json()) as {
        items: RecordingBody[];
        total: number;
      };
      assert.equal(list.total, 1);
      assert.deepEqual(list.items[0], created);
      const audio = await fetch(`${second.url}${created.audioUrl}`);
      assert.deepEqual(new Uint8Array(await audio.arrayBuffer()), voiceWav(1, 220, 220, 9));
    } finally {
      await second.app.close();
    }
  } finally {
    rmSync(first.dataDir, { recursive: true, force: true });
  }
});

for (const workers of [0, 2]) {
  test(`with ${workers} inference workers, 20 concurrent requests are all answered and the server stays healthy`, async () => {
    const s = await startServer({ workers });
    try {
      const before = ((await (await fetch(`${s.url}/api/recordings`)).json()) as { total: number }).total;
      const requests = Array.from({ length: 20 }, (_, i) =>
        i % 2 === 0
          ? fetch(`${s.url}/api/predict`, {
              method: 'POST',
              body: multipart(voiceWav(1, 120 + 15 * i, 200, i)),
            })
          : fetch(`${s.url}/api/recordings`, {
              method: 'POST',
              body: multipart(voiceWav(1, 120 + 15 * i, 200, i)),
            }),
      );
      const statuses = (await Promise.all(requests)).map((r) => r.status);
      assert.deepEqual(
        statuses,
        Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? 200 : 201)),
      );
      const health = await fetch(`${s.url}/api/health`);
      assert.equal(health.status, 200);
      const h = (await health.json()) as { status: string; recordings: number; model: string };
      assert.equal(h.status, 'ok');
      assert.equal(h.model, 'tiny');
      assert.equal(h.recordings, before + 10);
      const bad = await fetch(`${s.url}/api/predict`, {
        method: 'POST',
        body: multipart(new TextEncoder().encode('no audio')),
      });
      assert.equal(bad.status, 415, 'errors raised in a worker keep their HTTP status');
    } finally {
      await s.app.close();
      rmSync(s.dataDir, { recursive: true, force: true });
    }
  });
}

test('an unexpected failure is a JSON 500 without details, and the server keeps serving', async () => {
  const tiny = await tinyPredictor();
  const failing = {
    labels: tiny.labels,
    manifest: tiny.manifest,
    predict: async () => {
      throw new Error('internal detail that must not leak');
    },
  };
  const s = await startServer({ predictor: failing });
  try {
    const res = await fetch(`${s.url}/api/recordings`, { method: 'POST', body: multipart(voiceWav()) });
    assert.equal(res.status, 500);
    const body = (await res.json()) as ErrorBody;
    assert.equal(body.error.code, 'INTERNAL');
    assert.doesNotMatch(body.error.message, /internal detail/);
    assert.deepEqual(readdirSync(join(s.dataDir, 'audio')), [], 'nothing is stored for a failed request');
    assert.equal((await fetch(`${s.url}/api/health`)).status, 200);
  } finally {
    await s.app.close();
    rmSync(s.dataDir, { recursive: true, force: true });
  }
});
