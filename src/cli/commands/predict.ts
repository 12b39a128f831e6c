import { Option, type Command } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import { writeFileSync } from 'node:fs';
import type { Prediction } from '../../core/predict.js';
import { decodeFile } from '../../node/decode.js';
import { collectAudioFiles } from '../audio-files.js';
import { loadModel } from '../load-model.js';

interface PredictOptions {
  model?: string;
  json?: boolean;
  csv?: string;
  backend: 'wasm' | 'cpu';
}

/** The progress bar shows only for batches at least this long, and only on a terminal. */
export const PROGRESS_MIN_FILES = 10;

type Outcome = { file: string; prediction: Prediction } | { file: string; error: string };

/** Human line: emoji, label, confidence, the file, then the top three. */
export function formatHuman(file: string, p: Prediction): string {
  const top = Object.entries(p.probabilities)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([l, v]) => `${l} ${(v * 100).toFixed(1)}%`)
    .join(', ');
  return `${p.emoji} ${p.label} ${(p.confidence * 100).toFixed(1)}%  ${file}  [${top}]`;
}

export function formatJson(file: string, p: Prediction): string {
  return JSON.stringify({
    file,
    label: p.label,
    emoji: p.emoji,
    confidence: p.confidence,
    probabilities: p.probabilities,
  });
}

function csvField(v: string | number): string {
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** CSV table: file, label, emoji, confidence, one column per label, error (empty on success). */
export function toCsv(outcomes: Outcome[], labels: string[]): string {
  const rows = [['file', 'label', 'emoji', 'confidence', ...labels.map((l) => `p_${l}`), 'error']];
  for (const o of outcomes) {
    if ('error' in o) rows.push([o.file, '', '', '', ...labels.map(() => ''), o.error]);
    else {
      const p = o.prediction;
      rows.push([
        o.file,
        p.label,
        p.emoji,
        String(p.confidence),
        ...labels.map((l) => String(p.probabilities[l])),
        '',
      ]);
    }
  }
  return rows.map((r) => r.map(csvField).join(',')).join('\n') + '\n';
}

async function run(paths: string[], opts: PredictOptions): Promise<void> {
  const files = collectAudioFiles(paths);
  if (files.length === 0) {
    throw Object.assign(new Error(`no audio files found in ${paths.join(', ')}`), { code: 'NO_FILES' });
  }
  const { predictor } = await loadModel(opts.model, opts.backend);
  const showBar = files.length >= PROGRESS_MIN_FILES && Boolean(process.stderr.isTTY);
  const bar = showBar
    ? new SingleBar(
        { format: 'predict [{bar}] {value}/{total} files | ETA {eta_formatted}', stream: process.stderr },
        Presets.shades_classic,
      )
    : null;
  // With the bar on the same terminal as stdout, results are printed after it finishes.
  const deferred = bar !== null && Boolean(process.stdout.isTTY);
  const pending: string[] = [];
  const emit = (line: string) => (deferred ? pending.push(line) : process.stdout.write(line + '\n'));

  const outcomes: Outcome[] = [];
  bar?.start(files.length, 0);
  for (const file of files) {
    try {
      const audio = await decodeFile(file, { targetSampleRate: predictor.manifest.featureConfig.sampleRate });
      const prediction = await predictor.predict(audio.samples);
      outcomes.push({ file, prediction });
      emit(opts.json ? formatJson(file, prediction) : formatHuman(file, prediction));
    } catch (err) {
      const e = err as { code?: unknown; message?: string };
      if (typeof e?.code !== 'string') throw err; // a bug, not a bad file
      outcomes.push({ file, error: e.message ?? String(err) });
    }
    bar?.increment();
  }
  bar?.stop();
  for (const line of pending) process.stdout.write(line + '\n');
  if (opts.csv) writeFileSync(opts.csv, toCsv(outcomes, predictor.labels));

  const failed = outcomes.filter((o): o is { file: string; error: string } => 'error' in o);
  // Decoder messages usually name the file already; name it once.
  for (const f of failed) {
    process.stderr.write(`emovox: ${f.error.startsWith(f.file) ? f.error : `${f.file}: ${f.error}`}\n`);
  }
  if (failed.length > 0) {
    process.stderr.write(`emovox: ${failed.length} of ${files.length} files failed\n`);
    process.exitCode = 2;
  }
}

export function register(program: Command): void {
  program
    .command('predict')
    .description('Classify the emotion of audio files (folders are walked for audio files)')
    .argument('<paths...>', 'audio files or folders (wav, flac, mp3, ogg, opus, webm)')
    .option('--model <dir>', 'model bundle folder (default: models/default)')
    .option('--json', 'one JSON object per line: {"file","label","emoji","confidence","probabilities"}')
    .option('--csv <file>', 'also write a CSV table of every file and its probabilities')
    .addOption(new Option('--backend <name>', 'tfjs backend').choices(['wasm', 'cpu']).default('wasm'))
    .action(async (paths: string[], opts: PredictOptions) => run(paths, opts));
}
