/**
 * Which descriptors survive a channel: for every descriptor of a family, the Pearson correlation
 * between its value on each studio clip and on the same clip through a channel condition, and
 * the mean shift in studio standard deviations (the same seeded conditions as
 * `emovox evaluate --protocol loco --channel`, descriptors from the feature cache when present).
 * A descriptor a model can trust through the channel keeps r near 1 and a shift near 0.
 *
 *   npx tsx scripts/descriptor-survival.ts [--features robust|robust2|robust3] [--channel telephone,noise-10db]
 *     [--corpus emodb,ravdess,ased] [--seed 1] [--cache-dir DIR]
 *
 * Prints a markdown table (results/loco-research.md keeps the one for the default's family).
 */
import { parseChannelList } from '../src/core/channel/chain.js';
import { DESCRIPTOR_FAMILIES, familySpec, type DescriptorFamily } from '../src/core/classical/featurize.js';
import { loadChannelResources } from '../src/node/channel/resources.js';
import { parseCorpusSpecs, readCorpora } from '../src/node/datasets/corpora.js';
import {
  conditionTransform,
  DEFAULT_FEATURE_CACHE_DIR,
  featureTables,
  STUDIO,
} from '../src/node/train/classical-features.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const family = arg('features', 'robust2') as DescriptorFamily;
if (!DESCRIPTOR_FAMILIES.includes(family)) {
  console.error(`--features accepts ${DESCRIPTOR_FAMILIES.join(', ')}, got '${family}'`);
  process.exit(2);
}
const chains = parseChannelList(arg('channel', 'telephone,noise-10db')).filter((c) => c.name !== 'studio');
const seed = Number(arg('seed', '1'));
const spec = familySpec(family);
const read = await readCorpora(parseCorpusSpecs(arg('corpus', 'emodb,ravdess,ased')));
const resources = await loadChannelResources(chains, { sampleRate: spec.sampleRate });
const transforms = [STUDIO, ...chains.map((c) => conditionTransform(c, seed, resources, spec.sampleRate))];
const tables = await featureTables(
  read.utterances.map((u) => u.path),
  spec,
  transforms,
  arg('cache-dir', DEFAULT_FEATURE_CACHE_DIR),
  (d, n) => {
    if (d % 500 === 0 || d === n) process.stderr.write(`descriptors ${d}/${n}\n`);
  },
);
const [studio, ...conditions] = tables;
const n = studio.x.rows;
const cols = studio.x.cols;
const column = (m: Float64Array, j: number) => Array.from({ length: n }, (_, i) => m[i * cols + j]);
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;

const head = ['descriptor', ...chains.flatMap((c) => [`r ${c.name}`, `shift ${c.name} (studio SDs)`])];
console.log(`| ${head.join(' | ')} |\n|${head.map(() => '---').join('|')}|`);
for (let j = 0; j < cols; j++) {
  const a = column(studio.x.data, j);
  const ma = mean(a);
  const sa = Math.sqrt(mean(a.map((v) => (v - ma) ** 2)));
  const cells = [studio.names[j]];
  for (const t of conditions) {
    const b = column(t.x.data, j);
    const mb = mean(b);
    const sb = Math.sqrt(mean(b.map((v) => (v - mb) ** 2)));
    const cov = mean(a.map((v, i) => (v - ma) * (b[i] - mb)));
    cells.push(
      sa > 0 && sb > 0 ? (cov / (sa * sb)).toFixed(2) : 'n/a',
      sa > 0 ? ((mb - ma) / sa).toFixed(2) : 'n/a',
    );
  }
  console.log(`| ${cells.join(' | ')} |`);
}
console.log(
  `\n${n} clips (${read.corpora.map((c) => c.kind).join(', ')}), family ${family}, ${cols} descriptors, seed ${seed}`,
);
