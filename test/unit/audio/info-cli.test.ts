import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

const FIXTURES = 'test/fixtures/audio/';

function emovox(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    encoding: 'utf8',
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('emovox info prints the source facts of each file (not the resampled ones); silence is reported, not refused', () => {
  const r = emovox(
    'info',
    FIXTURES + 'tone440_44k.flac',
    FIXTURES + 'stereo_440L_1000R_16k.wav',
    FIXTURES + 'silence_16k.wav',
  );
  assert.equal(r.status, 0, r.stderr);
  assert.match(
    r.stdout,
    /tone440_44k\.flac\n {2}duration {4}0\.500 s\n {2}sample rate 44100 Hz\n {2}channels {4}1\n {2}codec {7}flac\n {2}container {3}flac\n {2}peak {8}-6\.0 dBFS/,
  );
  assert.match(
    r.stdout,
    /stereo_440L_1000R_16k\.wav\n {2}duration {4}0\.500 s\n {2}sample rate 16000 Hz\n {2}channels {4}2\n {2}codec {7}pcm_s16le\n {2}container {3}wav/,
  );
});

test('emovox info --json; a bad file prints one error line and exits 2, the good one is still reported', () => {
  const r = emovox('info', '--json', FIXTURES + 'tone440_48k_live.webm', FIXTURES + 'truncated.wav');
  assert.equal(r.status, 2);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  assert.match(r.stderr, /^emovox: .*truncated\.wav: truncated WAV file: the header declares 0\.500 s/);
  const out = JSON.parse(r.stdout) as Record<string, unknown>[];
  assert.deepEqual(out[0], {
    file: FIXTURES + 'tone440_48k_live.webm',
    sampleRate: 48000,
    channels: 1,
    codec: 'opus',
    container: 'webm',
    durationSec: 0.5,
    peakDbfs: out[0].peakDbfs,
    silent: false,
  });
  assert.equal((out[1].error as { code: string }).code, 'TRUNCATED');
});
