/**
 * Trains the bundle a config describes (bundle/config.ts): reads every corpus, keeps the
 * config's label set (counting what is left out), trains each member on all of it, and writes
 * one bundle: the member itself when there is one, an ensemble with member subfolders when
 * there are several. A classical member computes the utterance descriptors (cached like the
 * evaluation's), fits the `global` pipeline, and when speaker-adaptive a `speakerNorm` pipeline
 * on per-speaker z-normalised descriptors (exactly the evaluation's --speaker-norm setting).
 * The model card is rendered from the config's template and evaluation files.
 */
import { rmdirSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import {
  MULTI_KIND_FORMAT_VERSION,
  type ClassicalManifest,
  type EnsembleManifest,
  type InputPolicy,
} from '../../../core/bundle.js';
import type { Calibration } from '../../../core/calibration.js';
import { parseChannelList } from '../../../core/channel/chain.js';
import { descriptorSpecRecord } from '../../../core/classical/descriptor-spec.js';
import {
  familySpec,
  isRobustFamily,
  type ClassicalFeatureSpec,
  type DescriptorFamily,
} from '../../../core/classical/featurize.js';
import { ClassicalPipeline, pipelineConfigWith } from '../../../core/classical/pipeline.js';
import { ClassicalFeatureSpecSchema, ClassicalModel } from '../../../core/classical/serialize-model.js';
import { parseFeatureConfig, type FeatureConfig } from '../../../core/features/index.js';
import {
  classicalBundleFiles,
  deepBundleFiles,
  ensembleBundleFiles,
  writeFolderAtomic,
} from '../../bundle-io.js';
import {
  describeCorpusUse,
  formatCorpusSummary,
  readCorpora,
  type CorpusUse,
  type Utterance,
} from '../../datasets/index.js';
import { decodeCorpus } from '../load-audio.js';
import { loadCheckpoint, removeCheckpoint, runFingerprint, saveCheckpoint } from '../checkpoint.js';
import { loadChannelResources } from '../../channel/resources.js';
import {
  AUGMENTATION_NEEDS,
  augmentCopies,
  augmentTransforms,
  DEFAULT_FEATURE_CACHE_DIR,
  featureTables,
  STUDIO,
} from '../classical-features.js';
import { fitCalibration, fitOnItems, innerLoco, type LocoInput } from '../evaluate/loco.js';
import { stackCopies } from '../evaluate/loco-data.js';
import { TrainError, parseTrainOptions, type TrainOptionsInput } from '../options.js';
import { speakerNormaliseRows } from '../evaluate/speaker-norm.js';
import {
  evaluationFiles,
  type ClassicalMemberConfig,
  type DeepMemberConfig,
  type TrainConfig,
} from './config.js';
import { loadEvaluations, renderCard } from './card.js';
import { trainModel, type BatchProgress } from '../trainer.js';
import { pretrain, type PretrainSummary } from '../pretrain.js';
import type { HistoryEntry } from '../../../core/bundle.js';

/** Several corpora are read by datasets/corpora.ts; re-exported for the train command. */
export { describeCorpusUse, type CorpusUse };

export type Files = Record<string, string | Uint8Array>;

export interface TrainBundleOptions {
  out: string;
  /** The command line, for the card. */
  command: string;
  log?: (line: string) => void;
  cacheDir?: string | null;
  onBatch?: (p: BatchProgress) => void;
  onEpoch?: (member: string, entry: HistoryEntry) => void;
  /** Continue deep members from their checkpoints (saved every epoch, see memberCheckpointDir). */
  resume?: boolean;
  /** The checkpoint folder (default `<out>.checkpoint`); each deep member saves in a subfolder named after it. */
  checkpoint?: string;
  /** Injected clock for the card date (tests). */
  now?: () => Date;
}

/** The checkpoint folder of a run: `--checkpoint`, or `<out>.checkpoint` beside the bundle. */
export function checkpointRoot(out: string, checkpoint?: string): string {
  return resolve(checkpoint ?? `${resolve(out)}.checkpoint`);
}

/** Where a deep member's per-epoch checkpoint lives (removed once the bundle is written). */
export function memberCheckpointDir(out: string, member: string, checkpoint?: string): string {
  return join(checkpointRoot(out, checkpoint), member);
}

export interface TrainBundleResult {
  kind: 'deep' | 'classical' | 'ensemble';
  labels: string[];
  corpora: CorpusUse[];
  utterances: number;
  card: string;
}

/**
 * Reads every corpus (datasets/corpora.ts: speakers prefixed by corpus when there are several,
 * the config's label set or the multi-corpus default) and checks every label has utterances.
 */
export async function gatherUtterances(
  config: TrainConfig,
  log: (line: string) => void = () => {},
): Promise<{ utterances: Utterance[]; labels: string[]; corpora: CorpusUse[] }> {
  const { utterances, labels, corpora } = await readCorpora(config.corpora, {
    labels: config.labels,
    onRead: (spec, r) => log(formatCorpusSummary(spec.kind, r)),
  });
  const missing = labels.filter((l) => !utterances.some((u) => u.label === l));
  if (missing.length > 0) throw new TrainError(`no training utterances for label(s) ${missing.join(', ')}`);
  if (labels.length < 2)
    throw new TrainError(`training needs at least two labels; found ${labels.join(', ') || 'none'}`);
  return { utterances, labels, corpora };
}

/**
 * The utterances as a `--corpus manifest` TSV (absolute path, label, speaker), so that
 * `emovox evaluate --corpus manifest --data FILE` evaluates exactly what a config trains on
 * (label set applied, speakers prefixed by corpus when there are several).
 */
export function utterancesTsv(utterances: readonly Utterance[]): string {
  const cell = (v: string) => (/[\t\n\r"]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const rows = utterances.map((u) => [resolve(u.path), u.label, u.speaker].map(cell).join('\t'));
  return ['file\tlabel\tspeaker', ...rows].join('\n') + '\n';
}

export function descriptorSpec(m: ClassicalMemberConfig): ClassicalFeatureSpec {
  const base = familySpec(m.descriptors.family as DescriptorFamily | undefined);
  const r = ClassicalFeatureSpecSchema.safeParse({ ...base, ...m.descriptors });
  if (!r.success) {
    throw new TrainError(
      `member ${m.name}: invalid descriptors (${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')})`,
    );
  }
  return r.data;
}

interface BuiltMember {
  name: string;
  weight: number;
  files: Files;
  labels: string[];
  featureConfig: FeatureConfig;
  input?: InputPolicy;
  modelName: string;
  metrics: Record<string, unknown>;
  history: HistoryEntry[];
  line: string;
}

async function trainClassicalMember(
  m: ClassicalMemberConfig,
  utterances: Utterance[],
  labels: string[],
  corpus: string,
  seed: number,
  o: TrainBundleOptions,
): Promise<BuiltMember> {
  const log = o.log ?? (() => {});
  const spec = descriptorSpec(m);
  const copies = augmentCopies(m);
  const resources = copies
    ? await loadChannelResources(parseChannelList(AUGMENTATION_NEEDS), { sampleRate: spec.sampleRate })
    : {};
  const tables = await featureTables(
    utterances.map((u) => u.path),
    spec,
    [STUDIO, ...augmentTransforms(seed, m, resources, spec.sampleRate)],
    o.cacheDir === undefined ? DEFAULT_FEATURE_CACHE_DIR : o.cacheDir,
    (d, n) => {
      if (d % 100 === 0 || d === n)
        log(`  ${m.name}: descriptors ${d}/${n}${copies ? ` (+ ${copies} augmented copies)` : ''}`);
    },
  );
  const table = tables[0];
  const input: LocoInput = {
    items: utterances,
    labels,
    x: table.x,
    augmented: copies
      ? stackCopies(
          tables.slice(1).map((t) => t.x),
          utterances.length,
        )
      : null,
    conditions: [],
  };
  const all = utterances.map((_, i) => i);
  let cfg = pipelineConfigWith(m.model, m);
  const values = m.cGrid ?? m.weightDecayGrid;
  if (values) {
    const corpora = [...new Set(utterances.map((u) => u.corpus))];
    const what = m.cGrid ? 'C' : 'weight decay';
    const grid = (m.scalingGrid ?? [undefined]).flatMap((scaling) =>
      values.map((v) => ({
        name: `${scaling === 'quantile' ? 'quantile ' : ''}${m.cGrid ? 'C' : 'weightDecay'}=${v}`,
        cfg: {
          ...pipelineConfigWith(
            m.model,
            m.cGrid ? { ...m, c: v } : { ...m, mlp: { ...m.mlp, weightDecay: v } },
          ),
          ...(scaling ? { scaling } : {}),
        },
      })),
    );
    const scores = innerLoco(
      input,
      corpora,
      grid.map((g) => g.cfg),
      m.corpusWeight,
    );
    let best = 0;
    scores.forEach((sc, i) => {
      if (sc.uar > scores[best].uar) best = i;
    });
    log(
      `  ${m.name}: ${m.scalingGrid ? 'scaling and ' : ''}${what} by leave-one-corpus-out over ${corpora.join(', ')}: ${grid.map((g, i) => `${g.name} UAR ${(scores[i].uar * 100).toFixed(1)} %`).join(', ')}; chose ${grid[best].name}`,
    );
    cfg = grid[best].cfg;
  }
  log(
    `  ${m.name}: fitting ${m.model} on ${table.x.rows} x ${table.x.cols} descriptors${copies ? ` + ${copies * table.x.rows} augmented rows` : ''}${m.corpusWeight ? ', corpora weighted equally' : ''} (global)`,
  );
  const global = fitOnItems(input, all, cfg, m.corpusWeight, table.names);
  let calibration: Calibration | undefined;
  if (m.calibrate) {
    const corpora = [...new Set(utterances.map((u) => u.corpus))];
    calibration = fitCalibration(input, corpora, cfg, m.corpusWeight, { seed });
    log(
      `  ${m.name}: calibration on leave-one-corpus-out predictions over ${corpora.join(', ')} and held-out speaker groups: temperature ${calibration.temperature.toFixed(3)}, uniform share ${calibration.uniformShare}, uncertain below ${calibration.uncertainBelow}`,
    );
  }
  let speakerNorm: ClassicalPipeline | null = null;
  if (m.speakerAdaptive) {
    const speakers = utterances.map((u) => u.speaker);
    log(
      `  ${m.name}: fitting ${m.model} on per-speaker-normalised descriptors (${new Set(speakers).size} speakers)`,
    );
    speakerNorm = fitOnItems(
      { ...input, x: speakerNormaliseRows(table.x, speakers), augmented: null },
      all,
      cfg,
      m.corpusWeight,
      table.names,
    );
  }
  const model = new ClassicalModel(spec, labels, table.names, global, speakerNorm);
  const featureConfig = parseFeatureConfig({ sampleRate: spec.sampleRate });
  const manifest: ClassicalManifest = {
    formatVersion: MULTI_KIND_FORMAT_VERSION,
    kind: 'classical',
    labels,
    featureConfig,
    modelName: m.model,
    modelConfig: cfg as unknown as Record<string, unknown>,
    corpus,
    protocol: `trained on all ${utterances.length} utterances of ${new Set(utterances.map((u) => u.speaker)).size} speakers`,
    metrics: {},
    history: [],
    card: '',
    ...(calibration ? { calibration } : {}),
    createdAt: (o.now ?? (() => new Date()))().toISOString(),
    classical: {
      file: 'classical.json',
      model: m.model,
      descriptors: spec,
      descriptorSpec: descriptorSpecRecord(spec),
      featureCount: table.x.cols,
      speakerAdaptive: m.speakerAdaptive,
      minSpeakerUtterances: m.minSpeakerUtterances,
    },
  };
  return {
    name: m.name,
    weight: m.weight,
    files: classicalBundleFiles(manifest, model),
    labels,
    featureConfig,
    modelName: m.model,
    metrics: {},
    history: [],
    line: `${m.name} (weight ${m.weight}): ${m.model} on ${table.x.cols} ${isRobustFamily(spec.family) ? 'channel-robust ' : ''}utterance descriptors${m.augment ? ` (+ ${m.augment} augmented copies of every clip)` : ''}${m.augmentNoise ? ` (+ ${m.augmentNoise} noise-heavy copies)` : ''}${m.augmentSpeed ? ` (+ ${m.augmentSpeed} speed-perturbed copies)` : ''}${m.augmentPitch ? ` (+ ${m.augmentPitch} pitch-perturbed copies)` : ''}${m.corpusWeight ? ', corpora weighted equally' : ''}${calibration ? `, calibrated (temperature ${calibration.temperature.toFixed(2)}, "not sure" below ${calibration.uncertainBelow})` : ''}${cfg.pca ? ', PCA' : ''}${cfg.scaling === 'quantile' ? ', quantile-normal descriptors' : ''}${m.speakerAdaptive ? `, speaker-adaptive (global and per-speaker-normalised pipelines, profile of >= ${m.minSpeakerUtterances} clips)` : ''}`,
  };
}

async function trainDeepMember(
  m: DeepMemberConfig,
  utterances: Utterance[],
  labels: string[],
  corpus: string,
  seed: number,
  o: TrainBundleOptions,
): Promise<BuiltMember> {
  const log = o.log ?? (() => {});
  const options = { seed, ...m.train, corpus } as TrainOptionsInput;
  const featureConfig = parseFeatureConfig((options.featureConfig ?? {}) as Partial<FeatureConfig>);
  const { ok, signals, failed } = await decodeCorpus(utterances, featureConfig.sampleRate, {
    onFailure: 'skip',
  });
  for (const f of failed) log(`  ${m.name}: not used: ${f.reason}`);
  if (ok.length === 0) throw new TrainError(`member ${m.name}: no utterance could be decoded`);
  const checkpointDir = memberCheckpointDir(o.out, m.name, o.checkpoint);
  const pretrained = m.pretrain
    ? await pretrainMember(m, ok, labels, options, featureConfig.sampleRate, o)
    : null;
  const fingerprint = runFingerprint({
    options,
    labels,
    files: ok.map((u) => [u.path, u.label, u.speaker]),
    ...(pretrained ? { pretrain: pretrained.fingerprint } : {}),
  });
  const resume = o.resume ? await loadCheckpoint(checkpointDir, fingerprint) : null;
  if (o.resume) {
    log(
      resume
        ? `  ${m.name}: resuming after epoch ${resume.epoch} from ${checkpointDir}`
        : `  ${m.name}: no checkpoint in ${checkpointDir}; starting afresh`,
    );
  }
  log(`  ${m.name}: training ${options.modelName} on ${ok.length} utterances`);
  const result = await trainModel({
    ...options,
    train: ok,
    signals,
    labels,
    ...(pretrained ? { initialWeights: pretrained.weights } : {}),
    resume: resume ?? undefined,
    onBatch: o.onBatch,
    onEpoch: async (snapshot, entry) => {
      o.onEpoch?.(m.name, entry);
      await saveCheckpoint(checkpointDir, fingerprint, snapshot);
    },
  });
  if (result.stoppedEarly)
    log(
      `  ${m.name}: stopped early: no better validation loss for ${parseTrainOptions(options).patience} epochs`,
    );
  result.manifest.createdAt = (o.now ?? (() => new Date()))().toISOString();
  const files = await deepBundleFiles(result.model, result.manifest);
  result.model.dispose();
  return {
    name: m.name,
    weight: m.weight,
    files,
    labels,
    featureConfig: result.manifest.featureConfig,
    input: result.manifest.input,
    modelName: result.manifest.modelName,
    metrics: result.manifest.metrics,
    history: result.manifest.history,
    line: `${m.name} (weight ${m.weight}): ${result.manifest.modelName}, ${result.manifest.protocol}${pretrained ? `; started from a network pretrained on ${pretrained.summary.corpus} (${pretrained.summary.utterances} clips of these labels, ${pretrained.summary.epochs} epochs)` : ''}`,
  };
}

/** Where a deep member's pretraining checkpoint lives ('.' cannot occur in a member name). */
function pretrainCheckpointDir(m: DeepMemberConfig, o: TrainBundleOptions): string {
  return memberCheckpointDir(o.out, `${m.name}.pretrain`, o.checkpoint);
}

/**
 * A deep member's pretraining on its `pretrain` corpora (checkpointed every epoch like the
 * member, so --resume continues it too); returns the starting weights.
 */
async function pretrainMember(
  m: DeepMemberConfig,
  target: Utterance[],
  labels: string[],
  options: TrainOptionsInput,
  sampleRate: number,
  o: TrainBundleOptions,
): Promise<{ weights: Float32Array[]; summary: PretrainSummary; fingerprint: string }> {
  const log = o.log ?? (() => {});
  const read = await readCorpora(m.pretrain!, { labels });
  const name = m.pretrain!.map((c) => c.kind).join(',');
  const { ok, signals, failed } = await decodeCorpus(read.utterances, sampleRate, { onFailure: 'skip' });
  for (const f of failed) log(`  ${m.name}: pretraining: not used: ${f.reason}`);
  const dir = pretrainCheckpointDir(m, o);
  const fingerprint = runFingerprint({
    options,
    labels,
    pretrain: ok.map((u) => [u.path, u.label, u.speaker]),
  });
  const resume = o.resume ? await loadCheckpoint(dir, fingerprint) : null;
  if (resume) log(`  ${m.name}: resuming the pretraining after epoch ${resume.epoch} from ${dir}`);
  log(`  ${m.name}: pretraining ${options.modelName} on ${name} (${ok.length} utterances)`);
  const { weights, summary } = await pretrain({
    items: ok,
    signals,
    corpus: name,
    labels,
    target,
    options,
    ...(resume ? { resume } : {}),
    ...(o.onBatch ? { onBatch: o.onBatch } : {}),
    onEpoch: async (snapshot, entry) => {
      o.onEpoch?.(m.name, entry);
      await saveCheckpoint(dir, fingerprint, snapshot);
    },
  });
  return { weights, summary, fingerprint };
}

/** Replaces a member's emovox.json card with the bundle card (single-member bundles). */
function withCard(files: Files, card: string, metrics: Record<string, unknown>): Files {
  const manifest = JSON.parse(files['emovox.json'] as string) as Record<string, unknown>;
  manifest.card = card;
  manifest.metrics = { ...(manifest.metrics as object), ...metrics };
  return { ...files, 'emovox.json': JSON.stringify(manifest, null, 2) + '\n' };
}

/** Trains and writes the bundle of `config` to o.out (atomically; evaluation files inside o.out are kept). */
export async function trainBundle(config: TrainConfig, o: TrainBundleOptions): Promise<TrainBundleResult> {
  const log = o.log ?? (() => {});
  const { utterances, labels, corpora } = await gatherUtterances(config, log);
  for (const c of corpora) log(describeCorpusUse(c));
  log(`labels: ${labels.join(', ')}; ${utterances.length} utterances`);
  const corpus = config.corpora.map((c) => c.kind).join('+');
  const evaluations = loadEvaluations(evaluationFiles(config));
  for (const m of evaluations.missing)
    log(`warning: evaluation file ${m} does not exist; the card will say so`);

  const built: BuiltMember[] = [];
  for (const m of config.members) {
    built.push(
      m.kind === 'classical'
        ? await trainClassicalMember(m, utterances, labels, corpus, config.seed, o)
        : await trainDeepMember(m, utterances, labels, corpus, config.seed, o),
    );
  }
  const rates = new Set(built.map((b) => b.featureConfig.sampleRate));
  if (rates.size > 1)
    throw new TrainError(`members use different sample rates (${[...rates].join(', ')} Hz)`);

  const kind = built.length > 1 ? 'ensemble' : config.members[0].kind;
  const date = (o.now ?? (() => new Date()))();
  const card = renderCard({
    config,
    kind,
    labels,
    corpusLines: corpora.map(describeCorpusUse),
    memberLines: built.map((b) => b.line),
    figures: evaluations.figures,
    missing: evaluations.missing,
    command: o.command,
    date: date.toISOString().slice(0, 10),
  });
  const metrics: Record<string, unknown> =
    evaluations.figures.length > 0
      ? {
          evaluation: evaluations.figures.map((f) => ({
            model: f.model,
            protocol: f.protocol,
            speakerNorm: f.speakerNorm,
            uar: f.uar,
            wa: f.wa,
            macroF1: f.macroF1,
          })),
        }
      : {};

  let files: Files;
  if (built.length === 1) {
    files = withCard(built[0].files, card, metrics);
  } else {
    const deep = built.find((b) => b.input !== undefined);
    const manifest: EnsembleManifest = {
      formatVersion: MULTI_KIND_FORMAT_VERSION,
      kind: 'ensemble',
      labels,
      featureConfig: deep?.featureConfig ?? built[0].featureConfig,
      modelName: `ensemble: ${built.map((b) => b.modelName).join(' + ')}`,
      modelConfig: {},
      ...(deep?.input ? { input: deep.input } : {}),
      corpus,
      protocol: `members trained on all ${utterances.length} utterances; probabilities averaged with weights ${built.map((b) => `${b.name} ${b.weight}`).join(', ')}`,
      metrics: { ...metrics, ...(deep ? { [deep.name]: deep.metrics } : {}) },
      history: deep?.history ?? [],
      card,
      createdAt: date.toISOString(),
      members: built.map((b) => ({ name: b.name, dir: b.name, weight: b.weight })),
    };
    files = ensembleBundleFiles(manifest, Object.fromEntries(built.map((b) => [b.name, b.files])));
  }
  // Evaluation files stored inside the output folder survive the atomic replacement.
  const outAbs = resolve(o.out);
  for (const [abs, text] of evaluations.texts) {
    const rel = relative(outAbs, abs);
    if (!rel.startsWith('..') && !rel.includes(sep)) files[rel] = text;
  }
  files['MODEL_CARD.md'] = card;
  await writeFolderAtomic(o.out, files);
  for (const m of config.members)
    if (m.kind === 'deep') {
      await removeCheckpoint(memberCheckpointDir(o.out, m.name, o.checkpoint));
      if (m.pretrain) await removeCheckpoint(pretrainCheckpointDir(m, o));
    }
  try {
    rmdirSync(checkpointRoot(o.out, o.checkpoint)); // only when empty: nothing but our members was in it
  } catch {
    // absent, or holds something else: left alone
  }
  log(`wrote ${kind} bundle ${outAbs}`);
  return { kind, labels, corpora, utterances: utterances.length, card };
}
