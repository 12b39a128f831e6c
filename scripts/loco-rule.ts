/**
 * The rule that decides between LOCO recipes in results/loco-research.md (rounds 10-11): for each
 * held-out corpus, every candidate of the product's `--tune` grid (src/node/train/evaluate/loco.ts,
 * defaultLocoTuneGrid) is fitted on each inner split of the training corpora and on all of them;
 * the inner studio and 10 dB noise UAR give the old and the cross-fitted rule (innerRuleFigures),
 * and the held-out corpus is scored by the chosen candidate, and by the averaged recipes of
 * round 10 (`per-scaling average`: the weight decays (or C values) averaged within each scaling, the scaling chosen;
 * `all averaged`: every candidate averaged), all from the same fits. Descriptors come from the feature
 * cache that `emovox evaluate --protocol loco` fills (or are computed and cached).
 *
 *   npx tsx scripts/loco-rule.ts [--features robust3] [--model mlp] [--seed 1] [--augment 1]
 *     [--augment-noise 1] [--augment-speed 0] [--augment-pitch 0] [--corpus emodb,ravdess,ased]
 *     [--mlp '{"baselineSwap":0.5}'] [--contours]
 *
 * `--mlp` adds MLP options (MlpOptions) to the default's. `--seed` is the model's seed (the MLP's initial weights, dropout and batch order); the
 * descriptors and augmented copies keep seed 1, as in the product runs. With the defaults it
 * gives round 10's incumbent row (rule 39.42 old, 39.35 cross-fitted; held out 51.6 / 38.9 / 40.9).
 * Costs 17-20 min of one core for robust3 and the MLP.
 *
 * `--contours` (round 13) also fits the network of scripts/contour-net.ts on the robust3 frame
 * contours of the very same inner and outer splits (its seed is `--seed` too; studio and the
 * same two augmented copies as the MLP's rows), and adds the recipes `contour net` (the network
 * alone) and `chosen + contour net` (each candidate's probabilities averaged with the network's,
 * the candidate chosen as the incumbent chooses).
 */
import { parseChannelList } from '../src/core/channel/chain.js';
import type { MlpOptions } from '../src/core/classical/mlp.js';
import { parseMlpOptions } from '../src/cli/commands/evaluate.js';
import { defaultPipelineConfig, type ClassicalModelName } from '../src/core/classical/pipeline.js';
import { DESCRIPTOR_FAMILIES, type DescriptorFamily } from '../src/core/classical/featurize.js';
import { takeRows, type Matrix } from '../src/core/classical/matrix.js';
import { parseCorpusSpecs } from '../src/node/datasets/index.js';
import { DEFAULT_FEATURE_CACHE_DIR } from '../src/node/train/classical-features.js';
import { channelTransforms, readLocoData } from '../src/node/train/evaluate/loco-data.js';
import {
  defaultLocoTuneGrid,
  fitOnItems,
  innerRuleFigures,
  labelsIn,
} from '../src/node/train/evaluate/loco.js';
import { confusionMatrix, uar } from '../src/node/train/evaluate/metrics.js';
import { itemWeights } from '../src/node/train/trainer.js';
import { contourTables, fitContourNet, type Contours } from './contour-net.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}
function count(name: string, fallback: string): number {
  const v = Number(arg(name, fallback));
  if (!Number.isInteger(v) || v < 0) {
    console.error(`--${name} accepts a non-negative integer, got '${arg(name, fallback)}'`);
    process.exit(2);
  }
  return v;
}

const family = arg('features', 'robust3') as DescriptorFamily;
if (!DESCRIPTOR_FAMILIES.includes(family)) {
  console.error(`--features accepts ${DESCRIPTOR_FAMILIES.join(', ')}, got '${family}'`);
  process.exit(2);
}
const model = arg('model', 'mlp') as ClassicalModelName;
if (model !== 'mlp' && model !== 'logistic') {
  console.error(
    `--model accepts mlp or logistic (the models with a LOCO grid and corpus weights), got '${model}'`,
  );
  process.exit(2);
}
const seed = count('seed', '1');
// Checked like `evaluate --mlp-options`, before the descriptors are read.
let mlpOptions: Partial<MlpOptions> = {};
const mlpJson = arg('mlp', '');
if (mlpJson) {
  try {
    mlpOptions = parseMlpOptions(mlpJson, model, '--mlp');
  } catch (e) {
    console.error((e as Error).message);
    process.exit(2);
  }
}
const specs = parseCorpusSpecs(arg('corpus', 'emodb,ravdess,ased'), []);
if (specs.length < 3) {
  console.error(
    `--corpus needs at least three corpora: each held-out fold's rule trains on one training corpus and tests another (got ${specs.length})`,
  );
  process.exit(2);
}
const withContours = process.argv.includes('--contours');
const dataOptions = {
  chains: parseChannelList('studio,noise-10db'),
  augment: count('augment', '1'),
  augmentNoise: count('augment-noise', '1'),
  augmentSpeed: count('augment-speed', '0'),
  augmentPitch: count('augment-pitch', '0'),
  seed: 1,
  log: (l: string) => console.error(l),
};
const { input } = await readLocoData({
  ...dataOptions,
  specs,
  features: family,
  cacheDir: DEFAULT_FEATURE_CACHE_DIR,
});
// Contours of every clip: [studio, 10 dB noise, the augmented copies], the descriptors' transforms.
let contours: Contours[][] = [];
if (withContours) {
  const t = await channelTransforms({ ...dataOptions, sampleRate: 16000 });
  const order = [
    t.all.find((x) => x.name === 'studio')!,
    t.conditions[t.chains.findIndex((c) => c.name === 'noise-10db')],
    ...t.all.slice(t.all.length - t.augment),
  ];
  const tc = Date.now();
  contours = await contourTables(
    input.items.map((u) => u.path),
    order,
    undefined,
    (d, n) => {
      if (d % 500 === 0 || d === n)
        console.error(`contours ${d}/${n} (${order.map((x) => x.name).join(', ')})`);
    },
  );
  console.error(`contours read in ${((Date.now() - tc) / 60000).toFixed(1)} min`);
}
const noise = input.conditions.find((c) => c.name === 'noise-10db')!.x;
const corpora = [...new Set(input.items.map((u) => u.corpus))];
const grid = defaultLocoTuneGrid(model);
const base = defaultPipelineConfig(model);
if (model === 'mlp') base.mlp = { ...base.mlp, ...mlpOptions, seed };
const K = input.labels.length;
const idxOf = (f: (c: string) => boolean) => input.items.flatMap((u, i) => (f(u.corpus) ? [i] : []));

/** UAR (%) of probabilities (rows x K) for items `te`, argmax over the labels `te` has. */
function uarOf(p: Float64Array, te: number[]): number {
  const keep = labelsIn(input, te);
  const pred = te.map((_, r) => {
    let best = keep[0];
    for (const j of keep) if (p[r * K + j] > p[r * K + best]) best = j;
    return input.labels[best];
  });
  const names = keep.map((i) => input.labels[i]);
  return (
    100 *
    uar(
      confusionMatrix(
        names,
        te.map((i) => input.items[i].label),
        pred,
      ),
    )
  );
}
const average = (ps: Float64Array[]) => {
  const o = new Float64Array(ps[0].length);
  for (const p of ps) for (let i = 0; i < o.length; i++) o[i] += p[i] / ps.length;
  return o;
};
const predict = (pipe: ReturnType<typeof fitOnItems>, x: Matrix, te: number[]) =>
  pipe.predictProba(takeRows(x, te));

// Recipes: groups of candidates whose probabilities are averaged; a recipe chooses one group.
const byScaling = new Map<string, number[]>();
grid.candidates.forEach((c, i) => {
  const scaling = c.apply(base).scaling ?? 'standard';
  byScaling.set(scaling, [...(byScaling.get(scaling) ?? []), i]);
});
const recipes: Record<string, { name: string; members: number[] }[]> = {
  chosen: grid.candidates.map((c, i) => ({ name: c.name, members: [i] })),
  'per-scaling average': [...byScaling].map(([scaling, members]) => ({
    name: `${scaling}, averaged`,
    members,
  })),
  'all averaged': [{ name: 'all averaged', members: grid.candidates.map((_, i) => i) }],
};
if (withContours) {
  const net = grid.candidates.length;
  recipes['contour net'] = [{ name: 'contour net', members: [net] }];
  recipes['chosen + contour net'] = grid.candidates.map((c, i) => ({
    name: `${c.name} + contour net`,
    members: [i, net],
  }));
}
const total: Record<string, { old: number; cross: number; held: number[]; heldNoise: number[] }> = {};
const t0 = Date.now();
console.error(
  `${family}, ${model} seed ${seed}, candidates: ${grid.candidates.map((c) => c.name).join(', ')}`,
);
for (const h of corpora) {
  const train = corpora.filter((c) => c !== h);
  const te = idxOf((c) => c === h);
  const innerTe = train.map((ic) => idxOf((c) => c === ic));
  const inner: { s: Float64Array; n: Float64Array }[][] = [];
  const outer: { s: Float64Array; n: Float64Array }[] = [];
  for (const cand of grid.candidates) {
    const cfg = cand.apply(base);
    inner.push(
      train.map((ic, k) => {
        const pipe = fitOnItems(
          input,
          idxOf((c) => train.includes(c) && c !== ic),
          cfg,
          true,
        );
        return { s: predict(pipe, input.x, innerTe[k]), n: predict(pipe, noise, innerTe[k]) };
      }),
    );
    const pipe = fitOnItems(
      input,
      idxOf((c) => train.includes(c)),
      cfg,
      true,
    );
    outer.push({ s: predict(pipe, input.x, te), n: predict(pipe, noise, te) });
    console.error(`  held out ${h}: ${cand.name} fitted (${((Date.now() - t0) / 60000).toFixed(1)} min)`);
  }
  if (withContours) {
    // The network as one more candidate, fitted on the same splits: studio and the augmented
    // copies to train, every (corpus, emotion) cell weighing the same (the trainer's rule).
    const fitOn = async (tr: number[], test: number[]) => {
      const labels = tr.map((i) => input.labels.indexOf(input.items[i].label));
      const net = await fitContourNet({
        versions: [contours[0], ...contours.slice(2)].map((table) => tr.map((i) => table[i])),
        labels,
        numLabels: K,
        weights: itemWeights(
          tr.map((i, r) => ({ labelIndex: labels[r], utterance: input.items[i] })),
          K,
          true,
          true,
        ),
        seed,
        log: (l) => console.error(l),
      });
      return { s: net(test.map((i) => contours[0][i])), n: net(test.map((i) => contours[1][i])) };
    };
    const innerC: { s: Float64Array; n: Float64Array }[] = [];
    for (const [k, ic] of train.entries())
      innerC.push(
        await fitOn(
          idxOf((c) => train.includes(c) && c !== ic),
          innerTe[k],
        ),
      );
    inner.push(innerC);
    outer.push(
      await fitOn(
        idxOf((c) => train.includes(c)),
        te,
      ),
    );
    console.error(`  held out ${h}: contour net fitted (${((Date.now() - t0) / 60000).toFixed(1)} min)`);
  }
  for (const [tag, groups] of Object.entries(recipes)) {
    const studio = groups.map((g) =>
      train.map((_, k) => uarOf(average(g.members.map((m) => inner[m][k].s)), innerTe[k])),
    );
    const noisy = groups.map((g) =>
      train.map((_, k) => uarOf(average(g.members.map((m) => inner[m][k].n)), innerTe[k])),
    );
    const r = innerRuleFigures(
      studio,
      studio.map((row, c) => row.map((v, k) => (v + noisy[c][k]) / 2)),
    );
    const g = groups[r.chosen];
    const t = (total[tag] ??= { old: 0, cross: 0, held: [], heldNoise: [] });
    t.old += r.old / corpora.length;
    t.cross += r.crossFitted / corpora.length;
    t.held.push(uarOf(average(g.members.map((m) => outer[m].s)), te));
    t.heldNoise.push(uarOf(average(g.members.map((m) => outer[m].n)), te));
    console.log(
      `${tag}, held out ${h}: chose ${g.name}; inner (studio + 10 dB noise) / 2 ${r.old.toFixed(2)}, cross-fitted ${r.crossFitted.toFixed(2)}; held-out studio ${t.held.at(-1)!.toFixed(1)}, 10 dB noise ${t.heldNoise.at(-1)!.toFixed(1)}`,
    );
  }
}
const fmt = (v: number[]) =>
  `${v.map((x) => x.toFixed(1)).join(' / ')} (${(v.reduce((a, b) => a + b, 0) / v.length).toFixed(1)})`;
console.log(
  `\n| recipe | rule old | rule cross-fitted | held-out studio (${corpora.join(' / ')}) | held-out 10 dB noise |`,
);
console.log('|---|---|---|---|---|');
for (const [tag, t] of Object.entries(total)) {
  console.log(
    `| ${tag} | ${t.old.toFixed(2)} | ${t.cross.toFixed(2)} | ${fmt(t.held)} | ${fmt(t.heldNoise)} |`,
  );
}
console.error(`${((Date.now() - t0) / 60000).toFixed(1)} min`);
