import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import {
  configFromOptions,
  register,
  runFeatures,
  type FeaturesOptions,
} from '../../../src/cli/commands/features.js';
import { extractFeatures } from '../../../src/core/features/index.js';
import { decodeFile } from '../../../src/node/decode.js';
import { encodeWav16 } from '../../helpers/wav-file.js';

const dir = mkdtempSync(join(tmpdir(), 'emovox-features-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const wav = join(dir, 'tone.wav');
writeFileSync(
  wav,
  encodeWav16(Float32Array.from({ length: 8000 }, (_, i) => 0.3 * Math.sin((2 * Math.PI * 300 * i) / 16000))),
);
const defaults: FeaturesOptions = { kind: 'mfcc', nMfcc: 40, nMels: 40, nFft: 512, winMs: 25, hopMs: 10 };

test('--json prints file, kind, sampleRate, shape and frames-major data equal to extractFeatures', async () => {
  const out = JSON.parse(await runFeatures(wav, { ...defaults, json: true })) as {
    file: string;
    kind: string;
    sampleRate: number;
    shape: [number, number];
    data: number[][];
  };
  assert.equal(out.file, wav);
  assert.equal(out.kind, 'mfcc');
  assert.equal(out.sampleRate, 16000);
  assert.deepEqual(out.shape, [51, 40]); // 0.5 s, centred frames every 10 ms
  assert.equal(out.data.length, 51);
  const m = extractFeatures((await decodeFile(wav)).samples, configFromOptions(defaults));
  for (const t of [0, 25, 50]) {
    for (const c of [0, 1, 39]) assert.equal(Math.fround(out.data[t][c]), m.data[t * 40 + c]);
  }
});

test('flags map to the config: --kind logmel --n-mels 64 --win-ms 32 --hop-ms 20', async () => {
  const o = { ...defaults, kind: 'logmel' as const, nMels: 64, winMs: 32, hopMs: 20, json: true };
  const cfg = configFromOptions(o);
  assert.deepEqual([cfg.kind, cfg.nMels, cfg.winLength, cfg.hopLength], ['logmel', 64, 512, 320]);
  const out = JSON.parse(await runFeatures(wav, o)) as { shape: number[] };
  assert.deepEqual(out.shape, [26, 64]);
});

test('the human summary names the shape and the duration', async () => {
  const text = await runFeatures(wav, defaults);
  assert.match(text, /MFCC: 51 frames x 40 coefficients/);
  assert.match(text, /0\.500 s at 16000 Hz/);
  assert.match(text, /per-coefficient mean from/);
});

test('impossible flag combinations are refused naming the flags', () => {
  assert.throws(
    () => configFromOptions({ ...defaults, winMs: 40 }),
    /--win-ms 40 is 640 samples .* raise --n-fft to 1024/,
  );
  assert.throws(
    () => configFromOptions({ ...defaults, nMfcc: 60 }),
    /--n-mfcc 60 must not exceed --n-mels 40/,
  );
  assert.throws(() => configFromOptions({ ...defaults, nFft: 500 }), /--n-fft 500 .* power of two/);
});

test('--help states the defaults', () => {
  const program = new Command();
  register(program);
  const cmd = program.commands.find((c) => c.name() === 'features') as Command;
  let help = '';
  cmd.configureOutput({ writeOut: (str) => (help += str) });
  cmd.outputHelp();
  assert.match(help, /--n-mfcc <N> +number of cepstral coefficients \(default: 40\)/);
  assert.match(help, /25 ms Hann window/);
  assert.match(help, /n_fft 512, 40 mels \(Slaney scale and Slaney area norm, 0 Hz to Nyquist\), 40 MFCC/);
  assert.match(help, /top_db 80, centred frames with constant \(zero\) padding/);
});

test('a file that is not audio fails with a coded error naming the file (one line, exit 2 in the CLI)', async () => {
  await assert.rejects(
    runFeatures('test/fixtures/audio/not_audio.txt', defaults),
    (e: Error & { code?: unknown }) => {
      assert.equal(typeof e.code, 'string');
      assert.match(e.message, /not_audio\.txt/);
      return true;
    },
  );
});
