/**
 * A server safe on a network: API key (none, wrong, right; every /api route, not the page),
 * rate limiting (a flood gets 429 with the API's JSON error), CORS off unless origins are given,
 * security headers and the page's CSP, retention (old recordings deleted with their files and
 * descriptors, new ones kept), and the plugin mounted under a prefix in another app.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import Fastify from 'fastify';
import { emovoxPlugin } from '../../../src/node/server/app.js';
import { applyRetention } from '../../../src/node/server/retention.js';
import { bearerToken, keysMatch } from '../../../src/node/server/security/api-key.js';
import { parseRateLimit } from '../../../src/node/server/security/rate-limit.js';
import { RecordingStore } from '../../../src/node/store/recordings.js';
import {
  multipart,
  startServer,
  tempDataDir,
  TINY_BUNDLE,
  tinyPredictor,
  voiceWav,
  type RunningServer,
} from './server-helpers.js';

const KEY = 'k3y-for-the-tests-0123456789';
const servers: RunningServer[] = [];
const dirs: string[] = [];
after(async () => {
  for (const s of servers) await s.app.close();
  for (const d of [...dirs, ...servers.map((s) => s.dataDir)]) rmSync(d, { recursive: true, force: true });
});
/** A temporary data folder, removed after the tests. */
function dataDir(): string {
  const d = tempDataDir();
  dirs.push(d);
  return d;
}
async function start(options: Parameters<typeof startServer>[0] = {}): Promise<RunningServer> {
  const s = await startServer(options);
  servers.push(s);
  return s;
}
const auth = (key: string) => ({ authorization: `Bearer ${key}` });

describe('API key', () => {
  test('no key and a wrong key get 401 on every /api route; the right key gets through', async () => {
    const { url } = await start({ apiKey: KEY });
    const routes: [string, string][] = [
      ['GET', '/api/health'],
      ['GET', '/api/models'],
      ['GET', '/api/recordings'],
      ['GET', '/api/speakers'],
      ['GET', '/api/openapi.json'],
      ['GET', '/api/recordings/00000000-0000-0000-0000-000000000000/audio'],
      ['DELETE', '/api/recordings/00000000-0000-0000-0000-000000000000'],
      ['POST', '/api/predict'],
      ['GET', '/api/no-such-route'],
    ];
    for (const [method, path] of routes) {
      for (const headers of [{}, auth('wrong-key-wrong-key-1234'), { authorization: `Basic ${KEY}` }]) {
        const res = await fetch(url + path, { method, headers });
        assert.equal(res.status, 401, `${method} ${path} with ${JSON.stringify(headers)}`);
        assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer/);
        const body = (await res.json()) as { error: { code: string; message: string } };
        assert.equal(body.error.code, 'UNAUTHORIZED');
      }
    }
    const health = await fetch(`${url}/api/health`, { headers: auth(KEY) });
    assert.equal(health.status, 200);
    const predicted = await fetch(`${url}/api/predict`, {
      method: 'POST',
      headers: auth(KEY),
      body: multipart(voiceWav()),
    });
    assert.equal(predicted.status, 200);
    // A wrong key is refused before its upload is read.
    const big = await fetch(`${url}/api/predict`, {
      method: 'POST',
      headers: { ...auth('wrong-key-wrong-key-1234'), 'content-type': 'audio/wav' },
      body: new Uint8Array(5 * 1024 * 1024),
    });
    assert.equal(big.status, 401);
    // The page shell is not behind the key (it asks for it); the bundle files neither.
    assert.equal((await fetch(`${url}/`)).status, 200);
    assert.equal((await fetch(`${url}/model/tiny/emovox.json`)).status, 200);
  });

  test('the comparison: equal keys match, anything else does not, whatever the lengths', () => {
    assert.equal(keysMatch(KEY, KEY), true);
    assert.equal(keysMatch(KEY.slice(0, -1), KEY), false);
    assert.equal(keysMatch(KEY + 'x', KEY), false);
    assert.equal(keysMatch('', KEY), false);
    assert.equal(bearerToken(`Bearer ${KEY}`), KEY);
    assert.equal(bearerToken(`bearer  ${KEY} `), KEY);
    assert.equal(bearerToken(KEY), null);
    assert.equal(bearerToken(undefined), null);
  });

  test('a short key is refused when the server starts', async () => {
    await assert.rejects(startServer({ apiKey: 'short' }), /at least 16 printable characters/);
  });
});

describe('rate limit', () => {
  test('a flood gets 429 with a JSON error and Retry-After; other clients and the page are not limited', async () => {
    const { url } = await start({ rateLimit: { max: 5, windowMs: 60_000 } });
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await fetch(`${url}/api/health`)).status);
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429, 429, 429]);
    const res = await fetch(`${url}/api/models`);
    assert.equal(res.status, 429);
    assert.ok(Number(res.headers.get('retry-after')) > 0);
    const body = (await res.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'RATE_LIMITED');
    assert.match(body.error.message, /5 API requests per minute/);
    assert.equal((await fetch(`${url}/`)).status, 200, 'the page is not counted');
    // Another client (by address) has its own budget.
    const other = await servers.at(-1)!.app.inject({ url: '/api/health', remoteAddress: '10.0.0.7' });
    assert.equal(other.statusCode, 200);
  });

  test('key guesses are rate limited too', async () => {
    const { url } = await start({ apiKey: KEY, rateLimit: { max: 3, windowMs: 60_000 } });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++)
      statuses.push((await fetch(`${url}/api/health`, { headers: auth(`guess-guess-guess-${i}`) })).status);
    assert.deepEqual(statuses, [401, 401, 401, 429, 429]);
  });

  test('parseRateLimit reads N/min, N/s, N/h and off, and refuses anything else', () => {
    assert.deepEqual(parseRateLimit('120/min'), { max: 120, windowMs: 60_000 });
    assert.deepEqual(parseRateLimit('10/s'), { max: 10, windowMs: 1000 });
    assert.deepEqual(parseRateLimit('1000 / h'), { max: 1000, windowMs: 3_600_000 });
    assert.equal(parseRateLimit('off'), null);
    for (const bad of ['fast', '-1/min', '10/week', '1.5/min', '0/min']) {
      assert.throws(() => parseRateLimit(bad), /rate limit must look like/, bad);
    }
  });
});

describe('CORS and headers', () => {
  test('CORS is off by default: no Access-Control headers for another origin', async () => {
    const { url } = await start();
    const res = await fetch(`${url}/api/health`, { headers: { origin: 'https://elsewhere.example' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('access-control-allow-origin'), null);
    const preflight = await fetch(`${url}/api/predict`, {
      method: 'OPTIONS',
      headers: { origin: 'https://elsewhere.example', 'access-control-request-method': 'POST' },
    });
    assert.equal(preflight.headers.get('access-control-allow-origin'), null);
  });

  test('--cors ORIGIN allows that origin (with the Authorization header) and no other', async () => {
    const { url } = await start({ corsOrigins: ['https://app.example.com'], apiKey: KEY });
    const preflight = await fetch(`${url}/api/predict`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example.com',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization',
      },
    });
    assert.ok(preflight.status === 204 || preflight.status === 200, `preflight ${preflight.status}`);
    assert.equal(preflight.headers.get('access-control-allow-origin'), 'https://app.example.com');
    assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /authorization/i);
    const ok = await fetch(`${url}/api/health`, {
      headers: { origin: 'https://app.example.com', ...auth(KEY) },
    });
    assert.equal(ok.headers.get('access-control-allow-origin'), 'https://app.example.com');
    const other = await fetch(`${url}/api/health`, {
      headers: { origin: 'https://evil.example', ...auth(KEY) },
    });
    assert.equal(other.headers.get('access-control-allow-origin'), null);
  });

  test('a malformed --cors origin is refused', async () => {
    await assert.rejects(startServer({ corsOrigins: ['app.example.com/path'] }), /give an origin such as/);
  });

  test('security headers and the content security policy are on the page and the API', async () => {
    const { url } = await start();
    for (const path of ['/', '/api/health']) {
      const res = await fetch(url + path);
      const csp = res.headers.get('content-security-policy') ?? '';
      assert.match(csp, /default-src 'self'/, path);
      assert.match(csp, /script-src 'self' 'wasm-unsafe-eval' blob:/, path);
      assert.match(csp, /media-src 'self' blob:/, path);
      assert.match(csp, /frame-ancestors 'none'/, path);
      assert.doesNotMatch(csp, /upgrade-insecure-requests/, 'plain http on a LAN keeps working');
      assert.doesNotMatch(csp, /'unsafe-eval'|'unsafe-inline'/, path);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff', path);
      assert.equal(res.headers.get('x-frame-options'), 'SAMEORIGIN', path);
      assert.ok(res.headers.get('referrer-policy'), path);
      assert.match(res.headers.get('permissions-policy') ?? '', /microphone=\(self\)/, path);
    }
  });
});

describe('retention', () => {
  test('deletes recordings older than N days (row, descriptors, file) and keeps newer ones', () => {
    const store = RecordingStore.open(dataDir());
    try {
      const now = new Date('2026-06-30T12:00:00Z');
      const day = 24 * 3600 * 1000;
      const make = (ageDays: number) =>
        store.create(
          {
            bytes: new Uint8Array([1, 2, 3, 4]),
            mimeType: 'audio/wav',
            durationSec: 1,
            modelId: 'm',
            prediction: { label: 'anger', emoji: '😠', confidence: 1, probabilities: { anger: 1 } },
            speaker: 'anna',
            descriptors: [{ kind: 'd2-x', vector: Float32Array.from([ageDays, 1]) }],
          },
          new Date(now.getTime() - ageDays * day),
        );
      const old1 = make(40);
      const old2 = make(31);
      const fresh = make(29);
      const files = () => readdirSync(store.audioDir).sort();
      assert.equal(files().length, 3);
      const deleted = applyRetention(store, 30, now);
      assert.deepEqual(deleted.sort(), [old1.id, old2.id].sort());
      assert.equal(store.get(old1.id), null);
      assert.ok(store.get(fresh.id));
      assert.deepEqual(files(), [`${fresh.id}.wav`], 'their audio files are gone, the new one stays');
      assert.deepEqual(
        store.speakerDescriptors('anna', 'd2-x').map((v) => v[0]),
        [29],
        "their descriptors left the speaker's profile",
      );
      assert.deepEqual(applyRetention(store, 30, now), [], 'nothing more to delete');
    } finally {
      store.close();
    }
  });

  test('a crash between the row and the file: the start-up sweep removes the file', () => {
    const dir = dataDir();
    let store = RecordingStore.open(dir);
    const rec = store.create(
      {
        bytes: new Uint8Array([1, 2, 3]),
        mimeType: 'audio/wav',
        durationSec: 1,
        modelId: 'm',
        prediction: { label: 'anger', emoji: '😠', confidence: 1, probabilities: { anger: 1 } },
      },
      new Date('2020-01-01T00:00:00Z'),
    );
    // The transaction committed, then the process died before removing the file.
    store.db.prepare('DELETE FROM recordings WHERE id = ?').run(rec.id);
    store.close();
    assert.ok(existsSync(join(dir, 'audio', `${rec.id}.wav`)));
    store = RecordingStore.open(dir);
    assert.deepEqual(store.sweptAtOpen, [`${rec.id}.wav`]);
    assert.ok(!existsSync(join(dir, 'audio', `${rec.id}.wav`)));
    store.close();
  });

  test('the server applies the retention when it starts', async () => {
    const data = dataDir();
    const store = RecordingStore.open(data);
    const base = {
      bytes: new Uint8Array([1, 2, 3]),
      mimeType: 'audio/wav',
      durationSec: 1,
      modelId: 'tiny',
      prediction: { label: 'anger', emoji: '😠', confidence: 1, probabilities: { anger: 1 } },
    };
    const old = store.create(base, new Date(Date.now() - 10 * 24 * 3600 * 1000));
    const fresh = store.create(base);
    store.close();
    const { url } = await start({ dataDir: data, retentionDays: 7 });
    const list = (await (await fetch(`${url}/api/recordings`)).json()) as { items: { id: string }[] };
    assert.deepEqual(
      list.items.map((r) => r.id),
      [fresh.id],
    );
    assert.ok(!existsSync(join(data, 'audio', `${old.id}.wav`)));
    await assert.rejects(startServer({ retentionDays: 0 }), /retention days must be a number > 0/);
  });
});

describe('mounted under a prefix', () => {
  test("another app registers the plugin at /emotion: API, bundle and key work there, the app's own routes too", async () => {
    const parent = Fastify();
    parent.get('/', async () => 'host');
    await parent.register(emovoxPlugin, {
      prefix: '/emotion',
      predictor: await tinyPredictor(),
      modelId: 'tiny',
      modelDir: TINY_BUNDLE,
      webRoot: null,
      dataDir: dataDir(),
      apiKey: KEY,
    });
    try {
      assert.equal((await parent.inject({ url: '/' })).body, 'host');
      assert.equal((await parent.inject({ url: '/emotion/api/health' })).statusCode, 401);
      const health = await parent.inject({ url: '/emotion/api/health', headers: auth(KEY) });
      assert.equal(health.statusCode, 200);
      const models = (await parent.inject({ url: '/emotion/api/models', headers: auth(KEY) })).json() as {
        models: { bundleUrl: string }[];
      };
      assert.equal(models.models[0].bundleUrl, '/emotion/model/tiny/');
      assert.equal((await parent.inject({ url: '/emotion/model/tiny/emovox.json' })).statusCode, 200);
      const form = multipart(voiceWav());
      const req = new Request('http://x/', { method: 'POST', body: form });
      const stored = await parent.inject({
        method: 'POST',
        url: '/emotion/api/recordings',
        headers: { ...auth(KEY), 'content-type': req.headers.get('content-type')! },
        payload: Buffer.from(await req.arrayBuffer()),
      });
      assert.equal(stored.statusCode, 201, stored.body);
      const rec = stored.json() as { id: string; audioUrl: string };
      assert.equal(rec.audioUrl, `/emotion/api/recordings/${rec.id}/audio`);
      assert.equal(stored.headers.location, `/emotion/api/recordings/${rec.id}`);
      assert.equal((await parent.inject({ url: rec.audioUrl, headers: auth(KEY) })).statusCode, 200);
      assert.equal(
        (await parent.inject({ url: '/api/health' })).statusCode,
        404,
        'nothing outside the prefix',
      );
    } finally {
      await parent.close();
    }
  });
});
