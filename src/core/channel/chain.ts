/**
 * Named channel conditions and their transform chains.
 *
 * A condition is one or more steps joined by '+', e.g. `telephone+noise-10db`; a list of
 * conditions is comma-separated: `studio,telephone,telephone-alaw,codec,noise-10db,reverb`.
 * Steps:
 *
 * | step | meaning |
 * | --- | --- |
 * | `studio` | unchanged |
 * | `telephone`, `telephone-mulaw`, `telephone-alaw` | 8 kHz, 300-3400 Hz, G.711 mu-law (default) or A-law |
 * | `codec`, `codec-<K>kbps` | lossy round trip (Opus, 16 kb/s unless given) |
 * | `noise-<SNR>db`, `noise` | a noise recording at that SNR (`noise`: SNR uniform in 0-20 dB) |
 * | `babble-<SNR>db`, `babble` | 3-6 other speakers' utterances at that SNR |
 * | `reverb`, `reverb-<RT60>s` | simulated room, RT60 uniform in 0.2-1.0 s unless given |
 * | `gain`, `gain+<N>db`, `gain-<N>db` | level change (`gain`: uniform in +-20 dB), hard-clipped to [-1, 1] |
 * | `speed`, `speed-<F>` | played F times as fast (`speed`: F uniform in 0.9-1.1): tempo, pitch and formants move together, as another speaker's voice would |
 * | `pitch`, `pitch+<S>st`, `pitch-<S>st` | pitch moved by S semitones at the same tempo and length (`pitch`: S uniform in +-2; src/core/channel/pitch.ts) |
 *
 * Random choices (noise segment, RIR, unspecified parameters) come from one seeded generator
 * (src/core/random.ts) per clip, so a condition, seed and clip key always give the
 * same audio. Platform-neutral.
 */
import { seededRng, type RandomFn } from '../random.js';
import { ChannelError } from './channel-error.js';
import { DEFAULT_CODEC_BITRATE, type LossyCodec } from './codec.js';
import { babble, mixAtSnr, noiseSegment, randomChoice, type BabbleSource } from './noise.js';
import { applyRir, exponentialRir, RT60_MAX_S, RT60_MIN_S } from './reverb.js';
import { resample } from '../audio/resample.js';
import { telephone } from './telephone.js';
import { pitchShift, PITCH_LIMIT_ST, PITCH_RANGE_ST } from './pitch.js';
import { clip } from './clip.js';

export { clip };

/** What some steps need from outside: a codec, noise recordings, a babble pool. */
export interface ChannelResources {
  codec?: LossyCodec;
  /** Noise recordings at the clip's sample rate. */
  noise?: readonly Float32Array[];
  /** Utterances of training speakers at the clip's sample rate, for babble. */
  babble?: readonly BabbleSource[];
}

export interface ChannelContext {
  sampleRate: number;
  rng: RandomFn;
  resources: ChannelResources;
  /** The clip's speaker, left out of its own babble. */
  speaker?: string;
}

export interface ChannelStep {
  /** Canonical name, parseable again. */
  readonly name: string;
  apply(x: Float32Array, ctx: ChannelContext): Promise<Float32Array>;
}

export interface ChannelChain {
  /** The condition name as given, e.g. 'telephone+noise-10db'. */
  readonly name: string;
  readonly steps: readonly ChannelStep[];
}

export const GAIN_MAX_DB = 20;
export const NOISE_SNR_RANGE_DB: readonly [number, number] = [0, 20];
/** Speed factors `speed` draws from (Kaldi's 3-way perturbation uses 0.9 and 1.1). */
export const SPEED_RANGE: readonly [number, number] = [0.9, 1.1];
export const SPEED_LIMITS: readonly [number, number] = [0.5, 2];

/** The step names the parser accepts, for error messages and --help. */
export const CHANNEL_STEP_FORMS = [
  'studio',
  'telephone',
  'telephone-alaw',
  'codec',
  'codec-<K>kbps',
  'noise-<SNR>db',
  'babble-<SNR>db',
  'reverb',
  'reverb-<RT60>s',
  'gain',
  'gain+<N>db',
  'gain-<N>db',
  'speed',
  'speed-<F>',
  'pitch',
  'pitch+<S>st',
  'pitch-<S>st',
] as const;

export { ChannelError };

const NUM = '(-?\\d+(?:\\.\\d+)?)';
const uniform = (rng: RandomFn, lo: number, hi: number) => lo + (hi - lo) * rng();

function gainStep(db: number | undefined): ChannelStep {
  return {
    name: db === undefined ? 'gain' : `gain${db >= 0 ? '+' : ''}${db}db`,
    apply: async (x, ctx) => {
      const g = Math.pow(10, (db ?? uniform(ctx.rng, -GAIN_MAX_DB, GAIN_MAX_DB)) / 20);
      const out = new Float32Array(x.length);
      for (let i = 0; i < x.length; i++) out[i] = g * x[i];
      return clip(out);
    },
  };
}

function noiseStep(kind: 'noise' | 'babble', snr: number | undefined): ChannelStep {
  return {
    name: snr === undefined ? kind : `${kind}-${snr}db`,
    apply: async (x, ctx) => {
      const s = snr ?? uniform(ctx.rng, ...NOISE_SNR_RANGE_DB);
      let n: Float32Array;
      if (kind === 'noise') {
        const bank = ctx.resources.noise;
        if (!bank?.length) {
          throw new ChannelError(
            `${kind} needs noise recordings (e.g. ../shared/datasets/noise); none were given`,
          );
        }
        n = noiseSegment(randomChoice(bank, ctx.rng), x.length, ctx.rng);
      } else {
        const pool = ctx.resources.babble;
        if (!pool?.length)
          throw new ChannelError('babble needs utterances of training speakers; none were given');
        n = babble(pool, x.length, ctx.sampleRate, ctx.rng, ctx.speaker);
      }
      return mixAtSnr(x, n, s, ctx.sampleRate);
    },
  };
}

function reverbStep(rt60: number | undefined): ChannelStep {
  if (rt60 !== undefined && !(rt60 > 0 && rt60 <= 5)) {
    throw new ChannelError(`reverb RT60 must be in (0, 5] seconds, got ${rt60}`);
  }
  return {
    name: rt60 === undefined ? 'reverb' : `reverb-${rt60}s`,
    apply: async (x, ctx) => {
      const t = rt60 ?? uniform(ctx.rng, RT60_MIN_S, RT60_MAX_S);
      return applyRir(x, exponentialRir({ rt60: t, sampleRate: ctx.sampleRate }, ctx.rng));
    },
  };
}

/**
 * Speed perturbation by resampling (as Kaldi's 3-way speed perturbation): the clip is read at
 * `sampleRate * factor` and written at `sampleRate`, so it lasts 1/factor as long and every
 * frequency (F0, formants) is factor times higher. Factor 1 returns `x` itself.
 */
export async function speedPerturb(
  x: Float32Array,
  factor: number,
  sampleRate: number,
): Promise<Float32Array> {
  if (factor === 1 || x.length === 0) return x;
  return resample(x, sampleRate, Math.round(sampleRate / factor), 'medium');
}

function speedStep(factor: number | undefined): ChannelStep {
  if (factor !== undefined && !(factor >= SPEED_LIMITS[0] && factor <= SPEED_LIMITS[1])) {
    throw new ChannelError(`speed factor must be in [${SPEED_LIMITS.join(', ')}], got ${factor}`);
  }
  return {
    name: factor === undefined ? 'speed' : `speed-${factor}`,
    apply: (x, ctx) => speedPerturb(x, factor ?? uniform(ctx.rng, ...SPEED_RANGE), ctx.sampleRate),
  };
}

function pitchStep(semitones: number | undefined): ChannelStep {
  if (semitones !== undefined && !(Math.abs(semitones) <= PITCH_LIMIT_ST)) {
    throw new ChannelError(`pitch shift must be within +-${PITCH_LIMIT_ST} semitones, got ${semitones}`);
  }
  return {
    name: semitones === undefined ? 'pitch' : `pitch${semitones >= 0 ? '+' : ''}${semitones}st`,
    apply: async (x, ctx) => pitchShift(x, semitones ?? uniform(ctx.rng, ...PITCH_RANGE_ST), ctx.sampleRate),
  };
}

function codecStep(kbps: number | undefined): ChannelStep {
  const bitrate = kbps === undefined ? DEFAULT_CODEC_BITRATE : kbps * 1000;
  if (!(bitrate >= 6000 && bitrate <= 510_000)) {
    throw new ChannelError(`codec bitrate must be 6-510 kb/s, got ${bitrate / 1000}`);
  }
  return {
    name: kbps === undefined ? 'codec' : `codec-${kbps}kbps`,
    apply: async (x, ctx) => {
      const c = ctx.resources.codec;
      if (!c)
        throw new ChannelError('codec needs a lossy codec implementation (Node: src/node/channel/opus.ts)');
      return c.roundTrip(x, ctx.sampleRate, bitrate);
    },
  };
}

/** One step from its name (see the table above). */
export function parseStep(raw: string): ChannelStep {
  const s = raw.trim().toLowerCase();
  let m: RegExpExecArray | null;
  if (s === 'studio') return { name: 'studio', apply: async (x) => x };
  if (s === 'telephone' || s === 'telephone-mulaw' || s === 'telephone-alaw') {
    const law = s === 'telephone-alaw' ? 'alaw' : 'mulaw';
    return {
      name: law === 'alaw' ? 'telephone-alaw' : 'telephone',
      apply: (x, ctx) => telephone(x, ctx.sampleRate, law),
    };
  }
  if (s === 'codec') return codecStep(undefined);
  if ((m = new RegExp(`^codec-${NUM}kbps$`).exec(s))) return codecStep(Number(m[1]));
  if (s === 'noise' || s === 'babble') return noiseStep(s, undefined);
  if ((m = new RegExp(`^(noise|babble)-${NUM}db$`).exec(s))) return noiseStep(m[1] as 'noise', Number(m[2]));
  if (s === 'reverb') return reverbStep(undefined);
  if ((m = new RegExp(`^reverb-${NUM}s$`).exec(s))) return reverbStep(Number(m[1]));
  if (s === 'speed') return speedStep(undefined);
  if ((m = new RegExp(`^speed-${NUM}$`).exec(s))) return speedStep(Number(m[1]));
  if (s === 'pitch') return pitchStep(undefined);
  if ((m = /^pitch([+-]\d+(?:\.\d+)?)st$/.exec(s))) return pitchStep(Number(m[1]));
  if (s === 'gain') return gainStep(undefined);
  if ((m = /^gain([+-]\d+(?:\.\d+)?)db$/.exec(s))) {
    const db = Number(m[1]);
    if (Math.abs(db) > 60) throw new ChannelError(`gain must be within +-60 dB, got ${db}`);
    return gainStep(db);
  }
  throw new ChannelError(`unknown channel step '${raw}' (accepted: ${CHANNEL_STEP_FORMS.join(', ')})`);
}

/** A condition: steps joined by '+' (a '+' followed by a digit belongs to its step, `gain+6db`, `pitch+2st`). */
export function parseChannel(name: string): ChannelChain {
  const parts = name
    .trim()
    .split(/\+(?=[a-z])/i)
    .filter((p) => p.trim() !== '');
  if (parts.length === 0)
    throw new ChannelError(`empty channel condition (accepted: ${CHANNEL_STEP_FORMS.join(', ')})`);
  return { name: name.trim(), steps: parts.map(parseStep) };
}

/** A comma-separated list of conditions, e.g. 'studio,telephone,noise-10db'. Names must be unique. */
export function parseChannelList(list: string): ChannelChain[] {
  const chains = list
    .split(',')
    .map((c) => c.trim())
    .filter((c) => c !== '')
    .map(parseChannel);
  if (chains.length === 0)
    throw new ChannelError('no channel conditions given (e.g. studio,telephone,noise-10db)');
  const seen = new Set<string>();
  for (const c of chains) {
    if (seen.has(c.name)) throw new ChannelError(`channel condition '${c.name}' is listed twice`);
    seen.add(c.name);
  }
  return chains;
}

/** Which resources a chain needs ('codec', 'noise', 'babble'), so callers load only those. */
export function chainNeeds(chain: ChannelChain): Set<keyof ChannelResources> {
  const need = new Set<keyof ChannelResources>();
  for (const s of chain.steps) {
    if (s.name.startsWith('codec')) need.add('codec');
    else if (s.name.startsWith('noise')) need.add('noise');
    else if (s.name.startsWith('babble')) need.add('babble');
  }
  return need;
}

/** A 32-bit seed for one clip under one run seed: FNV-1a over the seed and the clip key. */
export function clipSeed(seed: number, key: string | number): number {
  let h = 0x811c9dc5 ^ (seed >>> 0);
  h = Math.imul(h, 0x01000193);
  for (const ch of String(key)) {
    h ^= ch.codePointAt(0)!;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export interface ApplyOptions {
  /** Seed of this clip (see clipSeed). */
  seed: number;
  resources?: ChannelResources;
  speaker?: string;
}

/** Runs `x` through the chain's steps in order; the input is never modified. */
export async function applyChannel(
  chain: ChannelChain,
  x: Float32Array,
  sampleRate: number,
  o: ApplyOptions,
): Promise<Float32Array> {
  const ctx: ChannelContext = {
    sampleRate,
    rng: seededRng(o.seed),
    resources: o.resources ?? {},
    speaker: o.speaker,
  };
  let y = x;
  for (const s of chain.steps) y = await s.apply(y, ctx);
  return y === x ? new Float32Array(x) : y;
}
