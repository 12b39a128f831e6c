/**
 * The project's one seeded pseudo-random generator (mulberry32), so that folds, forests,
 * probability calibration, augmentation and weight initialisation are reproducible: the same
 * seed gives the same numbers. Its whole state is one integer, so a training checkpoint can
 * save it and a resumed run draws exactly the numbers the interrupted run would have drawn.
 */
export class Rng {
  constructor(public state: number) {
    this.state = state >>> 0;
  }

  /** Uniform float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform float in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal (Box-Muller). */
  normal(): number {
    const u = 1 - this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /**
   * Gamma(shape, 1) by Marsaglia and Tsang (2000); shape < 1 through the boost
   * Gamma(shape) = Gamma(shape + 1) * U^(1/shape). Written here (a few lines) so the draws come
   * from this seeded generator and a checkpoint's one-integer state still resumes them.
   */
  gamma(shape: number): number {
    if (!(shape > 0)) throw new RangeError(`gamma shape must be > 0, got ${shape}`);
    if (shape < 1) return this.gamma(shape + 1) * Math.pow(1 - this.next(), 1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = 1 - this.next();
      if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
    }
  }

  /** Beta(a, b) as X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b). */
  beta(a: number, b: number): number {
    const x = this.gamma(a);
    const y = this.gamma(b);
    return x + y > 0 ? x / (x + y) : 0.5;
  }

  /** Fisher-Yates shuffle in place. */
  shuffle<T>(xs: T[]): T[] {
    return shuffleInPlace(xs, () => this.next()) as T[];
  }
}

/** A function drawing uniform numbers in [0, 1) (an Rng's `next`, as a plain function). */
export type RandomFn = () => number;

/** A generator of uniform numbers in [0, 1) from a 32-bit seed: the same sequence as `new Rng(seed)`. */
export function seededRng(seed = 1): RandomFn {
  const rng = new Rng(seed);
  return () => rng.next();
}

/** A uniform integer in [0, n). */
export function randomInt(random: RandomFn, n: number): number {
  return Math.floor(random() * n);
}

/** Fisher-Yates shuffle in place; returns the same array. */
export function shuffleInPlace<T>(a: T[] | Int32Array, random: RandomFn): typeof a {
  for (let i = a.length - 1; i > 0; i--) {
    const j = randomInt(random, i + 1);
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
  return a;
}

/**
 * Runs a synchronous `fn` with Math.random drawing from `rng`. tfjs seeds every unseeded
 * random op (weight initialisers, dropout masks) from Math.random, so this makes model
 * initialisation and each training step reproducible from the run's seed and RNG state.
 * Safe only for synchronous work: nothing else can run while Math.random is replaced.
 */
export function withSeededMathRandom<T>(rng: Rng, fn: () => T): T {
  const original = Math.random;
  Math.random = () => rng.next();
  try {
    return fn();
  } finally {
    Math.random = original;
  }
}
