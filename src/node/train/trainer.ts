/**
 * The training loop, short enough to read in one sitting:
 *   split speakers -> cache frames (clean + augmented copies) -> normalise -> build model ->
 *   per epoch: shuffled batches of random crops + SpecAugment, Adam at the scheduled rate ->
 *   validate on held-out training speakers with the inference policy (overlapping windows,
 *   averaged) -> keep the best weights of the last part of the schedule (keepFrom; optionally
 *   stop early, patience), or with `average` the mean of that window's weights -> snapshot for
 *   checkpointing. Optional mixup of each batch (`mixup`, mixup.ts).
 * It writes no files: the CLI (src/cli/commands/train.ts) and the evaluation code wrap it.
 */
import * as tf from '@tensorflow/tfjs';
import { BUNDLE_FORMAT_VERSION, type BundleManifest, type HistoryEntry } from '../../core/bundle.js';
import { parseFeatureConfig } from '../../core/features/index.js';
import { EMOTIONS } from '../../core/labels.js';
import {
  buildModel,
  defaultModelConfig,
  defaultModelFeatures,
  modelInput,
} from '../../core/models/registry.js';
import type { ModelConfig } from '../../core/models/config.js';
import { meanWindowProbabilities, windowFrames } from '../../core/predict.js';
import { frameWindows } from '../../core/windows.js';
import type { BatchNormFields } from '../../core/models/batch-norm-layer.js';
import type { Utterance } from '../datasets/types.js';
import { specAugment } from './augment.js';
import { confusionMatrix, uar } from './evaluate/metrics.js';
import { randomCrop } from './crop.js';
import {
  buildCache,
  normaliseCache,
  normalisationStats,
  speakerNormaliseCache,
  speakerSplit,
  type CachedUtterance,
  type FrameCache,
} from './data.js';
import {
  firstKeptEpoch,
  improves,
  learningRate,
  parseTrainOptions,
  TrainError,
  type TrainOptionsInput,
} from './options.js';
import { Rng, withSeededMathRandom } from '../../core/random.js';
import { weightedCrossEntropy } from '../../core/models/loss.js';
import { mixBatch } from './mixup.js';
import { BACKEND_NAMES, type BackendName } from '../backend.js';
import { DataParallelTrainer } from '../parallel/data-parallel.js';

/** A tensor with a name (Adam's state entries, checkpoint records). */
export interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}

/** Everything needed to continue a run after its last finished epoch. */
export interface TrainSnapshot {
  /** Finished epochs. */
  epoch: number;
  history: HistoryEntry[];
  rngState: number;
  badEpochs: number;
  bestEpoch: number | null;
  bestValLoss: number | null;
  modelWeights: tf.Tensor[];
  bestWeights: tf.Tensor[] | null;
  optimizerWeights: NamedTensor[];
  /** With `average`: the sum of model.getWeights() over the window's finished epochs (null before it). */
  averageSum?: tf.Tensor[] | null;
  /** With `average`: how many epochs averageSum holds. */
  averageCount?: number;
}

export interface BatchProgress {
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
  loss: number;
  acc: number;
}

export type TrainModelOptions = TrainOptionsInput & {
  train: Utterance[];
  /** Decoded mono signals at the feature sample rate, by utterance path. */
  signals: Map<string, Float32Array>;
  /** Output labels in order; default: the canonical emotions present in `train`. */
  labels?: string[];
  protocol?: string;
  /**
   * Z-normalise each utterance's feature frames with its own speaker's statistics (over that
   * speaker's clean utterances) before the global normalisation; feature models only. A model
   * trained so needs the same at prediction time (several clips per speaker): evaluation only.
   */
  speakerNorm?: boolean;
  /**
   * Validation utterances chosen by the caller (e.g. speakers of every training corpus), used
   * instead of drawing `valSpeakers` from `train`; their speakers must not be in `train`.
   */
  validation?: Utterance[];
  /**
   * Starting weights instead of a fresh initialisation (model.getWeights() order, the same
   * model, sizes and labels), e.g. a network pretrained on other corpora; every weight then
   * trains as usual. A resumed run's checkpoint overrides them.
   */
  initialWeights?: Float32Array[];
  resume?: TrainSnapshot;
  onBatch?: (p: BatchProgress) => void;
  /** Called after every finished epoch (checkpointing). The snapshot's tensors are live: read, do not dispose. */
  onEpoch?: (snapshot: TrainSnapshot, entry: HistoryEntry) => Promise<void> | void;
};

export interface TrainResult {
  model: tf.LayersModel;
  history: HistoryEntry[];
  manifest: BundleManifest;
  valSpeakers: string[];
  stoppedEarly: boolean;
  /** The epoch whose weights were kept (best on validation among the keeping window), null without validation. */
  keptEpoch: number | null;
  /**
   * With `average`: the epochs whose weights were averaged into the returned model (1-based,
   * inclusive); null otherwise. keptEpoch then still names the best validated epoch, for reference.
   */
  averaged: {
    fromEpoch: number;
    toEpoch: number;
    count: number;
    /** Training windows over which the batch-norm statistics were recomputed (absent: averaged too). */
    batchNormWindows?: number;
  } | null;
}

/**
 * Loss weight of each training item: with class weights N / (K * N_k) (K the number of labels),
 * with corpus weights N / (C * N_c) (C the corpora present), with both N / (G * N_ck) over the
 * G non-empty (corpus, class) cells, so each cell weighs the same; otherwise 1.
 */
export function itemWeights(
  items: readonly { labelIndex: number; utterance: Pick<Utterance, 'corpus'> }[],
  classes: number,
  byClass: boolean,
  byCorpus: boolean,
): number[] {
  if (!byClass && !byCorpus) return items.map(() => 1);
  const key = (it: (typeof items)[number]) =>
    `${byCorpus ? it.utterance.corpus : ''}\u0000${byClass ? it.labelIndex : ''}`;
  const n = new Map<string, number>();
  for (const it of items) n.set(key(it), (n.get(key(it)) ?? 0) + 1);
  // Class weights alone keep the former denominator K (labels, present or not).
  const groups = byClass && !byCorpus ? classes : n.size;
  return items.map((it) => items.length / (groups * n.get(key(it))!));
}

/**
 * SWA's batch-norm step (Izmailov et al. 2018; PyTorch's torch.optim.swa_utils.update_bn): after
 * the weights were averaged, every batch-norm layer's moving mean and variance are recomputed by
 * the averaged network itself, over the inference windows of every training clip's clean copy
 * (as the Predictor slices them), in batches of `batchSize`. Each layer's statistics become the
 * batch-size-weighted mean of its batch statistics: the k-th batch of n windows, after N windows
 * in all, is blended in with momentum 1 - n / N, through the layer's own training-mode update.
 * Dropout layers pass their input through meanwhile (as at inference). Returns the windows seen.
 */
export function recomputeBatchNorm(
  model: tf.LayersModel,
  items: CachedUtterance[],
  coeffs: number,
  win: number,
  hop: number,
  inputShape: number[],
  batchSize: number,
): number {
  const norms = model.layers.filter(
    (l) => l.getClassName() === 'BatchNormalization',
  ) as unknown as BatchNormFields[];
  if (norms.length === 0) return 0;
  const momenta = norms.map((l) => l.momentum);
  const dropouts = model.layers.filter((l) => l.getClassName() === 'Dropout') as unknown as {
    rate: number;
  }[];
  const rates = dropouts.map((d) => d.rate);
  const per = win * coeffs;
  const buffer = new Float32Array(batchSize * per);
  let filled = 0;
  let seen = 0;
  const pass = () => {
    seen += filled;
    for (const l of norms) l.momentum = 1 - filled / seen;
    tf.tidy(() => {
      model.apply(tf.tensor(buffer.subarray(0, filled * per), [filled, ...inputShape]), { training: true });
    });
    filled = 0;
  };
  try {
    dropouts.forEach((d) => (d.rate = 0));
    for (const it of items) {
      for (const w of frameWindows(it.variants[0], coeffs, win, hop)) {
        buffer.set(w, filled++ * per);
        if (filled === batchSize) pass();
      }
    }
    if (filled > 0) pass();
  } finally {
    norms.forEach((l, i) => (l.momentum = momenta[i]));
    dropouts.forEach((d, i) => (d.rate = rates[i]));
  }
  return seen;
}

/** Mean window probabilities per utterance, the way the Predictor computes them. */
async function predictUtterances(
  model: tf.LayersModel,
  items: CachedUtterance[],
  coeffs: number,
  win: number,
  hop: number,
): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (const it of items) {
    out.push(await meanWindowProbabilities(model, frameWindows(it.variants[0], coeffs, win, hop)));
  }
  return out;
}

async function validate(
  model: tf.LayersModel,
  val: FrameCache,
  win: number,
  hop: number,
  classes: number,
): Promise<{ valLoss: number; valAcc: number; valUar: number }> {
  const probs = await predictUtterances(model, val.items, val.coeffs, win, hop);
  const truth = val.items.map((it) => it.labelIndex);
  const pred = probs.map((p) => p.indexOf(Math.max(...p)));
  const loss = probs.reduce((a, p, i) => a - Math.log(Math.max(1e-7, p[truth[i]])), 0) / probs.length;
  const acc = pred.filter((p, i) => p === truth[i]).length / pred.length;
  const labelNames = Array.from({ length: classes }, (_, k) => String(k));
  const truthNames = truth.map(String);
  const predNames = pred.map(String);
  return { valLoss: loss, valAcc: acc, valUar: uar(confusionMatrix(labelNames, truthNames, predNames)) };
}

export async function trainModel(input: TrainModelOptions): Promise<TrainResult> {
  const cleanup: (() => Promise<void>)[] = [];
  try {
    return await runTraining(input, cleanup);
  } finally {
    for (const close of cleanup) await close();
  }
}

/** trainModel's body; `cleanup` collects what must be released however it ends (worker threads). */
async function runTraining(input: TrainModelOptions, cleanup: (() => Promise<void>)[]): Promise<TrainResult> {
  const o = parseTrainOptions(input);
  const featureConfig = parseFeatureConfig({ ...defaultModelFeatures(o.modelName), ...o.featureConfig });
  const kind = modelInput(o.modelName);
  const modelConfig: ModelConfig = defaultModelConfig(o.modelName, o.modelConfig as Partial<ModelConfig>);
  const labels = input.labels ?? EMOTIONS.filter((e) => input.train.some((u) => u.label === e));
  if (labels.length < 2) {
    throw new TrainError(`training needs at least two labels; found ${labels.join(', ') || 'none'}`);
  }
  const unknown = input.train.find((u) => !labels.includes(u.label));
  if (unknown)
    throw new TrainError(
      `${unknown.path} has label ${unknown.label}, which is not among ${labels.join(', ')}`,
    );

  // Data: split, cache and normalise are deterministic given the seed (a resumed run rebuilds them identically).
  const dataRng = new Rng(o.seed);
  const split = input.validation
    ? givenValidation(input.train, input.validation)
    : speakerSplit(input.train, o.valSpeakers, dataRng);
  const train = await buildCache(
    split.train,
    input.signals,
    labels,
    kind,
    featureConfig,
    o.augment,
    dataRng,
    o.utteranceNorm,
  );
  const val = await buildCache(
    split.val,
    input.signals,
    labels,
    kind,
    featureConfig,
    null,
    dataRng,
    o.utteranceNorm,
  );
  val.coeffs = train.coeffs;
  if (input.speakerNorm) {
    speakerNormaliseCache(train, kind);
    speakerNormaliseCache(val, kind);
  }
  const normalisation = {
    ...normalisationStats(train, kind),
    ...(o.utteranceNorm ? { utterance: o.utteranceNorm } : {}),
  };
  normaliseCache(train, normalisation);
  normaliseCache(val, normalisation);

  const windowSec = modelConfig.inputSeconds;
  const hopSec = o.hopSec ?? windowSec / 2;
  const manifest: BundleManifest = {
    formatVersion: BUNDLE_FORMAT_VERSION,
    labels,
    featureConfig,
    modelName: o.modelName,
    modelConfig: modelConfig as unknown as Record<string, unknown>,
    input: { kind, windowSec, hopSec },
    normalisation,
    corpus: o.corpus,
    protocol:
      (o.utteranceNorm ? `per-utterance normalised features (${o.utteranceNorm}); ` : '') +
      (o.corpusWeights ? 'corpora weighted equally; ' : '') +
      (input.speakerNorm ? 'per-speaker normalised features; ' : '') +
      (input.protocol ??
        `trained on ${split.train.length} utterances of ${new Set(split.train.map((u) => u.speaker)).size} speakers; ` +
          (split.valSpeakers.length
            ? `epoch kept by held-out training speakers ${split.valSpeakers.join(' ')} (${split.val.length} utterances)`
            : 'no validation split')),
    metrics: {},
    history: [],
    card: '',
    createdAt: new Date().toISOString(),
  };
  const { window: win, hop } = windowFrames(manifest);
  const inputShape = kind === 'waveform' ? [win, 1] : [win, train.coeffs, 1];
  const model = withSeededMathRandom(new Rng(o.seed + 1), () =>
    buildModel(o.modelName, { inputShape, numClasses: labels.length, config: modelConfig }),
  );
  if (input.initialWeights) setInitialWeights(model, input.initialWeights);
  const optimizer = tf.train.adam(o.lr);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const weights = itemWeights(train.items, labels.length, o.classWeights, o.corpusWeights);

  // State, possibly restored from a checkpoint.
  const rng = new Rng(o.seed ^ 0x9e3779b9);
  let history: HistoryEntry[] = [];
  let startEpoch = 0;
  let badEpochs = 0;
  let bestEpoch: number | null = null;
  let bestValLoss: number | null = null;
  let bestWeights: tf.Tensor[] | null = null;
  // Weight averaging: running sum (float32, as checkpointed, so a resumed run sums the same) and count.
  let averageSum: Float32Array[] | null = null;
  let averageCount = 0;
  const keepFrom = firstKeptEpoch(o);
  if (input.resume) {
    const r = input.resume;
    model.setWeights(r.modelWeights);
    // Adam creates its moment variables lazily; one zero step is not taken: setWeights recreates them.
    await optimizer.setWeights(r.optimizerWeights);
    rng.state = r.rngState;
    history = [...r.history];
    startEpoch = r.epoch;
    badEpochs = r.badEpochs;
    bestEpoch = r.bestEpoch;
    bestValLoss = r.bestValLoss;
    bestWeights = r.bestWeights ? r.bestWeights.map((t) => t.clone()) : null;
    averageSum = r.averageSum ? r.averageSum.map((t) => Float32Array.from(t.dataSync())) : null;
    averageCount = r.averageCount ?? 0;
    const due = o.average ? Math.max(0, r.epoch - keepFrom + 1) : 0;
    if (averageCount !== due || due > 0 !== (averageSum !== null)) {
      throw new TrainError(
        `checkpoint after epoch ${r.epoch} holds the average of ${averageCount} epochs, but this run ${o.average ? `averages from epoch ${keepFrom}` : 'does not average'}; resume with the same options, or delete the checkpoint`,
      );
    }
  }

  const per = inputShape.reduce((a, b) => a * b, 1);
  const batchBuffer = new Float32Array(o.batchSize * per);
  const batches = Math.ceil(train.items.length / o.batchSize);
  // Data-parallel: the workers hold the model and Adam; this thread's copy is refreshed every
  // epoch for validation and snapshots.
  const parallel =
    o.threads > 1
      ? await DataParallelTrainer.start({
          backend: backendNameOf(tf.getBackend()),
          model: o.modelName,
          build: { inputShape, numClasses: labels.length, config: modelConfig },
          weights: model.getWeights().map((t) => Float32Array.from(t.dataSync())),
          learningRate: o.lr,
          optimizer: input.resume?.optimizerWeights.map((e) => ({
            name: e.name,
            data: Float32Array.from(e.tensor.dataSync()),
            shape: e.tensor.shape,
          })),
          threads: o.threads,
        })
      : null;
  if (parallel) cleanup.push(() => parallel.close());
  let stoppedEarly = false;
  for (let epoch = startEpoch; epoch < o.epochs; epoch++) {
    if (split.val.length > 0 && o.patience > 0 && badEpochs >= o.patience) {
      stoppedEarly = true;
      break;
    }
    const started = Date.now();
    const lr = learningRate(o, epoch);
    (optimizer as unknown as { learningRate: number }).learningRate = lr;
    parallel?.setLearningRate(lr);
    const order = rng.shuffle(train.items.map((_, i) => i));
    let lossSum = 0;
    let correct = 0;
    /**
     * Batch b's inputs (random crops, SpecAugment) and labels, drawn from rng, in the one batch
     * buffer: parallel.step copies it out before returning, and localStep's tensor is disposed
     * before the next batch is prepared.
     */
    const prepare = (b: number) => {
      const idx = order.slice(b * o.batchSize, (b + 1) * o.batchSize);
      const flat = batchBuffer.subarray(0, idx.length * per);
      const ys: number[] = [];
      let ws = idx.map((i) => weights[i]);
      idx.forEach((i, k) => {
        const it = train.items[i];
        const crop = flat.subarray(k * per, (k + 1) * per);
        randomCrop(it.variants[rng.int(it.variants.length)], train.coeffs, win, rng, crop);
        if (kind === 'features') specAugment(crop, train.coeffs, o.augment, rng);
        ys.push(it.labelIndex);
      });
      // Mixup: soft targets; training accuracy then counts the dominant label of each mixed example.
      let targets: Float32Array | null = null;
      let truth = ys;
      if (o.mixup > 0) {
        const m = mixBatch(flat, per, ys, ws, labels.length, o.mixup, rng);
        targets = m.targets;
        ws = m.weights;
        truth = m.dominant;
      }
      return { idx, flat, ys, targets, truth, ws, seed: parallel ? rng.int(2 ** 31) : 0 };
    };
    // Data-parallel: batch b + 1 is prepared while the workers compute batch b's gradients (rng
    // draws in the same order as without: crops and seed of b, then of b + 1). On this thread,
    // dropout draws from rng during the step, so each batch is prepared right before its step.
    let next = parallel ? prepare(0) : null;
    for (let b = 0; b < batches; b++) {
      const { idx, flat, ys, targets, truth, ws, seed } = next ?? prepare(b);
      const pending = parallel
        ? parallel.step(flat, targets ? { targets } : ys, ws, seed)
        : localStep(flat, targets ?? ys, ws);
      next = parallel && b + 1 < batches ? prepare(b + 1) : null;
      const { loss: batchLoss, predicted: pred } = await pending;
      lossSum += batchLoss * idx.length;
      correct += truth.filter((t, k) => pred[k] === t).length;
      if (!Number.isFinite(batchLoss))
        throw new TrainError(`loss became ${batchLoss} at epoch ${epoch + 1}; try a lower --lr`);
      const seen = Math.min(train.items.length, (b + 1) * o.batchSize);
      input.onBatch?.({
        epoch: epoch + 1,
        epochs: o.epochs,
        batch: b + 1,
        batches,
        loss: lossSum / seen,
        acc: correct / seen,
      });
    }
    const entry: HistoryEntry = {
      epoch: epoch + 1,
      loss: lossSum / train.items.length,
      acc: correct / train.items.length,
      valLoss: null,
      valAcc: null,
      valUar: null,
      lr,
      seconds: (Date.now() - started) / 1000,
    };
    const state = parallel ? await parallel.state() : null;
    if (state) setWeightValues(model, state.weights);
    if (val.items.length > 0) {
      Object.assign(entry, await validate(model, val, win, hop, labels.length));
      const kept = history.find((h) => h.epoch === bestEpoch);
      if (epoch + 1 < keepFrom) {
        // Validated (for the curves) but not a candidate: the schedule has not come down yet.
      } else if (kept === undefined || improves(entry, kept, o.earlyStopOn)) {
        bestValLoss = entry.valLoss;
        bestEpoch = epoch + 1;
        badEpochs = 0;
        // With `average` the best epoch is only reported (the average is returned): no copy kept.
        if (!o.average) {
          tf.dispose(bestWeights ?? []);
          bestWeights = model.getWeights().map((t) => t.clone());
        }
      } else {
        badEpochs++;
      }
      entry.seconds = (Date.now() - started) / 1000;
    }
    history.push(entry);
    if (o.average && epoch + 1 >= keepFrom) {
      // Every weight of model.getWeights(), batch-norm moving mean and variance included: the
      // average of the moving statistics is not the statistics of the averaged network (SWA
      // recomputes them with a pass over the data), an approximation accepted here because in the
      // late, low-rate cosine phase the weights, and so the statistics, change little.
      const now = state ? state.weights : model.getWeights().map((t) => t.dataSync() as Float32Array);
      averageSum ??= now.map((w) => new Float32Array(w.length));
      averageSum.forEach((sum, i) => {
        const w = now[i];
        for (let j = 0; j < w.length; j++) sum[j] += w[j];
      });
      averageCount++;
    }
    if (input.onEpoch) {
      const snapshot: TrainSnapshot = {
        epoch: epoch + 1,
        history: [...history],
        rngState: rng.state,
        badEpochs,
        bestEpoch,
        bestValLoss,
        modelWeights: model.getWeights(),
        bestWeights,
        optimizerWeights: state
          ? state.optimizer.map((e) => ({ name: e.name, tensor: tf.tensor(e.data, e.shape) }))
          : await optimizer.getWeights(),
        averageSum: averageSum ? averageSum.map((a, i) => tf.tensor(a, model.weights[i].read().shape)) : null,
        averageCount,
      };
      await input.onEpoch(snapshot, entry);
      tf.dispose(snapshot.averageSum ?? []);
      // Disposed: getWeights' new iteration scalar, or every tensor made here from the workers' state.
      tf.dispose(
        snapshot.optimizerWeights.filter((w) => state !== null || w.name === 'iter').map((w) => w.tensor),
      );
    }
  }
  let averaged: TrainResult['averaged'] = null;
  if (averageSum && averageCount > 0) {
    setWeightValues(
      model,
      averageSum.map((sum) => sum.map((v) => v / averageCount)),
    );
    const batchNormWindows = o.recomputeBatchNorm
      ? recomputeBatchNorm(model, train.items, train.coeffs, win, hop, inputShape, o.batchSize)
      : 0;
    averaged = {
      fromEpoch: keepFrom,
      toEpoch: keepFrom + averageCount - 1,
      count: averageCount,
      ...(batchNormWindows > 0 ? { batchNormWindows } : {}),
    };
  } else if (bestWeights) {
    model.setWeights(bestWeights);
  }
  tf.dispose(bestWeights ?? []);
  optimizer.dispose();
  const best = history.find((h) => h.epoch === bestEpoch);
  const averagedVal =
    averaged && val.items.length > 0 ? await validate(model, val, win, hop, labels.length) : null;
  manifest.history = history;
  // `validation` only where training speakers were held out; `averaged` wherever the returned
  // weights are an average (with the averaged model's validation figures when there are any).
  manifest.metrics = {
    ...(best
      ? {
          validation: {
            note: 'held-out TRAINING speakers used for early stopping; not a test result',
            speakers: split.valSpeakers,
            bestEpoch,
            valLoss: best.valLoss,
            valAcc: best.valAcc,
            valUar: best.valUar,
          },
        }
      : {}),
    ...(averaged
      ? {
          averaged: {
            note:
              'the returned weights: the mean of every epoch from fromEpoch to toEpoch (validation.bestEpoch, if any, is for reference)' +
              (averaged.batchNormWindows
                ? `; batch-norm statistics recomputed by the averaged network over ${averaged.batchNormWindows} training windows`
                : '; batch-norm moving statistics averaged like the weights'),
            ...averaged,
            ...(averagedVal ?? {}),
          },
        }
      : {}),
  };
  return {
    model,
    history,
    manifest,
    valSpeakers: split.valSpeakers,
    stoppedEarly,
    keptEpoch: bestEpoch,
    averaged,
  };

  /** One Adam step on this thread: the batch loss and the predicted class of each example. */
  async function localStep(
    flat: Float32Array,
    ys: number[] | Float32Array,
    ws: number[],
  ): Promise<{ loss: number; predicted: ArrayLike<number> }> {
    const x = tf.tensor(flat, [ws.length, ...inputShape]);
    // Class indices as one-hot rows, or (mixup) soft target rows as they are.
    const y = Array.isArray(ys)
      ? tf.tidy(() => tf.oneHot(tf.tensor1d(ys, 'int32'), labels.length))
      : tf.tensor2d(ys, [ws.length, labels.length]);
    const w = tf.tensor1d(ws);
    let predicted: tf.Tensor | undefined;
    const cost = withSeededMathRandom(rng, () =>
      optimizer.minimize(
        () => {
          const p = model.apply(x, { training: true }) as tf.Tensor;
          predicted = tf.keep(p.argMax(-1));
          let loss = weightedCrossEntropy(p, y, w, tf.sum(w) as tf.Scalar);
          const reg = model.calculateLosses();
          if (reg.length > 0) loss = tf.add(loss, tf.addN(reg)) as tf.Scalar;
          return loss;
        },
        true,
        vars,
      ),
    )!;
    const loss = (await cost.data())[0];
    const pred = await predicted!.data();
    tf.dispose([x, y, w, cost, predicted!]);
    return { loss, predicted: pred };
  }
}

/** The split of a caller-chosen validation set, refused if it shares a speaker with `train`. */
function givenValidation(
  train: Utterance[],
  val: Utterance[],
): { train: Utterance[]; val: Utterance[]; valSpeakers: string[] } {
  const valSpeakers = [...new Set(val.map((u) => u.speaker))].sort();
  const shared = train.find((u) => valSpeakers.includes(u.speaker));
  if (shared) throw new TrainError(`validation speaker ${shared.speaker} also has training utterances`);
  return { train, val, valSpeakers };
}

/** Sets starting weights, refused unless they fit the model weight for weight. */
function setInitialWeights(model: tf.LayersModel, values: Float32Array[]): void {
  const ws = model.weights;
  const bad =
    values.length !== ws.length
      ? `${values.length} arrays for ${ws.length} weights`
      : ws
          .map((w, i) => ({ w, n: values[i].length, want: tf.util.sizeFromShape(w.read().shape) }))
          .filter((e) => e.n !== e.want)
          .map((e) => `${e.w.name} has ${e.want} values, given ${e.n}`)[0];
  if (bad) {
    throw new TrainError(
      `starting weights do not fit this network (${bad}); they must come from the same model, sizes and labels`,
    );
  }
  setWeightValues(model, values);
}

/** Sets a model's weights from plain arrays (model.getWeights() order). */
function setWeightValues(model: tf.LayersModel, values: Float32Array[]): void {
  const ts = values.map((v, i) => tf.tensor(v, model.weights[i].read().shape));
  model.setWeights(ts);
  tf.dispose(ts);
}

/** The BackendName of the active tfjs backend, for the data-parallel workers. */
function backendNameOf(name: string): BackendName {
  if (!(BACKEND_NAMES as readonly string[]).includes(name)) {
    throw new TrainError(
      `data-parallel training runs on ${BACKEND_NAMES.join(' or ')}, not on tfjs backend '${name}'`,
    );
  }
  return name as BackendName;
}
