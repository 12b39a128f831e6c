import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { concat, hum, voicedSpeech, whiteNoise } from '../../helpers/speech-like.js';
import { encodeWav16 } from '../../helpers/wav-file.js';

const ROOT = resolve(fileURLToPath(new URL('../../../', import.meta.url)));
const TINY = join(ROOT, 'test/fixtures/bundles/tiny');
const emovox = (args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
  });

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'emovox-timeline-cli-'));
  const q = whiteNoise(1, 0.001, 5);
  writeFileSync(
    join(dir, 'call.wav'),
    encodeWav16(concat(q, voicedSpeech(1.5, 140, 1), q, q, voicedSpeech(2, 250, 2), q)),
  );
  writeFileSync(join(dir, 'hum.wav'), encodeWav16(hum(4)));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('predict --timeline --json: one line per speech segment, then the summary; --csv one row per segment', () => {
  const csv = join(dir, 't.csv');
  const r = emovox(['predict', '--model', TINY, '--timeline', '--json', '--csv', csv, join(dir, 'call.wav')]);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(lines.length, 3);
  const [a, b, sum] = lines;
  assert.ok(Math.abs((a.startSec as number) - 1) < 0.1 && Math.abs((a.endSec as number) - 2.5) < 0.1);
  assert.ok(Math.abs((b.startSec as number) - 4.5) < 0.1 && Math.abs((b.endSec as number) - 6.5) < 0.1);
  const s = sum.summary as {
    segments: number;
    speechSec: number;
    shares: Record<string, number>;
    durationSec: number;
  };
  assert.equal(s.segments, 2);
  assert.ok(Math.abs(s.durationSec - 7.5) < 0.01);
  const shareOfA = ((a.endSec as number) - (a.startSec as number)) / s.speechSec;
  assert.ok(Math.abs(s.shares[a.label as string] - (a.label === b.label ? 1 : shareOfA)) < 0.01);
  const rows = readFileSync(csv, 'utf8').trim().split('\n');
  assert.equal(rows.length, 3);
  assert.match(rows[0], /^file,start_sec,end_sec,label,emoji,confidence,p_/);
});

test('predict --timeline on a file without speech: one error line, exit 2', () => {
  const r = emovox(['predict', '--model', TINY, '--timeline', join(dir, 'hum.wav')]);
  assert.equal(r.status, 2);
  assert.equal(r.stdout, '');
  assert.match(r.stderr.trim(), /^emovox: .*hum\.wav: no speech heard in 4\.00 s[^\n]*$/);
});
