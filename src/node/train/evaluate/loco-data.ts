/**
 * The descriptor tables of a leave-one-corpus-out run, read once: every clip of the corpora in
 * studio and under each channel condition, plus augmented copies of every clip (training rows
 * only ever take the copies of training clips; see loco.ts). Shared by `emovox evaluate
 * --protocol loco` and `emovox tune --protocol loco`, cached on disk like every classical table.
 */
import { parseChannelList, type ChannelChain } from '../../../core/channel/chain.js';
import {
  DEFAULT_CLASSICAL_FEATURES,
  familySpec,
  isRobustFamily,
  type ClassicalFeatureSpec,
  type DescriptorFamily,
} from '../../../core/classical/featurize.js';
import type { Matrix } from '../../../core/classical/matrix.js';
import { loadChannelResources } from '../../channel/resources.js';
import {
  describeCorpusUse,
  readCorpora,
  type CorporaReadResult,
  type CorpusSpec,
} from '../../datasets/corpora.js';
import {
  AUGMENTATION_NEEDS,
  augmentCopies,
  augmentTransforms,
  conditionTransform,
  featureTables,
  STUDIO,
  type ClipTransform,
} from '../classical-features.js';
import type { LocoInput, LocoItem } from './loco.js';

export function specFor(family: DescriptorFamily, descriptors = true): ClassicalFeatureSpec {
  return isRobustFamily(family) ? familySpec(family) : { ...DEFAULT_CLASSICAL_FEATURES, descriptors };
}

/** Augmented copies stacked (copy 0 of every clip, then copy 1, ...) with the clip each copies. */
export function stackCopies(copies: readonly Matrix[], n: number): { x: Matrix; of: number[] } {
  const cols = copies[0].cols;
  const x: Matrix = { rows: n * copies.length, cols, data: new Float64Array(n * copies.length * cols) };
  copies.forEach((m, c) => x.data.set(m.data, c * n * cols));
  return { x, of: copies.flatMap(() => Array.from({ length: n }, (_, i) => i)) };
}

export interface LocoDataOptions {
  specs: readonly CorpusSpec[];
  features: DescriptorFamily;
  /** mfcc family: the descriptors beside the MFCC statistics (default true). */
  descriptors?: boolean;
  /** Test conditions, one feature table each (default: studio only). */
  chains?: readonly ChannelChain[];
  /** Augmented copies of every clip (default 0). */
  augment?: number;
  /** Noise-heavy augmented copies of every clip, after those of augment (default 0). */
  augmentNoise?: number;
  /** Speed-perturbed augmented copies of every clip, after the noise-heavy ones (default 0). */
  augmentSpeed?: number;
  /** Pitch-perturbed augmented copies of every clip, after the speed-perturbed ones (default 0). */
  augmentPitch?: number;
  seed: number;
  noiseDir?: string;
  /** Feature cache folder (null = none). */
  cacheDir: string | null;
  log?: (line: string) => void;
}

export interface LocoData {
  input: LocoInput;
  read: CorporaReadResult;
  spec: ClassicalFeatureSpec;
}

export interface ChannelTables {
  /** Studio descriptors, one row per path. */
  studio: Matrix;
  /** Descriptor names (columns). */
  names: string[];
  /** One table per channel condition, rows = paths ('studio' is the studio table). */
  conditions: { name: string; x: Matrix }[];
  /** Augmented copies of every path (null without augmentation). */
  augmented: { x: Matrix; of: number[] } | null;
}

/**
 * The seeded clip transforms of a LOCO run: one per test condition (`chains`, studio by
 * default), then the `augment` augmented copies; `all` is what every clip is read under
 * (studio first if no condition is studio).
 */
export async function channelTransforms(
  o: Omit<LocoDataOptions, 'specs' | 'features' | 'descriptors' | 'cacheDir'> & { sampleRate: number },
): Promise<{
  conditions: ClipTransform[];
  all: ClipTransform[];
  augment: number;
  chains: readonly ChannelChain[];
}> {
  const augment = augmentCopies(o);
  const chains = o.chains ?? parseChannelList('studio');
  const sr = o.sampleRate;
  const resources = await loadChannelResources(
    [...chains, ...(augment > 0 ? parseChannelList(AUGMENTATION_NEEDS) : [])],
    { sampleRate: sr, noiseDir: o.noiseDir },
  );
  const conditions = chains.map((c) => conditionTransform(c, o.seed, resources, sr));
  const all: ClipTransform[] = [...conditions];
  if (!all.includes(STUDIO)) all.unshift(STUDIO);
  all.push(...augmentTransforms(o.seed, o, resources, sr));
  return { conditions, all, augment, chains };
}

/**
 * Descriptors of every clip in studio, under each seeded channel condition (`chains`) and for
 * `augment` randomly augmented copies, each clip decoded once (featureTables, cached).
 */
export async function channelTables(
  paths: readonly string[],
  o: Omit<LocoDataOptions, 'specs' | 'features' | 'descriptors'> & { spec: ClassicalFeatureSpec },
): Promise<ChannelTables> {
  const log = o.log ?? (() => {});
  const {
    conditions: conditionTransforms,
    all: transforms,
    augment,
    chains,
  } = await channelTransforms({ ...o, sampleRate: o.spec.sampleRate });
  const t0 = performance.now();
  const tables = await featureTables(paths, o.spec, transforms, o.cacheDir, (d, n) => {
    if (d % 250 === 0 || d === n) log(`features ${d}/${n} (${transforms.length} versions of each clip)`);
  });
  log(`${tables[0].x.cols} features per utterance, ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  const byName = new Map(transforms.map((t, i) => [t.name, tables[i].x]));
  return {
    studio: byName.get('studio')!,
    names: tables[0].names,
    conditions: chains.map((c, i) => ({ name: c.name, x: byName.get(conditionTransforms[i].name)! })),
    augmented:
      augment > 0
        ? stackCopies(
            tables.slice(transforms.length - augment).map((t) => t.x),
            paths.length,
          )
        : null,
  };
}

export async function readLocoData(o: LocoDataOptions): Promise<LocoData> {
  const read = await readCorpora(o.specs);
  read.corpora.forEach((c) => (o.log ?? (() => {}))(describeCorpusUse(c)));
  const items: LocoItem[] = read.utterances.map((u) => ({
    path: u.path,
    speaker: u.speaker,
    label: u.label,
    corpus: u.corpus,
  }));
  const spec = specFor(o.features, o.descriptors);
  const t = await channelTables(
    items.map((u) => u.path),
    { ...o, spec },
  );
  return {
    input: { items, labels: read.labels, x: t.studio, augmented: t.augmented, conditions: t.conditions },
    read,
    spec,
  };
}
