/**
 * Training progress on the terminal: a cli-progress bar showing epoch, batch, running loss and
 * accuracy and the ETA of the whole run, plus one summary line per finished epoch. No bar when
 * stderr is not a TTY; nothing at all with --quiet.
 */
import cliProgress from 'cli-progress';
import type { HistoryEntry } from '../../core/bundle.js';
import type { BatchProgress } from './trainer.js';

export interface ProgressReporter {
  batch(p: BatchProgress): void;
  epoch(e: HistoryEntry, epochs: number): void;
  stop(): void;
}

const pct = (x: number | null) => (x === null ? '-' : `${(100 * x).toFixed(1)}%`);

export function formatEpoch(e: HistoryEntry, epochs: number): string {
  const val =
    e.valLoss === null ? '' : ` | val loss ${e.valLoss.toFixed(4)} acc ${pct(e.valAcc)} uar ${pct(e.valUar)}`;
  return (
    `epoch ${e.epoch}/${epochs} loss ${e.loss.toFixed(4)} acc ${pct(e.acc)}${val} | ` +
    `lr ${e.lr.toExponential(2)} | ${(e.seconds ?? 0).toFixed(1)} s`
  );
}

/** h:mm:ss (or m:ss) for an ETA in seconds. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** Seconds left for the run, from the rate of the batches done since this process started. */
export function runEta(doneSinceStart: number, elapsedSec: number, remaining: number): number {
  return doneSinceStart > 0 ? (elapsedSec / doneSinceStart) * remaining : Infinity;
}

export function createProgress({
  quiet = false,
  stream = process.stderr,
}: { quiet?: boolean; stream?: NodeJS.WriteStream } = {}): ProgressReporter {
  const tty = Boolean(stream.isTTY) && !quiet;
  let bar: cliProgress.SingleBar | null = null;
  let started = 0;
  let firstValue = 0;
  return {
    batch(p) {
      if (!tty) return;
      const total = p.epochs * p.batches;
      const value = (p.epoch - 1) * p.batches + p.batch;
      if (!started) {
        started = Date.now();
        firstValue = value - 1;
      }
      const eta = formatDuration(runEta(value - firstValue, (Date.now() - started) / 1000, total - value));
      const payload = {
        ep: p.epoch,
        epochs: p.epochs,
        loss: p.loss.toFixed(4),
        acc: pct(p.acc),
        runEta: eta,
      };
      if (!bar) {
        bar = new cliProgress.SingleBar(
          {
            stream,
            format: 'epoch {ep}/{epochs} [{bar}] {percentage}% | loss {loss} acc {acc} | ETA {runEta}',
            hideCursor: true,
            clearOnComplete: true,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(total, value, payload);
      } else bar.update(value, payload);
    },
    epoch(e, epochs) {
      if (quiet) return;
      if (bar) {
        // Print the epoch line above the bar: clear it, write, and let the next batch redraw it.
        bar.stop();
        bar = null;
      }
      stream.write(formatEpoch(e, epochs) + '\n');
    },
    stop() {
      bar?.stop();
      bar = null;
    },
  };
}
