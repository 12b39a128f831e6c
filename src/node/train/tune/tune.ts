/**
 * `emovox tune`: grid or random search over a declared space, every trial scored on training
 * data only. The outer test speakers (--exclude-speakers) are dropped right after the corpus
 * listing: their audio is never decoded and their features never computed. With `protocol:
 * 'loco'` the corpus is a list of corpora, the outer held-out corpus (--exclude-corpus) is
 * dropped before any corpus is listed, and classical trials are scored by an inner
 * leave-one-corpus-out over the rest (scoreLoco, the innerLoco of `evaluate --protocol loco
 * --tune`). Each finished trial
 * is appended to OUT/trials.jsonl (fsync), so a killed search resumes where it stopped; the
 * ranked table goes to OUT/results.md and the best setting to OUT/best.json.
 */
import { isUserFacing } from '../../../core/errors.js';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEFAULT_CLASSICAL_FEATURES, type DescriptorFamily } from '../../../core/classical/featurize.js';
import type { Matrix } from '../../../core/classical/matrix.js';
import {
  CLASSICAL_MODELS,
  SAMPLE_WEIGHT_MODELS,
  acceptsSampleWeights,
  isClassicalModel,
} from '../../../core/classical/pipeline.js';
import { parseFeatureConfig } from '../../../core/features/index.js';
import { MODEL_NAMES, isModelName } from '../../../core/models/registry.js';
import { parseCorpusSpecs, type CorpusSpec } from '../../datasets/corpora.js';
import { CORPUS_KINDS, readCorpus, type CorpusKind, type Utterance } from '../../datasets/index.js';
import { readLocoData } from '../evaluate/loco-data.js';
import type { LocoInput } from '../evaluate/loco.js';
import { decodeCorpus } from '../load-audio.js';
import { DEFAULT_FEATURE_CACHE_DIR, featureTable } from '../classical-features.js';
import { formatDuration, runEta } from '../progress.js';
import type { BatchProgress } from '../trainer.js';
import { appendTrial, claimFolder, readTrials, type SearchSettings, type TrialRecord } from './log.js';
import { evaluateCommand, rankTrials, renderResultsMarkdown } from './results.js';
import {
  scoreClassical,
  scoreLoco,
  type ClassicalTrialOptions,
  type InnerProtocol,
  type TrialScore,
} from './score.js';
import {
  canonicalKey,
  DEEP_SPEAKER_NORM,
  parseSpace,
  planTrials,
  trainerOptions,
  TuneError,
  type Params,
  type Search,
} from './space.js';

export const TUNE_PROTOCOLS = ['loso', 'loco'] as const;
export type TuneProtocol = (typeof TUNE_PROTOCOLS)[number];

export interface TuneOptions {
  /** loso: one corpus kind; loco: comma-separated corpus kinds (parseCorpusSpecs). */
  corpus: CorpusKind | string;
  /** loso: the corpus folder (or manifest file); loco: one per corpus, one parent folder, or none. */
  data?: string | readonly string[];
  /** loso (default): inner validation within the corpus; loco: inner leave-one-corpus-out (classical models). */
  protocol?: TuneProtocol;
  /** loco: the outer held-out corpus, dropped from --corpus before anything is read. */
  excludeCorpus?: string;
  /** loco: descriptor family (default robust), augmented copies of every clip, equal corpus weights, noise folder for augmentation. */
  features?: DescriptorFamily;
  augment?: number;
  corpusWeight?: boolean;
  noiseDir?: string;
  model: string;
  /** The parsed space file. */
  space: unknown;
  spaceFile?: string;
  out: string;
  search?: Search;
  trials?: number;
  seed?: number;
  /** Outer test speakers: removed before anything is read. */
  excludeSpeakers?: string[];
  /** Default: loso for classical models, holdout for deep ones. */
  inner?: InnerProtocol;
  /** Deep models, --inner holdout: validation speakers (default 2). */
  valSpeakers?: number;
  /** Deep models: maximum epochs per training run (a space key `epochs` overrides it). */
  epochs?: number;
  backend?: 'wasm' | 'cpu';
  /** Deep models, --inner loso: inner folds trained at once in worker threads. */
  jobs?: number;
  /** Classical feature cache (null = none). */
  cacheDir?: string | null;
  log?: (line: string) => void;
  onBatch?: (p: BatchProgress) => void;
  /** Called before each trial (a progress bar can reset itself). */
  onTrialStart?: (trial: number, total: number) => void;
}

export interface TuneOutcome {
  /** Every finished trial of this folder, best first. */
  ranked: TrialRecord[];
  best: TrialRecord | null;
  planned: number;
  skipped: number;
  ran: number;
  seconds: number;
  /** Speakers and utterances the trials used (null when nothing had to run). */
  speakers: string[] | null;
  utterances: number | null;
  files: { trials: string; results: string; best: string | null };
}

/** Reads the corpus and removes the excluded speakers (checked to exist) before anything else. */
async function trainingUtterances(
  o: TuneOptions,
  log: (s: string) => void,
): Promise<{ items: Utterance[]; speakers: string[] }> {
  const { utterances, problems } = await readCorpus(o.corpus as CorpusKind, singleData(o));
  if (problems.length > 0)
    log(`skipped ${problems.length} unusable file(s) (first: ${problems[0].path}: ${problems[0].reason})`);
  const all = [...new Set(utterances.map((u) => u.speaker))].sort();
  const excluded = o.excludeSpeakers ?? [];
  const unknown = excluded.filter((s) => !all.includes(s));
  if (unknown.length > 0) {
    throw new TuneError(
      `--exclude-speakers: no speaker ${unknown.join(', ')} in ${o.data} (speakers: ${all.join(', ')})`,
    );
  }
  const items = utterances.filter((u) => !excluded.includes(u.speaker));
  const speakers = all.filter((s) => !excluded.includes(s));
  log(
    `${items.length} utterances of ${speakers.length} training speakers (${speakers.join(' ')})` +
      (excluded.length
        ? `; speakers ${excluded.join(' ')} excluded (${utterances.length - items.length} utterances, never decoded)`
        : ''),
  );
  return { items, speakers };
}

/** LOSO: the one corpus folder, checked. */
function singleData(o: TuneOptions): string {
  if (!(CORPUS_KINDS as readonly string[]).includes(o.corpus)) {
    throw new TuneError(
      `unknown corpus kind '${o.corpus}' (accepted: ${CORPUS_KINDS.join(', ')}; several comma-separated need --protocol loco)`,
    );
  }
  const data = typeof o.data === 'string' ? [o.data] : [...(o.data ?? [])];
  if (data.length !== 1) throw new TuneError(`give one --data folder (the corpus), got ${data.length}`);
  return resolve(data[0]);
}

/**
 * LOCO: the training corpora (--corpus without --exclude-corpus), at least two, checked before
 * anything is read; options that belong to LOSO or to deep models are refused.
 */
function locoSpecs(o: TuneOptions, classical: boolean): CorpusSpec[] {
  if (!classical) {
    throw new TuneError(
      `--protocol loco tunes classical models (${CLASSICAL_MODELS.join(', ')}); got '${o.model}'`,
    );
  }
  const refused: [string, unknown][] = [
    ['--inner', o.inner],
    ['--val-speakers', o.valSpeakers],
    ['--exclude-speakers', o.excludeSpeakers?.length ? o.excludeSpeakers : undefined],
    ['--epochs', o.epochs],
  ];
  const given = refused.find(([, v]) => v !== undefined);
  if (given) {
    throw new TuneError(
      `${given[0]} does not apply to --protocol loco (trials are scored by an inner leave-one-corpus-out; leave the outer test corpus out with --exclude-corpus)`,
    );
  }
  if (o.corpusWeight && !acceptsSampleWeights(o.model)) {
    throw new TuneError(
      `--corpus-weight needs --model ${SAMPLE_WEIGHT_MODELS.join(' or ')} (the classical models with sample weights)`,
    );
  }
  const data = typeof o.data === 'string' ? [o.data] : [...(o.data ?? [])];
  let specs: CorpusSpec[];
  try {
    specs = parseCorpusSpecs(o.corpus, data);
  } catch (err) {
    throw new TuneError((err as Error).message);
  }
  if (o.excludeCorpus !== undefined) {
    if (!specs.some((s) => s.kind === o.excludeCorpus)) {
      throw new TuneError(
        `--exclude-corpus ${o.excludeCorpus} is not one of --corpus ${specs.map((s) => s.kind).join(',')}`,
      );
    }
    specs = specs.filter((s) => s.kind !== o.excludeCorpus);
  }
  if (specs.length < 2) {
    throw new TuneError(
      `--protocol loco needs at least 2 training corpora for its inner leave-one-corpus-out, got ${specs.length} (${specs.map((s) => s.kind).join(', ') || 'none'})`,
    );
  }
  return specs;
}

function checkInner(
  o: TuneOptions,
  classical: boolean,
): { inner: InnerProtocol; valSpeakers: number | null } {
  const inner = o.inner ?? (classical ? 'loso' : 'holdout');
  if (classical && inner !== 'loso') {
    throw new TuneError('classical models are scored by inner leave-one-speaker-out only (--inner loso)');
  }
  if (inner === 'loso' && o.valSpeakers !== undefined) {
    throw new TuneError(
      '--val-speakers applies to --inner holdout (deep models); --inner loso uses every training speaker in turn',
    );
  }
  const valSpeakers = inner === 'holdout' ? (o.valSpeakers ?? 2) : null;
  if (valSpeakers !== null && !(Number.isInteger(valSpeakers) && valSpeakers >= 1)) {
    throw new TuneError(`--val-speakers must be an integer >= 1, got ${valSpeakers}`);
  }
  return { inner, valSpeakers };
}

function checkSpeakers(
  speakers: string[],
  inner: InnerProtocol,
  valSpeakers: number | null,
  classical: boolean,
): void {
  // Deep inner LOSO also holds out one training speaker per fold for early stopping.
  const need = inner === 'holdout' ? valSpeakers! + 1 : classical ? 2 : 3;
  if (speakers.length < need) {
    throw new TuneError(
      `${speakers.length} training speaker(s) left after --exclude-speakers; --inner ${inner}${inner === 'holdout' ? ` with ${valSpeakers} validation speaker(s)` : ''} needs at least ${need}`,
    );
  }
}

/**
 * User-facing problems of one setting (a diverged loss, an impossible model, out of wasm memory)
 * fail that trial only; bugs and system errors (disk full, missing file) stop the search.
 */
function failsOneTrial(err: unknown): boolean {
  return isUserFacing(err);
}

/** `k=v` for the given keys (default: all). */
function describe(params: Params, keys: string[] = Object.keys(params)): string {
  return keys.map((k) => `${k}=${JSON.stringify(params[k])}`).join(' ');
}

const pct = (v: number | null) => (v === null ? '-' : `${(v * 100).toFixed(1)} %`);

/** One line per finished trial: its figures, the varied parameters, seconds and the search's ETA. */
function trialLine(r: TrialRecord, position: string, varied: string[], eta: string): string {
  const figures = r.error
    ? `failed: ${r.error}`
    : `val UAR ${pct(r.valUar)} WA ${pct(r.valWa)} loss ${r.valLoss?.toFixed(3) ?? '-'}` +
      (r.epochs !== null ? ` epochs ${Number(r.epochs.toFixed(1))}` : '');
  return `trial ${position} ${figures} | ${describe(r.params, varied)} | ${r.seconds.toFixed(1)} s | ETA ${eta}`;
}

/** Atomic small-file write. */
function writeText(file: string, text: string): void {
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
}

export async function runTune(o: TuneOptions): Promise<TuneOutcome> {
  const t0 = performance.now();
  const log = o.log ?? (() => {});
  if (!isClassicalModel(o.model) && !isModelName(o.model)) {
    throw new TuneError(
      `unknown model '${o.model}' (accepted: ${[...CLASSICAL_MODELS, ...MODEL_NAMES].join(', ')})`,
    );
  }
  const classical = isClassicalModel(o.model);
  const loco = o.protocol === 'loco';
  if (o.protocol !== undefined && !(TUNE_PROTOCOLS as readonly string[]).includes(o.protocol)) {
    throw new TuneError(`unknown protocol '${o.protocol}' (accepted: ${TUNE_PROTOCOLS.join(', ')})`);
  }
  if (!loco) {
    const locoOnly: [string, unknown][] = [
      ['--exclude-corpus', o.excludeCorpus],
      ['--features', o.features],
      ['--augment', o.augment],
      ['--corpus-weight', o.corpusWeight],
      ['--noise-dir', o.noiseDir],
    ];
    const given = locoOnly.find(([, v]) => v !== undefined && v !== false);
    if (given) throw new TuneError(`${given[0]} applies to --protocol loco only`);
  }
  const specs = loco ? locoSpecs(o, classical) : null;
  const { inner, valSpeakers } = loco
    ? { inner: 'loso' as InnerProtocol, valSpeakers: null }
    : checkInner(o, classical);
  if (classical && o.epochs !== undefined) throw new TuneError('--epochs applies to deep models only');
  const search = o.search ?? 'grid';
  const seed = o.seed ?? 1;
  const space = parseSpace(o.space, o.model, o.spaceFile);
  if (loco) {
    const bad = space.dimensions.find((d) => d.key === 'speakerNorm' || d.key === 'descriptors');
    if (bad) {
      throw new TuneError(
        `space key '${bad.key}' does not apply to --protocol loco (choose the descriptor family with --features; no per-speaker normalisation across corpora)`,
      );
    }
  }
  const features: DescriptorFamily = o.features ?? 'robust';
  const plan = planTrials(space, o.model, search, { trials: o.trials, seed });
  const varied = space.dimensions.filter((d) => 'range' in d || d.choices.length > 1).map((d) => d.key);
  const fixed = space.dimensions.filter((d) => !varied.includes(d.key)).map((d) => d.key);

  const out = resolve(o.out);
  mkdirSync(out, { recursive: true });
  const settings: SearchSettings = {
    corpus: o.corpus,
    data: specs ? specs.map((sp) => resolve(sp.data)).join(',') : singleData(o),
    model: o.model,
    search,
    seed,
    space: o.space,
    excludeSpeakers: [...(o.excludeSpeakers ?? [])].sort(),
    inner: loco ? 'loco' : inner,
    valSpeakers,
    epochs: o.epochs ?? null,
    trials: o.trials ?? null,
    // Only LOCO searches record these, so LOSO folders written before them still resume.
    ...(loco
      ? {
          protocol: 'loco',
          excludeCorpus: o.excludeCorpus ?? null,
          features,
          augment: o.augment ?? 0,
          corpusWeight: Boolean(o.corpusWeight),
        }
      : {}),
  };
  claimFolder(out, settings);
  const done = readTrials(out);
  const doneKeys = new Set(done.map((r) => r.key));
  const pending = plan
    .map((params, index) => ({ params, index }))
    .filter((t) => !doneKeys.has(canonicalKey(t.params)));
  const skipped = plan.length - pending.length;
  log(
    `${search} search: ${plan.length} trial(s)` +
      (skipped > 0 ? `; skipping ${skipped} already finished in ${join(out, 'trials.jsonl')}` : '') +
      `; ${pending.length} to run` +
      (fixed.length > 0 && plan.length > 0 ? `; fixed: ${describe(plan[0], fixed)}` : ''),
  );

  let speakers: string[] | null = null;
  let utterances: number | null = null;
  const records = [...done];
  if (pending.length > 0) {
    let scorer: Scorer;
    if (specs) {
      const input = await locoTrainingData(specs, features, seed, o, log);
      speakers = [...new Set(input.items.map((u) => u.speaker))].sort();
      utterances = input.items.length;
      scorer = locoScorer(input, specs, o);
    } else {
      const data = await trainingUtterances(o, log);
      speakers = data.speakers;
      utterances = data.items.length;
      checkSpeakers(data.speakers, inner, valSpeakers, classical);
      scorer = classical
        ? classicalScorer(data.items, o, log)
        : await deepScorer(data.items, o, inner, valSpeakers ?? 0, seed);
    }
    const started = performance.now();
    for (const [n, { params, index }] of pending.entries()) {
      o.onTrialStart?.(n + 1, pending.length);
      const options = classical
        ? { ...params }
        : trainerOptions(params, o.epochs !== undefined ? { epochs: o.epochs } : {});
      // Reading the corpus's audio or features: any failure stops the search (not one trial).
      await scorer.prepare(options);
      const ts = performance.now();
      let result: TrialScore | null = null;
      let error: string | undefined;
      try {
        result = await scorer.score(options, params);
      } catch (err) {
        if (!failsOneTrial(err)) throw err;
        error = (err as Error).message;
      }
      const record: TrialRecord = {
        index,
        key: canonicalKey(params),
        params,
        options,
        valUar: result?.valUar ?? null,
        valWa: result?.valWa ?? null,
        valLoss: result?.valLoss ?? null,
        epochs: result?.epochs ?? null,
        seconds: (performance.now() - ts) / 1000,
        ...(error ? { error } : {}),
        finishedAt: new Date().toISOString(),
      };
      appendTrial(out, record);
      records.push(record);
      const left = pending.length - n - 1;
      const eta =
        left === 0 ? '0:00' : formatDuration(runEta(n + 1, (performance.now() - started) / 1000, left));
      log(trialLine(record, `${skipped + n + 1}/${plan.length}`, varied, eta));
    }
  }

  const ranked = rankTrials(records);
  const best = ranked.find((r) => !r.error && r.valUar !== null) ?? null;
  const files = writeOutputs(out, ranked, best, {
    o,
    classical,
    varied,
    settings: [
      ['search', `${search}, seed ${seed}, ${plan.length} trial(s) planned, ${records.length} finished`],
      ...((specs
        ? [
            [
              'inner validation',
              `leave-one-corpus-out over the training corpora ${specs.map((sp) => sp.kind).join(', ')} (val UAR: mean per-corpus UAR; WA and loss pooled)`,
            ],
            ['excluded (outer test) corpus', o.excludeCorpus ?? 'none'],
            [
              'training rows',
              `${features} descriptors${o.augment ? `, ${o.augment} augmented copies of every clip` : ''}${o.corpusWeight ? ', corpora weighted equally' : ''}`,
            ],
          ]
        : [
            [
              'inner validation',
              inner === 'loso'
                ? 'pooled leave-one-speaker-out over the training speakers'
                : `${valSpeakers} held-out training speaker(s) (seeded), figures at the epoch the trainer kept`,
            ],
            ['excluded (outer test) speakers', settings.excludeSpeakers.join(', ') || 'none'],
          ]) as [string, string][]),
      ...(o.epochs !== undefined ? ([['max epochs', String(o.epochs)]] as [string, string][]) : []),
    ],
  });
  return {
    ranked,
    best,
    planned: plan.length,
    skipped,
    ran: pending.length,
    seconds: (performance.now() - t0) / 1000,
    speakers,
    utterances,
    files,
  };
}

/** OUT/best.json (the best setting's options) and OUT/results.md (settings, ranked table, how to use the best). */
function writeOutputs(
  out: string,
  ranked: TrialRecord[],
  best: TrialRecord | null,
  c: { o: TuneOptions; classical: boolean; varied: string[]; settings: [string, string][] },
): TuneOutcome['files'] {
  const files = {
    trials: join(out, 'trials.jsonl'),
    results: join(out, 'results.md'),
    best: null as string | null,
  };
  let bestNote = 'No trial finished successfully.';
  if (best) {
    files.best = join(out, 'best.json');
    writeText(files.best, `${JSON.stringify(best.options, null, 2)}\n`);
    const command = evaluateCommand(best, {
      corpus: c.o.corpus,
      data: c.o.data,
      model: c.o.model,
      classical: c.classical,
      ...(c.o.protocol === 'loco'
        ? {
            loco: {
              features: c.o.features ?? 'robust',
              augment: c.o.augment ?? 0,
              corpusWeight: Boolean(c.o.corpusWeight),
            },
          }
        : {}),
    });
    const form = c.classical
      ? "best.json holds these options under evaluate's flag names"
      : 'best.json is the trainer-options object that `emovox evaluate --train-options` takes';
    bestNote =
      c.o.protocol === 'loco'
        ? `Best: ${describe(best.params, c.varied)} (val UAR ${pct(best.valUar)}). ${form}. It was chosen ${c.o.excludeCorpus ? `without ${c.o.excludeCorpus}: its honest test is the ${c.o.excludeCorpus} row of` : 'on every listed corpus (use it to train on them all; for a test figure exclude a corpus, or run evaluate --tune, which chooses within each fold)'}:\n\n    ${command}`
        : `Best: ${describe(best.params, c.varied)} (val UAR ${pct(best.valUar)}). ${form}; evaluate it on all speakers with:\n\n    ${command}`;
  }
  writeText(
    files.results,
    renderResultsMarkdown({
      title: `emovox tune: ${c.o.model} on ${c.o.corpus}`,
      settings: c.settings,
      records: ranked,
      bestNote,
    }),
  );
  return files;
}
interface Scorer {
  /** Loads what a setting needs (audio, features); failures here stop the search. */
  prepare(options: Record<string, unknown>): Promise<void>;
  score(options: Record<string, unknown>, params: Params): Promise<TrialScore>;
}

/** Scores classical settings; feature tables are computed once per feature spec (and cached on disk). */
function classicalScorer(items: Utterance[], o: TuneOptions, log: (s: string) => void): Scorer {
  const tables = new Map<boolean, Matrix>();
  const descriptorsOf = (options: Record<string, unknown>) =>
    (options as ClassicalTrialOptions).descriptors ?? DEFAULT_CLASSICAL_FEATURES.descriptors;
  return {
    async prepare(options) {
      const descriptors = descriptorsOf(options);
      if (tables.has(descriptors)) return;
      let done = 0;
      try {
        const t = await featureTable(
          items.map((u) => u.path),
          { ...DEFAULT_CLASSICAL_FEATURES, descriptors },
          o.cacheDir === undefined ? undefined : o.cacheDir,
          (d, n) => {
            done = d;
            if (d % 100 === 0 || d === n) log(`features ${d}/${n}`);
          },
        );
        log(
          `${t.x.cols} features per utterance (${t.cached} from cache, ${t.seconds.toFixed(1)} s extracting)`,
        );
        tables.set(descriptors, t.x);
      } catch (err) {
        const path = items[done]?.path ?? '';
        const msg = (err as Error).message;
        throw new TuneError(
          `features of ${path}: ${msg.includes(path) ? msg.replace(`${path}: `, '') : msg}`,
        );
      }
    },
    async score(options) {
      const model = o.model as (typeof CLASSICAL_MODELS)[number];
      return scoreClassical(tables.get(descriptorsOf(options))!, items, model, options, o.corpus);
    },
  };
}

/** LOCO: the training corpora's descriptor tables (studio and augmented copies), read once. */
async function locoTrainingData(
  specs: CorpusSpec[],
  features: DescriptorFamily,
  seed: number,
  o: TuneOptions,
  log: (s: string) => void,
): Promise<LocoInput> {
  const { input } = await readLocoData({
    specs,
    features,
    augment: o.augment ?? 0,
    seed,
    noiseDir: o.noiseDir,
    cacheDir: o.cacheDir === undefined ? DEFAULT_FEATURE_CACHE_DIR : o.cacheDir,
    log,
  });
  return input;
}

/** LOCO: scores classical settings by inner leave-one-corpus-out over the training corpora. */
function locoScorer(input: LocoInput, specs: CorpusSpec[], o: TuneOptions): Scorer {
  const corpora = specs.map((sp) => sp.kind as string);
  return {
    async prepare() {},
    async score(options) {
      const model = o.model as (typeof CLASSICAL_MODELS)[number];
      return scoreLoco(input, corpora, model, options, Boolean(o.corpusWeight));
    },
  };
}

/** Scores deep settings: decodes the training speakers' audio once per sample rate. */
async function deepScorer(
  items: Utterance[],
  o: TuneOptions,
  inner: InnerProtocol,
  valSpeakers: number,
  seed: number,
): Promise<Scorer> {
  const [{ initBackend }, { scoreDeep }] = await Promise.all([
    import('../../backend.js'),
    import('./score-deep.js'),
  ]);
  await initBackend(o.backend ?? 'wasm');
  const byRate = new Map<number, Map<string, Float32Array>>();
  const signalsAt = async (rate: number) => {
    if (!byRate.has(rate)) {
      const { signals, failed } = await decodeCorpus(items, rate, { onFailure: 'skip' });
      if (failed.length > 0) throw new TuneError(failed[0].reason);
      byRate.set(rate, signals);
    }
    return byRate.get(rate)!;
  };
  const rateOf = (options: Record<string, unknown>) =>
    parseFeatureConfig((options.featureConfig ?? {}) as Record<string, unknown>).sampleRate;
  return {
    async prepare(options) {
      await signalsAt(rateOf(options));
    },
    async score(options, params) {
      return scoreDeep(items, await signalsAt(rateOf(options)), {
        model: o.model,
        train: options,
        speakerNorm: params[DEEP_SPEAKER_NORM] === true,
        jobs: o.jobs,
        backend: o.backend,
        inner,
        valSpeakers,
        seed,
        corpus: o.corpus,
        onBatch: o.onBatch,
      });
    },
  };
}
