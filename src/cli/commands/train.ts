/**
 * `emovox train`: writes a model bundle atomically, always through trainBundle
 * (src/node/train/bundle/train-bundle.ts), from
 *   --config FILE.json     corpora, label set, members (deep and/or classical) and weights
 *                          (src/node/train/bundle/config.ts); one member = a plain bundle,
 *                          several = an ensemble; or
 *   --model NAME ...       a one-member config on one corpus: a classical model (svm,
 *                          svm-linear, rf, logistic, mlp; optionally --speaker-adaptive) or a network
 *                          (cnn2d-lstm, ...).
 * Deep members save a checkpoint every epoch (`--resume` continues a killed run); the card
 * comes from the template.
 */
import { commandLine } from '../command-line.js';
import { Option, type Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { CLASSICAL_MODELS, describeDefaults, isClassicalModel } from '../../core/classical/pipeline.js';
import { parseFeatureConfig } from '../../core/features/index.js';
import { defaultModelFeatures } from '../../core/models/registry.js';
import { initBackend } from '../../node/backend.js';
import { parseCorpusSpecs } from '../../node/datasets/index.js';
import {
  addCorpusOptions,
  addPretrainOptions,
  type CorpusCliOptions,
  type PretrainCliOptions,
} from '../corpus-options.js';
import { readJsonInput } from '../../node/input-file.js';
import { DEFAULT_FEATURE_CACHE_DIR } from '../../node/train/classical-features.js';
import { TrainError, parseTrainOptions, type TrainOptionsInput } from '../../node/train/options.js';
import { createProgress } from '../../node/train/progress.js';
import { parseTrainConfig, readTrainConfig, type TrainConfig } from '../../node/train/bundle/config.js';
import {
  describeCorpusUse,
  gatherUtterances,
  trainBundle,
  utterancesTsv,
} from '../../node/train/bundle/train-bundle.js';

interface TrainCliOptions extends CorpusCliOptions, PretrainCliOptions {
  config?: string;
  model?: string;
  c?: number;
  speakerAdaptive?: boolean;
  minSpeakerUtterances?: number;
  cacheDir?: string;
  cache?: boolean;
  writeManifest?: string;
  out?: string;
  epochs?: number;
  batch: number;
  lr: number;
  seed: number;
  feature?: 'mfcc' | 'logmel';
  nMels?: number;
  valSpeakers: number;
  patience: number;
  average?: boolean;
  mixup?: number;
  augmentCopies?: number;
  utteranceNorm?: boolean | 'mean' | 'meanStd';
  modelConfig?: string;
  checkpoint?: string;
  resume?: boolean;
  backend: 'wasm' | 'cpu';
  threads?: number;
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
  if (!text.trim().startsWith('{'))
    return readJsonInput(resolve(text), 'the --model-config file') as Record<string, unknown>;
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new TrainError(`--model-config must be JSON (inline or a file), got '${text.slice(0, 60)}'`);
  }
}

/** The trainer options of a deep --model run (a one-member config's `train`). */
function deepTrainOptions(o: TrainCliOptions): TrainOptionsInput {
  const options: TrainOptionsInput = {
    modelName: o.model!,
    modelConfig: parseModelConfig(o.modelConfig),
    // Only what was asked: the rest comes from the model's own input (log-mel 64 for cnn2d-lstm).
    featureConfig: { ...(o.feature ? { kind: o.feature } : {}), ...(o.nMels ? { nMels: o.nMels } : {}) },
    ...(o.epochs !== undefined ? { epochs: o.epochs } : {}),
    batchSize: o.batch,
    lr: o.lr,
    valSpeakers: o.valSpeakers,
    patience: o.patience,
    ...(o.average === false ? { average: false } : {}),
    ...(o.mixup !== undefined ? { mixup: o.mixup } : {}),
    ...(o.augmentCopies !== undefined ? { augment: { copies: o.augmentCopies } } : {}),
    ...(o.utteranceNorm ? { utteranceNorm: o.utteranceNorm } : {}),
    threads: o.threads ?? availableParallelism(),
  };
  parseTrainOptions({ ...options, seed: o.seed });
  parseFeatureConfig({ ...defaultModelFeatures(o.model!), ...options.featureConfig });
  return options;
}

/** --config, or a one-member config from --model (classical or deep) --corpus --data. */
function bundleConfig(o: TrainCliOptions): TrainConfig {
  if (o.config) return readTrainConfig(o.config);
  const member = isClassicalModel(o.model!)
    ? {
        kind: 'classical',
        model: o.model,
        ...(o.c !== undefined ? { c: o.c } : {}),
        speakerAdaptive: Boolean(o.speakerAdaptive),
        ...(o.minSpeakerUtterances !== undefined ? { minSpeakerUtterances: o.minSpeakerUtterances } : {}),
      }
    : {
        kind: 'deep',
        train: deepTrainOptions(o),
        ...(o.pretrain ? { pretrain: parseCorpusSpecs(o.pretrain, o.pretrainData) } : {}),
      };
  if (o.pretrain && member.kind === 'classical') {
    throw new TrainError(`--pretrain trains a network first; ${o.model} is a classical model`);
  }
  return parseTrainConfig(
    {
      title: `Emovox ${o.model} model`,
      corpora: parseCorpusSpecs(o.corpus!, o.data),
      members: [member],
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

export async function runTrain(o: TrainCliOptions, argv: string[] = []): Promise<void> {
  if (o.config && (o.model || o.corpus || o.data.length || o.pretrain)) {
    throw new TrainError(
      '--config declares corpora and members; leave out --model, --corpus, --data and --pretrain (a deep member\'s "pretrain" corpora)',
    );
  }
  if (!o.config && (!o.model || !o.corpus)) {
    throw new TrainError(
      'give --config FILE, or --corpus (with --data unless ../shared/datasets has it) and --model',
    );
  }
  const log = (line: string) => process.stdout.write(line + '\n');
  if (o.writeManifest) return writeManifest(o, o.writeManifest);
  if (!o.out) throw new TrainError('--out DIR is required (the bundle folder to write)');
  const config = bundleConfig(o);
  if (config.members.some((m) => m.kind === 'deep')) {
    const backend = await initBackend(o.backend);
    log(`tfjs backend ${backend}, seed ${config.seed}`);
  }
  const progress = createProgress({ quiet: o.quiet });
  await trainBundle(config, {
    out: o.out,
    command: commandLine(argv),
    log,
    cacheDir: o.cache === false ? null : o.cacheDir,
    resume: o.resume,
    checkpoint: o.checkpoint,
    onBatch: (p) => progress.batch(p),
    onEpoch: (member, entry) => {
      const m = config.members.find((x) => x.name === member);
      const epochs = m?.kind === 'deep' ? parseTrainOptions(m.train as TrainOptionsInput).epochs : 0;
      progress.epoch(entry, epochs);
    },
  });
  progress.stop();
}

export function register(program: Command): void {
  addPretrainOptions(
    addCorpusOptions(
      program
        .command('train')
        .description(
          'train a model (deep, classical, or an ensemble from --config) on a corpus (or several merged) and write a model bundle',
        )
        .option(
          '--config <file>',
          'training config JSON: corpora, labels, members (deep/classical) and weights (see configs/)',
        ),
      { required: false },
    ),
    'networks: first train on these other corpora (comma-separated, e.g. ravdess,ased; their clips of the trained labels, same options), then train on --corpus starting from those weights',
  )
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
    .option('--epochs <n>', "epochs (default: the model's own, see `emovox models`)", int('epochs'))
    .option('--batch <n>', 'batch size', int('batch'), 32)
    .option('--lr <x>', 'peak learning rate (Adam, cosine schedule)', num('lr'), 1e-3)
    .option('--seed <n>', 'random seed', int('seed'), 1)
    .addOption(
      new Option(
        '--feature <kind>',
        "networks: input features (default: the model's own, log-mel 64 for cnn2d-lstm, 40 MFCC for cnn)",
      ).choices(['mfcc', 'logmel']),
    )
    .option('--n-mels <n>', "mel bands (default: the model's own)", int('n-mels'))
    .option(
      '--val-speakers <n>',
      'training speakers held out for validation (curves, bundle metrics; with --no-average also the choice of the kept epoch); 0 = every speaker trains',
      int('val-speakers'),
      0,
    )
    .option(
      '--patience <n>',
      'early-stopping patience in epochs, with --val-speakers and --no-average: stop after N epochs of the last third without a better validation UAR (0 = off: every epoch runs)',
      int('patience'),
      0,
    )
    .option(
      '--no-average',
      'networks: return the best validated epoch of the last third of the schedule (with --val-speakers), or the last epoch, instead of the mean of the weights at the end of every epoch of that last third (SWA-style weight averaging, the default; batch-norm statistics are averaged like the weights, or recomputed by one pass of the averaged network over the training clips with --train-options \'{"recomputeBatchNorm":true}\')',
    )
    .option(
      '--mixup <alpha>',
      'networks: mixup each batch with a permutation of itself, lambda ~ Beta(alpha, alpha) (inputs, targets and class weights; e.g. 0.2); 0 = off (default)',
      num('mixup'),
    )
    .option(
      '--augment-copies <n>',
      'augmented copies per utterance, made once (speed, gain, noise) (default: 0; networks on features get SpecAugment)',
      int('augment-copies'),
    )
    .addOption(
      new Option(
        '--utterance-norm [mode]',
        "networks on features: normalise each clip's frames per band by the clip's own statistics before the global normalisation (meanStd: mean and standard deviation, the default; mean: mean only); the bundle records it and predicts the same way",
      ).choices(['mean', 'meanStd']),
    )
    .option('--model-config <json>', 'model size overrides: inline JSON or a JSON file')
    .option(
      '--checkpoint <dir>',
      'checkpoint folder (default: <out>.checkpoint); each deep member saves every epoch in a subfolder named after it',
    )
    .option('--resume', 'continue from the last checkpoint of the same run')
    .addOption(new Option('--backend <name>', 'tfjs backend').choices(['wasm', 'cpu']).default('wasm'))
    .option(
      '--threads <n>',
      'networks (--model): worker threads training data-parallel (each batch split into n micro-batches, batch norm per micro-batch: a seed gives the same model for the same n); default: the available cores; a --config file sets it per member (train.threads, default 1)',
      int('threads'),
    )
    .option('--quiet', 'no progress bar or per-epoch lines')
    .action((opts: TrainCliOptions) => runTrain(opts, process.argv.slice(2)));
}
