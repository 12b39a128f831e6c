/**
 * The library's model: one object that loads a bundle (the package's default, a bundled name or
 * a folder), decodes files, resamples signals and classifies them, and keeps speaker profiles.
 * It wraps the platform-neutral Predictor (src/core/predict.ts) with Node's file decoding.
 */
import { existsSync, readdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MANIFEST_FILE } from '../core/bundle.js';
import { resample } from '../core/audio/resample.js';
import { PredictError, Predictor, type Prediction, type TimelineSegment } from '../core/predict.js';
import { SpeakerProfile, type SpeakerProfileJSON } from '../core/speaker-profile.js';
import { EmovoxError } from '../core/errors.js';
import { initBackend, type BackendName } from './backend.js';
import { loadBundleFromDir } from './bundle-io.js';
import { decodeFile, decodeFileStream } from './decode.js';
import { speechTimeline, type SpeechTimelineEntry } from '../core/speech-timeline.js';
import { requireSpeech } from '../core/vad/index.js';
import { summariseBundle } from './server/bundle-summary.js';

/** The installed package's root (the same relative path from src/ and dist/). */
export const PACKAGE_ROOT = resolve(fileURLToPath(new URL('../../', import.meta.url)));
/** Where the package's own bundles are: models/<name>/. */
export const BUNDLED_MODELS_DIR = join(PACKAGE_ROOT, 'models');
/** The bundle loadModel() loads when given nothing. */
export const DEFAULT_MODEL_NAME = 'default';

/** No bundle where one was asked for (user-facing). */
export class ModelNotFoundError extends EmovoxError {
  constructor(message: string) {
    super('NO_MODEL', message);
  }
}

/** The names of the bundles shipped in the package's models/ folder. */
export function bundledModelNames(): string[] {
  if (!existsSync(BUNDLED_MODELS_DIR)) return [];
  return readdirSync(BUNDLED_MODELS_DIR)
    .filter((n) => existsSync(join(BUNDLED_MODELS_DIR, n, MANIFEST_FILE)))
    .sort();
}

const PLAIN_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/**
 * The bundle folder `source` names: nothing = the package's models/default; a folder holding
 * emovox.json; or the name of a bundle shipped in the package (e.g. 'emodb' or 'emodb-ravdess').
 * Throws ModelNotFoundError naming what was tried and what exists.
 */
export function resolveModelDir(source?: string): string {
  const name = source ?? DEFAULT_MODEL_NAME;
  const candidates: string[] = [];
  if (source !== undefined) candidates.push(resolve(source));
  if (PLAIN_NAME.test(name)) candidates.push(join(BUNDLED_MODELS_DIR, name));
  const found = candidates.find((c) => existsSync(join(c, MANIFEST_FILE)));
  if (found) return found;
  const bundled = bundledModelNames();
  throw new ModelNotFoundError(
    `no model bundle at ${candidates.join(' or ')} (no ${MANIFEST_FILE}); train one with emovox train and ` +
      `give its folder (--model DIR in the CLI), or use a bundled name (${bundled.length > 0 ? bundled.join(', ') : 'none installed'})`,
  );
}

export interface LoadModelOptions {
  /** tfjs backend (default 'wasm'; 'cpu' is pure JavaScript and slow). */
  backend?: BackendName;
  /** Name in answers and stored rows (default: the bundle folder's name). */
  id?: string;
}

/** What a model is, for display and logs. */
export interface ModelInfo {
  id: string;
  /** The bundle folder. */
  dir: string;
  kind: Predictor['kind'];
  labels: string[];
  /** The training corpora, as the manifest names them (e.g. ['emodb', 'ravdess']). */
  corpora: string[];
  /** e.g. "German + English, 6 emotions". */
  title: string;
  /** Sample rate predict() expects (other rates are resampled). */
  sampleRate: number;
  /** Clips of one speaker needed before predictions adapt to them; null when the model never adapts. */
  minSpeakerUtterances: number | null;
  /** The model card: its first heading and first paragraph, and the whole Markdown text. */
  card: { title: string; summary: string; markdown: string };
}

export interface SignalOptions {
  /** Sample rate of `samples` in Hz (default: the model's, see `sampleRate`); other rates are resampled. */
  sampleRate?: number;
}

export interface PredictSignalOptions extends SignalOptions {
  /** The speaker's profile: adapts the prediction once it holds minSpeakerUtterances clips. */
  profile?: SpeakerProfile;
}

export interface PredictFileOptions {
  /**
   * Who speaks: the clip joins this speaker's profile kept by the model (in memory, see
   * `speakerProfile()`), and the prediction adapts once the profile holds enough clips.
   */
  speaker?: string;
  /** Or a profile of your own, used as is (not updated). */
  profile?: SpeakerProfile;
}

export interface TimelineOptions extends PredictSignalOptions {
  /** Segment length in seconds (default: the deep member's window, 3 s without one). */
  windowSec?: number;
  /** Step between segments in seconds (default: half the window). */
  hopSec?: number;
}

function firstParagraph(markdown: string): { title: string; summary: string } {
  const lines = markdown.split('\n');
  const heading = lines.find((l) => l.startsWith('# '));
  const paragraphs = markdown
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter((p) => p && !p.startsWith('#'));
  return {
    title: heading ? heading.slice(2).trim() : '',
    summary: (paragraphs[0] ?? '').replace(/\s+/g, ' '),
  };
}

/** A loaded emotion model. Create it with loadModel(). */
export class EmotionModel {
  /** The speakers' profiles built by predictFile({ speaker }). */
  private readonly profiles = new Map<string, SpeakerProfile>();

  constructor(
    /** Name in answers (the bundle folder's name unless loadModel was given `id`). */
    readonly id: string,
    /** The bundle folder. */
    readonly dir: string,
    /** The underlying Predictor, for what this class does not wrap. */
    readonly predictor: Predictor,
  ) {}

  /** The emotions this model tells apart, in the order of its probabilities. */
  get labels(): string[] {
    return this.predictor.labels;
  }

  /** Sample rate the model works at (Hz). */
  get sampleRate(): number {
    return this.predictor.sampleRate;
  }

  get info(): ModelInfo {
    const manifest = this.predictor.manifest as unknown as Record<string, unknown>;
    const summary = summariseBundle(manifest, this.dir);
    const markdown = typeof manifest.card === 'string' ? manifest.card : '';
    const corpus = typeof manifest.corpus === 'string' ? manifest.corpus : '';
    return {
      id: this.id,
      dir: this.dir,
      kind: this.predictor.kind,
      labels: [...this.labels],
      corpora: corpus.split(/[^A-Za-z0-9_-]+/).filter(Boolean),
      title: summary.title,
      sampleRate: this.sampleRate,
      minSpeakerUtterances: this.predictor.speakerAdaptive ? this.predictor.minSpeakerUtterances : null,
      card: { ...firstParagraph(markdown), markdown },
    };
  }

  /** `samples` at the model's rate (resampled when `sampleRate` differs). */
  private async atModelRate(samples: Float32Array, sampleRate = this.sampleRate): Promise<Float32Array> {
    if (!(samples instanceof Float32Array) || samples.length === 0) {
      throw new PredictError(
        'no audio samples to classify (expected a non-empty Float32Array of mono samples)',
      );
    }
    return sampleRate === this.sampleRate ? samples : resample(samples, sampleRate, this.sampleRate);
  }

  /** The speech of a signal at the model's rate (src/core/vad); NoSpeechError (NO_SPEECH) when there is none. */
  private async speechAtModelRate(samples: Float32Array, sampleRate?: number): Promise<Float32Array> {
    return requireSpeech(await this.atModelRate(samples, sampleRate), this.sampleRate).speech;
  }

  /**
   * Classifies the speech of a mono signal (`sampleRate` defaults to the model's; other rates are
   * resampled); a signal without speech throws NoSpeechError (code NO_SPEECH).
   */
  async predict(samples: Float32Array, options: PredictSignalOptions = {}): Promise<Prediction> {
    const speech = await this.speechAtModelRate(samples, options.sampleRate);
    return this.predictor.predict(speech, undefined, { profile: options.profile });
  }

  /**
   * Decodes an audio file (WAV, FLAC, MP3, Ogg, WebM, M4A; any rate and channel count) and
   * classifies its speech (pauses and noise cut out by the VAD; NoSpeechError, code NO_SPEECH,
   * when there is none); with `speaker`, the clip first joins that speaker's profile.
   */
  async predictFile(path: string, options: PredictFileOptions = {}): Promise<Prediction> {
    const audio = await decodeFile(path, { targetSampleRate: this.sampleRate });
    const speech = requireSpeech(audio.samples, this.sampleRate).speech;
    if (options.speaker === undefined || !this.predictor.speakerAdaptive) {
      return this.predictor.predict(speech, undefined, { profile: options.profile });
    }
    const descriptors = (await this.predictor.describe(speech))!;
    let profile = this.profiles.get(options.speaker);
    if (!profile) this.profiles.set(options.speaker, (profile = this.createProfile()));
    profile.add(descriptors);
    return this.predictor.predict(speech, undefined, { profile, descriptors });
  }

  /** One prediction per segment of the signal (live mode). */
  async timeline(samples: Float32Array, options: TimelineOptions = {}): Promise<TimelineSegment[]> {
    const signal = await this.atModelRate(samples, options.sampleRate);
    return this.predictor.timeline(signal, options.windowSec, options.hopSec, { profile: options.profile });
  }

  /**
   * The emotion of every stretch of speech in an audio file of any length, read and decoded piece
   * by piece (memory: a few seconds of audio, not the file), as segments finish: the same code as
   * `emovox predict --timeline` (src/core/speech-timeline.ts).
   */
  speechTimelineFile(
    path: string,
    options: { maxSegmentSec?: number } = {},
  ): AsyncGenerator<SpeechTimelineEntry> {
    return speechTimeline(
      decodeFileStream(path, { targetSampleRate: this.sampleRate }),
      (speech) => this.predictor.predict(speech),
      { sampleRate: this.sampleRate, maxSegmentSec: options.maxSegmentSec },
    );
  }

  /** timeline() of an audio file. */
  async timelineFile(
    path: string,
    options: Omit<TimelineOptions, 'sampleRate'> = {},
  ): Promise<TimelineSegment[]> {
    const audio = await decodeFile(path, { targetSampleRate: this.sampleRate });
    return this.timeline(audio.samples, options);
  }

  /** The clip's utterance descriptor vector (what a speaker profile collects); null when the model has none. */
  async describe(samples: Float32Array, options: SignalOptions = {}): Promise<Float32Array | null> {
    return this.predictor.describe(await this.speechAtModelRate(samples, options.sampleRate));
  }

  /** An empty speaker profile for this model (it must adapt to speakers: see info.minSpeakerUtterances). */
  createProfile(): SpeakerProfile {
    if (!this.predictor.speakerAdaptive) {
      throw new PredictError(`model ${this.id} (${this.predictor.kind}) does not adapt to speakers`);
    }
    return new SpeakerProfile(this.predictor.descriptorDim);
  }

  /** Adds a clip (a signal) to `profile` and returns it. */
  async updateProfile(
    profile: SpeakerProfile,
    samples: Float32Array,
    options: SignalOptions = {},
  ): Promise<SpeakerProfile> {
    const d = await this.describe(samples, options);
    if (!d)
      throw new PredictError(
        `model ${this.id} (${this.predictor.kind}) has no descriptors to profile a speaker with`,
      );
    profile.add(d);
    return profile;
  }

  /** The profile predictFile({ speaker }) has built for `speaker`, if any. */
  speakerProfile(speaker: string): SpeakerProfile | undefined {
    return this.profiles.get(speaker);
  }

  /** Starts predictFile({ speaker }) from a saved profile (see serializeProfile). */
  setSpeakerProfile(speaker: string, profile: SpeakerProfile | SpeakerProfileJSON): void {
    const p = profile instanceof SpeakerProfile ? profile : SpeakerProfile.fromJSON(profile);
    if (p.dim !== this.predictor.descriptorDim) {
      throw new PredictError(
        `the speaker profile has ${p.dim} descriptors but model ${this.id} uses ${this.predictor.descriptorDim}`,
      );
    }
    this.profiles.set(speaker, p);
  }

  /** Forgets a speaker's profile; returns whether there was one. */
  forgetSpeaker(speaker: string): boolean {
    return this.profiles.delete(speaker);
  }
}

/** A speaker profile as JSON (sums only: no audio, no labels). */
export function serializeProfile(profile: SpeakerProfile): string {
  return JSON.stringify(profile.toJSON());
}

/** Reads a profile written by serializeProfile (a string or the parsed object). */
export function parseProfile(json: string | SpeakerProfileJSON): SpeakerProfile {
  return SpeakerProfile.fromJSON(typeof json === 'string' ? JSON.parse(json) : json);
}

/**
 * Loads a model: nothing = the package's bundled default (models/default), a bundled name
 * (e.g. 'emodb' or 'emodb-ravdess'), or a bundle folder. Sets up the tfjs backend first.
 */
export async function loadModel(source?: string, options: LoadModelOptions = {}): Promise<EmotionModel> {
  const dir = resolveModelDir(source);
  await initBackend(options.backend ?? 'wasm');
  const predictor = Predictor.fromBundle(await loadBundleFromDir(dir));
  return new EmotionModel(options.id ?? basename(dir), dir, predictor);
}
