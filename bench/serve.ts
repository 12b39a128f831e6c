/**
 * npm run bench:serve -- [--model DIR] [--seconds S] [--requests N] [--workers 0,2]
 * Throughput and latency of POST /api/predict for 3-second clips (16 kHz 16-bit WAV, raw body)
 * at 1 and 10 concurrent clients (autocannon), against a peer measured in the same run: the same
 * server's /bench/floor route (same upload parsing, constant answer; the HTTP floor). Each run is
 * made with inference on the HTTP thread and with a pool of 2 worker threads (serve's default).
 * Then RSS of the server before and after N (default 10 000) more requests at 10 clients.
 * Target on the 2-core machine: p99 < 200 ms at 10 clients, memory flat.
 */
import autocannon from 'autocannon';
import { fork } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { encodeWav16 } from '../test/helpers/wav-file.js';
import { seededRandom, voiceLikeTone } from '../test/helpers/tones.js';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    seconds: { type: 'string', default: '10' },
    requests: { type: 'string', default: '10000' },
    workers: { type: 'string', default: '0,2' },
  },
});
const modelDir = resolve(
  values.model ??
    (existsSync(join(ROOT, 'models/default/emovox.json'))
      ? join(ROOT, 'models/default')
      : join(ROOT, 'test/fixtures/bundles/tiny')),
);
const seconds = Number(values.seconds);
const memRequests = Number(values.requests);
/** Inference worker counts to measure; memory is measured on the last (the serve default, 2). */
const workerConfigs = values.workers.split(',').map(Number);

const clip = Buffer.from(
  encodeWav16(
    voiceLikeTone({ startHz: 180, endHz: 240, durationSec: 3, amplitude: 0.4, rng: seededRandom(7) }),
  ),
);

type Row = {
  config: string;
  name: string;
  clients: number;
  reqPerSec: number;
  p50: number;
  p90: number;
  p99: number;
  n: number;
  /** CPU ms of the server process (all its threads) per request during the run. */
  cpuMs: number;
};
const rows: Row[] = [];
const mb = (b: number) => (b / 1048576).toFixed(1);

/** utime + stime of a live process in ms (Linux /proc; NaN elsewhere). */
function processCpuMs(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10; // 100 clock ticks a second
  } catch {
    return NaN;
  }
}

/** Starts the target server with `workers` inference threads, measures it, stops it. */
async function measure(workers: number, withMemory: boolean): Promise<void> {
  const config = workers === 0 ? 'in-process' : `${workers} workers`;
  const dataDir = mkdtempSync(join(tmpdir(), 'emovox-bench-serve-'));
  const child = fork(join(ROOT, 'bench/serve-target.ts'), [modelDir, dataDir, String(workers)], {
    execArgv: ['--import', 'tsx', '--expose-gc'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const nextMessage = <T>(key: string): Promise<T> =>
    new Promise((res) => {
      const on = (m: Record<string, unknown>) => {
        if (key in m) {
          child.off('message', on);
          res(m[key] as T);
        }
      };
      child.on('message', on);
    });
  const port = await nextMessage<number>('port');
  const rss = async () => {
    child.send('rss');
    return nextMessage<number>('rss');
  };
  const load = async (path: string, connections: number, opts: { duration?: number; amount?: number }) => {
    const r = await autocannon({
      url: `http://127.0.0.1:${port}${path}`,
      method: 'POST',
      headers: { 'content-type': 'audio/wav' },
      body: clip,
      connections,
      ...opts,
    });
    if (r.non2xx > 0 || r.errors > 0)
      throw new Error(`${path}: ${r.non2xx} non-2xx answers, ${r.errors} errors`);
    return r;
  };
  const measured = async (path: string, clients: number) => {
    const cpu0 = processCpuMs(child.pid!);
    const r = await load(path, clients, { duration: seconds });
    return { r, cpuMs: (processCpuMs(child.pid!) - cpu0) / Math.max(1, r.requests.total) };
  };
  const record = (name: string, clients: number, { r, cpuMs }: { r: autocannon.Result; cpuMs: number }) =>
    rows.push({
      config,
      name,
      clients,
      reqPerSec: r.requests.total / r.duration,
      p50: r.latency.p50,
      p90: r.latency.p90,
      p99: r.latency.p99,
      n: r.requests.total,
      cpuMs,
    });

  await load('/api/predict', 2 * Math.max(1, workers), { amount: 60 }); // warm-up (wasm compile, JIT)
  for (const clients of [1, 10]) {
    record('predict', clients, await measured('/api/predict', clients));
    record('floor (peer)', clients, await measured('/bench/floor', clients));
  }
  if (withMemory) {
    const marks: number[] = [await rss()];
    const chunk = Math.max(1, Math.round(memRequests / 5));
    for (let done = 0; done < memRequests; done += chunk) {
      await load('/api/predict', 10, { amount: Math.min(chunk, memRequests - done) });
      marks.push(await rss());
    }
    const growth = marks[marks.length - 1] - marks[0];
    console.log(
      `[${config}] server RSS (main thread GC'd) over ${memRequests} predict requests at 10 clients, MiB: ` +
        `${marks.map(mb).join(' -> ')}; growth ${mb(growth)} MiB`,
    );
  }
  child.send('stop');
  await new Promise((r) => child.once('exit', r));
  rmSync(dataDir, { recursive: true, force: true });
}

console.log(`model: ${modelDir}`);
console.log(
  `machine: ${cpus().length} cores, load average at start ${loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')}`,
);
console.log(`clip: 3.0 s, 16 kHz 16-bit mono WAV, ${clip.length} bytes, raw body; ${seconds} s per run`);
for (const [i, w] of workerConfigs.entries()) await measure(w, i === workerConfigs.length - 1);

console.log(
  '\nconfig        endpoint        clients   req/s    p50 ms   p90 ms   p99 ms   requests   server CPU ms/req',
);
for (const r of rows) {
  console.log(
    [
      r.config.padEnd(13),
      r.name.padEnd(15),
      String(r.clients).padStart(7),
      r.reqPerSec.toFixed(1).padStart(7),
      String(r.p50).padStart(8),
      String(r.p90).padStart(8),
      String(r.p99).padStart(8),
      String(r.n).padStart(10),
      r.cpuMs.toFixed(2).padStart(19),
    ].join(' '),
  );
}
console.log(
  `load average at end ${loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')} (other processes share the cores)`,
);
for (const r of rows.filter((x) => x.name === 'predict')) {
  const f = rows.find((x) => x.config === r.config && x.clients === r.clients && x.name !== 'predict')!;
  console.log(
    `[${r.config}] predict vs floor at ${r.clients} client(s): throughput ${(r.reqPerSec / f.reqPerSec).toFixed(3)}x, ` +
      `p99 ${(r.p99 / Math.max(1, f.p99)).toFixed(1)}x; p99 ${r.p99} ms` +
      (r.clients === 10 ? ` (target < 200 ms: ${r.p99 < 200 ? 'met' : 'NOT met'})` : ''),
  );
}
