import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeFile } from '../../../src/node/decode.js';
import { corpus } from '../../helpers/datasets.js';

/** Every `step`-th row of a corpus MANIFEST.tsv: relative file and its duration in seconds. */
function manifestSample(dir: string, step: number): { file: string; durationSec: number }[] {
  const [header, ...rows] = readFileSync(join(dir, 'MANIFEST.tsv'), 'utf8').trim().split('\n');
  const cols = header.split('\t');
  const fileCol = cols.indexOf('file');
  const durCol = cols.indexOf('duration_s');
  return rows
    .filter((_, i) => i % step === 0)
    .map((r) => r.split('\t'))
    .map((c) => ({ file: c[fileCol], durationSec: Number(c[durCol]) }));
}

for (const [name, container, codec, step] of [
  ['emodb', 'wav', 'pcm_s16le', 27],
  ['ravdess', 'flac', 'flac', 60],
] as const) {
  const c = corpus(name);
  test(
    `${name}: a sample of the corpus decodes at 16 kHz with the manifest's durations`,
    { skip: c.skip },
    async () => {
      for (const { file, durationSec } of manifestSample(c.dir, step)) {
        const d = await decodeFile(join(c.dir, file));
        assert.equal(d.source.container, container, file);
        assert.equal(d.source.codec, codec, file);
        assert.equal(d.source.sampleRate, 16000, file);
        assert.equal(d.sampleRate, 16000, file);
        assert.ok(
          Math.abs(d.source.durationSec - durationSec) < 1e-3,
          `${file}: ${d.source.durationSec} s vs ${durationSec} s`,
        );
      }
    },
  );
}
