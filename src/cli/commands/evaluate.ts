/**
 * `emovox evaluate`: honest evaluation of one or more models on a corpus. Leave-one-speaker-out
 * by default; every fold's test predictions are pooled before computing UAR, WA, macro-F1 and
 * the confusion matrix. Prints a plain-text summary; --json and --report write the figures.
 */
import { Option, type Command } from 'commander';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DEFAULT_CLASSICAL_FEATURES, type ClassicalFeatureSpec } from '../../core/classical/featurize.js';
import {
  CLASSICAL_MODELS,
  isClassicalModel,
  type ClassicalPipelineConfig,
} from '../../core/classical/pipeline.js';
import { MODEL_NAMES, isModelName } from '../../core/models/registry.js';
import { initBackend } from '../../node/backend.js';
import { CORPUS_KINDS, readCorpus, type CorpusKind, type Utterance } from '../../node/datasets/index.js';
import { decodeFile } from '../../node/decode.js';
import { evaluateDeep } from '../../node/train/evaluate-deep.js';
import { DEFAULT_FEATURE_CACHE_DIR, featureTable } from '../../node/train/classical-features.js';
import { PROTOCOLS, makeFolds, type Protocol } from '../../node/train/cv.js';
import { evaluateClassical, evaluationJson, type ModelEvaluation } from '../../node/train/evaluate.js';
import { renderReport, type EvaluationRun } from '../../node/train/report.js';

/** A bad evaluate invocation (user-facing). */
export class EvaluateError extends Error {
  readonly code = 'BAD_EVALUATION';
  constructor(message: string) {
    super(message);
    this.name = 'EvaluateError';
  }
}

interface EvaluateCliOptions {
  corpus: CorpusKind;
  data: string;
  model: string;
  protocol: Protocol;
  folds: number;
  testFraction: number;
  seed: number;
  speakerNorm?: boolean;
  tune?: boolean;
  pca?: number;
  c?: number;
  gamma?: number;
  trees?: number;
  epochs?: number;
  trainOptions?: string;
  backend: 'wasm' | 'cpu';
  descriptors: boolean;
  cache: boolean;
  cacheDir: string;
  json?: string;
  report?: string;
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
  return [
    `model ${e.model} on ${e.corpus}${e.speakerNorm ? ', per-speaker normalisation' : ''}${e.tuned ? ', tuned by inner LOSO' : ''}`,
    `protocol ${e.protocol}: ${protocolDescription}`,
    `UAR ${p(e.uar)} %   WA ${p(e.wa)} %   macro-F1 ${p(e.macroF1)} %   (${e.predictions.length} pooled predictions, ${e.seconds.toFixed(1)} s)`,
    formatConfusion(e),
  ].join('\n');
}

function pipelineOverrides(o: EvaluateCliOptions): Partial<ClassicalPipelineConfig> | undefined {
  const over: Partial<ClassicalPipelineConfig> = {};
  if (o.pca !== undefined)
    over.pca = o.pca >= 1 ? { nComponents: Math.round(o.pca) } : { varianceFraction: o.pca };
  return Object.keys(over).length ? over : undefined;
}

/** --train-options: a JSON object of trainer options (modelConfig, featureConfig, lr, augment...). */
function trainOptions(json: string | undefined): Record<string, unknown> {
  if (json === undefined) return {};
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch (e) {
    throw new EvaluateError(`--train-options is not valid JSON (${(e as Error).message})`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new EvaluateError(
      '--train-options must be a JSON object, e.g. \'{"lr":0.001,"modelConfig":{"dropout":0.3}}\'',
    );
  }
  return v as Record<string, unknown>;
}

async function decodeAll(
  utterances: Utterance[],
  log: (s: string) => void,
): Promise<Map<string, Float32Array>> {
  const signals = new Map<string, Float32Array>();
  for (const [i, u] of utterances.entries()) {
    signals.set(u.path, (await decodeFile(u.path)).samples);
    if ((i + 1) % 100 === 0 || i + 1 === utterances.length) log(`decoded ${i + 1}/${utterances.length}`);
  }
  return signals;
}

async function run(o: EvaluateCliOptions, argv: string[]): Promise<void> {
  const models = o.model
    .split(',')
    .map((m) => m.trim())
    .filter(Boolean);
  const unknown = models.filter((m) => !isClassicalModel(m) && !isModelName(m));
  if (models.length === 0 || unknown.length > 0) {
    throw new EvaluateError(
      `unknown model '${unknown.join(', ') || o.model}' (accepted: ${[...CLASSICAL_MODELS, ...MODEL_NAMES].join(', ')}; several comma-separated)`,
    );
  }
  const log = (s: string) => {
    if (!o.quiet) process.stderr.write(`${s}\n`);
  };
  const { utterances, problems } = await readCorpus(o.corpus, resolve(o.data));
  if (utterances.length === 0)
    throw new EvaluateError(`no usable utterances in ${o.data} (${problems.length} problems)`);
  if (problems.length > 0)
    log(`skipped ${problems.length} files (first: ${problems[0].path}: ${problems[0].reason})`);
  const foldOptions = { k: o.folds, testFraction: o.testFraction, seed: o.seed };
  const plan = makeFolds(utterances, o.protocol, foldOptions);
  log(
    `${utterances.length} utterances, ${new Set(utterances.map((u) => u.speaker)).size} speakers; ${plan.folds.length} folds (${plan.protocol})`,
  );
  const spec: ClassicalFeatureSpec = { ...DEFAULT_CLASSICAL_FEATURES, descriptors: o.descriptors };
  const classical = models.filter(isClassicalModel);
  const deep = models.filter((m) => !isClassicalModel(m));
  const table = classical.length
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
  const signals = deep.length ? await decodeAll(utterances, log) : null;
  if (deep.length) {
    await initBackend(o.backend);
    if (o.speakerNorm) log('note: --speaker-norm applies to the classical models only');
  }
  const results: ModelEvaluation[] = [];
  for (const model of models) {
    if (!isClassicalModel(model)) {
      const e = await evaluateDeep(utterances, signals!, {
        model,
        protocol: o.protocol,
        corpus: o.corpus,
        foldOptions,
        train: {
          seed: o.seed,
          ...trainOptions(o.trainOptions),
          ...(o.epochs !== undefined ? { epochs: o.epochs } : {}),
        },
        onFold: (f, i, n) =>
          log(
            `${model} fold ${i + 1}/${n} ${f.name}: WA ${(f.wa * 100).toFixed(1)} % after ${f.history.length} epochs (${f.seconds.toFixed(0)} s)`,
          ),
      });
      results.push(e);
      process.stdout.write(`${formatSummary(e, plan.description)}\n\n`);
      continue;
    }
    const config = pipelineOverrides(o) ?? {};
    const e = evaluateClassical(table!.x, utterances, {
      model,
      protocol: o.protocol,
      corpus: o.corpus,
      foldOptions,
      speakerNorm: o.speakerNorm,
      tune: o.tune,
      config: {
        ...config,
        ...(o.c !== undefined || o.gamma !== undefined
          ? {
              svm: {
                ...(model === 'svm-linear'
                  ? { kernel: 'linear' as const, C: 0.01 }
                  : { kernel: 'rbf' as const, C: 10 }),
                classWeight: 'balanced' as const,
                ...(o.c !== undefined ? { C: o.c } : {}),
                ...(o.gamma !== undefined ? { gamma: o.gamma } : {}),
              },
            }
          : {}),
        ...(o.trees !== undefined ? { rf: { nTrees: o.trees, classWeight: 'balanced' as const } } : {}),
      },
      onFold: (f, i, n) =>
        log(
          `${model} fold ${i + 1}/${n} ${f.name}: WA ${(f.wa * 100).toFixed(1)} % (${f.seconds.toFixed(1)} s)`,
        ),
    });
    results.push(e);
    process.stdout.write(`${formatSummary(e, plan.description)}\n\n`);
  }
  if (results.length > 1) {
    process.stdout.write('model            UAR %   WA %  macro-F1 %\n');
    for (const e of results) {
      process.stdout.write(
        `${e.model.padEnd(15)}${(e.uar * 100).toFixed(1).padStart(6)}${(e.wa * 100).toFixed(1).padStart(7)}${(e.macroF1 * 100).toFixed(1).padStart(12)}\n`,
      );
    }
  }
  const command = ['emovox', ...argv].map((a) => (/[\s"'$]/.test(a) ? JSON.stringify(a) : a)).join(' ');
  if (o.json) {
    const doc =
      results.length === 1
        ? evaluationJson(results[0])
        : { protocol: o.protocol, corpus: o.corpus, models: results.map(evaluationJson) };
    mkdirSync(dirname(resolve(o.json)), { recursive: true });
    writeFileSync(o.json, `${JSON.stringify({ ...doc, command }, null, 2)}\n`);
    log(`wrote ${o.json}`);
  }
  if (o.report) {
    const report: EvaluationRun = {
      command,
      corpus: o.corpus,
      data: o.data,
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
        seed: o.seed,
        folds: o.folds,
        testFraction: o.testFraction,
      },
      models: results,
    };
    mkdirSync(dirname(resolve(o.report)), { recursive: true });
    writeFileSync(o.report, renderReport(report));
    log(`wrote ${o.report}`);
  }
}

export function register(program: Command): void {
  program
    .command('evaluate')
    .description(
      'Evaluate models on a corpus with pooled cross-validation (leave-one-speaker-out by default): UAR, WA, macro-F1, confusion matrix.',
    )
    .addOption(
      new Option('--corpus <kind>', 'corpus layout').choices([...CORPUS_KINDS]).makeOptionMandatory(),
    )
    .requiredOption('--data <dir>', 'corpus folder (or manifest file for --corpus manifest)')
    .option(
      '--model <names>',
      `model(s), comma-separated: ${[...CLASSICAL_MODELS, ...MODEL_NAMES].join(', ')}`,
      'svm',
    )
    .addOption(
      new Option('--protocol <name>', 'loso, kfold (speaker-dependent) or holdout')
        .choices([...PROTOCOLS])
        .default('loso'),
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
      "z-normalise each speaker's features with that speaker's statistics (no labels; needs several clips per speaker)",
    )
    .option(
      '--tune',
      'choose hyperparameters by inner leave-one-speaker-out on the training speakers of each fold',
    )
    .option(
      '--pca <n>',
      'PCA: an integer keeps n components, a fraction in (0,1) keeps that share of variance',
      number('pca', (n) => n > 0, 'a positive number'),
    )
    .option(
      '--c <value>',
      'SVM penalty C (default 10 for svm, 0.01 for svm-linear)',
      number('c', (n) => n > 0, 'a positive number'),
    )
    .option(
      '--gamma <value>',
      "RBF gamma (default 'scale' = 1 / features)",
      number('gamma', (n) => n > 0, 'a positive number'),
    )
    .option(
      '--trees <n>',
      'random forest trees (default 200)',
      number('trees', (n) => Number.isInteger(n) && n >= 1, 'a positive integer'),
    )
    .option(
      '--epochs <n>',
      'deep models: maximum epochs per fold (trainer default otherwise)',
      number('epochs', (n) => Number.isInteger(n) && n >= 1, 'a positive integer'),
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
    .option('--json <file>', 'write the figures as JSON')
    .option('--report <file>', 'write a self-contained HTML report')
    .option('-q, --quiet', 'no progress on stderr')
    .action(async (o: EvaluateCliOptions) => run(o, process.argv.slice(2)));
}
