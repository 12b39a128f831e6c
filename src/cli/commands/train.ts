/**
 * `emovox train`: three ways to write a model bundle atomically.
 *   --config FILE.json     corpora, label set, members (deep and/or classical) and weights
 *                          (src/node/train/bundle/config.ts); one member = a plain
 *                          bundle, several = an ensemble; the card comes from the template.
 *   --model svm-linear ... a classical bundle on one corpus (svm, svm-linear, rf), optionally
 *                          --speaker-adaptive.
 *   --model cnn2d-lstm ... a deep model on one corpus: read it (printing its summary first),
 *                          decode, train with per-epoch checkpoints (`--resume` continues a
 *                          killed run).
 */
import { Option, type Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { CLASSICAL_MODELS, describeDefaults, isClassicalModel } from '../../core/classical/pipeline.js';
import { parseFeatureConfig } from '../../core/features/index.js';
import { initBackend } from '../../node/backend.js';
import { saveBundle } from '../../node/bundle-io.js';
import {
  CORPUS_KINDS,
  formatCorpusSummary,
  readCorpus,
  type CorpusKind,
  type Utterance,
} from '../../node/datasets/index.js';
import { decodeFile } from '../../node/decode.js';
import { readInputTextSync } from '../../node/input-file.js';
import {
  loadCheckpoint,
  removeCheckpoint,
  runFingerprint,
  saveCheckpoint,
} from '../../node/train/checkpoint.js';
import { DEFAULT_FEATURE_CACHE_DIR } from '../../node/train/classical-features.js';
import { TrainError, parseTrainOptions, type TrainOptionsInput } from '../../node/train/options.js';
import { createProgress } from '../../node/train/progress.js';
import { trainModel } from '../../node/train/trainer.js';
import { parseTrainConfig, readTrainConfig, type TrainConfig } from '../../node/train/bundle/config.js';
import {
  describeCorpusUse,
  gatherUtterances,
  trainBundle,
  utterancesTsv,
} from '../../node/train/bundle/train-bundle.js';

interface TrainCliOptions {
  config?: string;
  corpus?: CorpusKind;
  data?: string;
  model?: string;
  c?: number;
  speakerAdaptive?: boolean;
  minSpeakerUtterances?: number;
  cacheDir?: string;
  cache?: boolean;
  writeManifest?: string;
  out?: string;
  epochs: number;
  batch: number;
  lr: number;
  seed: number;
  feature: 'mfcc' | 'logmel';
  nMels?: number;
  valSpeakers: number;
  patience: number;
  augmentCopies: number;
  modelConfig?: string;
  checkpoint?: string;
  resume?: boolean;
  backend: 'wasm' | 'cpu';
  quiet?: boolean;
}

const int = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n)) throw new TrainError(`--${name} must be an integer, got '${v}'`);
  return n;
};
const num = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new TrainError(`--${name} must be a number, got '${v}'`);
  return n;
};

/** --model-config: inline JSON or a path to a JSON file. */
function parseModelConfig(text: string | undefined): Record<string, unknown> {
  if (!text) return {};
  const raw = text.trim().startsWith('{') ? text : readInputTextSync(resolve(text));
  try {
    return JSON.parse(raw) as Record<string, unknown>;
  } catch {
    throw new TrainError(`--model-config must be JSON (inline or a file), got '${text.slice(0, 60)}'`);
  }
}

/** Decodes every utterance; files that fail become problems instead of crashing the run. */
async function decodeAll(
  utterances: Utterance[],
  sampleRate: number,
): Promise<{
  ok: Utterance[];
  signals: Map<string, Float32Array>;
  failed: { path: string; reason: string }[];
}> {
  const signals = new Map<string, Float32Array>();
  const ok: Utterance[] = [];
  const failed: { path: string; reason: string }[] = [];
  for (const u of utterances) {
    try {
      const a = await decodeFile(u.path, { targetSampleRate: sampleRate });
      signals.set(u.path, a.samples);
      ok.push(u);
    } catch (err) {
      failed.push({ path: u.path, reason: (err as Error).message });
    }
  }
  return { ok, signals, failed };
}

/** The command line as typed, for the model card. */
function commandLine(argv: string[]): string {
  return ['emovox', ...argv].map((a) => (/[\s"'$]/.test(a) ? JSON.stringify(a) : a)).join(' ');
}

/** --config, or a one-member classical config from --model svm-linear --corpus --data. */
function bundleConfig(o: TrainCliOptions): TrainConfig {
  if (o.config) return readTrainConfig(o.config);
  return parseTrainConfig(
    {
      title: `Emovox ${o.model} model`,
      corpora: [{ kind: o.corpus, data: o.data }],
      members: [
        {
          kind: 'classical',
          model: o.model,
          ...(o.c !== undefined ? { c: o.c } : {}),
          speakerAdaptive: Boolean(o.speakerAdaptive),
          ...(o.minSpeakerUtterances !== undefined ? { minSpeakerUtterances: o.minSpeakerUtterances } : {}),
        },
      ],
      seed: o.seed,
    },
    'the command-line options',
  );
}

/** --write-manifest: the config's utterances as a manifest TSV for `emovox evaluate --corpus manifest`. */
async function writeManifest(o: TrainCliOptions, file: string): Promise<void> {
  const { utterances, corpora } = await gatherUtterances(bundleConfig(o));
  for (const c of corpora) process.stdout.write(`${describeCorpusUse(c)}\n`);
  writeFileSync(file, utterancesTsv(utterances));
  process.stdout.write(
    `wrote ${utterances.length} utterances to ${file}; evaluate with: emovox evaluate --corpus manifest --data ${file}\n`,
  );
}

async function runBundleTrain(o: TrainCliOptions, argv: string[]): Promise<void> {
  const log = (line: string) => process.stdout.write(line + '\n');
  if (o.writeManifest) return writeManifest(o, o.writeManifest);
  if (!o.out) throw new TrainError('--out DIR is required (the bundle folder to write)');
  const config = bundleConfig(o);
  if (config.members.some((m) => m.kind === 'deep')) await initBackend(o.backend);
  const progress = createProgress({ quiet: o.quiet });
  await trainBundle(config, {
    out: o.out,
    command: commandLine(argv),
    log,
    cacheDir: o.cache === false ? null : o.cacheDir,
    resume: o.resume,
    onBatch: (p) => progress.batch(p),
    onEpoch: (member, entry) => {
      const m = config.members.find((x) => x.name === member);
      const epochs = m?.kind === 'deep' && typeof m.train.epochs === 'number' ? m.train.epochs : 30;
      progress.epoch(entry, epochs);
    },
  });
  progress.stop();
}

export async function runTrain(o: TrainCliOptions, argv: string[] = []): Promise<void> {
  if (o.config || (o.model && isClassicalModel(o.model))) {
    if (o.config && (o.model || o.corpus || o.data)) {
      throw new TrainError('--config declares corpora and members; leave out --model, --corpus and --data');
    }
    if (!o.config && (!o.corpus || !o.data)) throw new TrainError('--model needs --corpus and --data');
    return runBundleTrain(o, argv);
  }
  if (!o.model || !o.corpus || !o.data) {
    throw new TrainError('give --config FILE, or --corpus, --data and --model');
  }
  if (o.writeManifest) throw new TrainError('--write-manifest needs --config or a classical --model');
  if (!o.out) throw new TrainError('--out DIR is required (the bundle folder to write)');
  const out = o.out;
  const corpusKind = o.corpus;
  const dataDir = o.data;
  const modelName = o.model;
  const log = (line: string) => process.stdout.write(line + '\n');
  const backend = await initBackend(o.backend);
  const read = await readCorpus(corpusKind, dataDir);
  log(formatCorpusSummary(corpusKind, read));
  const featureConfig = parseFeatureConfig({ kind: o.feature, ...(o.nMels ? { nMels: o.nMels } : {}) });
  const { ok, signals, failed } = await decodeAll(read.utterances, featureConfig.sampleRate);
  if (failed.length > 0) {
    log(`  could not decode ${failed.length} file(s) (not used):`);
    for (const f of failed.slice(0, 20))
      log(`    ${f.reason.includes(f.path) ? f.reason : `${f.path}: ${f.reason}`}`);
  }
  if (ok.length === 0) throw new TrainError(`no usable utterances in ${dataDir}`);

  const options: TrainOptionsInput = {
    modelName,
    modelConfig: parseModelConfig(o.modelConfig),
    featureConfig,
    epochs: o.epochs,
    batchSize: o.batch,
    lr: o.lr,
    seed: o.seed,
    valSpeakers: o.valSpeakers,
    patience: o.patience,
    augment: { copies: o.augmentCopies },
    // The corpus kind, plus the folder name for user layouts; never a machine-specific absolute path.
    corpus:
      corpusKind === 'emodb' || corpusKind === 'ravdess'
        ? corpusKind
        : `${corpusKind}: ${basename(resolve(dataDir))}`,
  };
  parseTrainOptions(options);
  const checkpointDir = resolve(o.checkpoint ?? `${resolve(out)}.checkpoint`);
  const fingerprint = runFingerprint({ options, files: ok.map((u) => [u.path, u.label, u.speaker]) });
  const resume = o.resume ? await loadCheckpoint(checkpointDir, fingerprint) : null;
  if (o.resume)
    log(
      resume
        ? `resuming after epoch ${resume.epoch} from ${checkpointDir}`
        : `no checkpoint in ${checkpointDir}; starting afresh`,
    );
  log(`training ${modelName} on ${ok.length} utterances (backend ${backend}, seed ${o.seed})`);

  const progress = createProgress({ quiet: o.quiet });
  const result = await trainModel({
    ...options,
    train: ok,
    signals,
    resume: resume ?? undefined,
    onBatch: (p) => progress.batch(p),
    onEpoch: async (snapshot, entry) => {
      progress.epoch(entry, o.epochs);
      await saveCheckpoint(checkpointDir, fingerprint, snapshot);
    },
  });
  progress.stop();
  if (result.stoppedEarly) log(`stopped early: no better validation loss for ${o.patience} epochs`);
  result.manifest.card = [
    `${modelName} trained with \`emovox train\` on ${corpusKind} (${ok.length} utterances).`,
    result.manifest.protocol + '.',
    'Validation figures come from held-out training speakers used for early stopping; they are not test results.',
  ].join('\n');
  await saveBundle(out, result.model, result.manifest);
  await removeCheckpoint(checkpointDir);
  log(`wrote model bundle ${resolve(out)} (history.json beside the model)`);
}

export function register(program: Command): void {
  program
    .command('train')
    .description(
      'train a model (deep, classical, or an ensemble from --config) on a corpus and write a model bundle',
    )
    .option(
      '--config <file>',
      'training config JSON: corpora, labels, members (deep/classical) and weights (see configs/)',
    )
    .addOption(new Option('--corpus <kind>', 'corpus layout').choices([...CORPUS_KINDS]))
    .option('--data <dir>', 'corpus folder (or manifest file for --corpus manifest)')
    .option(
      '--model <name>',
      `model name: a network (cnn2d-lstm, cnn1d-lstm, cnn) or a classical model (${CLASSICAL_MODELS.join(', ')})`,
    )
    .option('--out <dir>', 'bundle folder to write')
    .option(
      '--write-manifest <file>',
      "write the config's utterances (label set applied, speakers prefixed by corpus) as a TSV for evaluate --corpus manifest, and stop",
    )
    .option('--c <value>', `classical SVM penalty C (${describeDefaults().c})`, num('c'))
    .option(
      '--speaker-adaptive',
      'classical: also fit a per-speaker-normalised pipeline, used with a speaker profile',
    )
    .option(
      '--min-speaker-utterances <n>',
      'classical: clips of a speaker needed before predictions adapt (default 10)',
      int('min-speaker-utterances'),
    )
    .option('--no-cache', 'classical: do not read or write the descriptor cache')
    .option('--cache-dir <dir>', 'classical: descriptor cache folder', DEFAULT_FEATURE_CACHE_DIR)
    .option('--epochs <n>', 'epochs', int('epochs'), 30)
    .option('--batch <n>', 'batch size', int('batch'), 16)
    .option('--lr <x>', 'peak learning rate (Adam, cosine schedule)', num('lr'), 1e-3)
    .option('--seed <n>', 'random seed', int('seed'), 1)
    .addOption(new Option('--feature <kind>', 'features').choices(['mfcc', 'logmel']).default('logmel'))
    .option('--n-mels <n>', 'mel bands', int('n-mels'))
    .option(
      '--val-speakers <n>',
      'training speakers held out for validation / early stopping',
      int('val-speakers'),
      1,
    )
    .option('--patience <n>', 'early-stopping patience in epochs (0 = off)', int('patience'), 8)
    .option(
      '--augment-copies <n>',
      'augmented copies per utterance (speed, gain, noise)',
      int('augment-copies'),
      2,
    )
    .option('--model-config <json>', 'model size overrides: inline JSON or a JSON file')
    .option('--checkpoint <dir>', 'checkpoint folder (default: <out>.checkpoint)')
    .option('--resume', 'continue from the last checkpoint of the same run')
    .addOption(new Option('--backend <name>', 'tfjs backend').choices(['wasm', 'cpu']).default('wasm'))
    .option('--quiet', 'no progress bar or per-epoch lines')
    .action((opts: TrainCliOptions) => runTrain(opts, process.argv.slice(2)));
}
