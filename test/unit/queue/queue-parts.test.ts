import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { redisOptions } from '../../../src/node/queue/connection.js';
import { jobIdOf } from '../../../src/node/queue/jobs.js';
import { contentHash, listRecordings } from '../../../src/node/queue/sources.js';
import { callPrediction, scoreWarmUpClip, type ScoreInput } from '../../../src/node/queue/score.js';
import { ReturnedToQueue, ScorePool } from '../../../src/node/queue/score-pool.js';
import { voicedSpeech } from '../../../src/core/audio/synthetic-speech.js';
import { encodeWav16 } from '../../../src/core/audio/wav-encode.js';
import { Predictor } from '../../../src/core/predict.js';
import { initBackend } from '../../../src/node/backend.js';
import { loadBundleFromDir } from '../../../src/node/bundle-io.js';
import type { SegmentRecord } from '../../../src/node/queue/results.js';
import { csvHeader, csvRow } from '../../../src/cli/commands/queue.js';

async function collect(it: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const s of it) out.push(s);
  return out;
}

test('listRecordings walks folders for audio files and reads manifests (relative paths, URLs, comments)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'emovox-sources-'));
  try {
    mkdirSync(join(dir, 'a/b'), { recursive: true });
    mkdirSync(join(dir, '.hidden'));
    for (const f of ['a/1.wav', 'a/b/2.FLAC', 'a/notes.txt', '.hidden/3.wav', 'a/.4.wav']) {
      writeFileSync(join(dir, f), 'x');
    }
    writeFileSync(
      join(dir, 'list.txt'),
      '# calls of Monday\n\na/1.wav\n  https://example.org/c.mp3  \n/abs/x.wav\n',
    );
    const walked = await collect(listRecordings([join(dir, 'a')]));
    assert.deepEqual(walked.sort(), [join(dir, 'a/1.wav'), join(dir, 'a/b/2.FLAC')]);
    const listed = await collect(listRecordings([], [join(dir, 'list.txt')]));
    assert.deepEqual(listed, [join(dir, 'a/1.wav'), 'https://example.org/c.mp3', '/abs/x.wav']);
    await assert.rejects(collect(listRecordings([join(dir, 'nope')])), /nope: no such file or folder/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the job id is the model key, the mode and the SHA-256 of the contents', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'emovox-hash-'));
  try {
    writeFileSync(join(dir, 'a.wav'), 'abc');
    const h = await contentHash(join(dir, 'a.wav'));
    assert.equal(h, 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    assert.equal(jobIdOf('tiny-0123', false, h), `tiny-0123.clip.${h}`);
    assert.notEqual(jobIdOf('tiny-0123', true, h), jobIdOf('tiny-0123', false, h));
    assert.ok(!jobIdOf('m', true, h).includes(':'), 'BullMQ custom ids may not contain ":"');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const seg = (startSec: number, endSec: number, label: string, p: number[]): SegmentRecord => ({
  startSec,
  endSec,
  label,
  emoji: '',
  confidence: Math.max(...p),
  probabilities: { sad: p[0], calm: p[1] },
});

test("a call's overall emotion is its segments' probabilities weighted by their length", () => {
  const segments = [
    seg(0, 1, 'sad', [0.9, 0.1]),
    seg(2, 3, 'sad', [0.8, 0.2]),
    seg(4, 8, 'calm', [0.3, 0.7]),
  ];
  const p = callPrediction(segments, ['sad', 'calm']);
  assert.equal(p.label, 'calm');
  assert.ok(Math.abs(p.probabilities.sad - (0.9 + 0.8 + 4 * 0.3) / 6) < 1e-6);
  assert.equal(p.confidence, p.probabilities.calm);
});

test('CSV rows line up with the header for scores, timelines and failures', () => {
  const labels = ['sad', 'calm'];
  const header = csvHeader(labels);
  const base = { file: 'f.wav', hash: 'h', model: 'm' };
  const scored = {
    ...base,
    label: 'sad',
    emoji: '😢',
    confidence: 0.9,
    probabilities: { sad: 0.9, calm: 0.1 },
  };
  const rows = [
    csvRow({ ...scored, durationSec: 3, speechSec: 2.5, scoredAt: '' }, labels),
    csvRow(
      {
        ...scored,
        durationSec: 5,
        speechSec: 4,
        segments: [seg(0, 4, 'sad', [0.9, 0.1])],
        summary: { speechSec: 4, segments: 1, shares: { sad: 1, calm: 0 } },
        scoredAt: '',
      },
      labels,
    ),
    csvRow({ ...base, error: 'f.wav: empty input', code: 'EMPTY', failedAt: '' }, labels),
  ];
  for (const r of rows) assert.equal(r.length, header.length);
  assert.equal(rows[0][header.indexOf('speech_sec')], '2.5');
  assert.equal(rows[1][header.indexOf('share_sad')], '1');
  assert.equal(rows[2][header.indexOf('error')], 'f.wav: empty input');
});

test('--redis must be a redis:// or rediss:// URL', () => {
  assert.throws(() => redisOptions('localhost:6379', 'cli'), /expected a redis:\/\/ or rediss:\/\/ URL/);
  assert.throws(() => redisOptions('not a url', 'cli'), /not a URL/);
  assert.equal(redisOptions('redis://h:1/2', 'worker').maxRetriesPerRequest, null);
});

test('a Redis client disconnected while it waits to reconnect ends (BullMQ waits for that to close a worker)', async () => {
  // A port with nothing listening: every connection is refused, so the client keeps retrying.
  const port = await new Promise<number>((res) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const p = (srv.address() as { port: number }).port;
      srv.close(() => res(p));
    });
  });
  const { url, ...opts } = redisOptions(`redis://127.0.0.1:${port}`, 'worker');
  const client = new Redis(url, opts);
  client.on('error', () => undefined);
  const pending = client.get('k'); // queued until a connection is ready
  const failed = pending.then(
    () => 'answered',
    (err: Error) => err.message,
  );
  for (let i = 0; i < 200 && client.status !== 'reconnecting'; i++)
    await new Promise((r) => setTimeout(r, 10));
  assert.equal(client.status, 'reconnecting');
  const ended = new Promise<string>((res) => client.once('end', () => res('end')));
  client.disconnect();
  const timeout = new Promise<string>((res) => setTimeout(() => res('no end within 2 s'), 2000).unref());
  assert.equal(await Promise.race([ended, timeout]), 'end');
  assert.equal(client.status, 'end');
  assert.equal(await failed, 'Connection is closed.');
});

test("the worker's warm-up clips are scored like a recording (speech found, a full record) and leave no files", async () => {
  await initBackend('wasm');
  const model = Predictor.fromBundle(
    await loadBundleFromDir(join(import.meta.dirname, '../../../models/default')),
  );
  const before = readdirSync(tmpdir()).filter((f) => f.startsWith('emovox-warm-up-')).length;
  for (let i = 0; i < 5; i++) {
    const r = await scoreWarmUpClip(model, i);
    // The synthetic speech must pass the VAD, or the warm-up would stop at its first clip.
    assert.ok(r.speechSec > 1, `clip ${i}: ${r.speechSec} s of speech found in 3 s`);
    assert.equal(r.durationSec, 3);
    assert.ok(model.labels.includes(r.label));
    const total = Object.values(r.probabilities).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(total - 1) < 1e-3, `probabilities sum to ${total}`);
  }
  assert.equal(readdirSync(tmpdir()).filter((f) => f.startsWith('emovox-warm-up-')).length, before);
});

test('the scoring pool hands recordings over in batches, answers each one, and returns those not begun when released', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'emovox-batch-'));
  const pool = new ScorePool(
    { modelDir: join(import.meta.dirname, '../../fixtures/bundles/tiny'), backend: 'wasm' },
    1,
    4,
  );
  try {
    const inputs: ScoreInput[] = [];
    for (let i = 0; i < 6; i++) {
      const source = join(dir, `clip${i}.wav`);
      writeFileSync(source, encodeWav16(voicedSpeech(1 + i * 0.25, 110 + 20 * i, i + 1)));
      inputs.push({ source, hash: `h${i}`, model: 'tiny', timeline: false });
    }
    const bad = join(dir, 'notes.wav');
    writeFileSync(bad, 'not audio at all');
    inputs.splice(3, 0, { source: bad, hash: 'bad', model: 'tiny', timeline: false });
    // 7 recordings at once, 4 per hand-over: every one gets its own answer, a bad one fails alone.
    const replies = await Promise.all(inputs.map((x) => pool.run(x)));
    assert.equal(pool.handOvers, 2, 'two hand-overs: 4 recordings, then 3');
    replies.forEach((r, i) => {
      if (inputs[i].source === bad) {
        assert.equal(r.ok, false);
        assert.match((r as { error: string }).error, /notes\.wav/);
      } else {
        assert.ok(r.ok, JSON.stringify(r));
        assert.equal(r.record.file, inputs[i].source);
        assert.equal(r.record.hash, inputs[i].hash);
        assert.equal(r.record.durationSec, 1 + (i > 3 ? i - 1 : i) * 0.25);
      }
    });
    // Released before the hand-over: nothing is scored, each comes back as ReturnedToQueue.
    const late = inputs.slice(0, 3).map((x) => pool.run(x));
    pool.release();
    for (const r of await Promise.allSettled(late)) {
      assert.equal(r.status, 'rejected');
      assert.ok((r as PromiseRejectedResult).reason instanceof ReturnedToQueue);
    }
    await assert.rejects(pool.run(inputs[0]), ReturnedToQueue);
  } finally {
    await pool.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
