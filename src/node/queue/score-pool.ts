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
   * Has a thread load the model and score `clips` synthetic clips (call once per thread, all at
   * once, to warm every thread: a thread busy with one warm-up does not take another).
   */
  async warmUp(clips: number): Promise<void> {
    await this.pool.run({ warmUp: true, clips } satisfies WarmUpTask);
  }

  async close(): Promise<void> {
    await this.pool.destroy();
    this.cleanup();
  }
}
