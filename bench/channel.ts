/**
 * Channel-condition benchmark (not a test): CPU time of the telephone and codec conditions
 * over a set of clips, against native peers doing the same work in the same run:
 *   telephone - emovox (libsamplerate JS, Butterworth biquads, G.711 mu-law in TypeScript) vs
 *               sox (rate 8000, sinc 300-3400 band-pass, u-law 8-bit, rate 16000);
 *   codec     - emovox (libopus 1.4 wasm via opusscript, 16 kb/s CBR, 20 ms) vs ffmpeg's
 *               native libopus at the same settings.
 * The clips are concatenated into one signal so each peer is two process starts in all;
 * the peers' CPU is their own user + system time (/usr/bin/time). Alternating runs; the best
 * of each is reported.
 * Usage: npx tsx bench/channel.ts [--data DIR --files N --runs N]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { applyChannel, parseChannel } from '../src/core/channel/index.js';
import { decodeFile } from '../src/node/decode.js';
import { opusCodec } from '../src/node/channel/opus.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const { values: args } = parseArgs({
  options: {
    data: { type: 'string', default: resolve(here, '../../shared/datasets/emodb') },
    files: { type: 'string', default: '100' },
    runs: { type: 'string', default: '3' },
  },
});
const SR = 16000;

const manifest = readFileSync(resolve(args.data, 'MANIFEST.tsv'), 'utf8').trim().split('\n').slice(1);
const files = manifest.slice(0, Number(args.files)).map((l) => resolve(args.data, l.split('\t')[0]));
const clips: Float32Array[] = [];
for (const f of files) clips.push((await decodeFile(f, { targetSampleRate: SR })).samples);
const total = clips.reduce((s, c) => s + c.length, 0);
const all = new Float32Array(total);
clips.reduce((o, c) => (all.set(c, o), o + c.length), 0);
const audioSec = total / SR;

const tmp = mkdtempSync(join(tmpdir(), 'emovox-bench-channel-'));
const raw = join(tmp, 'in.f32');
writeFileSync(raw, Buffer.from(all.buffer));

/** CPU seconds (user + system) of one external command, from /usr/bin/time. */
function peerCpu(cmd: string, argv: string[]): number {
  const timeFile = join(tmp, 'time.txt');
  execFileSync('/usr/bin/time', ['-f', '%U %S', '-o', timeFile, cmd, ...argv], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const [u, s] = readFileSync(timeFile, 'utf8').trim().split(/\s+/).map(Number);
  return u + s;
}

async function ourCpu(condition: string): Promise<number> {
  const chain = parseChannel(condition);
  const t = process.cpuUsage();
  for (const c of clips) await applyChannel(chain, c, SR, { seed: 1, resources: { codec: opusCodec } });
  const u = process.cpuUsage(t);
  return (u.user + u.system) / 1e6;
}

const f32 = ['-t', 'f32', '-r', String(SR), '-c', '1'];
/** 8-bit u-law at 8 kHz, headerless. */
const ulaw = '-t raw -e u-law -b 8 -r 8000 -c 1'.split(' ');
const tel = join(tmp, 'tel.ul');
const peers: Record<string, { name: string; run: () => number }> = {
  telephone: {
    name: 'sox (rate 8k, sinc 300-3400, u-law, rate 16k)',
    run: () =>
      peerCpu('sox', [...f32, raw, ...ulaw, tel, 'sinc', '300-3400', 'rate', '8000']) +
      peerCpu('sox', [...ulaw, tel, ...f32, join(tmp, 'tel.f32'), 'rate', String(SR)]),
  },
  'codec-16kbps': {
    name: 'ffmpeg libopus (16 kb/s CBR, voip, 20 ms)',
    run: () => {
      const ff = ['-hide_banner', '-loglevel', 'error', '-y', '-threads', '1'];
      return (
        peerCpu('ffmpeg', [
          ...ff,
          '-f',
          'f32le',
          '-ar',
          String(SR),
          '-ac',
          '1',
          '-i',
          raw,
          '-c:a',
          'libopus',
          '-b:a',
          '16k',
          '-vbr',
          'off',
          '-application',
          'voip',
          '-frame_duration',
          '20',
          join(tmp, 'c.opus'),
        ]) +
        peerCpu('ffmpeg', [
          ...ff,
          '-i',
          join(tmp, 'c.opus'),
          '-f',
          'f32le',
          '-ar',
          String(SR),
          '-ac',
          '1',
          join(tmp, 'c.f32'),
        ])
      );
    },
  },
};

const runs = Number(args.runs);
console.log(
  `channel conditions over ${clips.length} EMO-DB clips, ${audioSec.toFixed(1)} s of audio; best of ${runs} alternating runs`,
);
console.log(
  `machine: ${availableParallelism()} cores, load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')} (CPU seconds compared; a busy machine slows both)`,
);
for (const [condition, peer] of Object.entries(peers)) {
  await ourCpu(condition); // warm-up
  const ours: number[] = [];
  const theirs: number[] = [];
  for (let r = 0; r < runs; r++) {
    ours.push(await ourCpu(condition));
    theirs.push(peer.run());
  }
  const o = Math.min(...ours);
  const t = Math.min(...theirs);
  const rt = (s: number) => `${(audioSec / s).toFixed(0)}x real time`;
  console.log(
    `${condition.padEnd(13)} emovox ${o.toFixed(2)} s CPU (${rt(o)})   ${peer.name} ${t.toFixed(2)} s CPU (${rt(t)})   ratio ${(o / t).toFixed(2)}`,
  );
}
rmSync(tmp, { recursive: true, force: true });
