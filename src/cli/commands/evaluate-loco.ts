/**
 * `emovox evaluate --protocol loco --corpus emodb,ravdess,ased`: leave-one-corpus-out for the
 * classical models, with test clips under channel conditions (`--channel`), augmented training
 * copies (`--augment`), corpus weighting and calibration; see src/node/train/evaluate/loco.ts.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseChannelList } from '../../core/channel/chain.js';
import {
  DEFAULT_CLASSICAL_FEATURES,
  ROBUST_CLASSICAL_FEATURES,
  type ClassicalFeatureSpec,
  type DescriptorFamily,
} from '../../core/classical/featurize.js';
import type { Matrix } from '../../core/classical/matrix.js';
import {
  isClassicalModel,
  pipelineConfigWith,
  type ClassicalModelName,
} from '../../core/classical/pipeline.js';
import { loadChannelResources } from '../../node/channel/resources.js';
import { describeCorpusUse, parseCorpusSpecs, readCorpora } from '../../node/datasets/corpora.js';
import {
  AUGMENTATION_NEEDS,
  augmentTransforms,
  conditionTransform,
  featureTables,
  STUDIO,
  type ClipTransform,
} from '../../node/train/classical-features.js';
import { evaluateLoco, type LocoEvaluation, type LocoItem } from '../../node/train/evaluate/loco.js';
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

export function specFor(family: DescriptorFamily, descriptors = true): ClassicalFeatureSpec {
  return family === 'robust' ? ROBUST_CLASSICAL_FEATURES : { ...DEFAULT_CLASSICAL_FEATURES, descriptors };
}

const pct = (v: number) => (v * 100).toFixed(1);

/** Held-out corpora as rows, channel conditions as columns (UAR %), then the mean row. */
export function locoTable(e: LocoEvaluation, markdown: boolean): string {
  const conds = e.results[0].conditions.map((c) => c.condition);
  const head = [
    'held-out corpus',
    ...conds.map((c) => `${c} UAR %`),
    'WA % (studio)',
    'macro-F1 % (studio)',
    'ECE % (studio)',
    'ECE floor % (studio)',
  ];
  const rows = e.results.map((r) => [
    r.heldOut,
    ...r.conditions.map((c) => pct(c.uar)),
    pct(r.conditions[0].wa),
    pct(r.conditions[0].macroF1),
    pct(r.conditions[0].ece),
    pct(r.conditions[0].eceFloor),
  ]);
  rows.push(['mean', ...conds.map((c) => pct(e.meanUar[c])), '', '', '', '']);
  if (markdown) {
    return [
      `| ${head.join(' | ')} |`,
      `|${head.map(() => '---').join('|')}|`,
      ...rows.map((r) => `| ${r.join(' | ')} |`),
    ].join('\n');
  }
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [head, ...rows].map((r) => r.map((v, i) => v.padStart(w[i])).join('  ')).join('\n');
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
  let chains: ReturnType<typeof parseChannelList>;
  try {
    chains = parseChannelList(o.channel);
  } catch (err) {
    // The channel parser's errors name the bad step and the accepted ones: user-facing here.
    throw new EvaluateError(`--channel: ${(err as Error).message}`);
  }
  const specs = parseCorpusSpecs(o.corpus, o.data ?? []);
  if (specs.length < 3) {
    throw new EvaluateError(
      `--protocol loco needs at least 3 corpora (e.g. --corpus emodb,ravdess,ased), got ${specs.length}`,
    );
  }
  const read = await readCorpora(specs);
  read.corpora.forEach((c) => log(describeCorpusUse(c)));
  const items: LocoItem[] = read.utterances.map((u) => ({
    path: u.path,
    speaker: u.speaker,
    label: u.label,
    corpus: u.corpus,
  }));
  const spec = specFor(o.features, o.descriptors);
  const sr = spec.sampleRate;
  const resources = await loadChannelResources(
    [...chains, ...(o.augment > 0 ? parseChannelList(AUGMENTATION_NEEDS) : [])],
    { sampleRate: sr, noiseDir: o.noiseDir },
  );
  const conditionTransforms = chains.map((c) => conditionTransform(c, o.seed, resources, sr));
  const transforms: ClipTransform[] = [...conditionTransforms];
  if (!transforms.includes(STUDIO)) transforms.unshift(STUDIO);
  transforms.push(...augmentTransforms(o.seed, o.augment, resources, sr));
  const t0 = performance.now();
  const tables = await featureTables(
    items.map((u) => u.path),
    spec,
    transforms,
    o.cache ? o.cacheDir : null,
    (d, n) => {
      if (d % 250 === 0 || d === n) log(`features ${d}/${n} (${transforms.length} versions of each clip)`);
    },
  );
  log(`${tables[0].x.cols} features per utterance, ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  const byName = new Map(transforms.map((t, i) => [t.name, tables[i].x]));
  const studio = byName.get('studio')!;
  let augmented: { x: Matrix; of: number[] } | null = null;
  if (o.augment > 0) {
    const copies = tables.slice(transforms.length - o.augment).map((t) => t.x);
    const cols = studio.cols;
    const x: Matrix = {
      rows: items.length * o.augment,
      cols,
      data: new Float64Array(items.length * o.augment * cols),
    };
    copies.forEach((m, c) => x.data.set(m.data, c * items.length * cols));
    augmented = { x, of: copies.flatMap(() => items.map((_, i) => i)) };
  }
  const e = evaluateLoco(
    {
      items,
      labels: read.labels,
      x: studio,
      augmented,
      conditions: chains.map((c, i) => ({ name: c.name, x: byName.get(conditionTransforms[i].name)! })),
    },
    {
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
    },
  );
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
