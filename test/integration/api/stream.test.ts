import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { concat, voicedSpeech, whiteNoise } from '../../helpers/speech-like.js';
import { startServer, type RunningServer } from './server-helpers.js';

const FIXTURES = resolve(fileURLToPath(new URL('../../fixtures/audio', import.meta.url)));
const SR = 16000;
const LABELS = ['sadness', 'neutral', 'happiness'];

/** 1 s quiet, 1.5 s speech, 1.5 s quiet, 2 s speech, 1 s quiet. */
const q = (sec: number, seed: number) => whiteNoise(sec, 0.001, seed);
const SIGNAL = concat(q(1, 1), voicedSpeech(1.5, 150, 1), q(1.5, 2), voicedSpeech(2, 240, 2), q(1, 3));
const WANT = [
  { startSec: 1, endSec: 2.5 },
  { startSec: 4, endSec: 6 },
];

type Event = Record<string, unknown> & { type: string };
interface Outcome {
  events: Event[];
  closeCode: number;
}

function pcm16(x: Float32Array): Buffer {
  const b = Buffer.alloc(x.length * 2);
  for (let i = 0; i < x.length; i++)
    b.writeInt16LE(Math.round(Math.max(-1, Math.min(1, x[i])) * 32767), 2 * i);
  return b;
}

/**
 * Opens a stream, sends `start` (a JSON object, or raw text), then each chunk (binary, or text
 * when a string), then {"type":"end"} unless `end` is false; resolves with every event and the
 * close code.
 */
function stream(
  url: string,
  start: unknown,
  chunks: (Buffer | string)[],
  end = true,
  gapMs = 0,
): Promise<Outcome> {
  return new Promise((resolvePromise, reject) => {
    const ws = new WebSocket(url.replace(/^http/, 'ws') + '/api/stream');
    const events: Event[] = [];
    ws.on('message', (data) => events.push(JSON.parse(String(data)) as Event));
    ws.on('close', (code) => resolvePromise({ events, closeCode: code }));
    ws.on('error', reject);
    ws.on('open', async () => {
      if (start !== null) ws.send(typeof start === 'string' ? start : JSON.stringify(start));
      for (const c of chunks) {
        if (ws.readyState !== ws.OPEN) return;
        ws.send(c, { binary: typeof c !== 'string' });
        if (gapMs) await new Promise((r) => setTimeout(r, gapMs));
      }
      if (end && ws.readyState === ws.OPEN) ws.send(JSON.stringify({ type: 'end' }));
    });
  });
}

function chunked(b: Buffer, bytes: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < b.length; i += bytes) out.push(b.subarray(i, i + bytes));
  return out;
}

function checkSegments(events: Event[], tolerance = 0.15): void {
  const segs = events.filter((e) => e.type === 'segment');
  assert.equal(segs.length, WANT.length, JSON.stringify(events.map((e) => e.type)));
  segs.forEach((s, i) => {
    assert.ok(Math.abs((s.startSec as number) - WANT[i].startSec) < tolerance, `start ${s.startSec}`);
    assert.ok(Math.abs((s.endSec as number) - WANT[i].endSec) < tolerance, `end ${s.endSec}`);
    assert.ok(LABELS.includes(s.label as string));
    const p = s.probabilities as Record<string, number>;
    assert.ok(Math.abs(Object.values(p).reduce((a, b) => a + b, 0) - 1) < 1e-3);
    assert.equal(s.confidence, Math.max(...Object.values(p)));
    assert.equal(s.adaptation, null);
    assert.equal(s.uncertain, false); // the tiny test model is not calibrated
  });
}

let server: RunningServer;
before(async () => {
  server = await startServer({ stream: { maxRealtimeFactor: 1000, maxStreams: 3 } });
});
after(async () => server.app.close());

test('pcm16: speech-start, partials every second of speech, a segment per utterance, then end and close 1000', async () => {
  const { events, closeCode } = await stream(
    server.url,
    { type: 'start', format: 'pcm16', sampleRate: SR },
    chunked(pcm16(SIGNAL), 3200),
  );
  assert.equal(closeCode, 1000);
  assert.deepEqual(events[0], {
    type: 'ready',
    model: 'tiny',
    sampleRate: SR,
    format: 'pcm16',
    limits: { maxStreamSec: 3600, maxRealtimeFactor: 1000, partialEverySec: 1, maxSegmentSec: 10 },
  });
  const types = events.map((e) => e.type);
  assert.deepEqual(
    types.filter((t) => t !== 'partial'),
    ['ready', 'speech-start', 'segment', 'speech-start', 'segment', 'end'],
  );
  // Each partial lies inside the utterance it reports on, after its speech-start.
  const partials = events.filter((e) => e.type === 'partial');
  assert.ok(partials.length >= 2, `${partials.length} partials`);
  for (const p of partials) {
    assert.ok(LABELS.includes(p.label as string));
    const u = WANT.find((w) => Math.abs((p.startSec as number) - w.startSec) < 0.15);
    assert.ok(u, `partial starting at ${p.startSec}`);
    assert.ok((p.endSec as number) > (p.startSec as number));
  }
  checkSegments(events);
  const endEvent = events[events.length - 1];
  assert.ok(Math.abs((endEvent.receivedSec as number) - SIGNAL.length / SR) < 0.01);
  assert.equal(endEvent.segments, 2);
});

test('float32 at 48 kHz is resampled: the same segments', async () => {
  const up = new Float32Array(SIGNAL.length * 3);
  for (let i = 0; i < up.length; i++) up[i] = SIGNAL[Math.floor(i / 3)];
  const b = Buffer.from(up.buffer, up.byteOffset, up.byteLength);
  const { events, closeCode } = await stream(
    server.url,
    { type: 'start', format: 'float32', sampleRate: 48000 },
    chunked(b, 19200),
  );
  assert.equal(closeCode, 1000);
  checkSegments(events);
});

test('webm: MediaRecorder WebM/Opus chunks are decoded as they come', async () => {
  const webm = readFileSync(resolve(FIXTURES, 'speech_hello_live.webm'));
  const { events, closeCode } = await stream(
    server.url,
    { type: 'start', format: 'webm' },
    chunked(webm, 2000),
  );
  assert.equal(closeCode, 1000, JSON.stringify(events));
  assert.ok(
    events.some((e) => e.type === 'segment'),
    JSON.stringify(events),
  );
  assert.equal(events[events.length - 1].type, 'end');
});

test('"end" in the middle of speech flushes the open segment before the end event', async () => {
  const cut = SIGNAL.subarray(0, Math.round(3.5 * SR)); // ends 0.5 s into the second utterance ...
  const x = concat(cut.subarray(0, Math.round(5 * SR)), voicedSpeech(0.5, 200, 7));
  const { events, closeCode } = await stream(
    server.url,
    { type: 'start', format: 'pcm16', sampleRate: SR },
    chunked(pcm16(x), 3200),
  );
  assert.equal(closeCode, 1000);
  const segs = events.filter((e) => e.type === 'segment');
  assert.equal(segs.length, 2);
  assert.ok(
    Math.abs((segs[1].endSec as number) - x.length / SR) < 0.1,
    `last segment ends at ${segs[1].endSec}`,
  );
});

test('bad messages get an error event naming what is accepted, and close 1008 (or 1007 for bad audio)', async () => {
  const cases: [unknown, (Buffer | string)[], string, number, RegExp][] = [
    ['not json', [], 'BAD_MESSAGE', 1008, /not JSON/],
    [{ type: 'hello' }, [], 'BAD_MESSAGE', 1008, /unknown message type "hello"/],
    [null, [Buffer.alloc(100)], 'BAD_MESSAGE', 1008, /audio before "start"/],
    [{ type: 'start', format: 'mp3' }, [], 'BAD_FORMAT', 1008, /"pcm16" or "float32".*"webm"/],
    [{ type: 'start', format: 'pcm16' }, [], 'BAD_FORMAT', 1008, /sampleRate/],
    [{ type: 'start', format: 'pcm16', sampleRate: 4000 }, [], 'BAD_FORMAT', 1008, /8000 to 48000/],
    [
      { type: 'start', format: 'pcm16', sampleRate: SR, model: 'nope' },
      [],
      'UNKNOWN_MODEL',
      1008,
      /models: tiny/,
    ],
    [
      { type: 'start', format: 'pcm16', sampleRate: SR, speaker: 'a b/c' },
      [],
      'BAD_SPEAKER',
      1008,
      /letters, digits/,
    ],
    [
      { type: 'start', format: 'pcm16', sampleRate: SR },
      [JSON.stringify({ type: 'start', format: 'webm' })],
      'BAD_MESSAGE',
      1008,
      /already started/,
    ],
    [
      { type: 'start', format: 'webm' },
      [Buffer.from('%PDF-1.4 this is not audio at all '.repeat(400))],
      'NOT_AUDIO',
      1007,
      /not an audio file/,
    ],
  ];
  for (const [start, chunks, code, close, message] of cases) {
    const { events, closeCode } = await stream(server.url, start, chunks, false);
    const err = events.find((e) => e.type === 'error');
    assert.ok(err, `no error event for ${JSON.stringify(start)}: ${JSON.stringify(events)}`);
    assert.equal(err.code, code, JSON.stringify(err));
    assert.match(err.message as string, message);
    assert.equal(closeCode, close, `close code for ${code}`);
  }
  // The server still serves.
  assert.equal((await fetch(server.url + '/api/health')).status, 200);
});

test('at most maxStreams at once: one more gets TOO_MANY_STREAMS and close 1013; a freed slot is reused', async () => {
  const url = server.url.replace(/^http/, 'ws') + '/api/stream';
  const open = await Promise.all(
    [0, 1, 2].map(
      () =>
        new Promise<WebSocket>((res) => {
          const ws = new WebSocket(url);
          ws.on('message', () => res(ws));
          ws.on('open', () => ws.send(JSON.stringify({ type: 'start', format: 'pcm16', sampleRate: SR })));
        }),
    ),
  );
  const refused = await stream(server.url, { type: 'start', format: 'pcm16', sampleRate: SR }, [], false);
  assert.equal(refused.closeCode, 1013);
  assert.equal(refused.events[0].code, 'TOO_MANY_STREAMS');
  assert.match(refused.events[0].message as string, /3 streams/);
  await new Promise<void>((res) => {
    open[0].on('close', () => res());
    open[0].close();
  });
  await new Promise((r) => setTimeout(r, 50));
  const again = await stream(
    server.url,
    { type: 'start', format: 'pcm16', sampleRate: SR },
    chunked(pcm16(SIGNAL), 3200),
  );
  assert.equal(again.closeCode, 1000);
  for (const ws of open.slice(1)) ws.close();
});

test('a stream over its length limit, sent faster than real time allows, or idle, is stopped with an error event', async () => {
  const limited = await startServer({ stream: { maxStreamSec: 2, maxRealtimeFactor: 1000 } });
  const fast = await startServer({ stream: { maxRealtimeFactor: 1, burstSec: 1, idleTimeoutSec: 0.5 } });
  try {
    const long = await stream(
      limited.url,
      { type: 'start', format: 'pcm16', sampleRate: SR },
      chunked(pcm16(SIGNAL), 3200),
    );
    assert.equal(long.closeCode, 1008);
    const e = long.events.find((x) => x.type === 'error')!;
    assert.equal(e.code, 'STREAM_TOO_LONG');
    assert.match(e.message as string, /limit of 2 s/);

    const tooFast = await stream(
      fast.url,
      { type: 'start', format: 'pcm16', sampleRate: SR },
      chunked(pcm16(SIGNAL), 32000),
    );
    assert.equal(tooFast.closeCode, 1008);
    const f = tooFast.events.find((x) => x.type === 'error')!;
    assert.equal(f.code, 'TOO_FAST');
    assert.match(f.message as string, /at most 1x real time/);

    // Nothing sent after opening (no start), or no audio after start: closed after the idle timeout.
    for (const start of [null, { type: 'start', format: 'pcm16', sampleRate: SR }]) {
      const idle = await stream(fast.url, start, [], false);
      assert.equal(idle.closeCode, 1008);
      const i = idle.events.find((x) => x.type === 'error')!;
      assert.equal(i.code, 'IDLE');
      assert.match(i.message as string, start ? /no audio for 0.5 s/ : /no "start" message for 0.5 s/);
    }
  } finally {
    await limited.app.close();
    await fast.app.close();
  }
});

test('with an API key the stream needs it: refused (401) without it, streams with it as a subprotocol or a header', async () => {
  const KEY = 'stream-test-key-0123456789';
  const keyed = await startServer({ apiKey: KEY, stream: { maxRealtimeFactor: 1000 } });
  const url = keyed.url.replace(/^http/, 'ws') + '/api/stream';
  const open = (protocols: string[], headers: Record<string, string> = {}) =>
    new Promise<{ status?: number; protocol?: string; ready?: boolean }>((done) => {
      const ws = new WebSocket(url, protocols, { headers });
      ws.on('unexpected-response', (_req, res) => done({ status: res.statusCode }));
      ws.on('error', () => done({}));
      ws.on('open', () => ws.send(JSON.stringify({ type: 'start', format: 'pcm16', sampleRate: SR })));
      ws.on('message', (data) => {
        const e = JSON.parse(String(data)) as Event;
        if (e.type === 'ready') {
          done({ protocol: ws.protocol, ready: true });
          ws.close();
        }
      });
    });
  try {
    assert.equal((await open([])).status, 401);
    const wrong = Buffer.from('not-the-key-0123456789').toString('hex');
    assert.equal((await open(['emovox', `emovox.key.${wrong}`])).status, 401);
    const viaProtocol = await open(['emovox', `emovox.key.${Buffer.from(KEY).toString('hex')}`]);
    assert.deepEqual(viaProtocol, { protocol: 'emovox', ready: true }, 'the key is not echoed back');
    assert.equal((await open([], { authorization: `Bearer ${KEY}` })).ready, true);
  } finally {
    await keyed.app.close();
  }
});
