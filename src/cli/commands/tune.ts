/**
 * `emovox tune`: grid or random hyperparameter search with inner validation on training speakers
 * only (or, --protocol loco, on training corpora only); resumable (re-run the same command), with
 * a table ranked by validation UAR.
 */
import { readJsonInput } from '../../node/input-file.js';
import { Option, type Command } from 'commander';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { CLASSICAL_MODELS } from '../../core/classical/pipeline.js';
import { MODEL_NAMES } from '../../core/models/registry.js';
import { DESCRIPTOR_FAMILIES, type DescriptorFamily } from '../../core/classical/featurize.js';
import { CORPUS_KINDS } from '../../node/datasets/index.js';
import { DEFAULT_FEATURE_CACHE_DIR } from '../../node/train/classical-features.js';
import { createProgress } from '../../node/train/progress.js';
import { runTune, TUNE_PROTOCOLS, type TuneProtocol } from '../../node/train/tune/tune.js';
import { formatTable } from '../../node/train/tune/results.js';
import { INNER_PROTOCOLS, type InnerProtocol } from '../../node/train/tune/score.js';
import { MAX_GRID_TRIALS, SEARCHES, TuneError, type Search } from '../../node/train/tune/space.js';

interface TuneCliOptions {
  corpus: string;
  data: string[];
  protocol: TuneProtocol;
  excludeCorpus?: string;
  features?: DescriptorFamily;
  augment?: number;
  corpusWeight?: boolean;
  noiseDir?: string;
  model: string;
  space: string;
  out: string;
  search: Search;
  trials?: number;
  seed: number;
  excludeSpeakers?: string;
  inner?: InnerProtocol;
  valSpeakers?: number;
  epochs?: number;
  jobs?: number;
  backend: 'wasm' | 'cpu';
  cache: boolean;
  cacheDir: string;
  json?: string;
  quiet?: boolean;
}

const integer = (name: string, min: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min)
    throw new TuneError(`--${name} must be an integer >= ${min}, got '${v}'`);
  return n;
};

/** The space file as JSON (errors name the file). */
export function readSpaceFile(path: string): unknown {
  return readJsonInput(resolve(path), 'the space file');
}

async function run(o: TuneCliOptions): Promise<void> {
  const log = (s: string) => {
    if (!o.quiet) process.stderr.write(`${s}\n`);
  };
  // The trainer's bar (TTY only), restarted for every trial so that its ETA is the trial's.
  let progress = createProgress({ quiet: o.quiet });
  const outcome = await runTune({
    corpus: o.corpus,
    data: o.data,
    protocol: o.protocol,
    excludeCorpus: o.excludeCorpus,
    features: o.features,
    augment: o.augment,
    corpusWeight: o.corpusWeight,
    noiseDir: o.noiseDir,
    model: o.model,
    space: readSpaceFile(o.space),
    spaceFile: o.space,
    out: o.out,
    search: o.search,
    trials: o.trials,
    seed: o.seed,
    excludeSpeakers: o.excludeSpeakers
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    inner: o.inner,
    valSpeakers: o.valSpeakers,
    epochs: o.epochs,
    jobs: o.jobs,
    backend: o.backend,
    cacheDir: o.cache ? o.cacheDir : null,
    log: (s) => {
      progress.stop();
      log(s);
    },
    onBatch: (p) => progress.batch(p),
    onTrialStart: () => {
      progress.stop();
      progress = createProgress({ quiet: o.quiet });
    },
  });
  progress.stop();
  process.stdout.write(
    `${formatTable(outcome.ranked)}\n\n${outcome.ranked.length} trial(s) ranked by validation UAR (training ${o.protocol === 'loco' ? 'corpora' : 'speakers'} only); ` +
      `${outcome.ran} run now, ${outcome.skipped} skipped as already done, ${outcome.seconds.toFixed(1)} s\n`,
  );
  log(`wrote ${outcome.files.results}${outcome.files.best ? ` and ${outcome.files.best}` : ''}`);
  if (o.json) {
    mkdirSync(dirname(resolve(o.json)), { recursive: true });
    writeFileSync(
      o.json,
      `${JSON.stringify({ model: o.model, corpus: o.corpus, best: outcome.best, trials: outcome.ranked }, null, 2)}\n`,
    );
    log(`wrote ${o.json}`);
  }
}

export function register(program: Command): void {
  program
    .command('tune')
    .description(
      'Hyperparameter search (grid or random) scored on training speakers only (--protocol loco: on training corpora only, by inner leave-one-corpus-out); resumable, results ranked by validation UAR.',
    )
    .requiredOption(
      '--corpus <kind>',
      `corpus layout (${CORPUS_KINDS.join(', ')}); --protocol loco: several, comma-separated (e.g. emodb,ravdess,ased)`,
    )
    .option(
      '--data <dir>',
      'corpus folder (or manifest file for --corpus manifest); --protocol loco: once per corpus, one folder holding emodb/ ravdess/ ased/, or none for ../shared/datasets/<corpus>',
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    )
    .addOption(
      new Option(
        '--protocol <name>',
        'loso: inner validation within the corpus (--inner); loco: classical models scored by the mean per-corpus UAR of an inner leave-one-corpus-out over the training corpora (the choice `evaluate --protocol loco --tune` makes in each fold)',
      )
        .choices([...TUNE_PROTOCOLS])
        .default('loso'),
    )
    .option(
      '--exclude-corpus <kind>',
      'loco: the outer test corpus, dropped from --corpus before anything is read (its clips are never decoded)',
    )
    .addOption(
      new Option('--features <family>', 'loco: classical descriptor family (default robust)').choices([
        ...DESCRIPTOR_FAMILIES,
      ]),
    )
    .option(
      '--augment <copies>',
      'loco: randomly augmented copies (reverb, noise, gain, telephone, codec; seeded) of every training clip',
      integer('augment', 0),
    )
    .option(
      '--corpus-weight',
      'loco, logistic or mlp: each training corpus weighs the same, whatever its size',
    )
    .option('--noise-dir <dir>', 'loco: noise recordings for augmentation (default ../shared/datasets/noise)')
    .requiredOption('--model <name>', `model: ${[...CLASSICAL_MODELS, ...MODEL_NAMES].join(', ')}`)
    .requiredOption(
      '--space <file>',
      'JSON search space: {"lr": [0.001, 0.003], "modelConfig.dropout": {"min": 0, "max": 0.5}} (deep: trainer option paths; classical: c, gamma, pca, trees, weightDecay (mlp), speakerNorm, descriptors)',
    )
    .requiredOption(
      '--out <dir>',
      'folder for tune.json, trials.jsonl, results.md and best.json (re-run to resume)',
    )
    .addOption(
      new Option('--search <kind>', 'grid (every combination) or random (seeded draws)')
        .choices([...SEARCHES])
        .default('grid'),
    )
    .option(
      '--trials <n>',
      `random: number of draws; grid: run a seeded sample of n points (needed above ${MAX_GRID_TRIALS})`,
      integer('trials', 1),
    )
    .option('--seed <n>', 'seed for draws, the validation split and training', integer('seed', 0), 1)
    .option(
      '--exclude-speakers <ids>',
      'outer test speakers, comma-separated: dropped right after listing the corpus, never decoded',
    )
    .addOption(
      new Option(
        '--inner <protocol>',
        'inner validation: loso (default for classical models) or holdout (default for deep ones)',
      ).choices([...INNER_PROTOCOLS]),
    )
    .option(
      '--val-speakers <n>',
      '--inner holdout: training speakers held out for validation (default 2)',
      integer('val-speakers', 1),
    )
    .option('--epochs <n>', 'deep models: maximum epochs per training run', integer('epochs', 1))
    .addOption(
      new Option('--backend <name>', 'tfjs backend for deep models').choices(['wasm', 'cpu']).default('wasm'),
    )
    .option('--no-cache', 'classical models: do not read or write the feature cache')
    .option('--cache-dir <dir>', 'classical feature cache folder', DEFAULT_FEATURE_CACHE_DIR)
    .option('--json <file>', 'write every trial, best first, as JSON')
    .option('-q, --quiet', 'no progress on stderr')
    .action(async (o: TuneCliOptions) => run(o));
}
