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
    const raw = Float64Array.from(floor, (v) => v / this.o.bias);
    for (const b of this.blockMin) b.set(raw);
    this.current.set(raw);
    this.floor.set(floor);
  }

  /** The smoothed power spectrum of the last frame. */
  get smoothedPower(): Float64Array {
    return this.smoothed;
  }

  /** Adds one frame's power spectrum and updates `floor`. */
  update(power: Float64Array): void {
    const { smoothing: a, bias, blocks } = this.o;
    const s = this.smoothed;
    const cur = this.current;
    const first = this.frames === 0;
    for (let k = 0; k < this.bins; k++) {
      s[k] = first ? power[k] : a * s[k] + (1 - a) * power[k];
      if (s[k] < cur[k]) cur[k] = s[k];
    }
    this.frames++;
    // The floor: the minimum over the finished blocks and the block being filled.
    const f = this.floor;
    for (let k = 0; k < this.bins; k++) {
      let m = cur[k];
      for (let b = 0; b < blocks; b++) if (this.blockMin[b][k] < m) m = this.blockMin[b][k];
      f[k] = m * bias;
    }
    if (++this.frameInBlock === this.o.blockFrames) {
      this.blockMin[this.block].set(cur);
      this.block = (this.block + 1) % blocks;
      cur.fill(Infinity);
      this.frameInBlock = 0;
    }
  }
}
