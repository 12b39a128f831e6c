/**
 * Mixup (Zhang et al. 2018, "mixup: Beyond Empirical Risk Minimization"): each training batch is
 * replaced by convex combinations of its own examples. One lambda ~ Beta(alpha, alpha) per batch
 * and a random permutation j of the batch; example i becomes
 *   x_i' = lambda x_i + (1 - lambda) x_j,   y_i' = lambda onehot_i + (1 - lambda) onehot_j,
 *   w_i' = lambda w_i + (1 - lambda) w_j (per-example loss weights, e.g. class weights).
 * Applied after the random crop and SpecAugment. Everything is drawn from the run's seeded Rng.
 */
import type { Rng } from '../../core/random.js';

export interface MixedBatch {
  /** Soft label rows (n x classes), each summing to 1. */
  targets: Float32Array;
  /** Mixed loss weights. */
  weights: number[];
  /** The label with the larger share in each mixed example (training accuracy under mixup). */
  dominant: number[];
  lambda: number;
  /** Example i was mixed with example permutation[i]. */
  permutation: number[];
}

/**
 * Mixes a batch in place: `x` holds labels.length examples of `per` floats. Draws lambda, then
 * the permutation, from `rng` (alpha > 0).
 */
export function mixBatch(
  x: Float32Array,
  per: number,
  labels: readonly number[],
  weights: readonly number[],
  classes: number,
  alpha: number,
  rng: Rng,
): MixedBatch {
  if (!(alpha > 0)) throw new RangeError(`mixup alpha must be > 0, got ${alpha}`);
  const n = labels.length;
  const lambda = rng.beta(alpha, alpha);
  const permutation = rng.shuffle(Array.from({ length: n }, (_, i) => i));
  const original = x.slice(0, n * per);
  const targets = new Float32Array(n * classes);
  for (let i = 0; i < n; i++) {
    const j = permutation[i];
    const a = i * per;
    const b = j * per;
    for (let k = 0; k < per; k++) x[a + k] = lambda * original[a + k] + (1 - lambda) * original[b + k];
    targets[i * classes + labels[i]] += lambda;
    targets[i * classes + labels[j]] += 1 - lambda;
  }
  return {
    targets,
    weights: weights.map((w, i) => lambda * w + (1 - lambda) * weights[permutation[i]]),
    dominant: labels.map((k, i) => (lambda >= 0.5 ? k : labels[permutation[i]])),
    lambda,
    permutation,
  };
}
