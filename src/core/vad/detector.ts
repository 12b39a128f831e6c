/**
 * Voice activity detection of our own: energy and spectral features of 40 ms frames every
 * 10 ms against a noise floor tracked per frequency bin (minimum statistics, noise-floor.ts),
 * so steady noise, mains hum and its harmonics, fans and running water are absorbed by the
 * floor; speech is what rises above it AND is periodic at a voice pitch (80-400 Hz), measured
 * on the floor-subtracted spectrum (autocorrelation from the power spectrum, below 1.5 kHz).
 *
 * A segment opens when `onsetVoicedFrames` of the last `onsetFrames` frames are voiced, and
 * reaches back over the active (above-floor) frames just before (unvoiced onsets); it closes
 * `hangoverSec` after the last active frame and ends there. The first `primeSec` of a stream
 * are buffered to prime the floor (a clip that starts mid-word is not mistaken for the floor).
 *
 * Why our own and not Silero VAD: a packaged Silero model needs onnxruntime (a ~100 MB native
 * or wasm runtime) next to tfjs, for one small job; this detector is ~300 lines, costs about
 * 1 ms of CPU per second of audio, runs unchanged in Node and the browser, and is measured
 * against noise by `npm run bench:vad`.
 *
 * Cost per 10 ms frame at 16 kHz: one 1024-point real FFT whose power spectrum is kept only
 * up to 4 kHz (the bins the SNR and the periodicity look at), a noise floor over those bins
 * whose running minimum over the finished blocks is updated once a block, and, where it can
 * change a decision, the autocorrelation at every pitch lag by one 512-point DCT-I. Nothing is
 * allocated per frame.
 *
 * Platform-neutral; streaming (`push` chunks of any length, `flush` at the end) and whole-signal
 * (`detectSpeech`) use the same code, so a file and its stream give the same segments.
 */
import {
  evenRealFftInto,
  nextPow2,
  powerSpectrumInto,
  realFftPlan,
  type RealFftPlan,
} from '../features/fft.js';
import { makeWindow } from '../features/window.js';
import { NoiseFloor } from './noise-floor.js';

export interface SpeechSegment {
  /** Start and end of the speech in seconds from the start of the stream. */
  startSec: number;
  endSec: number;
}

export type VadEvent =
  { type: 'speech-start'; startSec: number } | { type: 'speech-end'; segment: SpeechSegment };

export interface VadOptions {
  /** Sample rate of the samples pushed (Hz, 8000..48000). */
  sampleRate: number;
  /** Analysis frame length and hop, seconds. */
  frameSec: number;
  hopSec: number;
  /** Audio buffered at the start of a stream to prime the noise floor. */
  primeSec: number;
  /** A frame is active when its 300-4000 Hz power is this far above the floor (dB). */
  activeSnrDb: number;
  /** A voiced frame: above the floor by voicedSnrDb and periodic by at least `periodicity`. */
  voicedSnrDb: number;
  periodicity: number;
  /** Frames quieter than this (RMS, dB full scale) are never speech. */
  minLevelDb: number;
  /** Pitch range searched for periodicity (Hz). */
  minPitchHz: number;
  maxPitchHz: number;
  /** Onset: this many voiced frames among the last onsetFrames. */
  onsetFrames: number;
  onsetVoicedFrames: number;
  /** How far before the onset a segment may reach back over active frames (s). */
  lookbackSec: number;
  /** Silence (no active frame) that closes a segment (s). */
  hangoverSec: number;
  /** Longer speech is cut into segments of at most this length (s). */
  maxSegmentSec: number;
}

export const DEFAULT_VAD_OPTIONS: Omit<VadOptions, 'sampleRate'> = {
  frameSec: 0.04,
  hopSec: 0.01,
  primeSec: 0.5,
  activeSnrDb: 4,
  voicedSnrDb: 3,
  periodicity: 0.5,
  minLevelDb: -60,
  minPitchHz: 75,
  maxPitchHz: 400,
  onsetFrames: 12,
  onsetVoicedFrames: 6,
  lookbackSec: 0.3,
  hangoverSec: 0.2,
  maxSegmentSec: 30,
};

/** Upper edge of the band whose autocorrelation measures periodicity (Hz). */
const PERIODICITY_MAX_HZ = 1500;
/** Band of the speech SNR (Hz). */
const SNR_BAND_HZ: [number, number] = [300, 4000];

/** The floor is the running minimum times this (the minimum of a fluctuating power lies below its mean). */
const FLOOR_BIAS = 2.5;

/** The primed floor is this quantile of the first frames' smoothed power, per bin. */
const PRIME_QUANTILE = 0.1;

/**
 * Per bin, the q-quantile of the frames' values times `bias`, skipping the filter's first
 * frames. `frames` holds `count` rows of `bins` values one after the other. The quantile is
 * the (at + 1)-th smallest value, kept by insertion into a sorted list of at + 1 (no sort of
 * every column).
 */
function primedFloor(
  frames: Float64Array,
  count: number,
  bins: number,
  q: number,
  bias: number,
): Float64Array {
  const skip = count > 10 ? 5 : 0;
  const use = count - skip;
  const out = new Float64Array(bins);
  const at = Math.min(use - 1, Math.floor(q * use));
  const low = new Float64Array(at + 1);
  for (let k = 0; k < bins; k++) {
    let n = 0;
    for (let i = 0; i < use; i++) {
      const v = frames[(skip + i) * bins + k];
      if (n === at + 1 && !(v < low[at])) continue;
      let j = n === at + 1 ? at : n++;
      while (j > 0 && low[j - 1] > v) {
        low[j] = low[j - 1];
        j--;
      }
      low[j] = v;
    }
    out[k] = low[at] * bias;
  }
  return out;
}

/** What the detector measured on one frame (for tests, benches and tuning). */
export interface FrameFeatures {
  levelDb: number;
  snrDb: number;
  /**
   * 0 when not computed: the frame is too quiet to be voiced, or active inside an open segment
   * (where `voiced` is then false: it would decide nothing).
   */
  periodicity: number;
  active: boolean;
  voiced: boolean;
}

/**
 * Autocorrelation at the pitch lags from a power spectrum: r[l] = sum_k p[k] cos(2 pi k l / n)
 * for every lag at once by a DCT-I of n / 2 points (evenRealFftInto, one real FFT of n / 2),
 * instead of a cosine table of lags x bins (about 16,600 multiply-adds a frame at 16 kHz).
 */
class PitchCorrelator {
  private readonly winCorr: Float64Array;
  private readonly lags: number;
  readonly bins: number;
  private readonly minLag: number;
  /** DCT-I output: 2 r[l] for l = 0 .. minLag + lags - 1. */
  private readonly r: Float64Array;

  constructor(sampleRate: number, nFft: number, window: Float64Array, o: VadOptions) {
    this.minLag = Math.max(2, Math.floor(sampleRate / o.maxPitchHz));
    const maxLag = Math.ceil(sampleRate / o.minPitchHz);
    this.lags = maxLag - this.minLag + 1;
    this.bins = Math.min(nFft / 2, Math.ceil((PERIODICITY_MAX_HZ * nFft) / sampleRate));
    this.r = new Float64Array(maxLag + 1);
    // The window's own autocorrelation shrinks long lags; divide it out (Boersma 1993).
    let w0 = 0;
    for (let i = 0; i < window.length; i++) w0 += window[i] * window[i];
    this.winCorr = new Float64Array(this.lags);
    for (let l = 0; l < this.lags; l++) {
      const lag = this.minLag + l;
      let s = 0;
      for (let i = 0; i + lag < window.length; i++) s += window[i] * window[i + lag];
      this.winCorr[l] = Math.max(s / w0, 0.1);
    }
  }

  /**
   * Largest normalised autocorrelation over the pitch lags of the spectrum `p`, which holds
   * nFft / 2 + 1 values: bins 1 .. bins - 1 count, p[0] and the bins from `bins` on must be 0.
   */
  periodicity(p: Float64Array): number {
    const { bins, lags, minLag, r } = this;
    let r0 = 0;
    for (let k = 1; k < bins; k++) r0 += p[k];
    if (!(r0 > 0)) return 0;
    evenRealFftInto(p, r, r.length);
    let best = 0;
    for (let l = 0; l < lags; l++) {
      const v = (0.5 * r[minLag + l]) / r0 / this.winCorr[l];
      if (v > best) best = v;
    }
    return Math.min(best, 1);
  }
}

const tables = new Map<string, { window: Float64Array; pitch: PitchCorrelator }>();

/**
 * The analysis window (frameLen samples of Hann, zero-padded to nFft) and the pitch correlator,
 * computed once per configuration: read-only, shared by every detector (the correlator's
 * scratch is used within one synchronous call only).
 */
function analysisTables(
  sampleRate: number,
  nFft: number,
  frameLen: number,
  o: VadOptions,
): { window: Float64Array; pitch: PitchCorrelator } {
  const key = `${sampleRate}:${nFft}:${frameLen}:${o.minPitchHz}:${o.maxPitchHz}`;
  let t = tables.get(key);
  if (!t) {
    const window = new Float64Array(nFft);
    window.set(makeWindow('hann', frameLen));
    t = { window, pitch: new PitchCorrelator(sampleRate, nFft, window, o) };
    tables.set(key, t);
  }
  return t;
}

/**
 * Streaming voice activity detector. `push(samples)` returns the events the new audio decided
 * (speech-start when an onset is confirmed, speech-end with the finished segment); `flush()`
 * closes an open segment at the end of the stream.
 */
export class VoiceActivityDetector {
  readonly options: VadOptions;
  private readonly frameLen: number;
  private readonly hop: number;
  private readonly nFft: number;
  private readonly plan: RealFftPlan;
  private readonly window: Float64Array;
  private readonly frameBuf: Float64Array;
  private readonly power: Float64Array;
  private readonly clean: Float64Array;
  private readonly floor: NoiseFloor;
  private readonly pitch: PitchCorrelator;
  private readonly snrBins: [number, number];
  /** Samples not yet framed (fewer than a frame, or the overlap of the next one). */
  private pending: Float32Array;
  private pendingLen = 0;
  /** Index of the next frame to analyse. */
  private frameIndex = 0;
  /** Bins the detector looks at (the SNR band and the periodicity band); the rest is not kept. */
  private readonly bins: number;
  /**
   * The first `primeFrames` frames' power spectra and smoothed spectra (rows of `bins`) and
   * levels, kept until the floor is primed, then decided; `primeCount` of them so far.
   */
  private readonly primeBuf: { power: Float64Array; smoothed: Float64Array; level: Float64Array };
  private primeCount = 0;
  /** False until the floor is primed (the first primeSec of the stream). */
  private primed = false;
  private readonly primeFrames: number;
  /** Recent frames' activity (for the onset rule and the look-back). */
  private readonly recent: Uint8Array;
  private readonly lookbackFrames: number;
  private readonly hangoverFrames: number;
  private readonly maxSegmentFrames: number;
  private inSpeech = false;
  private segStart = 0;
  private lastActive = -1;
  /** What the last decided frame measured (one object, overwritten frame by frame). */
  private readonly frame: FrameFeatures = {
    levelDb: 0,
    snrDb: 0,
    periodicity: 0,
    active: false,
    voiced: false,
  };
  /** Features of the last frame decided (tests, benches); overwritten by the next frame. */
  lastFeatures: FrameFeatures | null = null;
  /** Called for every decided frame, in order (bench and tuning hook); `f` is reused. */
  onFrame: ((index: number, f: FrameFeatures) => void) | null = null;

  constructor(opts: Partial<VadOptions> & { sampleRate: number }) {
    const o: VadOptions = { ...DEFAULT_VAD_OPTIONS, ...opts };
    if (!Number.isFinite(o.sampleRate) || o.sampleRate < 8000 || o.sampleRate > 48000) {
      throw new RangeError(`VAD sample rate must be 8000..48000 Hz, got ${o.sampleRate}`);
    }
    this.options = o;
    const sr = o.sampleRate;
    this.frameLen = Math.round(o.frameSec * sr);
    this.hop = Math.round(o.hopSec * sr);
    const maxLag = Math.ceil(sr / o.minPitchHz);
    const n = nextPow2(this.frameLen + maxLag);
    this.nFft = n;
    this.plan = realFftPlan(n);
    const tables = analysisTables(sr, n, this.frameLen, o);
    this.window = tables.window;
    this.pitch = tables.pitch;
    this.frameBuf = new Float64Array(n);
    this.power = new Float64Array(n / 2 + 1);
    this.clean = new Float64Array(n / 2 + 1);
    const bin = (hz: number) => Math.min(n / 2, Math.max(1, Math.round((hz * n) / sr)));
    this.snrBins = [bin(SNR_BAND_HZ[0]), bin(Math.min(SNR_BAND_HZ[1], sr / 2 - 1))];
    this.bins = Math.max(this.snrBins[1] + 1, this.pitch.bins);
    this.floor = new NoiseFloor(this.bins, {
      smoothing: 0.85,
      blockFrames: Math.max(1, Math.round(0.125 / o.hopSec)),
      blocks: 8,
      bias: FLOOR_BIAS,
    });
    this.pending = new Float32Array(Math.max(this.frameLen, 4096));
    this.primeFrames = Math.max(1, Math.round(o.primeSec / o.hopSec));
    this.primeBuf = {
      power: new Float64Array(this.primeFrames * this.bins),
      smoothed: new Float64Array(this.primeFrames * this.bins),
      level: new Float64Array(this.primeFrames),
    };
    this.lookbackFrames = Math.round(o.lookbackSec / o.hopSec);
    this.recent = new Uint8Array(Math.max(this.lookbackFrames, o.onsetFrames) + 1);
    this.hangoverFrames = Math.max(1, Math.round(o.hangoverSec / o.hopSec));
    this.maxSegmentFrames = Math.max(1, Math.round(o.maxSegmentSec / o.hopSec));
  }

  /** Back to the state of a new detector (same options), keeping its buffers. */
  reset(): void {
    this.pendingLen = 0;
    this.frameIndex = 0;
    this.primeCount = 0;
    this.primed = false;
    this.recent.fill(0);
    this.inSpeech = false;
    this.segStart = 0;
    this.lastActive = -1;
    this.lastFeatures = null;
    this.floor.reset();
  }

  /** Seconds of audio analysed so far (frames decided, priming included). */
  get decidedSec(): number {
    return !this.primed ? 0 : (this.frameIndex * this.hop) / this.options.sampleRate;
  }

  /** True while a segment is open. */
  get speaking(): boolean {
    return this.inSpeech;
  }

  /** Start of the open segment (s), or null. */
  get openSegmentStartSec(): number | null {
    return this.inSpeech ? this.frameStartSec(this.segStart) : null;
  }

  private frameStartSec(i: number): number {
    // A frame stands for the hop at its centre.
    return Math.max(0, (i * this.hop + this.frameLen / 2 - this.hop / 2) / this.options.sampleRate);
  }

  private frameEndSec(i: number): number {
    return (i * this.hop + this.frameLen / 2 + this.hop / 2) / this.options.sampleRate;
  }

  /** Feeds samples (any length); returns the events they decided. */
  push(samples: Float32Array): VadEvent[] {
    const events: VadEvent[] = [];
    let i = 0;
    while (i < samples.length) {
      const take = Math.min(samples.length - i, this.pending.length - this.pendingLen);
      this.pending.set(samples.subarray(i, i + take), this.pendingLen);
      this.pendingLen += take;
      i += take;
      let off = 0;
      while (this.pendingLen - off >= this.frameLen) {
        this.analyse(this.pending, off, events);
        off += this.hop;
      }
      this.pending.copyWithin(0, off, this.pendingLen);
      this.pendingLen -= off;
    }
    return events;
  }

  /** End of stream: decides the frames still buffered and closes an open segment. */
  flush(): VadEvent[] {
    const events: VadEvent[] = [];
    if (this.pendingLen > 0) {
      // The tail, zero-padded to one frame.
      const tail = new Float32Array(this.frameLen);
      tail.set(this.pending.subarray(0, this.pendingLen));
      this.pendingLen = 0;
      this.analyse(tail, 0, events);
    }
    if (!this.primed) this.endPriming(events);
    if (this.inSpeech) this.close(events);
    return events;
  }

  private analyse(x: Float32Array, offset: number, events: VadEvent[]): void {
    const buf = this.frameBuf;
    let energy = 0;
    for (let j = 0; j < this.frameLen; j++) {
      const v = x[offset + j];
      buf[j] = v;
      energy += v * v;
    }
    const level = 10 * Math.log10(energy / this.frameLen + 1e-20);
    powerSpectrumInto(this.plan, buf, this.power, 2, 0, 0, this.window, this.bins);
    this.floor.update(this.power);
    if (!this.primed) {
      const pr = this.primeBuf;
      const at = this.primeCount * this.bins;
      pr.power.set(this.power.subarray(0, this.bins), at);
      pr.smoothed.set(this.floor.smoothedPower, at);
      pr.level[this.primeCount++] = level;
      if (this.primeCount >= this.primeFrames) this.endPriming(events);
      return;
    }
    this.decide(this.power, level, events);
  }

  private endPriming(events: VadEvent[]): void {
    const pr = this.primeBuf;
    const count = this.primeCount;
    this.primed = true;
    if (count === 0) return;
    this.floor.prime(primedFloor(pr.smoothed, count, this.bins, PRIME_QUANTILE, 2));
    for (let i = 0; i < count; i++)
      this.decide(pr.power.subarray(i * this.bins, (i + 1) * this.bins), pr.level[i], events);
  }

  /**
   * Features of one frame (its spectrum's first `bins` values) against the current floor, into
   * `this.frame` (reused: no allocation per frame). The periodicity is left at 0 (not computed)
   * where it cannot change a decision: frames too quiet to be voiced (most of the silence), and
   * active frames inside an open segment (they keep it open whether voiced or not, and the
   * onset rule never looks back at them: a segment closes only `hangoverSec` after its last
   * active frame, longer than the onset window).
   */
  private features(p: Float64Array, level: number): FrameFeatures {
    const fl = this.floor.floor;
    let sig = 0;
    let noise = 0;
    for (let k = this.snrBins[0]; k <= this.snrBins[1]; k++) {
      sig += p[k];
      noise += fl[k];
    }
    const snrDb = 10 * Math.log10((sig + 1e-20) / (noise + 1e-20));
    const o = this.options;
    const loud = level > o.minLevelDb;
    const active = loud && snrDb > o.activeSnrDb;
    let periodicity = 0;
    if (loud && snrDb > o.voicedSnrDb && !(active && this.inSpeech)) {
      const c = this.clean;
      for (let k = 1; k < this.pitch.bins; k++) c[k] = Math.max(0, p[k] - fl[k]);
      periodicity = this.pitch.periodicity(c);
    }
    const f = this.frame;
    f.levelDb = level;
    f.snrDb = snrDb;
    f.periodicity = periodicity;
    f.active = active;
    f.voiced = loud && snrDb > o.voicedSnrDb && periodicity > o.periodicity;
    return f;
  }

  private decide(p: Float64Array, level: number, events: VadEvent[]): void {
    const f = this.features(p, level);
    const t = this.frameIndex++;
    this.lastFeatures = f;
    this.onFrame?.(t, f);
    const r = this.recent;
    r[t % r.length] = (f.active || f.voiced ? 1 : 0) | (f.voiced ? 2 : 0);
    if (f.active || f.voiced) this.lastActive = t;
    const o = this.options;
    if (!this.inSpeech) {
      let voiced = 0;
      for (let j = 0; j < o.onsetFrames && j <= t; j++) if (r[(t - j) % r.length] & 2) voiced++;
      if (voiced >= o.onsetVoicedFrames) {
        // Reach back over the active frames before the onset (unvoiced consonants, attack).
        let s = t;
        const limit = Math.max(0, t - Math.max(this.lookbackFrames, o.onsetFrames));
        while (s - 1 >= limit && r[(s - 1) % r.length] & 1) s--;
        // ... but not before the frames that made the onset.
        for (let j = o.onsetFrames - 1; j >= 0; j--) {
          const k = t - j;
          if (k >= 0 && r[k % r.length] & 1 && k < s) s = k;
        }
        this.inSpeech = true;
        this.segStart = s;
        events.push({ type: 'speech-start', startSec: this.frameStartSec(s) });
      }
      return;
    }
    if (t - this.lastActive > this.hangoverFrames) this.close(events);
    else if (t - this.segStart + 1 >= this.maxSegmentFrames) {
      // Cut a long stretch of speech; the next segment starts on the next frame.
      events.push({
        type: 'speech-end',
        segment: { startSec: this.frameStartSec(this.segStart), endSec: this.frameEndSec(t) },
      });
      this.segStart = t + 1;
      events.push({ type: 'speech-start', startSec: this.frameStartSec(t + 1) });
    }
  }

  private close(events: VadEvent[]): void {
    this.inSpeech = false;
    const end = Math.max(this.lastActive, this.segStart);
    events.push({
      type: 'speech-end',
      segment: { startSec: this.frameStartSec(this.segStart), endSec: this.frameEndSec(end) },
    });
  }
}

/** Detectors detectSpeech reuses (reset between signals), by sample rate and options. */
const wholeSignalDetectors = new Map<string, VoiceActivityDetector>();

/**
 * Speech segments of a whole signal (the streaming detector run over it in one go). The
 * detector is reused from call to call (reset, not rebuilt: no buffers to allocate per clip).
 */
export function detectSpeech(
  samples: Float32Array,
  sampleRate: number,
  opts: Partial<Omit<VadOptions, 'sampleRate'>> = {},
): SpeechSegment[] {
  const key = `${sampleRate}:${JSON.stringify(opts)}`;
  let vad = wholeSignalDetectors.get(key);
  if (vad) vad.reset();
  else {
    vad = new VoiceActivityDetector({ ...opts, sampleRate });
    if (wholeSignalDetectors.size >= 8) wholeSignalDetectors.clear();
    wholeSignalDetectors.set(key, vad);
  }
  const events = [...vad.push(samples), ...vad.flush()];
  return events.flatMap((e) => (e.type === 'speech-end' ? [e.segment] : []));
}
