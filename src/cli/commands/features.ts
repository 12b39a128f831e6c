/**
 * `emovox features FILE --kind mfcc|logmel [--n-mfcc N] [--n-mels N] [--n-fft N] [--win-ms MS]
 * [--hop-ms MS] [--json]`: the feature matrix of one audio file, as JSON (frames-major) or as
 * a short human summary.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import {
  DEFAULT_FEATURE_CONFIG,
  extractFeatures,
  FeatureConfigError,
  msToSamples,
  parseFeatureConfig,
  type FeatureConfig,
  type FeatureMatrix,
} from '../../core/features/index.js';
import { decodeFile, type DecodedAudio } from '../../node/decode.js';

export interface FeaturesOptions {
  kind: 'mfcc' | 'logmel';
  nMfcc: number;
  nMels: number;
  nFft: number;
  winMs: number;
  hopMs: number;
  json?: boolean;
}

const D = DEFAULT_FEATURE_CONFIG;
const DEFAULTS_HELP = `
Defaults: ${D.sampleRate / 1000} kHz, 25 ms Hann window (${D.winLength} samples), 10 ms hop (${D.hopLength} samples),
n_fft ${D.nFft}, ${D.nMels} mels (Slaney scale and Slaney area norm, 0 Hz to Nyquist), ${D.nMfcc} MFCC
(orthonormal DCT-II), power-to-dB with top_db ${D.topDb}, centred frames with constant (zero) padding.
Conventions follow torchaudio MelSpectrogram / MFCC; audio is decoded and resampled to ${D.sampleRate / 1000} kHz mono.`;

function positiveInt(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a positive integer.`);
    return n;
  };
}

function positiveMs(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0)
    throw new InvalidArgumentError('must be a positive number of milliseconds.');
  return n;
}

/** The FeatureConfig the command line describes; user-facing errors name the flags. */
export function configFromOptions(o: FeaturesOptions): FeatureConfig {
  const sampleRate = D.sampleRate;
  const winLength = msToSamples(o.winMs, sampleRate);
  const hopLength = msToSamples(o.hopMs, sampleRate);
  if (winLength > o.nFft) {
    throw new FeatureConfigError(
      `--win-ms ${o.winMs} is ${winLength} samples at ${sampleRate} Hz, longer than --n-fft ${o.nFft}; ` +
        `shorten the window or raise --n-fft to ${2 ** Math.ceil(Math.log2(winLength))}`,
    );
  }
  if (o.kind === 'mfcc' && o.nMfcc > o.nMels) {
    throw new FeatureConfigError(`--n-mfcc ${o.nMfcc} must not exceed --n-mels ${o.nMels}`);
  }
  try {
    return parseFeatureConfig({
      kind: o.kind,
      nMfcc: o.nMfcc,
      nMels: o.nMels,
      nFft: o.nFft,
      winLength,
      hopLength,
    });
  } catch (err) {
    if (err instanceof FeatureConfigError && /nFft/.test(err.message)) {
      throw new FeatureConfigError(
        `--n-fft ${o.nFft} is not accepted: use a power of two (256, 512, 1024, ...)`,
      );
    }
    throw err;
  }
}

/** Rounds a float32 to the shortest decimal that still reads back as the same float32 (<= 9 digits). */
function float32Json(v: number): number {
  for (let digits = 6; digits < 9; digits++) {
    const r = Number(v.toPrecision(digits));
    if (Math.fround(r) === v) return r;
  }
  return Number(v.toPrecision(9));
}

export function toJson(file: string, cfg: FeatureConfig, m: FeatureMatrix): string {
  const data: number[][] = [];
  for (let t = 0; t < m.frames; t++) {
    data.push(Array.from(m.data.subarray(t * m.coeffs, (t + 1) * m.coeffs), float32Json));
  }
  return JSON.stringify({
    file,
    kind: cfg.kind,
    sampleRate: cfg.sampleRate,
    shape: [m.frames, m.coeffs],
    data,
  });
}

/** Mean of every coefficient over the frames. */
function coefficientMeans(m: FeatureMatrix): Float64Array {
  const means = new Float64Array(m.coeffs);
  for (let i = 0; i < m.data.length; i++) means[i % m.coeffs] += m.data[i];
  return means.map((v) => v / m.frames);
}

export function summary(file: string, audio: DecodedAudio, cfg: FeatureConfig, m: FeatureMatrix): string {
  const means = coefficientMeans(m);
  let lo = 0;
  let hi = 0;
  means.forEach((v, i) => {
    if (v < means[lo]) lo = i;
    if (v > means[hi]) hi = i;
  });
  let min = Infinity;
  let max = -Infinity;
  for (const v of m.data) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const name = cfg.kind === 'mfcc' ? 'MFCC' : 'log-mel (dB)';
  const prefix = cfg.kind === 'mfcc' ? 'c' : 'mel';
  const ms = (n: number) => `${+((n / cfg.sampleRate) * 1000).toFixed(2)} ms`;
  const s = audio.source;
  return [
    file,
    `  audio        ${(audio.samples.length / audio.sampleRate).toFixed(3)} s at ${audio.sampleRate} Hz ` +
      `(source: ${s.codec} in ${s.container}, ${s.sampleRate} Hz, ${s.channels} channel${s.channels === 1 ? '' : 's'})`,
    `  features     ${name}: ${m.frames} frames x ${m.coeffs} coefficients`,
    `  parameters   n_fft ${cfg.nFft}, window ${cfg.window} ${cfg.winLength} samples (${ms(cfg.winLength)}), ` +
      `hop ${cfg.hopLength} samples (${ms(cfg.hopLength)}), ${cfg.nMels} ${cfg.melScale} mels` +
      (cfg.kind === 'mfcc' ? `, ${cfg.nMfcc} MFCC` : ''),
    `  means        per-coefficient mean from ${means[lo].toFixed(2)} (${prefix}${lo}) to ${means[hi].toFixed(2)} (${prefix}${hi})`,
    `  values       min ${min.toFixed(2)}, max ${max.toFixed(2)}`,
  ].join('\n');
}

/** Decodes the file and returns what the command prints. */
export async function runFeatures(file: string, o: FeaturesOptions): Promise<string> {
  const cfg = configFromOptions(o);
  const audio = await decodeFile(file, { targetSampleRate: cfg.sampleRate, allowSilence: true });
  const m = extractFeatures(audio.samples, cfg);
  return o.json ? toJson(file, cfg, m) : summary(file, audio, cfg, m);
}

export function register(program: Command): void {
  program
    .command('features')
    .description('Compute MFCC or log-mel features of an audio file')
    .argument('<file>', 'audio file (WAV, FLAC, MP3, Ogg Vorbis/Opus, WebM, M4A)')
    .addOption(new Option('--kind <kind>', 'feature kind').choices(['mfcc', 'logmel']).default(D.kind))
    .option('--n-mfcc <N>', 'number of cepstral coefficients', positiveInt('--n-mfcc'), D.nMfcc)
    .option('--n-mels <N>', 'number of mel bands', positiveInt('--n-mels'), D.nMels)
    .option('--n-fft <N>', 'FFT size in samples (a power of two)', positiveInt('--n-fft'), D.nFft)
    .option('--win-ms <MS>', 'window length in milliseconds', positiveMs, 25)
    .option('--hop-ms <MS>', 'hop between frames in milliseconds', positiveMs, 10)
    .option('--json', 'print {"file","kind","sampleRate","shape":[frames,coefficients],"data":[[...],...]}')
    .addHelpText('after', DEFAULTS_HELP)
    .action(async (file: string, o: FeaturesOptions) => {
      process.stdout.write((await runFeatures(file, o)) + '\n');
    });
}
