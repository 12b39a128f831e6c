/**
 * `emovox evaluate --protocol loco --corpus emodb,ravdess,ased`: leave-one-corpus-out for the
 * classical models, with test clips under channel conditions (`--channel`), augmented training
 * copies (`--augment`), corpus weighting and calibration; see src/node/train/evaluate/loco.ts.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseChannelList, type ChannelChain } from '../../core/channel/chain.js';
import type { DescriptorFamily } from '../../core/classical/featurize.js';
import {
  isClassicalModel,
  pipelineConfigWith,
  type ClassicalModelName,
} from '../../core/classical/pipeline.js';
import { parseCorpusSpecs } from '../../node/datasets/corpora.js';
import { evaluateLoco, type LocoEvaluation } from '../../node/train/evaluate/loco.js';
import { readLocoData } from '../../node/train/evaluate/loco-data.js';
import { EvaluateError } from '../../node/train/evaluate/plan.js';
import { commandLine } from '../command-line.js';

export interface LocoCliOptions {
  corpus: string;
  data?: string[];
  model?: string;
  seed: number;
  tune?: boolean;
  c?: number;
  pca?: number;
  gamma?: number;
  trees?: number;
  channel: string;
  augment: number;
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
  if (markdown) {
    return [
      `| ${head.join(' | ')} |`,
      `|${head.map(() => '---').join('|')}|`,
      ...cells.map((r) => `| ${r.join(' | ')} |`),
    ].join('\n');
  }
  const w = head.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i].length)));
  return [head, ...cells].map((r) => r.map((v, i) => v.padStart(w[i])).join('  ')).join('\n');
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
  const model = (o.model ?? 'logistic') as ClassicalModelName;
  if (!isClassicalModel(model)) {
    throw new EvaluateError(
      `--protocol loco evaluates classical models (svm, svm-linear, rf, logistic); got '${o.model}'`,
    );
  }
  if (o.corpusWeight && model !== 'logistic') {
    throw new EvaluateError(
      '--corpus-weight needs --model logistic (the only classical model with sample weights)',
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
    onCorpus: (r) =>
      log(
        `held out ${r.heldOut} (trained on ${r.trainCorpora.join('+')}, ${r.nTrain} clips${o.augment ? ` + ${o.augment} augmented copies each` : ''}; ${r.chosen}${r.innerUar !== null ? `, inner LOCO UAR ${pct(r.innerUar)} %` : ''}${r.temperature !== null ? `, T ${r.temperature.toFixed(2)}, uniform share ${r.uniformShare}, uncertain below ${r.uncertainBelow}` : ''}): ${r.conditions.map((c) => `${c.condition} ${pct(c.uar)}`).join(', ')} (${r.seconds.toFixed(0)} s)`,
      ),
  });
  const title = `leave-one-corpus-out, ${model} on ${o.features} descriptors${o.corpusWeight ? ', corpora weighted equally' : ''}${o.augment ? `, ${o.augment} augmented copies per training clip` : ''}${o.tune ? ', C by inner LOCO' : ''}${o.calibrate ? ', calibrated on inner LOCO + held-out training speakers' : ''}`;
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
    writeFileSync(
      o.json,
      `${JSON.stringify({ ...e, features: spec, augment: o.augment, seed: o.seed, command }, null, 2)}\n`,
    );
    log(`wrote ${o.json}`);
  }
}
