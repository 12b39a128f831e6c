/**
 * `emovox predict`: classify audio files (folders are walked). With --speaker NAME (every file
 * is the same speaker) or --speaker-by dir (the parent folder names the speaker), a
 * speaker-adaptive bundle first describes every file of a speaker, builds that speaker's
 * profile, then classifies each file through the per-speaker-normalised pipeline when the
 * profile has enough clips (minSpeakerUtterances); each result says whether it was adapted.
 * Only each file's speech is classified (src/core/vad); a file without speech is an error
 * ("no speech heard", exit 2).
 */
import { EmovoxError, isUserFacing } from '../../core/errors.js';
import { Option, type Command } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import { writeFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { loadModel, SpeakerProfile, type EmotionModel, type Prediction } from '../../index.js';
import { decodeFile } from '../../node/decode.js';
import { collectAudioFiles } from '../audio-files.js';
import { modelSource } from '../model-option.js';
import { runTimeline } from './predict-timeline.js';

interface PredictOptions {
  model?: string;
  speaker?: string;
  speakerBy?: 'dir';
  json?: boolean;
  csv?: string;
  backend: 'wasm' | 'cpu';
  timeline?: boolean;
  maxSegment?: string;
}

/** The progress bar shows only for batches at least this long, and only on a terminal. */
export const PROGRESS_MIN_FILES = 10;

type Outcome =
  | { file: string; prediction: Prediction; speaker?: string }
  | { file: string; error: string; speaker?: string };

/** How a prediction used the speaker profile, for the human line ('' when not applicable). */
export function formatAdaptation(p: Prediction, speaker?: string, needed?: number): string {
  if (!p.adaptation || speaker === undefined) return '';
  const { adapted, speakerUtterances: n } = p.adaptation;
  return adapted
    ? `  (adapted to speaker ${speaker}, ${n} clips)`
    : `  (not adapted: speaker ${speaker} has ${n} clip${n === 1 ? '' : 's'}${needed ? `, ${needed} needed` : ''})`;
}

/** Shown instead of the emotion's emoji when a calibrated model is not sure. */
export const UNCERTAIN_EMOJI = '🤔';

/**
 * Human line: emoji, label, confidence, the file, then the top three (and the adaptation).
 * An uncertain prediction says "not sure" with a thinking face, and the best guess after it.
 */
export function formatHuman(file: string, p: Prediction, speaker?: string, needed?: number): string {
  const top = Object.entries(p.probabilities)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([l, v]) => `${l} ${(v * 100).toFixed(1)}%`)
    .join(', ');
  const pct = `${(p.confidence * 100).toFixed(1)}%`;
  const head = p.uncertain
    ? `${UNCERTAIN_EMOJI} not sure (maybe ${p.label} ${pct})`
    : `${p.emoji} ${p.label} ${pct}`;
  return `${head}  ${file}  [${top}]${formatAdaptation(p, speaker, needed)}`;
}

export function formatJson(file: string, p: Prediction, speaker?: string): string {
  return JSON.stringify({
    file,
    label: p.label,
    emoji: p.emoji,
    confidence: p.confidence,
    uncertain: p.uncertain,
    probabilities: p.probabilities,
    ...(speaker !== undefined ? { speaker } : {}),
    ...(p.adaptation ? { adaptation: p.adaptation } : {}),
  });
}

/** The speaker of a file under --speaker / --speaker-by (undefined without either). */
export function speakerOf(
  file: string,
  opts: Pick<PredictOptions, 'speaker' | 'speakerBy'>,
): string | undefined {
  if (opts.speaker !== undefined) return opts.speaker;
  if (opts.speakerBy === 'dir') return basename(dirname(file));
  return undefined;
}

/** Outcome of a file that fails: user-facing errors are the file's fault, anything else is a bug. */
function failure(file: string, err: unknown, speaker?: string): Outcome {
  if (!isUserFacing(err)) throw err;
  return { file, error: err.message, speaker };
}

interface Profiles {
  profiles: Map<string, SpeakerProfile>;
  /** Each file's descriptor vector, kept when the bundle needs nothing else (no network member). */
  descriptors: Map<string, Float32Array>;
  failed: Map<string, Outcome>;
}

/**
 * Speaker profiles of every speaker in `files` (decode + describe each file once). Files that
 * fail here are returned as outcomes and not classified again. Without a network member the
 * second pass classifies from the kept descriptors, so each file is decoded once.
 */
async function buildProfiles(
  files: string[],
  model: EmotionModel,
  opts: PredictOptions,
  tick: () => void,
): Promise<Profiles> {
  const out: Profiles = { profiles: new Map(), descriptors: new Map(), failed: new Map() };
  const keep = model.predictor.model === null;
  for (const file of files) {
    const speaker = speakerOf(file, opts)!;
    try {
      const audio = await decodeFile(file, { targetSampleRate: model.sampleRate });
      const d = (await model.describe(audio.samples))!;
      if (!out.profiles.has(speaker)) out.profiles.set(speaker, model.createProfile());
      out.profiles.get(speaker)!.add(d);
      if (keep) out.descriptors.set(file, d);
    } catch (err) {
      out.failed.set(file, failure(file, err, speaker));
    }
    tick();
  }
  return out;
}

export function csvField(v: string | number): string {
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * CSV table: file, label, emoji, confidence, uncertain, one column per label, error (empty on success);
 * with `speakers`, also speaker, adapted and speaker_clips before error.
 */
export function toCsv(outcomes: Outcome[], labels: string[], speakers = false): string {
  const extra = speakers ? ['speaker', 'adapted', 'speaker_clips'] : [];
  const rows = [
    ['file', 'label', 'emoji', 'confidence', 'uncertain', ...labels.map((l) => `p_${l}`), ...extra, 'error'],
  ];
  for (const o of outcomes) {
    const sp = (a?: Prediction['adaptation']) =>
      speakers ? [o.speaker ?? '', a ? String(a.adapted) : '', a ? String(a.speakerUtterances) : ''] : [];
    if ('error' in o) rows.push([o.file, '', '', '', '', ...labels.map(() => ''), ...sp(), o.error]);
    else {
      const p = o.prediction;
      rows.push([
        o.file,
        p.label,
        p.emoji,
        String(p.confidence),
        String(p.uncertain),
        ...labels.map((l) => String(p.probabilities[l])),
        ...sp(p.adaptation),
        '',
      ]);
    }
  }
  return rows.map((r) => r.map(csvField).join(',')).join('\n') + '\n';
}

async function run(paths: string[], opts: PredictOptions): Promise<void> {
  const files = collectAudioFiles(paths);
  if (files.length === 0) {
    throw new EmovoxError('NO_FILES', `no audio files found in ${paths.join(', ')}`);
  }
  if (opts.speaker !== undefined && opts.speakerBy !== undefined) {
    throw new EmovoxError('BAD_OPTIONS', 'give --speaker NAME or --speaker-by dir, not both');
  }
  if (opts.timeline && (opts.speaker !== undefined || opts.speakerBy !== undefined)) {
    throw new EmovoxError(
      'BAD_OPTIONS',
      '--timeline does not adapt to a speaker; leave out --speaker/--speaker-by',
    );
  }
  const model = await loadModel(modelSource(opts.model), { backend: opts.backend });
  const { predictor } = model;
  if (opts.timeline) return runTimeline(files, predictor, opts);
  const bySpeaker = opts.speaker !== undefined || opts.speakerBy !== undefined;
  const adapting = bySpeaker && predictor.speakerAdaptive;
  if (bySpeaker && !adapting) {
    process.stderr.write(
      `emovox: note: this ${predictor.kind} model does not adapt to speakers; every file is classified on its own\n`,
    );
  }
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
  bar?.start(adapting ? 2 * files.length : files.length, 0);
  const {
    profiles,
    descriptors,
    failed: early,
  } = adapting
    ? await buildProfiles(files, model, opts, () => bar?.increment())
    : { profiles: new Map(), descriptors: new Map(), failed: new Map() };
  for (const file of files) {
    const speaker = speakerOf(file, opts);
    const failedEarly = early.get(file);
    if (failedEarly) outcomes.push(failedEarly);
    else {
      try {
        const profile = speaker !== undefined ? profiles.get(speaker) : undefined;
        const kept = descriptors.get(file);
        // predict() classifies the speech only (the VAD runs inside it).
        const prediction = kept
          ? await predictor.predictDescriptors(kept, { profile })
          : await model.predict((await decodeFile(file, { targetSampleRate: model.sampleRate })).samples, {
              profile,
            });
        outcomes.push({ file, prediction, speaker });
        emit(
          opts.json
            ? formatJson(file, prediction, speaker)
            : formatHuman(file, prediction, speaker, predictor.minSpeakerUtterances),
        );
      } catch (err) {
        outcomes.push(failure(file, err, speaker));
      }
    }
    bar?.increment();
  }
  bar?.stop();
  for (const line of pending) process.stdout.write(line + '\n');
  if (opts.csv) writeFileSync(opts.csv, toCsv(outcomes, predictor.labels, bySpeaker));

  const failed = outcomes.filter((o): o is { file: string; error: string } => 'error' in o);
  // Decoder messages usually name the file already; name it once.
  for (const f of failed) {
    process.stderr.write(`emovox: ${f.error.startsWith(f.file) ? f.error : `${f.file}: ${f.error}`}\n`);
  }
  if (failed.length > 0) {
    // One file: its error line says it all.
    if (files.length > 1) process.stderr.write(`emovox: ${failed.length} of ${files.length} files failed\n`);
    process.exitCode = 2;
  }
}

export function register(program: Command): void {
  program
    .command('predict')
    .description('Classify the emotion of audio files (folders are walked for audio files)')
    .argument('<paths...>', 'audio files or folders (wav, flac, mp3, ogg, opus, webm)')
    .option(
      '--model <dir>',
      'model bundle folder, or a bundled model by name (default, emodb-ravdess); default: models/default',
    )
    .option(
      '--json',
      'one JSON object per line: {"file","label","emoji","confidence","uncertain","probabilities"}',
    )
    .option('--csv <file>', 'also write a CSV table of every file and its probabilities')
    .option(
      '--speaker <name>',
      'all files are one speaker: a speaker-adaptive model builds their profile and adapts (needs enough clips)',
    )
    .addOption(
      new Option('--speaker-by <how>', 'the speaker of each file is its parent folder name').choices(['dir']),
    )
    .option(
      '--timeline',
      'recordings of any length: one emotion per speech segment, then the share of speech in each emotion; ' +
        'read and decoded piece by piece (WAV, FLAC, MP3, Ogg, WebM; M4A and AIFF are decoded whole). ' +
        'With --json one {"file","startSec","endSec","label",...} per segment and a {"file","summary"} line; ' +
        '--csv F writes one row per segment',
    )
    .option(
      '--max-segment <sec>',
      'with --timeline: longer speech is cut into segments of at most this length',
      '10',
    )
    .addOption(new Option('--backend <name>', 'tfjs backend').choices(['wasm', 'cpu']).default('wasm'))
    .action(async (paths: string[], opts: PredictOptions) => run(paths, opts));
}
