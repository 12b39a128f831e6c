/**
 * A speaker profile: running per-dimension sums of one speaker's utterance descriptor vectors,
 * giving the mean and standard deviation the speaker-adaptive classical pipeline normalises
 * with. It holds no labels and no audio, only sums, so it can be kept and sent as JSON.
 * The statistics match the evaluation's per-speaker normalisation
 * (src/node/train/evaluate/speaker-norm.ts): population standard deviation, and a dimension whose
 * deviation is at most MIN_SPEAKER_STD gets 1 so it maps to 0 instead of dividing by ~0.
 */
import { EmovoxError } from './errors.js';

export const MIN_SPEAKER_STD = 1e-8;

/** A profile that cannot be built or read (user-facing). */
export class SpeakerProfileError extends EmovoxError {
  constructor(message: string) {
    super('BAD_SPEAKER_PROFILE', message);
  }
}

export interface SpeakerProfileJSON {
  dim: number;
  count: number;
  sum: number[];
  sumSq: number[];
}

export class SpeakerProfile {
  private n = 0;
  private readonly sum: Float64Array;
  private readonly sumSq: Float64Array;

  constructor(readonly dim: number) {
    if (!(Number.isInteger(dim) && dim >= 1)) {
      throw new SpeakerProfileError(`speaker profile dimension must be a positive integer, got ${dim}`);
    }
    this.sum = new Float64Array(dim);
    this.sumSq = new Float64Array(dim);
  }

  /** Number of utterances added. */
  get count(): number {
    return this.n;
  }

  /** Adds one utterance's descriptor vector (length dim, finite values). */
  add(descriptors: ArrayLike<number>): void {
    if (descriptors.length !== this.dim) {
      throw new SpeakerProfileError(
        `descriptor vector has ${descriptors.length} values but this speaker profile has ${this.dim}`,
      );
    }
    for (let i = 0; i < this.dim; i++) {
      if (!Number.isFinite(descriptors[i])) {
        throw new SpeakerProfileError(
          `descriptor ${i} is ${descriptors[i]}; only finite values can be added`,
        );
      }
    }
    for (let i = 0; i < this.dim; i++) {
      const v = descriptors[i];
      this.sum[i] += v;
      this.sumSq[i] += v * v;
    }
    this.n++;
  }

  private requireUtterances(): void {
    if (this.n === 0) throw new SpeakerProfileError('the speaker profile has no utterances yet');
  }

  mean(): Float32Array {
    this.requireUtterances();
    return Float32Array.from(this.sum, (s) => s / this.n);
  }

  /** Population standard deviation per dimension, floored as in the evaluation (<= 1e-8 -> 1). */
  std(): Float32Array {
    this.requireUtterances();
    return Float32Array.from(this.sumSq, (sq, i) => {
      const m = this.sum[i] / this.n;
      const s = Math.sqrt(Math.max(0, sq / this.n - m * m));
      return s > MIN_SPEAKER_STD ? s : 1;
    });
  }

  toJSON(): SpeakerProfileJSON {
    return { dim: this.dim, count: this.n, sum: Array.from(this.sum), sumSq: Array.from(this.sumSq) };
  }

  static fromJSON(j: unknown): SpeakerProfile {
    const o = j as Partial<SpeakerProfileJSON> | null;
    const ok =
      typeof o === 'object' &&
      o !== null &&
      Number.isInteger(o.dim) &&
      Number.isInteger(o.count) &&
      (o.count as number) >= 0 &&
      Array.isArray(o.sum) &&
      Array.isArray(o.sumSq) &&
      o.sum.length === o.dim &&
      o.sumSq.length === o.dim &&
      o.sum.every(Number.isFinite) &&
      o.sumSq.every((v) => Number.isFinite(v) && v >= 0);
    if (!ok) {
      throw new SpeakerProfileError(
        'not a speaker profile (expected {"dim", "count", "sum", "sumSq"} with dim finite numbers in each array)',
      );
    }
    const p = new SpeakerProfile(o.dim as number);
    p.sum.set(o.sum as number[]);
    p.sumSq.set(o.sumSq as number[]);
    p.n = o.count as number;
    return p;
  }
}
