import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeWav16 } from '../../helpers/wav-file.js';
import { seededRandom, voiceLikeTone } from '../../helpers/tones.js';
import { uncertainBundle } from '../../helpers/calibrated-bundle.js';

const ROOT = resolve(fileURLToPath(new URL('../../../', import.meta.url)));
const TINY = join(ROOT, 'test/fixtures/bundles/tiny');
const LABELS = JSON.parse(readFileSync(join(TINY, 'emovox.json'), 'utf8')).labels as string[];

function emovox(args: string[], cwd = ROOT) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args], {
    cwd,
    encoding: 'utf8',
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'emovox-predict-'));
  mkdirSync(join(dir, 'batch/sub'), { recursive: true });
  const tone = (hz: number, seed: number) =>
    encodeWav16(
      voiceLikeTone({ startHz: hz, endHz: hz, durationSec: 1, amplitude: 0.3, rng: seededRandom(seed) }),
    );
  writeFileSync(join(dir, 'batch/a.wav'), tone(120, 1));
  writeFileSync(join(dir, 'batch/sub/b.wav'), tone(330, 2));
  writeFileSync(join(dir, 'batch/notes.txt'), 'not picked up by the folder walk');
  writeFileSync(join(dir, 'bad.wav'), 'this is text pretending to be a wav file');
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('predict --json walks folders and prints one object per audio file', () => {
  const r = emovox(['predict', '--model', TINY, '--json', join(dir, 'batch')]);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    lines.map((l) => l.file),
    [join(dir, 'batch/a.wav'), join(dir, 'batch/sub/b.wav')],
  );
  for (const l of lines) {
    assert.deepEqual(Object.keys(l), ['file', 'label', 'emoji', 'confidence', 'uncertain', 'probabilities']);
    assert.equal(l.uncertain, false, 'an uncalibrated bundle is never uncertain');
    assert.deepEqual(Object.keys(l.probabilities), LABELS);
    assert.equal(l.probabilities[l.label], l.confidence);
  }
});

test('predict prints emoji, label, confidence and the top three; --csv writes a table', () => {
  const csv = join(dir, 'out.csv');
  const r = emovox(['predict', '--model', TINY, '--csv', csv, join(dir, 'batch/a.wav')]);
  assert.equal(r.status, 0, r.stderr);
  const line = r.stdout.trim();
  assert.match(line, new RegExp(`^\\S+ (${LABELS.join('|')}) \\d+\\.\\d%  .*a\\.wav  \\[.+%, .+%, .+%\\]$`));
  const rows = readFileSync(csv, 'utf8').trim().split('\n');
  assert.equal(
    rows[0],
    ['file', 'label', 'emoji', 'confidence', 'uncertain', ...LABELS.map((l) => `p_${l}`), 'error'].join(','),
  );
  assert.equal(rows.length, 2);
  assert.ok(rows[1].startsWith(join(dir, 'batch/a.wav') + ','));
});

test('a calibrated bundle that is not sure says so: thinking face, "not sure", uncertain true', () => {
  const cal = uncertainBundle(dir);
  const r = emovox(['predict', '--model', cal, join(dir, 'batch/a.wav')]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(
    r.stdout.trim(),
    new RegExp(`^🤔 not sure \\(maybe (${LABELS.join('|')}) \\d+\\.\\d%\\)  .*a\\.wav  \\[`),
  );
  const j = emovox(['predict', '--model', cal, '--json', join(dir, 'batch/a.wav')]);
  const l = JSON.parse(j.stdout);
  assert.equal(l.uncertain, true);
  // Temperature 50 flattens the distribution; the label stays the uncalibrated argmax.
  const raw = JSON.parse(emovox(['predict', '--model', TINY, '--json', join(dir, 'batch/a.wav')]).stdout);
  assert.equal(l.label, raw.label);
  assert.ok(l.confidence < raw.confidence && l.confidence < 0.9, `${l.confidence} vs raw ${raw.confidence}`);
  assert.equal(Math.max(...(Object.values(l.probabilities) as number[])), l.confidence);
});

test('a file that fails is named on stderr, the others still print, exit code 2', () => {
  const r = emovox(['predict', '--model', TINY, '--json', join(dir, 'bad.wav'), join(dir, 'batch/a.wav')]);
  assert.equal(r.status, 2);
  assert.equal(r.stdout.trim().split('\n').length, 1);
  assert.match(r.stderr, new RegExp(`${join(dir, 'bad.wav').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: .+`));
  assert.match(r.stderr, /1 of 2 files failed/);
});

test('without a bundle the error says where it looked and how to get one', () => {
  const r = emovox(['predict', '--model', join(dir, 'nowhere'), join(dir, 'batch/a.wav')]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /no model bundle at .*nowhere .*emovox train.*--model/);
});
