/**
 * The classical baseline as one object: feature vectors (utterance functionals) -> standard
 * scaler -> optional PCA -> Random Forest, SVM or multinomial logistic regression. Serialises to plain JSON so it can travel in
 * a model bundle and run in the browser.
 */
import { EmovoxError } from '../errors.js';
import type { Matrix } from './matrix.js';
import { assertFinite } from './matrix.js';
import { Pca, type PcaJSON, type PcaOptions } from './pca.js';
import { LogisticRegression, type LogisticJSON, type LogisticOptions } from './logistic.js';
import { Mlp, type MlpJSON, type MlpOptions } from './mlp.js';
import {
  RandomForest,
  argmaxRows,
  type RandomForestJSON,
  type RandomForestOptions,
} from './random-forest.js';
import { QuantileNormal, type QuantileJSON } from './quantile.js';
import { StandardScaler, type ScalerJSON } from './scaler.js';
import { Svm, type SvmJSON, type SvmOptions } from './svm.js';

export const CLASSICAL_MODELS = ['svm', 'svm-linear', 'rf', 'logistic', 'mlp'] as const;
export type ClassicalModelName = (typeof CLASSICAL_MODELS)[number];

/** The classical models that take per-row weights (e.g. each training corpus weighing the same). */
export const SAMPLE_WEIGHT_MODELS: readonly ClassicalModelName[] = ['logistic', 'mlp'];

export function acceptsSampleWeights(model: string): boolean {
  return (SAMPLE_WEIGHT_MODELS as readonly string[]).includes(model);
}

export function isClassicalModel(name: string): name is ClassicalModelName {
  return (CLASSICAL_MODELS as readonly string[]).includes(name);
}

export interface ClassicalPipelineConfig {
  model: ClassicalModelName;
  /** null = no PCA. */
  pca: PcaOptions | null;
  svm: Partial<SvmOptions>;
  rf: Partial<RandomForestOptions>;
  /** Multinomial logistic regression (model 'logistic'); absent in older bundles. */
  logistic?: Partial<LogisticOptions>;
  /** The small descriptor network (model 'mlp'); absent in older bundles. */
  mlp?: Partial<MlpOptions>;
  /**
   * 'quantile': each descriptor goes through a quantile transform to a normal fitted on the
   * training rows (quantile.ts) before the standard scaler; absent or 'standard': the scaler alone.
   */
  scaling?: 'standard' | 'quantile';
}

/**
 * The product's classical defaults, the one place they are written (evaluate, tune, train and
 * their --help read them from here): balanced class weights on all standardised features, no
 * PCA; the linear SVM with C = 0.01, the RBF SVM with C = 10, 200 trees. What is not set here
 * (gamma 'scale', Platt probabilities, tolerance) is the Svm class's own default (svm.ts).
 */
export function defaultPipelineConfig(model: ClassicalModelName): ClassicalPipelineConfig {
  return {
    model,
    pca: null,
    svm: {
      kernel: model === 'svm-linear' ? 'linear' : 'rbf',
      C: model === 'svm-linear' ? 0.01 : 10,
      classWeight: 'balanced',
    },
    rf: { nTrees: 200, classWeight: 'balanced' },
    logistic: { C: 0.01, classWeight: 'balanced' },
    mlp: {},
  };
}

/** The command-line / config overrides of a pipeline: --pca, --c, --gamma, --trees. */
export interface PipelineOverrides {
  /** An integer keeps that many components, a fraction in (0, 1) that share of variance; null/absent = no PCA. */
  pca?: number | null;
  c?: number;
  gamma?: number | 'scale';
  trees?: number;
  /** The mlp model's weight decay (--weight-decay). */
  weightDecay?: number;
  /** Options of the mlp model. */
  mlp?: Partial<MlpOptions>;
}

/**
 * The default pipeline of `model` with the given overrides applied. An override that the model
 * does not have (C, gamma or trees for mlp; a weight decay for any other model) is refused
 * rather than ignored.
 */
export function pipelineConfigWith(model: ClassicalModelName, o: PipelineOverrides): ClassicalPipelineConfig {
  if (model === 'mlp') {
    const given = (['c', 'gamma', 'trees'] as const).find((k) => o[k] !== undefined);
    if (given)
      throw new EmovoxError(
        'BAD_OPTION',
        `the mlp model has no ${given === 'c' ? 'C' : given}; its penalty is the weight decay (--weight-decay)`,
      );
  } else if (o.weightDecay !== undefined) {
    throw new EmovoxError('BAD_OPTION', `a weight decay applies to the mlp model only, not ${model}`);
  }
  const base = defaultPipelineConfig(model);
  return {
    ...base,
    pca:
      o.pca === undefined || o.pca === null
        ? base.pca
        : o.pca >= 1
          ? { nComponents: Math.round(o.pca) }
          : { varianceFraction: o.pca },
    svm: {
      ...base.svm,
      ...(o.c !== undefined ? { C: o.c } : {}),
      ...(o.gamma !== undefined ? { gamma: o.gamma } : {}),
    },
    rf: { ...base.rf, ...(o.trees !== undefined ? { nTrees: o.trees } : {}) },
    logistic: { ...base.logistic, ...(o.c !== undefined ? { C: o.c } : {}) },
    mlp: { ...base.mlp, ...o.mlp, ...(o.weightDecay !== undefined ? { weightDecay: o.weightDecay } : {}) },
  };
}

/** The default C of each SVM and the default number of trees, for --help texts. */
export function describeDefaults(): { c: string; trees: string } {
  return {
    c: `default ${defaultPipelineConfig('svm').svm.C} for svm, ${defaultPipelineConfig('svm-linear').svm.C} for svm-linear, ${defaultPipelineConfig('logistic').logistic!.C} for logistic`,
    trees: `default ${defaultPipelineConfig('rf').rf.nTrees}`,
  };
}

export interface ClassicalPipelineJSON {
  kind: 'emovox-classical';
  version: 1;
  labels: string[];
  featureNames: string[];
  config: ClassicalPipelineConfig;
  scaler: ScalerJSON;
  /** Present when config.scaling is 'quantile'. */
  quantile?: QuantileJSON;
  pca: PcaJSON | null;
  classifier: { svm: SvmJSON } | { rf: RandomForestJSON } | { logistic: LogisticJSON } | { mlp: MlpJSON };
}

export class ClassicalPipeline {
  private constructor(
    readonly labels: string[],
    readonly featureNames: string[],
    readonly config: ClassicalPipelineConfig,
    private readonly scaler: StandardScaler,
    private readonly pca: Pca | null,
    private readonly classifier: Svm | RandomForest | LogisticRegression | Mlp,
    private readonly quantile: QuantileNormal | null = null,
  ) {}

  /**
   * Fits every stage on the training rows. y holds indices into labels. featureNames (one per
   * column) travel with the model so a mismatched feature extractor is caught at load time.
   */
  static fit(
    x: Matrix,
    y: ArrayLike<number>,
    labels: string[],
    config: ClassicalPipelineConfig,
    featureNames: string[] = [],
    /** Per-row weights (logistic and mlp only), e.g. so that each training corpus weighs the same. */
    sampleWeight?: ArrayLike<number>,
    /** Each row's domain, its speaker or corpus (any integers): read by the MLP's adversary only. */
    domains?: ArrayLike<number>,
  ): ClassicalPipeline {
    assertFinite(x, 'training features');
    if (sampleWeight && !acceptsSampleWeights(config.model)) {
      throw new RangeError(
        `sample weights are supported by the ${SAMPLE_WEIGHT_MODELS.join(' and ')} models only, not ${config.model}`,
      );
    }
    if (featureNames.length > 0 && featureNames.length !== x.cols) {
      throw new RangeError(`${featureNames.length} feature names for ${x.cols} columns`);
    }
    const quantile = config.scaling === 'quantile' ? QuantileNormal.fit(x) : null;
    const q = quantile ? quantile.transform(x) : x;
    const scaler = StandardScaler.fit(q);
    let z = scaler.transform(q);
    const pca = config.pca ? Pca.fit(z, config.pca) : null;
    if (pca) z = pca.transform(z);
    const classifier =
      config.model === 'rf'
        ? RandomForest.fit(z, y, labels.length, config.rf)
        : config.model === 'logistic'
          ? LogisticRegression.fit(z, y, labels.length, config.logistic, sampleWeight)
          : config.model === 'mlp'
            ? Mlp.fit(z, y, labels.length, config.mlp, sampleWeight, domains)
            : Svm.fit(z, y, labels.length, {
                ...config.svm,
                kernel: config.model === 'svm-linear' ? 'linear' : 'rbf',
              });
    return new ClassicalPipeline(labels, featureNames, config, scaler, pca, classifier, quantile);
  }

  get nFeatures(): number {
    return this.scaler.features;
  }

  /** Dimensions after PCA (or the input width without PCA). */
  get nComponents(): number {
    return this.pca ? this.pca.nComponents : this.scaler.features;
  }

  /** Class probabilities, rows x labels.length (row-major). */
  predictProba(x: Matrix): Float64Array {
    assertFinite(x, 'features');
    let z = this.scaler.transform(this.quantile ? this.quantile.transform(x) : x);
    if (this.pca) z = this.pca.transform(z);
    return this.classifier.predictProba(z);
  }

  /** Label index per row. */
  predict(x: Matrix): Int32Array {
    return argmaxRows(this.predictProba(x), this.labels.length);
  }

  toJSON(): ClassicalPipelineJSON {
    return {
      kind: 'emovox-classical',
      version: 1,
      labels: this.labels,
      featureNames: this.featureNames,
      config: this.config,
      scaler: this.scaler.toJSON(),
      ...(this.quantile ? { quantile: this.quantile.toJSON() } : {}),
      pca: this.pca ? this.pca.toJSON() : null,
      classifier:
        this.classifier instanceof Svm
          ? { svm: this.classifier.toJSON() }
          : this.classifier instanceof LogisticRegression
            ? { logistic: this.classifier.toJSON() }
            : this.classifier instanceof Mlp
              ? { mlp: this.classifier.toJSON() }
              : { rf: this.classifier.toJSON() },
    };
  }

  static fromJSON(j: ClassicalPipelineJSON): ClassicalPipeline {
    if (j?.kind !== 'emovox-classical' || j.version !== 1) {
      throw new RangeError('not an Emovox classical pipeline (expected kind "emovox-classical", version 1)');
    }
    if ((j.config?.scaling === 'quantile') !== Boolean(j.quantile)) {
      throw new RangeError(
        'classical pipeline: config.scaling "quantile" and the quantile knots go together',
      );
    }
    const classifier =
      'svm' in j.classifier
        ? Svm.fromJSON(j.classifier.svm)
        : 'logistic' in j.classifier
          ? LogisticRegression.fromJSON(j.classifier.logistic)
          : 'mlp' in j.classifier
            ? Mlp.fromJSON(j.classifier.mlp)
            : RandomForest.fromJSON(j.classifier.rf);
    return new ClassicalPipeline(
      j.labels,
      j.featureNames,
      j.config,
      StandardScaler.fromJSON(j.scaler),
      j.pca ? Pca.fromJSON(j.pca) : null,
      classifier,
      j.quantile ? QuantileNormal.fromJSON(j.quantile) : null,
    );
  }
}
