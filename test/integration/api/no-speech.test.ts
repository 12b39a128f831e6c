import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { concat, hum, voicedSpeech, whiteNoise } from '../../helpers/speech-like.js';
import { encodeWav16 } from '../../helpers/wav-file.js';
import { startServer, TINY_BUNDLE, wavBytes, type RunningServer } from './server-helpers.js';

const ROOT = resolve(fileURLToPath(new URL('../../../', import.meta.url)));
let server: RunningServer;
let dir: string;
before(async () => {
  server = await startServer();
  dir = mkdtempSync(join(tmpdir(), 'emovox-nospeech-'));
});
after(async () => {
  await server.app.close();
  rmSync(dir, { recursive: true, force: true });
});

async function post(samples: Float32Array, path = '/api/predict') {
  const r = await fetch(server.url + path, {
    method: 'POST',
    headers: { 'content-type': 'audio/wav' },
    body: wavBytes(samples),
  });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

test('a clip without speech is a 422 NO_SPEECH on predict and on recordings (nothing stored)', async () => {
  for (const x of [hum(3), whiteNoise(2, 0.05)]) {
    for (const path of ['/api/predict', '/api/recordings']) {
      const r = await post(x, path);
      assert.equal(r.status, 422, JSON.stringify(r.body));
      const e = r.body.error as { code: string; message: string };
      assert.equal(e.code, 'NO_SPEECH');
      assert.match(e.message, /no speech heard/);
    }
  }
  const list = (await (await fetch(server.url + '/api/recordings')).json()) as { total: number };
  assert.equal(list.total, 0);
});

test('only the speech of a clip is classified: speechSec counts it, silence around it does not', async () => {
  const x = concat(new Float32Array(16000), voicedSpeech(1.5, 180), new Float32Array(24000));
  const r = await post(x);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.ok(Math.abs((r.body.durationSec as number) - 4) < 0.01);
  const speechSec = r.body.speechSec as number;
  assert.ok(speechSec > 1.3 && speechSec < 1.8, `speechSec ${speechSec}`);
});

test('CLI: a file without speech is one line on stderr and exit 2', () => {
  const file = join(dir, 'hum.wav');
  writeFileSync(file, encodeWav16(hum(3)));
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'predict', '--model', TINY_BUNDLE, file],
    { cwd: ROOT, encoding: 'utf8' },
  );
  assert.equal(r.status, 2, r.stderr);
  assert.equal(r.stdout, '');
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], /^emovox: .*hum\.wav: no speech heard in 3\.00 s/);
});
