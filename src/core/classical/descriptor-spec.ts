/**
 * The full descriptor spec of a classical model: every constant that shapes the utterance
 * vector a ClassicalFeatureSpec computes (MFCC framing and filterbank, delta width and
 * functionals, the silence mask, each descriptor family's options, band edges, roll-off points,
 * names and their order), plus a version string and a hash of it all. Bundles record it when
 * they are trained (manifest `classical.descriptorSpec`); loading recomputes it from the code and
 * refuses a bundle whose record differs, naming the constant, so a refactor cannot silently
 * change what a committed model sees. A new descriptor family adds its constants here.
 */
import { canonicalJson, fnv1a } from '../canonical-json.js';
import { BASIC_DESCRIPTOR_CONSTANTS, LLD_NAMES, STAT_NAMES } from './descriptors.js';
import {
  DEFAULT_ROBUST_OPTIONS,
  FORMANT_CONSTANTS,
  VOICE_QUALITY_CONSTANTS,
  ROBUST_DESCRIPTORS_VERSION,
  ROBUST_FAMILY_OPTIONS,
  type RobustDescriptorOptions,
} from './descriptors-robust.js';
import { EXTENDED_DESCRIPTOR_CONSTANTS, EXTRA_LLD_NAMES, EXT_STAT_NAMES } from './descriptors-extended.js';
import {
  descriptorOptionsOf,
  isRobustFamily,
  MFCC_DELTA_WIDTH,
  mfccConfigOf,
  type ClassicalFeatureSpec,
} from './featurize.js';

/**
 * Bump when the computation changes in a way no constant below shows (a new formula, another
 * order of operations that moves values): bundles trained before then refuse to load.
 */
export const DESCRIPTOR_SPEC_VERSION = 'emovox-descriptors/1';

export interface DescriptorSpecRecord {
  version: string;
  /** fnv1a of the canonical JSON of every other field. */
  hash: string;
  [key: string]: unknown;
}

/** The descriptor spec record of `spec` as this code computes it. */
export function descriptorSpecRecord(spec: ClassicalFeatureSpec): DescriptorSpecRecord {
  if (isRobustFamily(spec.family)) {
    const options: Partial<RobustDescriptorOptions> = ROBUST_FAMILY_OPTIONS[spec.family];
    // The robust families read nothing of the MFCC fields: their options, band and version only.
    const body = {
      version: DESCRIPTOR_SPEC_VERSION,
      families: [spec.family],
      robust: {
        ...DEFAULT_ROBUST_OPTIONS,
        ...options,
        sampleRate: spec.sampleRate,
        code: ROBUST_DESCRIPTORS_VERSION,
        framing: { winSeconds: 0.025, hopSeconds: 0.01, pitchRateHz: 4000, pitchEveryFrames: 2 },
        ...(options.formants ? { formantAnalysis: FORMANT_CONSTANTS } : {}),
        ...(options.voiceQuality ? { voiceQualityAnalysis: VOICE_QUALITY_CONSTANTS } : {}),
      },
    };
    const plain = JSON.parse(JSON.stringify(body)) as Record<string, unknown>;
    return { ...plain, version: DESCRIPTOR_SPEC_VERSION, hash: fnv1a(canonicalJson(plain)) };
  }
  const { kind: _kind, deltaOrder: _deltaOrder, ...mfcc } = mfccConfigOf(spec);
  const options = descriptorOptionsOf(spec);
  const family = !spec.descriptors ? 'none' : spec.extendedDescriptors ? 'extended' : 'basic';
  const body: Record<string, unknown> = {
    version: DESCRIPTOR_SPEC_VERSION,
    /** Vector order: MFCC functionals, then the family's descriptors. */
    families: family === 'none' ? ['mfcc'] : ['mfcc', family],
    mfcc: {
      ...mfcc,
      deltaOrder: spec.deltaOrder,
      deltaWidth: MFCC_DELTA_WIDTH,
      /** Frames stored in float32 before deltas and functionals. */
      frameStorage: 'float32',
      functionals: spec.functionals,
      /** Silence mask: frame energy over winLength samples, frames below the peak by more are left out. */
      silenceBelowPeakDb: spec.silenceBelowPeakDb,
    },
  };
  if (family !== 'none') {
    body.frames = { ...options };
    body.basic = { ...BASIC_DESCRIPTOR_CONSTANTS, lldNames: LLD_NAMES, statNames: STAT_NAMES };
  }
  if (family === 'extended') {
    body.extended = {
      ...EXTENDED_DESCRIPTOR_CONSTANTS,
      melFMaxHzUsed: Math.min(EXTENDED_DESCRIPTOR_CONSTANTS.mel.fMaxHz, spec.sampleRate / 2),
      extraLldNames: EXTRA_LLD_NAMES,
      statNames: EXT_STAT_NAMES,
    };
  }
  const plain = JSON.parse(JSON.stringify(body)) as Record<string, unknown>;
  return { ...plain, version: DESCRIPTOR_SPEC_VERSION, hash: fnv1a(canonicalJson(plain)) };
}

/** Leaf paths where two JSON values differ: [path, recorded, computed]. */
function differences(a: unknown, b: unknown, path: string, out: [string, unknown, unknown][]): void {
  const isObj = (v: unknown) => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (isObj(a) && isObj(b)) {
    const ao = a as Record<string, unknown>;
    const bo = b as Record<string, unknown>;
    for (const k of [...new Set([...Object.keys(ao), ...Object.keys(bo)])].sort())
      differences(ao[k], bo[k], path ? `${path}.${k}` : k, out);
    return;
  }
  if (canonicalJson(a) !== canonicalJson(b)) out.push([path, a, b]);
}

const show = (v: unknown) => (v === undefined ? '(absent)' : JSON.stringify(v));

/**
 * Null when `recorded` (a manifest's classical.descriptorSpec) is what this code computes for
 * `spec`; otherwise a message naming each differing constant with the bundle's and the code's
 * value and telling to retrain the bundle.
 */
export function descriptorSpecMismatch(recorded: unknown, spec: ClassicalFeatureSpec): string | null {
  const code = descriptorSpecRecord(spec);
  const retrain =
    'Retrain the bundle with this version (emovox train --config ... --out DIR), or use the Emovox version it was trained with.';
  if (recorded === undefined || recorded === null) {
    return `it records no descriptor spec (classical.descriptorSpec), so there is no telling whether this code computes the descriptors its model was trained on (this code: ${code.version}, hash ${code.hash}). ${retrain}`;
  }
  const diffs: [string, unknown, unknown][] = [];
  differences(recorded, code, '', diffs);
  const real = diffs.filter(([p]) => p !== 'hash');
  if (real.length === 0 && diffs.length === 0) return null;
  if (real.length === 0) {
    return `its descriptor spec hash ${show((recorded as { hash?: unknown }).hash)} does not match its constants (code hash ${code.hash}); the manifest was edited by hand. ${retrain}`;
  }
  const listed = real
    .slice(0, 5)
    .map(([p, a, b]) => `${p}: bundle ${show(a)}, code ${show(b)}`)
    .join('; ');
  const more = real.length > 5 ? ` (and ${real.length - 5} more)` : '';
  return `it was trained with descriptor constants this code no longer computes: ${listed}${more}. ${retrain}`;
}
