import { readFileSync } from 'node:fs';

/**
 * CPU time this thread has run and time it sat runnable waiting for a core, in ms, from Linux's
 * /proc/thread-self/schedstat (nanoseconds; per thread, unlike process.cpuUsage). NaN elsewhere.
 */
export function threadTimes(): { cpuMs: number; queuedMs: number } {
  try {
    const [run, queued] = readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ').map(Number);
    return { cpuMs: run / 1e6, queuedMs: queued / 1e6 };
  } catch {
    return { cpuMs: NaN, queuedMs: NaN };
  }
}
