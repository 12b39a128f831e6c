/**
 * Streaming benchmark (not a test): N concurrent WebSocket streams against a local server
 * (`emovox serve`, its own process, 2 inference workers), each paced at real time (100 ms of
 * 16-bit PCM every 100 ms), playing EMO-DB clips with 0.8-2.5 s silences between them
 * (bench/speech-mix.ts, a different draw per stream). Latency: from the end of each clip's
 * speech (its last reference speech frame) to the arrival of the `segment` event that closes it.
 * A run keeps up when every stream ends cleanly, every clip gets its segment and p99 < 1 s.
 * Prints p50/p99 at N = 1, 5, 10, 20, then raises N by 10 until a run does not keep up, with
 * the server's CPU seconds and the load average (the machine is shared: say so when loaded).
 * Usage: npm run bench:stream [-- --clips 6 --model DIR --max 80 --ns 1,5,10,20].
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { FRAME_SEC, SR, speechTrack, type SpeechTrack } from './speech-mix.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = resolve(here, '..');
const { values: args } = parseArgs({
  options: {
    data: { type: 'string', default: resolve(root, '../shared/datasets/emodb') },
    clips: { type: 'string', default: '6' },
    model: { type: 'string' },
    ns: { type: 'string', default: '1,5,10,20' },
    max: { type: 'string', default: '80' },
    workers: { type: 'string', default: '2' },
  },
});

const load = () =>
  loadavg()
    .map((v) => v.toFixed(2))
    .join(' ');

/** Server CPU seconds (user + system) of a process and its threads, from /proc. */
function cpuSeconds(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function startServer(): Promise<{ url: string; pid: number; stop: () => void; dataDir: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'emovox-bench-stream-'));
  const argv = ['--import', 'tsx', join(root, 'src/cli/main.ts'), 'serve', '--port', '0', '--data', dataDir];
  argv.push('--workers', args.workers, '--max-streams', '500');
  if (args.model) argv.push('--model', args.model);
  const child = spawn(process.execPath, argv, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((res, rej) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += String(d);
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) res(m[1]);
    });
    child.on('exit', (code) => rej(new Error(`server exited (${code})`)));
  });
  return { url, pid: child.pid!, dataDir, stop: () => child.kill('SIGTERM') };
}

function pcm16(x: Float32Array): Buffer {
  const b = Buffer.alloc(x.length * 2);
  for (let i = 0; i < x.length; i++)
    b.writeInt16LE(Math.round(Math.max(-1, Math.min(1, x[i])) * 32767), 2 * i);
  return b;
}

/** End of each clip's speech (s): its last reference speech frame. */
function speechEnds(t: SpeechTrack): { startSec: number; endSec: number }[] {
  return t.clips.map((c) => {
    let last = Math.round(c.startSec / FRAME_SEC);
    for (let i = last; i < Math.round(c.endSec / FRAME_SEC); i++) if (t.reference[i]) last = i;
    return { startSec: c.startSec, endSec: (last + 1) * FRAME_SEC };
  });
}

interface StreamResult {
  latencies: number[];
  missed: number;
  error: string | null;
}

/** One real-time stream of `track`; resolves when the server closes it. */
function runStream(url: string, track: SpeechTrack, bytes: Buffer, delayMs: number): Promise<StreamResult> {
  const ends = speechEnds(track);
  return new Promise((resolvePromise) => {
    const ws = new WebSocket(url.replace(/^http/, 'ws') + '/api/stream');
    const segments: { endSec: number; at: number }[] = [];
    let t0 = 0;
    let error: string | null = null;
    ws.on('message', (m) => {
      const e = JSON.parse(String(m)) as { type: string; endSec?: number; code?: string; message?: string };
      if (e.type === 'segment') segments.push({ endSec: e.endSec!, at: performance.now() });
      if (e.type === 'error') error = `${e.code}: ${e.message}`;
    });
    ws.on('error', (err) => (error = String(err)));
    ws.on('close', (code) => {
      if (code !== 1000 && !error) error = `closed ${code}`;
      // Each clip's latency: its last segment ending inside it (or up to 0.3 s past its speech).
      const latencies: number[] = [];
      let missed = 0;
      for (const c of ends) {
        const s = segments.filter((g) => g.endSec > c.startSec && g.endSec <= c.endSec + 0.3).pop();
        if (!s) missed++;
        else latencies.push(s.at - (t0 + c.endSec * 1000));
      }
      resolvePromise({ latencies, missed, error });
    });
    ws.on('open', async () => {
      await new Promise((r) => setTimeout(r, delayMs));
      ws.send(JSON.stringify({ type: 'start', format: 'pcm16', sampleRate: SR }));
      const step = (SR / 10) * 2;
      t0 = performance.now();
      for (let i = 0, k = 0; i < bytes.length; i += step, k++) {
        if (ws.readyState !== ws.OPEN) return;
        ws.send(bytes.subarray(i, i + step));
        // Absolute schedule: chunk k+1 leaves at t0 + (k+1) x 100 ms, so timer lag does not drift.
        const wait = t0 + (k + 1) * 100 - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ type: 'end' }));
    });
  });
}

function pct(xs: number[], p: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

const tracks: { track: SpeechTrack; bytes: Buffer }[] = [];
for (let k = 0; k < 8; k++) {
  const track = await speechTrack(args.data, Number(args.clips), 100 + k);
  tracks.push({ track, bytes: pcm16(track.samples) });
}
const server = await startServer();
console.log(
  `bench:stream: ${server.url}, model ${args.model ?? 'models/default'}, ${args.workers} inference workers, ` +
    `${availableParallelism()} cores; each stream ${(tracks[0].track.samples.length / SR).toFixed(0)}-` +
    `${Math.max(...tracks.map((t) => t.track.samples.length / SR)).toFixed(0)} s of ${args.clips} EMO-DB clips, paced at real time`,
);
console.log(`load average before: ${load()}`);
console.log(
  '| streams | segments | p50 ms | p99 ms | max ms | missed | errors | server CPU s / audio s | keeps up | load average |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
try {
  // Warm-up: one short stream (worker JIT, first model use).
  await runStream(server.url, tracks[0].track, tracks[0].bytes.subarray(0, 2 * SR * 4), 0);
  const fixed = args.ns.split(',').map(Number);
  let largest = 0;
  const max = Number(args.max);
  for (let i = 0, n = fixed[0]; n <= max; i++, n = i < fixed.length ? fixed[i] : n + 10) {
    const cpu0 = cpuSeconds(server.pid);
    const runs = await Promise.all(
      Array.from({ length: n }, (_, k) => {
        const t = tracks[k % tracks.length];
        return runStream(server.url, t.track, t.bytes, Math.random() * 1000);
      }),
    );
    const cpu = cpuSeconds(server.pid) - cpu0;
    const audio = runs.reduce((s, _r, k) => s + tracks[k % tracks.length].track.samples.length / SR, 0);
    const lat = runs.flatMap((r) => r.latencies);
    const missed = runs.reduce((s, r) => s + r.missed, 0);
    const errors = runs.filter((r) => r.error);
    const keeps = errors.length === 0 && missed === 0 && pct(lat, 99) < 1000;
    if (keeps) largest = n;
    console.log(
      `| ${n} | ${lat.length} | ${pct(lat, 50).toFixed(0)} | ${pct(lat, 99).toFixed(0)} | ${Math.max(...lat).toFixed(0)} | ${missed} | ` +
        `${errors.length}${errors.length ? ` (${errors[0].error})` : ''} | ${(cpu / audio).toFixed(3)} | ${keeps ? 'yes' : 'no'} | ${load()} |`,
    );
    if (i >= fixed.length - 1 && !keeps) break;
  }
  console.log(`\nlargest N that kept up (every segment, no error, p99 < 1 s): ${largest}`);
  const l1 = loadavg()[0];
  if (l1 > availableParallelism())
    console.log(
      `the machine was loaded (1-min load average ${l1.toFixed(2)} on ${availableParallelism()} cores): other work shared the CPU, so latencies are pessimistic`,
    );
} finally {
  server.stop();
  setTimeout(() => rmSync(server.dataDir, { recursive: true, force: true }), 500);
}
