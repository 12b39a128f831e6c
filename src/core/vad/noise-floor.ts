/**
 * Noise floor per frequency bin by minimum statistics (after R. Martin, 2001): the power
 * spectrum is smoothed over time, and the floor is the minimum of the smoothed values over the
 * last `blocks` x `blockFrames` frames, times a bias correction (the minimum of a fluctuating
 * estimate lies below its mean). Steady noise, hum and its harmonics sit at the floor within
 * about a second; speech, whose energy in a bin comes and goes with syllables and moving
 * harmonics, stays above it. Memory and work per frame are O(bins), whatever the stream's length.
 */
export interface NoiseFloorOptions {
  /** Recursive smoothing of the power spectrum per frame (0..1; higher = smoother). */
  smoothing: number;
  /** Frames per block of the running minimum. */
  blockFrames: number;
  /** Blocks the minimum spans (window = blocks x blockFrames frames). */
  blocks: number;
  /** The floor is the minimum times this factor (bias compensation). */
  bias: number;
}

export class NoiseFloor {
  /** The current floor per bin (power). */
  readonly floor: Float64Array;
  private readonly smoothed: Float64Array;
  private readonly blockMin: Float64Array[];
  /** Per bin, the minimum over the finished blocks (updated once a block, not every frame). */
  private readonly finishedMin: Float64Array;
  private readonly current: Float64Array;
  private frameInBlock = 0;
  private block = 0;
  private frames = 0;

  constructor(
    readonly bins: number,
    private readonly o: NoiseFloorOptions,
  ) {
    this.floor = new Float64Array(bins);
    this.smoothed = new Float64Array(bins);
    this.current = new Float64Array(bins).fill(Infinity);
    this.blockMin = Array.from({ length: o.blocks }, () => new Float64Array(bins).fill(Infinity));
    this.finishedMin = new Float64Array(bins).fill(Infinity);
  }

  /** Back to the state of a new floor (no frame seen). */
  reset(): void {
    this.floor.fill(0);
    this.smoothed.fill(0);
    this.current.fill(Infinity);
    for (const b of this.blockMin) b.fill(Infinity);
    this.finishedMin.fill(Infinity);
    this.frameInBlock = 0;
    this.block = 0;
    this.frames = 0;
  }

  /** Frames seen so far. */
  get count(): number {
    return this.frames;
  }

  /**
   * Restarts the running minimum from a floor measured another way (e.g. a quantile over the
   * first frames of a stream, which a fade-in or a quiet first frame cannot drag down).
   */
  prime(floor: Float64Array): void {
    const raw = this.current;
    for (let k = 0; k < this.bins; k++) raw[k] = floor[k] / this.o.bias;
    for (const b of this.blockMin) b.set(raw);
    this.finishedMin.set(raw);
    this.floor.set(floor.subarray(0, this.bins));
  }

  /** The smoothed power spectrum of the last frame. */
  get smoothedPower(): Float64Array {
    return this.smoothed;
  }

  /** Adds one frame's power spectrum (its first `bins` values) and updates `floor`. */
  update(power: Float64Array): void {
    const { smoothing: a, bias, blocks } = this.o;
    const s = this.smoothed;
    const cur = this.current;
    const done = this.finishedMin;
    const f = this.floor;
    const first = this.frames === 0;
    // The floor: the minimum over the finished blocks and the block being filled.
    for (let k = 0; k < this.bins; k++) {
      const v = first ? power[k] : a * s[k] + (1 - a) * power[k];
      s[k] = v;
      let c = cur[k];
      if (v < c) cur[k] = c = v;
      f[k] = (c < done[k] ? c : done[k]) * bias;
    }
    this.frames++;
    if (++this.frameInBlock === this.o.blockFrames) {
      this.blockMin[this.block].set(cur);
      this.block = (this.block + 1) % blocks;
      cur.fill(Infinity);
      this.frameInBlock = 0;
      done.fill(Infinity);
      for (const b of this.blockMin) for (let k = 0; k < this.bins; k++) if (b[k] < done[k]) done[k] = b[k];
    }
  }
}
