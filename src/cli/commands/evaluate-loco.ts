/**
 * `emovox evaluate --protocol loco --corpus emodb,ravdess,ased`: leave-one-corpus-out for the
 * classical models, with test clips under channel conditions (`--channel`), augmented training
 * copies (`--augment`), corpus weighting and calibration; see src/node/train/evaluate/loco.ts.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, resolve } from 'node:path';
import { parseChannelList, type ChannelChain } from '../../core/channel/chain.js';
import type { DescriptorFamily } from '../../core/classical/featurize.js';
import {
  CLASSICAL_MODELS,
  SAMPLE_WEIGHT_MODELS,
  acceptsSampleWeights,
  isClassicalModel,
  pipelineConfigWith,
} from '../../core/classical/pipeline.js';
import { isModelName, MODEL_NAMES } from '../../core/models/registry.js';
import { initBackend, type BackendName } from '../../node/backend.js';
import { describeCorpusUse, parseCorpusSpecs, readCorpora } from '../../node/datasets/corpora.js';
import {
  ensembleLoco,
  ensembleMembers,
  isEnsembleName,
  parseWeights,
} from '../../node/train/evaluate/ensemble.js';
import {
  evaluateLocoDeep,
  LOCO_DEEP_EPOCHS,
  LOCO_VAL_SPEAKERS_PER_CORPUS,
} from '../../node/train/evaluate/loco-deep.js';
import { evaluateLoco, type LocoEvaluation } from '../../node/train/evaluate/loco.js';
import { readLocoData } from '../../node/train/evaluate/loco-data.js';
import { augmentCopies } from '../../node/train/classical-features.js';
import { deepSignals, EvaluateError, parseTrainOptionsJson } from '../../node/train/evaluate/plan.js';
import { parseTrainOptions } from '../../node/train/options.js';
import { commandLine } from '../command-line.js';

export interface LocoCliOptions {
  corpus: string;
  data?: string[];
  /** A classical model, a network, or an ensemble of members read from LOCO JSON files (a+b). */
  model?: string;
  epochs?: number;
  utteranceNorm?: boolean | 'mean' | 'meanStd';
  trainOptions?: string;
  backend: BackendName;
  jobs: number;
  threads?: number;
  fromJson?: string;
  ensembleWeights?: string;
  seed: number;
  tune?: boolean;
  c?: number;
  pca?: number;
  gamma?: number;
  trees?: number;
  weightDecay?: number;
  channel: string;
  augment: number;
  augmentNoise: number;
  augmentSpeed: number;
  augmentPitch: number;
  features: DescriptorFamily;
  descriptors: boolean;
  corpusWeight?: boolean;
  calibrate?: boolean;
  noiseDir?: string;
  cache: boolean;
  cacheDir: string;
  json?: string;
  table?: string;
  quiet?: boolean;
}

/** --channel's conditions; the parser's errors name the bad step and the accepted ones. */
export function parseChannelOption(channel: string): ChannelChain[] {
  try {
    return parseChannelList(channel);
  } catch (err) {
    throw new EvaluateError(`--channel: ${(err as Error).message}`);
  }
}

const pct = (v: number) => (v * 100).toFixed(1);

/** One row of a condition table: a held-out corpus (LOCO) or a model (one corpus), its figures per condition. */
export interface ConditionRow {
  name: string;
  conditions: {
    condition: string;
    uar: number;
    wa: number;
    macroF1: number;
    ece?: number;
    eceFloor?: number;
  }[];
}

/**
 * Rows (held-out corpora or models) by channel conditions (UAR %), then WA and macro-F1 of the
 * first condition (and its ECE and ECE floor when calibrated figures exist), then an optional
 * mean row.
 */
export function conditionTable(
  rows: readonly ConditionRow[],
  markdown: boolean,
  { first, mean }: { first: string; mean?: Record<string, number> },
): string {
  const conds = rows[0].conditions.map((c) => c.condition);
  const c0 = rows[0].conditions[0];
  const ece = c0.ece !== undefined;
  const head = [
    first,
    ...conds.map((c) => `${c} UAR %`),
    `WA % (${c0.condition})`,
    `macro-F1 % (${c0.condition})`,
    ...(ece ? [`ECE % (${c0.condition})`, `ECE floor % (${c0.condition})`] : []),
  ];
  const cells = rows.map((r) => [
    r.name,
    ...r.conditions.map((c) => pct(c.uar)),
    pct(r.conditions[0].wa),
    pct(r.conditions[0].macroF1),
    ...(ece ? [pct(r.conditions[0].ece ?? NaN), pct(r.conditions[0].eceFloor ?? NaN)] : []),
  ]);
  if (mean)
    cells.push(['mean', ...conds.map((c) => pct(mean[c])), ...head.slice(conds.length + 1).map(() => '')]);
  return renderTable(head, cells, markdown, false);
}

/** A markdown table, or aligned plain text (numbers right-aligned; the first column left-aligned if asked). */
function renderTable(head: string[], cells: string[][], markdown: boolean, firstLeft: boolean): string {
  if (markdown) {
    return [
      `| ${head.join(' | ')} |`,
      `|${head.map(() => '---').join('|')}|`,
      ...cells.map((r) => `| ${r.join(' | ')} |`),
    ].join('\n');
  }
  const w = head.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i].length)));
  return [head, ...cells]
    .map((r) => r.map((v, i) => (firstLeft && i === 0 ? v.padEnd(w[i]) : v.padStart(w[i]))).join('  '))
    .join('\n');
}

/** Held-out corpora as rows, channel conditions as columns (UAR %), then the mean row. */
export function locoTable(e: LocoEvaluation, markdown: boolean): string {
  return conditionTable(
    e.results.map((r) => ({ name: r.heldOut, conditions: r.conditions })),
    markdown,
    { first: 'held-out corpus', mean: e.meanUar },
  );
}

export async function runLoco(o: LocoCliOptions, argv: string[]): Promise<void> {
  const log = (s: string) => {
    if (!o.quiet) process.stderr.write(`${s}\n`);
  };
  const model = o.model ?? 'logistic';
  if (o.fromJson !== undefined || isEnsembleName(model)) return runLocoEnsemble(o, argv, log);
  if (o.ensembleWeights !== undefined) {
    throw new EvaluateError('--ensemble-weights needs an ensemble in --model, e.g. logistic+cnn2d-lstm');
  }
  if (isModelName(model)) return runLocoDeep(o, argv, model, log);
  if (!isClassicalModel(model)) {
    throw new EvaluateError(
      `--protocol loco evaluates the classical models (${CLASSICAL_MODELS.join(', ')}), the networks (${MODEL_NAMES.join(', ')}) or ensembles of earlier LOCO --json files (a+b); got '${model}'`,
    );
  }
  if (o.corpusWeight && !acceptsSampleWeights(model)) {
    throw new EvaluateError(
      `--corpus-weight needs --model ${SAMPLE_WEIGHT_MODELS.join(' or ')} (the classical models with sample weights)`,
    );
  }
  const chains = parseChannelOption(o.channel);
  const specs = parseCorpusSpecs(o.corpus, o.data ?? []);
  if (specs.length < 3) {
    throw new EvaluateError(
      `--protocol loco needs at least 3 corpora (e.g. --corpus emodb,ravdess,ased), got ${specs.length}`,
    );
  }
  const { input, spec } = await readLocoData({
    specs,
    features: o.features,
    descriptors: o.descriptors,
    chains,
    augment: o.augment,
    augmentNoise: o.augmentNoise,
    augmentSpeed: o.augmentSpeed,
    augmentPitch: o.augmentPitch,
    seed: o.seed,
    noiseDir: o.noiseDir,
    cacheDir: o.cache ? o.cacheDir : null,
    log,
  });
  const e = evaluateLoco(input, {
    model,
    config: pipelineConfigWith(model, o),
    tune: o.tune,
    corpusWeight: o.corpusWeight,
    calibrate: o.calibrate,
    seed: o.seed,
    keepPredictions: Boolean(o.json),
    onCorpus: (r) =>
      log(
        `held out ${r.heldOut} (trained on ${r.trainCorpora.join('+')}, ${r.nTrain} clips${augmentCopies(o) ? ` + ${augmentCopies(o)} augmented copies each` : ''}; ${r.chosen}${r.innerUar !== null ? `, inner LOCO UAR ${pct(r.innerUar)} %` : ''}${r.temperature !== null ? `, T ${r.temperature.toFixed(2)}, uniform share ${r.uniformShare}, uncertain below ${r.uncertainBelow}` : ''}): ${r.conditions.map((c) => `${c.condition} ${pct(c.uar)}`).join(', ')} (${r.seconds.toFixed(0)} s)`,
      ),
  });
  const title = `leave-one-corpus-out, ${model} on ${o.features} descriptors${o.corpusWeight ? ', corpora weighted equally' : ''}${o.augment ? `, ${o.augment} augmented copies per training clip` : ''}${o.augmentNoise ? `, ${o.augmentNoise} noise-heavy copies` : ''}${o.augmentSpeed ? `, ${o.augmentSpeed} speed-perturbed copies` : ''}${o.augmentPitch ? `, ${o.augmentPitch} pitch-perturbed copies` : ''}${o.tune ? `, ${model === 'logistic' ? 'C' : 'hyperparameters'} by inner LOCO` : ''}${o.calibrate ? ', calibrated on inner LOCO + held-out training speakers' : ''}`;
  writeLocoOutputs(e, title, o, argv, log, {
    features: spec,
    augment: o.augment,
    augmentNoise: o.augmentNoise,
    augmentSpeed: o.augmentSpeed,
    augmentPitch: o.augmentPitch,
    seed: o.seed,
  });
}

/** Prints the table and the first condition's confusion matrices; writes --table and --json. */
function writeLocoOutputs(
  e: LocoEvaluation,
  title: string,
  o: Pick<LocoCliOptions, 'table' | 'json'>,
  argv: string[],
  log: (s: string) => void,
  extra: Record<string, unknown>,
): void {
  process.stdout.write(`${title}\n${locoTable(e, false)}\n`);
  for (const r of e.results) {
    const c = r.conditions[0];
    process.stdout.write(
      `\n${r.heldOut} (${c.condition}): rows true, columns predicted (${r.labels.join(', ')})\n`,
    );
    c.confusion.matrix.forEach((row, i) =>
      process.stdout.write(`${r.labels[i].padEnd(10)}${row.map((v) => String(v).padStart(6)).join('')}\n`),
    );
  }
  const command = commandLine(argv);
  if (o.table) {
    mkdirSync(dirname(resolve(o.table)), { recursive: true });
    writeFileSync(o.table, `${title}\n\n${locoTable(e, true)}\n\n    ${command}\n`);
    log(`wrote ${o.table}`);
  }
  if (o.json) {
    mkdirSync(dirname(resolve(o.json)), { recursive: true });
    writeFileSync(o.json, locoJson({ ...e, ...extra, command }));
    log(`wrote ${o.json}`);
  }
}

/** The options that only the classical LOCO takes, refused for a network or an ensemble. */
function refuseClassicalOnly(o: LocoCliOptions, what: string, network = false): void {
  for (const [flag, given] of [
    ['--tune', o.tune],
    ['--corpus-weight', o.corpusWeight && !network],
    ['--augment', o.augment > 0],
    ['--augment-noise', o.augmentNoise > 0],
    ['--augment-speed', o.augmentSpeed > 0],
    ['--augment-pitch', o.augmentPitch > 0],
  ] as const) {
    if (given) {
      throw new EvaluateError(
        `${flag} is for classical models under --protocol loco, not for ${what} (networks augment their own training clips: see --train-options)`,
      );
    }
  }
}

/** A network under LOCO (src/node/train/evaluate/loco-deep.ts). */
async function runLocoDeep(
  o: LocoCliOptions,
  argv: string[],
  model: string,
  log: (s: string) => void,
): Promise<void> {
  refuseClassicalOnly(o, model, true);
  parseChannelOption(o.channel);
  const specs = parseCorpusSpecs(o.corpus, o.data ?? []);
  if (specs.length < 2) {
    throw new EvaluateError(
      `--protocol loco needs at least 2 corpora for a network (e.g. --corpus emodb,ravdess,ased), got ${specs.length}`,
    );
  }
  const read = await readCorpora(specs);
  read.corpora.forEach((c) => log(describeCorpusUse(c)));
  const train = {
    threads: o.threads ?? 1,
    ...parseTrainOptionsJson(o.trainOptions),
    ...(o.epochs !== undefined ? { epochs: o.epochs } : {}),
    ...(o.utteranceNorm ? { utteranceNorm: o.utteranceNorm } : {}),
    ...(o.corpusWeight ? { corpusWeights: true } : {}),
  };
  const epochs = (train as { epochs?: number }).epochs ?? LOCO_DEEP_EPOCHS;
  const signals = await deepSignals(read.utterances, train, log);
  await initBackend(o.backend);
  const e = await evaluateLocoDeep(read.utterances, signals, read.labels, {
    model,
    channel: o.channel,
    seed: o.seed,
    noiseDir: o.noiseDir,
    train,
    calibrate: o.calibrate,
    keepPredictions: Boolean(o.json),
    jobs: o.jobs,
    backend: o.backend,
    onBatch: (fold, p) => {
      if (p.batch === p.batches)
        log(
          `${model} fold ${fold + 1}: epoch ${p.epoch}/${p.epochs}, training loss ${p.loss.toFixed(3)}, acc ${pct(p.acc)} %`,
        );
    },
    onCorpus: (r) =>
      log(
        `held out ${r.heldOut} (trained on ${r.trainCorpora.join('+')}, ${r.nTrain} clips, validation ${r.nVal} clips of ${r.valSpeakers.join(' ')}; ${r.chosen}${r.temperature !== null ? `, T ${r.temperature.toFixed(2)}, uniform share ${r.uniformShare}, uncertain below ${r.uncertainBelow}` : ''}): ${r.conditions.map((c) => `${c.condition} ${pct(c.uar)}`).join(', ')} (${r.seconds.toFixed(0)} s)`,
      ),
  });
  const perCorpus = LOCO_VAL_SPEAKERS_PER_CORPUS;
  const parsed = parseTrainOptions({ ...train, modelName: model });
  const un = parsed.utteranceNorm;
  const kept = parsed.average
    ? `the weights of the last third of the epochs averaged, the validation UAR of ${perCorpus} speakers of each training corpus for the curves`
    : `early stopping on the validation UAR of ${perCorpus} speakers of each training corpus`;
  const title = `leave-one-corpus-out, ${model} on its default features${un ? `, per-utterance normalised (${un})` : ''}${o.corpusWeight ? ', corpora weighted equally' : ''}, up to ${epochs} epochs, ${kept}${o.calibrate ? ', calibrated on those validation speakers' : ', uncalibrated'}`;
  writeLocoOutputs(e, title, o, argv, log, { seed: o.seed });
}

/**
 * Ensembles of LOCO evaluations read from --json files: `--from-json a.json,b.json --model
 * logistic+cnn2d-lstm`, or members named NAME@FILE (the model NAME of that file, e.g.
 * logistic@models/default/loco.json). A model found in a second --from-json file is called
 * NAME@FILE (its file name without extension). Prints the members and the ensemble side by side.
 */
async function runLocoEnsemble(o: LocoCliOptions, argv: string[], log: (s: string) => void): Promise<void> {
  refuseClassicalOnly(o, 'an ensemble');
  const loaded = new Map<string, LocoEvaluation>();
  for (const file of (o.fromJson ?? '')
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean)) {
    for (const e of readLocoFile(file)) {
      const name = loaded.has(e.model) ? `${e.model}@${basename(file, extname(file))}` : e.model;
      if (loaded.has(name))
        throw new EvaluateError(`model ${e.model} is in three or more files; give each file once`);
      loaded.set(name, { ...e, model: name });
      log(`${name}: taken from ${file} (mean studio UAR ${pct(e.meanUar.studio ?? NaN)} %)`);
    }
  }
  const member = (name: string): LocoEvaluation => {
    const e = loaded.get(name);
    if (e) return e;
    const at = name.lastIndexOf('@');
    if (at > 0 && existsSync(name.slice(at + 1))) {
      const m = readLocoFile(name.slice(at + 1)).find((x) => x.model === name.slice(0, at));
      if (!m) throw new EvaluateError(`${name.slice(at + 1)} has no LOCO evaluation of ${name.slice(0, at)}`);
      return { ...m, model: name };
    }
    throw new EvaluateError(
      `${name} is not in the --from-json files (${[...loaded.keys()].join(', ') || 'none given'}) and is not NAME@FILE of an existing file; under --protocol loco an ensemble's members come from earlier --json runs`,
    );
  };
  const kinds = parseCorpusSpecs(o.corpus, o.data ?? []).map((c) => c.kind);
  const named = kinds.every((k) => k !== 'folder' && k !== 'manifest');
  const checked = (e: LocoEvaluation) => {
    if (named && [...e.corpora].sort().join(',') !== [...kinds].sort().join(',')) {
      throw new EvaluateError(
        `${e.model} was evaluated on ${e.corpora.join(', ')}, but --corpus is ${kinds.join(',')}`,
      );
    }
    return e;
  };
  const requested = (o.model ?? [...loaded.keys()].join(','))
    .split(',')
    .map((m) => m.trim())
    .filter(Boolean);
  if (o.json && !requested.some(isEnsembleName)) {
    throw new EvaluateError('--json needs an ensemble in --model (a+b) under --protocol loco --from-json');
  }
  const weights = o.ensembleWeights !== undefined ? parseWeights(o.ensembleWeights) : null;
  const rows: LocoEvaluation[] = [];
  const ensembles: { e: LocoEvaluation; title: string }[] = [];
  for (const name of requested) {
    const members = ensembleMembers(name).map((m) => checked(member(m)));
    for (const m of members) if (!rows.some((r) => r.model === m.model)) rows.push(m);
    if (members.length > 1) {
      const e = ensembleLoco(members, weights);
      rows.push(e);
      const title = `leave-one-corpus-out, ensemble ${e.model} (mean of per-clip probabilities, weights ${(weights ?? members.map(() => 1)).join('/')})`;
      ensembles.push({ e, title });
      writeLocoOutputs(e, title, {}, argv, log, {});
    }
  }
  const comparison = 'leave-one-corpus-out, UAR % per held-out corpus (studio) and mean UAR % per condition';
  process.stdout.write(`\n${comparison}\n${locoComparisonTable(rows, false)}\n`);
  const command = commandLine(argv);
  if (o.table) {
    mkdirSync(dirname(resolve(o.table)), { recursive: true });
    writeFileSync(
      o.table,
      [
        `${comparison}\n\n${locoComparisonTable(rows, true)}`,
        ...ensembles.map(({ e, title }) => `${title}\n\n${locoTable(e, true)}`),
        `    ${command}\n`,
      ].join('\n\n'),
    );
    log(`wrote ${o.table}`);
  }
  if (o.json) {
    mkdirSync(dirname(resolve(o.json)), { recursive: true });
    const out = ensembles.map(({ e }) => ({ ...e, seed: o.seed, command }));
    writeFileSync(o.json, locoJson(out.length === 1 ? out[0] : out));
    log(`wrote ${o.json}`);
  }
}

/** Indented JSON with every array of numbers on one line (per-clip probabilities, confusion rows). */
export function locoJson(v: unknown): string {
  return `${JSON.stringify(v, null, 2).replace(/\[\s+(-?[\d.e+-]+(?:,\s+-?[\d.e+-]+)*)\s+\]/g, (_, nums: string) => `[${nums.split(/,\s+/).join(', ')}]`)}\n`;
}

/** The LOCO evaluations of a --json file written by `emovox evaluate --protocol loco`. */
export function readLocoFile(file: string): LocoEvaluation[] {
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new EvaluateError(`cannot read LOCO evaluation ${file}: ${(e as Error).message}`);
  }
  const list = Array.isArray(v) ? v : [v];
  const bad = list.find(
    (e) =>
      typeof e !== 'object' ||
      e === null ||
      (e as LocoEvaluation).protocol !== 'loco' ||
      !Array.isArray((e as LocoEvaluation).results),
  );
  if (bad !== undefined || list.length === 0) {
    throw new EvaluateError(
      `${file} is not a LOCO evaluation (written by emovox evaluate --protocol loco --json)`,
    );
  }
  return list as LocoEvaluation[];
}

/**
 * Models as rows: studio UAR per held-out corpus, then the mean UAR per condition (the shape of
 * the README's LOCO table).
 */
export function locoComparisonTable(rows: readonly LocoEvaluation[], markdown: boolean): string {
  const corpora = rows[0].corpora;
  const conds = Object.keys(rows[0].meanUar);
  const head = [
    'model',
    ...corpora.map((c) => `${c} UAR % (studio)`),
    ...conds.map((c) => `mean ${c} UAR %`),
  ];
  const cells = rows.map((e) => [
    e.model,
    ...corpora.map((c) => {
      const r = e.results.find((x) => x.heldOut === c)?.conditions.find((x) => x.condition === 'studio');
      return r ? pct(r.uar) : '–';
    }),
    ...conds.map((c) => (e.meanUar[c] === undefined ? '–' : pct(e.meanUar[c]))),
  ]);
  return renderTable(head, cells, markdown, true);
}
