/**
 * The worker's scoring threads: a piscina pool of score-thread.ts, one recording per thread at
 * a time, so decoding and scoring never block the event loop that renews BullMQ's job locks.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { ScoreInput } from './score.js';
import type { ThreadData, ThreadReply, WarmUpTask } from './score-thread.js';

/** Running from TypeScript sources (tsx, tests): threads do not inherit tsx's loader. */
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const THREAD_URL = new URL(`./score-thread.${FROM_SOURCE ? 'ts' : 'js'}`, import.meta.url);

/** From sources, a throw-away module that registers tsx in the thread, then loads the .ts file. */
function threadFile(): { filename: string; cleanup: () => void } {
  if (!FROM_SOURCE) return { filename: fileURLToPath(THREAD_URL), cleanup: () => undefined };
  const dir = mkdtempSync(join(tmpdir(), 'emovox-thread-'));
  const filename = join(dir, 'score-thread.mjs');
  const tsxApi = import.meta.resolve('tsx/esm/api');
  writeFileSync(
    filename,
    `const tsx = await import(${JSON.stringify(tsxApi)});\ntsx.register();\n` +
      `const m = await import(${JSON.stringify(THREAD_URL.href)});\nexport default m.default;\n`,
  );
  return { filename, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export class ScorePool {
  private readonly pool: Piscina;
  private readonly cleanup: () => void;

  constructor(data: ThreadData, threads: number) {
    const { filename, cleanup } = threadFile();
    this.cleanup = cleanup;
    this.pool = new Piscina({
      filename,
      workerData: data,
      minThreads: threads,
      maxThreads: threads,
      concurrentTasksPerWorker: 1,
      idleTimeout: Infinity,
    });
  }

  get threads(): number {
    return this.pool.threads.length;
  }

  run(input: ScoreInput): Promise<ThreadReply> {
    return this.pool.run(input) as Promise<ThreadReply>;
  }

  /**
   * Loads the model in every thread (rejects if it cannot be loaded), then has each thread score
   * about `clipsPerThread` synthetic clips (score.ts scoreWarmUpClip), handed over one task at a
   * time with one more waiting, as jobs are, so both sides of the hand-over are compiled too.
   * The warm-up is an optimisation, never a reason to refuse the worker: a clip that fails (no
   * speech found by an unusual model, no writable temporary folder) ends it early, and the
   * reason is returned (null when it ran to the end). With 0 clips each thread only loads the
   * model (one task each, all at once: a thread busy loading does not take another).
   */
  async warmUp(clipsPerThread: number): Promise<string | null> {
    const n = this.pool.threads.length;
    const load: WarmUpTask = { warmUp: true, index: null };
    await Promise.all(Array.from({ length: n }, () => this.pool.run(load)));
    const total = n * clipsPerThread;
    let next = 0;
    let stopped: string | null = null;
    const lane = async () => {
      while (stopped === null && next < total) {
        try {
          const r = (await this.pool.run({
            warmUp: true,
            index: next++,
          } satisfies WarmUpTask)) as ThreadReply;
          if (!r.ok) stopped = r.error;
        } catch (err) {
          stopped = (err as Error).message;
        }
      }
    };
    await Promise.all(Array.from({ length: n + 1 }, lane));
    return stopped;
  }

  async close(): Promise<void> {
    await this.pool.destroy();
    this.cleanup();
  }
}
