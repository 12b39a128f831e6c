/**
 * `emovox evaluate`: honest evaluation of one or more models on a corpus. Leave-one-speaker-out
 * by default; every fold's test predictions are pooled before computing UAR, WA, macro-F1 and
 * the confusion matrix. Prints a plain-text summary; --json and --report write the figures.
 */
import { commandLine } from '../command-line.js';
import { Option, type Command } from 'commander';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { CHANNEL_STEP_FORMS } from '../../core/channel/chain.js';
import {
  DESCRIPTOR_FAMILIES,
  type ClassicalFeatureSpec,
  type DescriptorFamily,
} from '../../core/classical/featurize.js';
import {
  CLASSICAL_MODELS,
  describeDefaults,
  pipelineConfigWith,
  type ClassicalModelName,
} from '../../core/classical/pipeline.js';
import { DEFAULT_MLP_OPTIONS, mlpDomainKind, type MlpOptions } from '../../core/classical/mlp.js';
import { MlpOptionsSchema } from '../../node/train/bundle/config.js';
import { describeIssues } from '../../core/errors.js';
import { MODEL_NAMES } from '../../core/models/registry.js';
import { initBackend } from '../../node/backend.js';
import {
  addCorpusOptions,
  addPretrainOptions,
  type CorpusCliOptions,
  type PretrainCliOptions,
} from '../corpus-options.js';
import { corporaRoot, describeCorpusUse, parseCorpusSpecs, readCorpora } from '../../node/datasets/index.js';
import { DEFAULT_FEATURE_CACHE_DIR, featureTable } from '../../node/train/classical-features.js';
import type { CorpusSpec, Utterance } from '../../node/datasets/index.js';
import {
  comparisonMarkdown,
  comparisonRows,
  comparisonText,
  comparisonTitle,
} from '../../node/train/evaluate/comparison.js';
import { PROTOCOLS, makeFolds, type Protocol } from '../../node/train/evaluate/cv.js';
import { evaluateDeep } from '../../node/train/evaluate/deep.js';
import {
  evaluateClassical,
  evaluationJson,
  type ClassicalEvalOptions,
  type FoldResult,
  type ModelEvaluation,
} from '../../node/train/evaluate/evaluate.js';
import {
  EvaluateError,
  deepSignals,
  loadEvaluations,
  orderResults,
  parseTrainOptionsJson,
  planModels,
} from '../../node/train/evaluate/plan.js';
import { createProgress, formatDuration, type ProgressReporter } from '../../node/train/progress.js';
import { renderReport, type EvaluationRun } from '../../node/train/report/report.js';
import { conditionTable, parseChannelOption, runLoco } from './evaluate-loco.js';
import { channelTables, specFor } from '../../node/train/evaluate/loco-data.js';
import type { BatchProgress } from '../../node/train/trainer.js';
import type { HistoryEntry } from '../../core/bundle.js';
import { sharedCorpus } from '../../node/train/pretrain.js';

interface EvaluateCliOptions extends CorpusCliOptions, PretrainCliOptions {
  corpus: string;
  channel: string;
  augment: number;
  augmentNoise: number;
  augmentSpeed: number;
  augmentPitch: number;
  features: DescriptorFamily;
  corpusWeight?: boolean;
  calibrate?: boolean;
  noiseDir?: string;
  model?: string;
  protocol: Protocol | 'loco';
  folds: number;
  testFraction: number;
  seed: number;
  speakerNorm?: boolean;
  profileClips?: number;
  tune?: boolean;
  pca?: number;
  c?: number;
  gamma?: number;
  trees?: number;
  weightDecay?: number;
  /** --mlp-options, as given (JSON). */
  mlpOptions?: string;
  /** --mlp-options, parsed and checked by run(). */
  mlp?: Partial<MlpOptions>;
  epochs?: number;
  average?: boolean;
  mixup?: number;
  utteranceNorm?: boolean | 'mean' | 'meanStd';
  trainOptions?: string;
  backend: 'wasm' | 'cpu';
  descriptors: boolean;
  cache: boolean;
  cacheDir: string;
  json?: string;
  report?: string;
  table?: string;
  fromJson?: string;
  ensembleWeights?: string;
  jobs: number;
  threads?: number;
  quiet?: boolean;
}

const number = (name: string, check: (n: number) => boolean, what: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || !check(n)) throw new EvaluateError(`--${name} must be ${what}, got '${v}'`);
  return n;
};

/** The confusion matrix as aligned text, rows true, columns predicted. */
export function formatConfusion(e: ModelEvaluation): string {
  const { labels, matrix } = e.confusion;
  const w = Math.max(5, ...labels.map((l) => l.length)) + 1;
  const short = labels.map((l) => l.slice(0, 5).padStart(6));
  const lines = [`${'true \\ predicted'.padEnd(w)}${short.join('')}`];
  matrix.forEach((row, i) =>
    lines.push(`${labels[i].padEnd(w)}${row.map((v) => String(v).padStart(6)).join('')}`),
  );
  return lines.join('\n');
}

export function formatSummary(e: ModelEvaluation, protocolDescription: string): string {
  const p = (v: number) => (v * 100).toFixed(1);
  const pooled = e.confusion.matrix.flat().reduce((a, b) => a + b, 0);
  return [
    `model ${e.model} on ${e.corpus}${e.speakerNorm ? ', per-speaker normalisation' : ''}${e.tuned ? ', tuned by inner LOSO' : ''}`,
    `protocol ${e.protocol}: ${protocolDescription}`,
    `UAR ${p(e.uar)} %   WA ${p(e.wa)} %   macro-F1 ${p(e.macroF1)} %   (${pooled} pooled predictions, ${e.seconds.toFixed(1)} s${e.source ? `, from ${e.source}` : ''})`,
    formatConfusion(e),
  ].join('\n');
}

/** Progress of deep folds: the trainer's bar for one fold at a time, one line per finished fold. */
function deepProgress(model: string, quiet: boolean, jobs: number, log: (s: string) => void) {
  // The folds' clock starts at their first batch (not before a --pretrain pretraining), for the ETA.
  let t0: number | null = null;
  let done = 0;
  let barFold: number | null = null;
  let bar: ProgressReporter | null = null;
  return {
    onBatch: (fold: number, p: BatchProgress) => {
      t0 ??= performance.now();
      if (quiet) return;
      if (barFold === null) {
        barFold = fold;
        bar = createProgress({ quiet });
      }
      if (fold === barFold) bar!.batch(p);
    },
    onFold: (f: FoldResult, i: number, n: number) => {
      // Clear the bar before printing (it is redrawn, following whichever fold reports next).
      bar?.stop();
      bar = null;
      barFold = null;
      done++;
      const elapsed = (performance.now() - (t0 ?? performance.now())) / 1000;
      const eta = done < n ? `, ETA ${formatDuration((elapsed / done) * (n - done))}` : '';
      log(
        `${model} fold ${i + 1}/${n} (${f.name}${jobs > 1 ? `, ${done}/${n} done` : ''}): WA ${(f.wa * 100).toFixed(1)} % after ${f.history.length} epochs, ${f.seconds.toFixed(0)} s${eta}`,
      );
    },
  };
}

/** The progress bar and epoch lines of --pretrain's pretraining (one network, before the folds). */
function pretrainProgress(quiet: boolean) {
  const bar = createProgress({ quiet });
  let epochs = 0;
  return {
    onPretrainBatch: (p: BatchProgress) => {
      epochs = p.epochs;
      bar.batch(p);
    },
    onPretrainEpoch: (e: HistoryEntry) => {
      bar.epoch(e, epochs);
      if (e.epoch === epochs) bar.stop();
    },
  };
}

/** The --pretrain corpora, refused where pretraining cannot apply (checked before any corpus is read). */
function pretrainSpecs(o: EvaluateCliOptions, deep: readonly string[]): CorpusSpec[] {
  if (deep.length === 0) {
    throw new EvaluateError(`--pretrain trains networks first; no network among --model ${o.model ?? ''}`);
  }
  const specs = parseCorpusSpecs(o.pretrain!, o.pretrainData);
  const both = sharedCorpus(specs, parseCorpusSpecs(o.corpus, o.data));
  if (both) {
    throw new EvaluateError(
      `--pretrain ${o.pretrain} includes ${both.kind}, the evaluated corpus: pretraining must not see the test speakers; name other corpora`,
    );
  }
  return specs;
}

/** --pretrain: the other corpora's clips, decoded like the evaluated ones. */
async function pretrainData(
  o: EvaluateCliOptions,
  specs: CorpusSpec[],
  train: Parameters<typeof deepSignals>[1],
  log: (s: string) => void,
): Promise<{ items: Utterance[]; signals: Map<string, Float32Array>; corpus: string }> {
  const { utterances, problems } = await readCorpora(specs);
  if (problems.length > 0)
    log(`pretraining: skipped ${problems.length} files (first: ${problems[0].path}: ${problems[0].reason})`);
  log(
    `pretraining on ${o.pretrain}: ${utterances.length} utterances, ${new Set(utterances.map((u) => u.speaker)).size} speakers`,
  );
  return { items: utterances, signals: await deepSignals(utterances, train, log), corpus: o.pretrain! };
}

/**
 * --mlp-options: a JSON object of MLP options, checked against what a bundle config accepts (also
 * scripts/loco-rule.ts's --mlp, named by `flag`).
 */
export function parseMlpOptions(
  json: string,
  models: string | undefined,
  flag = '--mlp-options',
): Partial<MlpOptions> {
  if (!(models ?? '').split(/[,+]/).includes('mlp'))
    throw new EvaluateError(`${flag} applies to the mlp model; --model is ${models ?? '(not given)'}`);
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch {
    throw new EvaluateError(`${flag} takes a JSON object, e.g. '{"baselineSwap":0.5}'; got ${json}`);
  }
  const r = MlpOptionsSchema.safeParse(v);
  if (!r.success) {
    const problems = describeIssues(r.error.issues, '(options)');
    throw new EvaluateError(
      `${flag}: ${problems} (accepted: ${Object.keys(MlpOptionsSchema.shape).join(', ')})`,
    );
  }
  return r.data;
}

async function run(o: EvaluateCliOptions, argv: string[]): Promise<void> {
  if (o.mlpOptions !== undefined) o.mlp = parseMlpOptions(o.mlpOptions, o.model);
  if (o.protocol !== 'loco' && mlpDomainKind(o.mlp) === 'corpus')
    throw new EvaluateError(
      '--mlp-options: a corpus adversary (adversaryOf corpus) needs --protocol loco; under leave-one-speaker-out or k-fold its domains are the speakers (adversaryOf speaker)',
    );
  if (o.protocol === 'loco' && o.pretrain) {
    throw new EvaluateError(
      '--pretrain is for --protocol loso or kfold on one corpus; leave-one-corpus-out already trains on the other corpora',
    );
  }
  if (o.protocol === 'loco') return runLoco(o, argv);
  for (const [flag, given] of [
    ['--augment', o.augment > 0],
    ['--augment-noise', o.augmentNoise > 0],
    ['--augment-speed', o.augmentSpeed > 0],
    ['--augment-pitch', o.augmentPitch > 0],
    ['--corpus-weight', o.corpusWeight],
    ['--calibrate', o.calibrate],
  ] as const) {
    if (given) throw new EvaluateError(`${flag} is available with --protocol loco only`);
  }
  return runOneCorpus({ ...o, protocol: o.protocol }, argv);
}

/** evaluateClassical's options from the command line (one corpus, any protocol but loco). */
function classicalOptions(
  o: Omit<EvaluateCliOptions, 'protocol'> & { protocol: Protocol },
  model: ClassicalModelName,
): ClassicalEvalOptions {
  return {
    model,
    protocol: o.protocol,
    corpus: o.corpus,
    foldOptions: { k: o.folds, testFraction: o.testFraction, seed: o.seed },
    speakerNorm: o.speakerNorm,
    profileClips: o.profileClips ?? null,
    tune: o.tune,
    config: pipelineConfigWith(model, o),
  };
}

/**
 * `--channel` under a one-corpus protocol (LOSO by default): the test clips of every fold pass
 * through each seeded condition before their descriptors (training clips stay studio); one
 * evaluation per classical model and condition, one column per condition.
 */
async function runChannels(
  o: Omit<EvaluateCliOptions, 'protocol'> & { protocol: Protocol },
  argv: string[],
  c: {
    utterances: Utterance[];
    models: ReturnType<typeof planModels>;
    spec: ClassicalFeatureSpec;
    dataDir: string;
    plan: ReturnType<typeof makeFolds>;
    log: (s: string) => void;
  },
): Promise<void> {
  const chains = parseChannelOption(o.channel);
  const tables = await channelTables(
    c.utterances.map((u) => u.path),
    {
      spec: c.spec,
      chains,
      seed: o.seed,
      noiseDir: o.noiseDir,
      cacheDir: o.cache ? o.cacheDir : null,
      log: c.log,
    },
  );
  const rows: ChannelRow[] = c.models.classical.map((model) => ({
    model,
    conditions: tables.conditions.map(({ name, x }) => {
      const e = evaluateClassical(tables.studio, c.utterances, {
        ...classicalOptions(o, model),
        testX: x,
      });
      c.log(`${model}, test clips ${name}: UAR ${(e.uar * 100).toFixed(1)} % (${e.seconds.toFixed(1)} s)`);
      return { condition: name, evaluation: e };
    }),
  }));
  const title = `${comparisonTitle(o.corpus, o.protocol, c.plan.folds.length)}; test clips through each channel condition, training clips studio`;
  process.stdout.write(`${title}\n${channelTable(rows, false)}\n`);
  const command = commandLine(argv);
  if (o.table) {
    mkdirSync(dirname(resolve(o.table)), { recursive: true });
    writeFileSync(o.table, `${title}\n\n${channelTable(rows, true)}\n\n    ${command}\n`);
    c.log(`wrote ${o.table}`);
  }
  if (o.json) {
    const doc = {
      protocol: o.protocol,
      corpus: o.corpus,
      seed: o.seed,
      data: c.dataDir,
      channels: chains.map((ch) => ch.name),
      models: rows.map((r) => ({
        model: r.model,
        conditions: r.conditions.map((x) => ({ condition: x.condition, ...evaluationJson(x.evaluation) })),
      })),
      command,
    };
    mkdirSync(dirname(resolve(o.json)), { recursive: true });
    writeFileSync(o.json, `${JSON.stringify(doc, null, 2)}\n`);
    c.log(`wrote ${o.json}`);
  }
}

interface ChannelRow {
  model: string;
  conditions: { condition: string; evaluation: ModelEvaluation }[];
}

/** Models as rows, channel conditions as columns (UAR %), then WA and macro-F1 of the first condition. */
export function channelTable(rows: readonly ChannelRow[], markdown: boolean): string {
  return conditionTable(
    rows.map((r) => ({
      name: r.model,
      conditions: r.conditions.map(({ condition, evaluation: e }) => ({
        condition,
        uar: e.uar,
        wa: e.wa,
        macroF1: e.macroF1,
      })),
    })),
    markdown,
    { first: 'model' },
  );
}

async function runOneCorpus(
  o: Omit<EvaluateCliOptions, 'protocol'> & { protocol: Protocol },
  argv: string[],
): Promise<void> {
  const log = (s: string) => {
    if (!o.quiet) process.stderr.write(`${s}\n`);
  };
  if (o.model === undefined && o.fromJson === undefined) o.model = 'svm';
  // Names are checked before the corpus is read when nothing comes from files.
  if (o.fromJson === undefined) {
    const planned = planModels(o, new Map());
    if (o.pretrain) pretrainSpecs(o, planned.deep);
    if (o.channel !== 'studio') {
      parseChannelOption(o.channel);
      const refused = [
        ...planned.deep,
        ...planned.requested.filter((n) => n.includes('+')),
        ...(o.report ? ['--report'] : []),
      ];
      if (refused.length > 0) {
        throw new EvaluateError(
          `--channel with --protocol ${o.protocol} evaluates classical models (${CLASSICAL_MODELS.join(', ')}) one by one; not ${refused.join(', ')}`,
        );
      }
    }
  } else if (o.channel !== 'studio') {
    throw new EvaluateError(
      `--channel with --protocol ${o.protocol} re-runs classical models; it cannot take --from-json`,
    );
  }
  const specs = parseCorpusSpecs(o.corpus, o.data);
  const dataDir = corporaRoot(specs);
  const { utterances, problems, corpora } = await readCorpora(specs);
  if (specs.length > 1) for (const c of corpora) log(describeCorpusUse(c));
  if (utterances.length === 0)
    throw new EvaluateError(
      `no usable utterances in ${specs.map((s) => s.data).join(', ')} (${problems.length} problems)`,
    );
  if (problems.length > 0)
    log(`skipped ${problems.length} files (first: ${problems[0].path}: ${problems[0].reason})`);
  const foldOptions = { k: o.folds, testFraction: o.testFraction, seed: o.seed };
  const plan = makeFolds(utterances, o.protocol, foldOptions);
  log(
    `${utterances.length} utterances, ${new Set(utterances.map((u) => u.speaker)).size} speakers; ${plan.folds.length} folds (${plan.protocol})`,
  );
  const loaded = loadEvaluations(
    o.fromJson,
    { corpus: o.corpus, protocol: o.protocol, seed: o.seed, dataDir, items: utterances, plan },
    log,
  );
  const models = planModels(o, loaded);
  const spec: ClassicalFeatureSpec = specFor(o.features, o.descriptors);
  if (o.channel !== 'studio') return runChannels(o, argv, { utterances, models, spec, dataDir, plan, log });
  const table = models.classical.length
    ? await featureTable(
        utterances.map((u) => u.path),
        spec,
        o.cache ? o.cacheDir : null,
        (d, n) => {
          if (d % 100 === 0 || d === n) log(`features ${d}/${n}`);
        },
      )
    : null;
  if (table) {
    log(
      `${table.x.cols} features per utterance (${table.cached} from cache, ${table.seconds.toFixed(1)} s extracting)`,
    );
  }
  const train = {
    seed: o.seed,
    // Each fold's training, data-parallel only when asked: one thread by default, so a seed gives the
    // same models on every machine (and folds run in parallel with --jobs instead).
    threads: o.threads ?? 1,
    ...parseTrainOptionsJson(o.trainOptions),
    ...(o.epochs !== undefined ? { epochs: o.epochs } : {}),
    ...(o.average === false ? { average: false } : {}),
    ...(o.mixup !== undefined ? { mixup: o.mixup } : {}),
    ...(o.utteranceNorm ? { utteranceNorm: o.utteranceNorm } : {}),
  };
  const signals = models.deep.length ? await deepSignals(utterances, train, log) : null;
  const pretrain = o.pretrain ? await pretrainData(o, pretrainSpecs(o, models.deep), train, log) : undefined;
  if (models.deep.length) await initBackend(o.backend);
  const available = new Map(loaded);
  const show = (e: ModelEvaluation) => process.stdout.write(`${formatSummary(e, plan.description)}\n\n`);
  for (const model of models.deep) {
    const progress = deepProgress(model, Boolean(o.quiet), o.jobs, log);
    const e = await evaluateDeep(utterances, signals!, {
      model,
      protocol: o.protocol,
      corpus: o.corpus,
      foldOptions,
      speakerNorm: o.speakerNorm,
      jobs: o.jobs,
      backend: o.backend,
      train,
      ...(pretrain ? { pretrain, ...pretrainProgress(Boolean(o.quiet)) } : {}),
      ...progress,
    });
    available.set(model, { ...e, seed: o.seed });
    show(e);
  }
  for (const model of models.classical) {
    const e = evaluateClassical(table!.x, utterances, {
      ...classicalOptions(o, model),
      onFold: (f, i, n) =>
        log(
          `${model} fold ${i + 1}/${n} ${f.name}: WA ${(f.wa * 100).toFixed(1)} % (${f.seconds.toFixed(1)} s)`,
        ),
    });
    available.set(model, { ...e, seed: o.seed });
    show(e);
  }
  // Table order: models from files, then --model in its order (an ensemble's members before it).
  const results = orderResults([...loaded.keys(), ...models.requested], available, o.ensembleWeights, show);
  const title = comparisonTitle(o.corpus, o.protocol, plan.folds.length);
  const rows = comparisonRows(results);
  if (results.length > 1 || o.table) process.stdout.write(`${comparisonText(title, rows)}\n`);
  if (o.table) {
    mkdirSync(dirname(resolve(o.table)), { recursive: true });
    writeFileSync(o.table, comparisonMarkdown(title, rows));
    log(`wrote ${o.table}`);
  }
  const command = commandLine(argv);
  if (o.json) {
    const doc =
      results.length === 1
        ? { ...evaluationJson(results[0]), data: dataDir }
        : {
            protocol: o.protocol,
            corpus: o.corpus,
            seed: o.seed,
            data: dataDir,
            models: results.map(evaluationJson),
          };
    mkdirSync(dirname(resolve(o.json)), { recursive: true });
    writeFileSync(o.json, `${JSON.stringify({ ...doc, command }, null, 2)}\n`);
    log(`wrote ${o.json}`);
  }
  if (o.report) {
    const report: EvaluationRun = {
      command,
      corpus: o.corpus,
      data: specs.map((s) => s.data).join(', '),
      protocol: o.protocol,
      protocolDescription: plan.description,
      speakerIndependent: plan.speakerIndependent,
      speakerNorm: Boolean(o.speakerNorm),
      tuned: Boolean(o.tune),
      createdAt: new Date().toISOString(),
      settings: {
        features: table ? spec : null,
        featureCount: table?.x.cols ?? null,
        epochs: o.epochs ?? null,
        average: train.average !== false,
        mixup: train.mixup ?? 0,
        seed: o.seed,
        folds: o.folds,
        testFraction: o.testFraction,
        jobs: o.jobs,
        threads: train.threads,
        fromJson: o.fromJson ?? null,
        ensembleWeights: o.ensembleWeights ?? null,
      },
      models: results,
    };
    mkdirSync(dirname(resolve(o.report)), { recursive: true });
    writeFileSync(o.report, renderReport(report));
    log(`wrote ${o.report}`);
  }
}

export function register(program: Command): void {
  addPretrainOptions(
    addCorpusOptions(
      program
        .command('evaluate')
        .description(
          'Evaluate models on a corpus (or several merged) with pooled cross-validation (leave-one-speaker-out by default; leave-one-corpus-out with channel conditions by --protocol loco): UAR, WA, macro-F1, confusion matrix.',
        ),
      { required: true },
    ),
    'deep models: first train one network on these other corpora (comma-separated, e.g. ravdess,ased; their clips of the evaluated labels), then start every fold from its weights instead of a fresh initialisation; with --speaker-norm the pretraining is speaker-normalised too',
  )
    .option(
      '--model <names>',
      `model(s), comma-separated: ${[...CLASSICAL_MODELS, ...MODEL_NAMES].join(', ')}; an ensemble joins members with + (e.g. svm-linear+cnn2d-lstm) and averages their probabilities (default: svm, or only the --from-json models)`,
    )
    .addOption(
      new Option(
        '--protocol <name>',
        'loso, kfold (speaker-dependent), holdout, or loco (leave one corpus out: train on the other corpora, test on the whole unseen one; classical models, networks, or ensembles of earlier loco --json files)',
      )
        .choices([...PROTOCOLS, 'loco'])
        .default('loso'),
    )
    .option(
      '--channel <conditions>',
      `test clips pass through each named, seeded channel condition before features, one column each; training clips stay studio (loco: every model; loso, kfold and holdout: classical models) (comma-separated; steps: ${CHANNEL_STEP_FORMS.join(', ')}; joined by +)`,
      'studio',
    )
    .option(
      '--augment <copies>',
      'loco: add this many randomly augmented copies (reverb, noise, gain, telephone, codec; seeded) of every training clip',
      number('augment', (n) => Number.isInteger(n) && n >= 0, 'a non-negative integer'),
      0,
    )
    .option(
      '--augment-noise <copies>',
      'loco: add this many noise-heavy augmented copies (background noise at 0-20 dB SNR in 4 of 5 clips, the rest as --augment; seeded) of every training clip',
      number('augment-noise', (n) => Number.isInteger(n) && n >= 0, 'a non-negative integer'),
      0,
    )
    .option(
      '--augment-speed <copies>',
      'loco: add this many speed-perturbed augmented copies (played 0.9-1.1 times as fast, so pitch and formants move as in another voice, then the channel as --augment; seeded) of every training clip',
      number('augment-speed', (n) => Number.isInteger(n) && n >= 0, 'a non-negative integer'),
      0,
    )
    .option(
      '--augment-pitch <copies>',
      'loco: add this many pitch-perturbed augmented copies (pitch moved by -2..+2 semitones at the same tempo, then the channel as --augment; seeded) of every training clip',
      number('augment-pitch', (n) => Number.isInteger(n) && n >= 0, 'a non-negative integer'),
      0,
    )
    .addOption(
      new Option(
        '--features <family>',
        'classical descriptor family: mfcc (2902 MFCC statistics + ComParE-style descriptors) robust (the compact telephone-band set) robust2 (robust behind a noise-floor gate, plus voiced-frame descriptors) robust3 (robust2 plus the first two formants of voiced frames) or robust4 (robust3 plus formant bandwidths, F3 and cepstral peak prominence)',
      )
        .choices([...DESCRIPTOR_FAMILIES])
        .default('mfcc'),
    )
    .option(
      '--corpus-weight',
      'loco: each training corpus weighs the same, whatever its size (logistic, mlp: sample weights; networks: loss weights, with the class weights: each corpus and emotion the same)',
    )
    .option(
      '--calibrate',
      'loco: fit a temperature, a uniform share and an uncertain threshold on inner predictions from the training corpora only (classical: leave-one-corpus-out among them, and held-out groups of their speakers, half and half; networks: their validation speakers); report the expected calibration error and its noise floor',
    )
    .option(
      '--noise-dir <dir>',
      'noise recordings for noise conditions and augmentation (default ../shared/datasets/noise)',
    )
    .option(
      '--folds <k>',
      'number of folds for --protocol kfold',
      number('folds', (n) => Number.isInteger(n) && n >= 2, 'an integer >= 2'),
      10,
    )
    .option(
      '--test-fraction <f>',
      'share of speakers held out for --protocol holdout',
      number('test-fraction', (n) => n > 0 && n < 1, 'in (0, 1)'),
      0.2,
    )
    .option(
      '--seed <n>',
      'seed for folds and models',
      number('seed', (n) => Number.isInteger(n) && n >= 0, 'a non-negative integer'),
      1,
    )
    .option(
      '--speaker-norm',
      "z-normalise each speaker's features (classical: utterance features; deep: feature frames) with that speaker's statistics (no labels; needs several clips per speaker; not for waveform models)",
    )
    .option(
      '--profile-clips <n>',
      'with --speaker-norm (classical models): normalise each test speaker with the statistics of n of their clips drawn at random (seeded), as a speaker profile of n clips would, instead of all of them',
      number('profile-clips', (n) => Number.isInteger(n) && n >= 2, 'an integer of at least 2'),
    )
    .option(
      '--tune',
      'choose hyperparameters by inner leave-one-speaker-out on the training speakers of each fold (--protocol loco: by inner leave-one-corpus-out on the training corpora)',
    )
    .option(
      '--pca <n>',
      'PCA: an integer keeps n components, a fraction in (0,1) keeps that share of variance',
      number('pca', (n) => n > 0, 'a positive number'),
    )
    .option(
      '--c <value>',
      `SVM penalty C (${describeDefaults().c})`,
      number('c', (n) => n > 0, 'a positive number'),
    )
    .option(
      '--gamma <value>',
      "RBF gamma (default 'scale' = 1 / features)",
      number('gamma', (n) => n > 0, 'a positive number'),
    )
    .option(
      '--trees <n>',
      `random forest trees (${describeDefaults().trees})`,
      number('trees', (n) => Number.isInteger(n) && n >= 1, 'a positive integer'),
    )
    .option(
      '--weight-decay <value>',
      `mlp: AdamW weight decay (default ${DEFAULT_MLP_OPTIONS.weightDecay}; --tune chooses it)`,
      number('weight-decay', (n) => n >= 0, 'a number >= 0'),
    )
    .option(
      '--mlp-options <json>',
      'mlp: options of the descriptor network as JSON (hidden, dropout, inputNoise, epochs, members, mixup, adversary, adversaryOf, baselineSwap, ...; the same as a bundle config\'s "mlp")',
    )
    .option(
      '--epochs <n>',
      "deep models: maximum epochs per fold (default: the model's own, see `emovox models`; --protocol loco: 6)",
      number('epochs', (n) => Number.isInteger(n) && n >= 1, 'a positive integer'),
    )
    .option(
      '--no-average',
      'deep models: each fold keeps the best validated epoch of the last third of the schedule (with validation speakers, e.g. --train-options \'{"valSpeakers":1}\'), or the last epoch, instead of the mean of the weights at the end of every epoch of that last third (SWA-style weight averaging, the default; batch-norm statistics are averaged like the weights, or recomputed by one pass of the averaged network over the training clips with --train-options \'{"recomputeBatchNorm":true}\')',
    )
    .option(
      '--mixup <alpha>',
      'deep models: mixup each batch with a permutation of itself, lambda ~ Beta(alpha, alpha) (inputs, targets and class weights; e.g. 0.2); 0 = off (default)',
      number('mixup', (n) => n >= 0, 'a number >= 0'),
    )
    .addOption(
      new Option(
        '--utterance-norm [mode]',
        "networks on features: normalise each clip's frames per band by the clip's own statistics before the global normalisation, in training, validation and test (meanStd: mean and standard deviation, the default; mean: mean only)",
      ).choices(['mean', 'meanStd']),
    )
    .option(
      '--train-options <json>',
      'deep models: trainer options as JSON (modelConfig, featureConfig, lr, augment, ...)',
    )
    .addOption(
      new Option('--backend <name>', 'tfjs backend for deep models').choices(['wasm', 'cpu']).default('wasm'),
    )
    .option(
      '--no-descriptors',
      'MFCC statistics only (leave out pitch, voicing, loudness and spectral descriptors)',
    )
    .option('--no-cache', 'do not read or write the feature cache')
    .option('--cache-dir <dir>', 'feature cache folder', DEFAULT_FEATURE_CACHE_DIR)
    .option(
      '--jobs <n>',
      'deep models: folds trained at once in worker threads (same results as 1)',
      number('jobs', (n) => Number.isInteger(n) && n >= 1, 'a positive integer'),
      1,
    )
    .option(
      '--threads <n>',
      'deep models: worker threads training each fold data-parallel (each batch split into n micro-batches, batch norm per micro-batch: a seed gives the same models for the same n, so give n to reproduce a run on another machine); with --jobs, jobs x threads above the cores only slows down; default: 1, so results do not depend on the machine',
      number('threads', (n) => Number.isInteger(n) && n >= 1 && n <= 64, 'an integer from 1 to 64'),
    )
    .option(
      '--from-json <files>',
      "reuse earlier --json evaluations (comma-separated) instead of re-running those models; they must match this corpus, protocol, seed and folds (--protocol loco: ensembles of the files' models, e.g. --model logistic+cnn2d-lstm; a member may also be NAME@FILE)",
    )
    .option(
      '--ensemble-weights <w>',
      'weights of the ensemble members in order, e.g. 0.6,0.4 (default equal); fixed in advance, never fitted',
    )
    .option('--json <file>', 'write the figures and per-utterance predictions as JSON')
    .option('--table <file>', 'write the comparison table as markdown')
    .option('--report <file>', 'write a self-contained HTML report')
    .option('-q, --quiet', 'no progress on stderr')
    .action(async (o: EvaluateCliOptions) => run(o, process.argv.slice(2)));
}
