/**
 * The worker's scoring threads: a piscina pool of score-thread.ts, so decoding and scoring never
 * block the event loop that renews BullMQ's job locks. Recordings are handed to a free thread in
 * batches of up to `batch`: everything waiting when the thread frees (or, for an idle thread,
 * what arrived in the same turn of the event loop) goes in one task. Between 6 ms scorings the
 * main thread and redis-server otherwise wake for every job (result, write, completion + next
 * job) and that, not their work, is most of a job's cost outside the scoring thread
 * (bench/queue-floor.ts); with batches they handle the jobs of a batch together.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { ScoreInput } from './score.js';
import type { BatchItemReply, BatchTask, ThreadData, ThreadReply, WarmUpTask } from './score-thread.js';

/** A recording handed back unscored because the pool was released (the worker is stopping). */
export class ReturnedToQueue extends Error {
  constructor() {
    super('the worker is stopping: recording not scored, returned to the queue');
    this.name = 'ReturnedToQueue';
  }
}

interface Waiting {
  input: ScoreInput | WarmUpTask;
  resolve: (r: ThreadReply) => void;
  reject: (err: Error) => void;
}

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
  private readonly waiting: Waiting[] = [];
  private busy = 0;
  private dispatchQueued = false;
  private readonly stop = new Int32Array(new SharedArrayBuffer(4));
  /** Hand-overs to the threads so far (tasks of one or more recordings). */
  handOvers = 0;

  /** `batch`: most recordings handed to a thread at once (1: one per task). */
  constructor(
    data: Omit<ThreadData, 'stop'>,
    private readonly nThreads: number,
    private readonly batch = 1,
  ) {
    if (!Number.isInteger(batch) || batch < 1)
      throw new RangeError(`batch must be a whole number >= 1, got ${batch}`);
    const { filename, cleanup } = threadFile();
    this.cleanup = cleanup;
    this.pool = new Piscina({
      filename,
      workerData: { ...data, stop: this.stop } satisfies ThreadData,
      minThreads: nThreads,
      maxThreads: nThreads,
      concurrentTasksPerWorker: 1,
      idleTimeout: Infinity,
    });
  }

  get threads(): number {
    return this.pool.threads.length;
  }

  /** Scores one recording (or warm-up clip) in the next batch a thread takes; rejects if scoring threw. */
  run(input: ScoreInput | WarmUpTask): Promise<ThreadReply> {
    if (this.released) return Promise.reject(new ReturnedToQueue());
    return new Promise<ThreadReply>((resolve, reject) => {
      this.waiting.push({ input, resolve, reject });
      if (!this.dispatchQueued && this.busy < this.nThreads) {
        // An idle thread waits for the rest of this turn's arrivals (replies read together).
        this.dispatchQueued = true;
        setImmediate(() => {
          this.dispatchQueued = false;
          this.dispatch();
        });
      }
    });
  }

  /**
   * For a stopping worker: recordings not yet begun (waiting, or later in a batch a thread is
   * scoring) and any run() from now on reject with ReturnedToQueue; those being scored finish.
   */
  release(): void {
    Atomics.store(this.stop, 0, 1);
    for (const w of this.waiting.splice(0)) w.reject(new ReturnedToQueue());
  }

  private get released(): boolean {
    return Atomics.load(this.stop, 0) === 1;
  }

  /** Hands every free thread up to `batch` waiting recordings. */
  private dispatch(): void {
    while (this.busy < this.nThreads && this.waiting.length > 0) {
      const items = this.waiting.splice(0, this.batch);
      this.busy++;
      this.handOvers++;
      const task: BatchTask = { batch: items.map((w) => w.input) };
      (this.pool.run(task) as Promise<BatchItemReply[]>).then(
        (replies) => {
          this.busy--;
          this.dispatch(); // the next batch first, then the answers
          items.forEach((w, k) => {
            const r = replies[k];
            if ('returned' in r) w.reject(new ReturnedToQueue());
            else if ('thrown' in r) w.reject(new Error(r.thrown));
            else w.resolve(r);
          });
        },
        (err: Error) => {
          this.busy--;
          this.dispatch();
          for (const w of items) w.reject(err);
        },
      );
    }
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
          const r = await this.run({ warmUp: true, index: next++ });
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
