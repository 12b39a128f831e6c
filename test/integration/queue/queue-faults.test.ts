/**
 * The queue against a real redis-server (started here on a free port, skipped without one):
 * a folder added twice is scored once, bad recordings fail once with their reason, results
 * survive the queue being emptied, a worker killed with SIGKILL mid-job loses nothing and
 * writes nothing twice, and workers ride out a Redis restart. Workers are `emovox worker`
 * processes with a short lock (2 s) and stalled-job check (1 s) so recovery is quick.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { openQueue } from '../../../src/node/queue/jobs.js';
import { queueModel } from '../../../src/node/queue/model-key.js';
import { ResultsStore } from '../../../src/node/queue/results.js';
import { encodeWav16 } from '../../helpers/wav-file.js';
import { seededRandom, tinyClip } from '../../helpers/tones.js';
import { concat, hum, voicedSpeech, whiteNoise } from '../../helpers/speech-like.js';
import { NO_REDIS, startRedis, type TestRedis } from '../../helpers/redis-server.js';

const ROOT = resolve(fileURLToPath(new URL('../../../', import.meta.url)));
const TINY = join(ROOT, 'test/fixtures/bundles/tiny');
const MODEL = queueModel(TINY);
const CLI = ['--import', 'tsx', join(ROOT, 'src/cli/main.ts')];

function emovox(args: string[]) {
  const r = spawnSync(process.execPath, [...CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `emovox queue COMMAND` against `redis`, under `prefix`, for the tiny model, then `rest`. */
function queueCli(redis: TestRedis, prefix: string, command: string, ...rest: string[]) {
  return emovox(['queue', command, '--redis', redis.url, '--prefix', prefix, '--model', TINY, ...rest]);
}

interface WorkerProc {
  proc: ChildProcess;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** Workers still running: killed at the end, so a failed test cannot leave one behind. */
const running = new Set<ChildProcess>();

/** Starts `emovox worker` and resolves once its threads have loaded the model. */
function startWorker(
  redis: TestRedis,
  prefix: string,
  concurrency = 1,
  extra: string[] = [],
): Promise<WorkerProc> {
  const proc = spawn(
    process.execPath,
    [
      ...CLI,
      'worker',
      '--redis',
      redis.url,
      '--prefix',
      prefix,
      '--model',
      TINY,
      '--concurrency',
      String(concurrency),
      '--lock-duration',
      '2000',
      '--stalled-interval',
      '1000',
      // A short warm-up: the path runs, without the default's seconds per worker under tsx.
      '--warm-up',
      '2',
      ...extra,
    ],
    { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  running.add(proc);
  let err = '';
  const exited = new Promise<number | null>((r) =>
    proc.once('exit', (code) => {
      running.delete(proc);
      r(code);
    }),
  );
  return new Promise((resolve, reject) => {
    proc.stderr!.on('data', (b: Buffer) => {
      err += b.toString();
      if (err.includes('ready:')) resolve({ proc, stderr: () => err, exited });
    });
    void exited.then((code) => reject(new Error(`worker exited (${code}) before it was ready: ${err}`)));
  });
}

async function until(
  what: string,
  cond: () => Promise<boolean>,
  timeoutMs = 60_000,
  pollMs = 200,
): Promise<void> {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** A worker's exit, or an error naming what it was doing when it did not exit in time. */
async function exitWithin(w: { exited: Promise<number | null>; stderr: () => string }, ms = 60_000) {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`worker did not exit within ${ms} ms: ${w.stderr()}`)), ms);
  });
  try {
    return await Promise.race([w.exited, late]);
  } finally {
    clearTimeout(timer);
  }
}

function wav(samples: Float32Array): Uint8Array {
  return encodeWav16(samples);
}

/** A WAV whose header declares twice the samples its data holds (a cut-off upload). */
function truncatedWav(): Uint8Array {
  const full = wav(tinyClip(1, seededRandom(9), 1));
  const cut = full.slice(0, 44 + (full.length - 44) / 2);
  return cut;
}

/**
 * Long calls scored per segment, so a kill or a stop lands inside a job: writes calls of 20
 * turns (3 s of speech at a pitch of its own, 1 s of quiet: 80 s) into a new folder and queues
 * them for a timeline.
 */
function addLongCalls(prefix: string, folder: string, calls: number[]): void {
  const d = join(dir, folder);
  mkdirSync(d);
  for (const i of calls) {
    const turns = Array.from({ length: 20 }, (_, k) => [
      voicedSpeech(3, 120 + 40 * i, 10 * i + k),
      whiteNoise(1, 0.002, k),
    ]).flat();
    writeFileSync(join(d, `call${i}.wav`), wav(concat(...turns)));
  }
  const add = queueCli(redis, prefix, 'add', '--timeline', d);
  assert.equal(add.status, 0, add.stderr);
}

let dir: string;
let redis: TestRedis;
let client: Redis;

before(async () => {
  if (NO_REDIS) return;
  dir = mkdtempSync(join(tmpdir(), 'emovox-queue-'));
  redis = await startRedis({ persistent: true });
  client = new Redis(redis.url, { maxRetriesPerRequest: null });
  client.on('error', () => undefined);
});
after(async () => {
  if (NO_REDIS) return;
  for (const p of running) p.kill('SIGKILL');
  client.disconnect();
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
});

function clips(name: string, n: number, seed: number, durationSec?: number): string {
  const d = join(dir, name);
  mkdirSync(join(d, 'sub'), { recursive: true });
  const rng = seededRandom(seed);
  for (let i = 0; i < n; i++) {
    writeFileSync(join(d, i % 2 ? 'sub' : '', `clip${i}.wav`), wav(tinyClip(i % 3, rng, durationSec)));
  }
  return d;
}

describe('queue with a real redis-server', { skip: NO_REDIS }, () => {
  test('a folder added twice is scored once; bad files fail once with their reason; results outlive the queue', async () => {
    const prefix = 'dedupe';
    const d = clips('dedupe', 5, 1);
    copyFileSync(join(d, 'clip0.wav'), join(d, 'sub', 'copy-of-clip0.wav'));
    writeFileSync(join(d, 'empty.wav'), new Uint8Array(0));
    writeFileSync(join(d, 'notes.wav'), 'these are meeting notes, not audio\n');
    writeFileSync(join(d, 'cut.wav'), truncatedWav());
    writeFileSync(join(d, 'hum.wav'), wav(hum(2)));
    writeFileSync(join(d, 'readme.txt'), 'not an audio extension: not listed');

    const add = () => queueCli(redis, prefix, 'add', d);
    const first = add();
    assert.equal(first.status, 0, first.stderr);
    assert.match(
      first.stdout,
      /10 recordings listed; 9 queued, 0 were queued before, 0 already scored, 1 same content/,
    );
    const second = add();
    assert.match(
      second.stdout,
      /10 recordings listed; 0 queued, 9 were queued before, 0 already scored, 1 same content/,
    );

    const queue = openQueue(redis.url, prefix, MODEL, 'cli');
    const store = new ResultsStore(client, prefix, MODEL.key);
    assert.equal(await queue.getWaitingCount(), 9, 'the second add queued nothing new');

    const w = await startWorker(redis, prefix, 2);
    await until('9 recordings done', async () => {
      const c = await store.counts();
      return c.ok + c.failed === 9;
    });
    w.proc.kill('SIGTERM');
    assert.equal(await exitWithin(w), 0, w.stderr());

    const counts = await store.counts();
    assert.deepEqual(
      { ok: counts.ok, failed: counts.failed, rewrites: counts.rewrites },
      { ok: 5, failed: 4, rewrites: 0 },
    );
    const failed = await queue.getFailed();
    assert.equal(failed.length, 4);
    for (const j of failed) assert.equal(j.attemptsMade, 1, `${j.data.source} was tried once, not retried`);
    const reasons = Object.fromEntries(failed.map((j) => [j.data.source.split('/').pop(), j.failedReason]));
    assert.match(reasons['empty.wav'], /empty\.wav: empty input \(0 bytes\)/);
    assert.match(reasons['notes.wav'], /notes\.wav: not an audio file/);
    assert.match(reasons['cut.wav'], /cut\.wav: truncated WAV file/);
    assert.match(reasons['hum.wav'], /hum\.wav: no speech heard in 2\.00 s/);

    const status = queueCli(redis, prefix, 'status');
    assert.equal(status.status, 0, status.stderr);
    assert.match(status.stdout, /scored 5 {2}failed 4 {2}waiting 0 {2}active 0/);
    assert.match(status.stdout, /failed \(4\):\n( {2}.*(empty|notes|cut|hum)\.wav: .*\n){4}/);

    // Everything scored: a third add queues nothing, and emptying the queue keeps the results.
    const third = add();
    assert.match(third.stdout, /0 queued, 0 were queued before, 9 already scored, 1 same content/);
    await queue.obliterate({ force: true });
    await queue.close();

    const jsonl = join(dir, 'dedupe.jsonl');
    const res = queueCli(redis, prefix, 'results', '--jsonl', jsonl);
    assert.equal(res.status, 0, res.stderr);
    const lines = readFileSync(jsonl, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const files = lines.map((l) => l.file.slice(d.length + 1)).sort();
    assert.deepEqual(files, [
      'clip0.wav',
      'clip2.wav',
      'clip4.wav',
      'cut.wav',
      'empty.wav',
      'hum.wav',
      'notes.wav',
      'sub/clip1.wav',
      'sub/clip3.wav',
      'sub/copy-of-clip0.wav',
    ]);
    const byFile = Object.fromEntries(lines.map((l) => [l.file.slice(d.length + 1), l]));
    assert.equal(byFile['sub/copy-of-clip0.wav'].hash, byFile['clip0.wav'].hash);
    assert.equal(byFile['sub/copy-of-clip0.wav'].label, byFile['clip0.wav'].label);
    for (const f of ['clip0.wav', 'sub/clip1.wav', 'clip2.wav']) {
      const l = byFile[f];
      assert.equal(l.model, MODEL.key);
      assert.deepEqual(Object.keys(l.probabilities), MODEL.labels);
      assert.equal(l.probabilities[l.label], l.confidence);
    }
    // The synthetic classes the tiny model was trained on come back as such.
    assert.deepEqual(
      ['clip0.wav', 'sub/clip1.wav', 'clip2.wav'].map((f) => byFile[f].label),
      ['sadness', 'neutral', 'happiness'],
    );
    assert.match(byFile['empty.wav'].error, /empty input/);

    const csv = join(dir, 'dedupe.csv');
    queueCli(redis, prefix, 'results', '--csv', csv);
    const rows = readFileSync(csv, 'utf8').trim().split('\n');
    assert.equal(rows.length, 11);
    assert.ok(rows[0].startsWith('file,hash,model,label,emoji,confidence,p_sadness,p_neutral,p_happiness'));
  });

  test('a worker killed with SIGKILL mid-job: another worker finishes it, no result lost or written twice; SIGTERM finishes the job in progress', async () => {
    const prefix = 'kill';
    const addCalls = (folder: string, calls: number[]) => addLongCalls(prefix, folder, calls);
    const queue = openQueue(redis.url, prefix, MODEL, 'cli');
    const store = new ResultsStore(client, prefix, MODEL.key);
    // The worker is ready (model loaded) before the calls are queued, so the test sees it busy
    // instead of finding every call already scored on a fast or loaded machine.
    const a = await startWorker(redis, prefix, 1);
    addCalls('kill', [0, 1, 2, 3]);
    let victim = '';
    await until(
      'a job in progress',
      async () => {
        const active = await queue.getActive();
        victim = active[0]?.id ?? '';
        if (victim === '' && (await store.counts()).ok === 4) {
          throw new Error('worker a scored every call before one was seen in progress');
        }
        return victim !== '';
      },
      60_000,
      50,
    );
    a.proc.kill('SIGKILL');
    await exitWithin(a);
    assert.equal(await store.has(victim), false, 'the killed job had not finished');

    // SIGTERM mid-job is graceful: the worker finishes the call it is scoring, then exits.
    const b = await startWorker(redis, prefix, 1);
    await until('the killed job recovered and scored', () => store.has(victim), 60_000);
    // Worker b may have scored every other call before the stalled job came back to it, so give
    // it one more call to be busy with when SIGTERM arrives.
    addCalls('late', [4]);
    let busy = '';
    await until('worker b in another job', async () => {
      busy = (await queue.getActive())[0]?.id ?? '';
      return busy !== '' && !(await store.has(busy));
    });
    b.proc.kill('SIGTERM');
    assert.equal(await exitWithin(b), 0, b.stderr());
    assert.equal(await store.has(busy), true, 'the job in progress at SIGTERM was finished');
    assert.equal(await queue.getActiveCount(), 0);

    const c = await startWorker(redis, prefix, 1);
    await until('5 calls scored', async () => (await store.counts()).ok === 5, 90_000);
    c.proc.kill('SIGTERM');
    assert.equal(await exitWithin(c), 0, c.stderr());

    const counts = await store.counts();
    assert.equal(counts.rewrites, 0, 'no result was written twice');
    assert.equal(counts.failed, 0);
    const victimResult = await store.get(victim);
    assert.ok(victimResult && !('error' in victimResult));
    // One emotion per speech turn, and the call's summary.
    assert.ok(victimResult.segments!.length >= 16, `${victimResult.segments!.length} segments`);
    assert.equal(victimResult.summary!.segments, victimResult.segments!.length);
    assert.ok(Math.abs(victimResult.durationSec - 80) < 0.01);
    const shares = Object.values(victimResult.summary!.shares).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(shares - 1) < 1e-9);
    assert.equal(await queue.getFailedCount(), 0);
    await queue.close();
  });

  test('SIGTERM: the recording being scored is finished, the jobs held but not begun go straight back to the queue', async () => {
    const prefix = 'term';
    const queue = openQueue(redis.url, prefix, MODEL, 'cli');
    const store = new ResultsStore(client, prefix, MODEL.key);
    // Batches of 2, one more batch held: the worker holds 4 of the 6 calls, scoring one.
    const a = await startWorker(redis, prefix, 1, ['--batch', '2']);
    addLongCalls(prefix, 'term', [0, 1, 2, 3, 4, 5]);
    await until('4 jobs held', async () => (await queue.getActiveCount()) === 4, 60_000, 50);
    a.proc.kill('SIGTERM');
    assert.equal(await exitWithin(a), 0, a.stderr());
    const scored = (await store.counts()).ok;
    assert.ok(scored >= 1 && scored <= 3, `${scored} scored before the stop`);
    assert.equal(await queue.getActiveCount(), 0);
    const waiting = await queue.getWaiting();
    assert.equal(waiting.length, 6 - scored, 'every job not scored is waiting again');
    for (const j of waiting) {
      // Returned, not left to stall: no attempt used, no stalled count.
      assert.equal(j.attemptsMade, 0, `${j.id} attemptsMade`);
      assert.equal(j.stalledCounter, 0, `${j.id} stalledCounter`);
    }
    const b = await startWorker(redis, prefix, 1);
    await until('all 6 scored', async () => (await store.counts()).ok === 6, 120_000);
    b.proc.kill('SIGTERM');
    assert.equal(await exitWithin(b), 0, b.stderr());
    const counts = await store.counts();
    assert.equal(counts.rewrites, 0, 'no result was written twice');
    assert.equal(counts.failed, 0);
    await queue.close();
  });

  test('Redis restarted mid-run: the worker reconnects and the run completes', async () => {
    const prefix = 'restart';
    const d = clips('restart', 16, 7, 1.5);
    const add = queueCli(redis, prefix, 'add', d);
    assert.equal(add.status, 0, add.stderr);
    const store = new ResultsStore(client, prefix, MODEL.key);
    const w = await startWorker(redis, prefix, 1);
    await until('a few scored', async () => (await store.counts()).ok >= 2);
    await redis.kill();
    await new Promise((r) => setTimeout(r, 1500));
    await redis.restart();
    // A job finished while Redis was down could not be marked completed: it stays active until
    // its lock expires and the stalled-job check hands it back, then the re-run finds its result.
    const queue = openQueue(redis.url, prefix, MODEL, 'cli');
    await until(
      '16 scored and nothing left in the queue',
      async () => {
        const c = await queue.getJobCounts('waiting', 'active', 'delayed', 'failed');
        return (await store.counts()).ok === 16 && c.waiting + c.active + c.delayed + c.failed === 0;
      },
      90_000,
    );
    await queue.close();
    assert.equal(w.proc.exitCode, null, 'the worker kept running through the restart');
    w.proc.kill('SIGTERM');
    assert.equal(await exitWithin(w), 0, w.stderr());
    assert.match(w.stderr(), /redis: .*\(retrying\)/);
    assert.equal((await store.counts()).rewrites, 0);
    // Nothing left: --watch draws the finished bar once and exits.
    const watch = queueCli(redis, prefix, 'status', '--watch');
    assert.equal(watch.status, 0, watch.stderr);
    assert.match(watch.stderr, /\] 16\/16 \|/);
    assert.match(watch.stdout, /scored 16 {2}failed 0 {2}waiting 0 {2}active 0/);
  });

  test('a result written once stays; the same write delivered again is not a rewrite, a second scoring is', async () => {
    const store = new ResultsStore(client, 'once', MODEL.key);
    const record = {
      file: '/calls/a.wav',
      hash: 'ab'.repeat(32),
      model: MODEL.key,
      label: 'neutral',
      emoji: '😐',
      confidence: 0.5,
      probabilities: { neutral: 0.5, anger: 0.5 },
      durationSec: 3,
      speechSec: 2.5,
      scoredAt: '2026-11-30T10:00:00.000Z',
    };
    assert.equal(await store.putOnce('job1', record), true);
    // ioredis resends a command whose reply was lost (Redis killed after running it).
    assert.equal(await store.putOnce('job1', record), true);
    assert.deepEqual(await store.get('job1'), record);
    let c = await store.counts();
    assert.equal(c.ok, 1);
    assert.equal(c.rewrites, 0);
    // Scored again (another worker, later): refused and counted.
    assert.equal(await store.putOnce('job1', { ...record, scoredAt: '2026-11-30T10:00:05.000Z' }), false);
    assert.deepEqual(await store.get('job1'), record);
    c = await store.counts();
    assert.equal(c.ok, 1);
    assert.equal(c.rewrites, 1);
  });

  test('SIGTERM while Redis is down: the worker still exits', async () => {
    const w = await startWorker(redis, 'down', 1);
    await redis.kill();
    await until('the worker sees Redis gone', async () => /redis: .*\(retrying\)/.test(w.stderr()), 10_000);
    try {
      // BullMQ's close() waits for the commands it had in flight, which wait for Redis; the
      // worker gives it a few seconds, then disconnects and exits.
      w.proc.kill('SIGTERM');
      assert.equal(await exitWithin(w, 20_000), 0, w.stderr());
      assert.match(w.stderr(), /stopped: scored 0, failed 0/);
    } finally {
      await redis.restart();
    }
  });
});
