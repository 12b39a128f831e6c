/**
 * Research harness of results/loco-research.md round 13: a small conv + LSTM network on the
 * `robust3` frame contours (robustContours), fitted and scored on the LOCO folds by
 * scripts/loco-rule.ts --contours. Not part of the product: it joins it only if the round's
 * rule adopts it.
 *
 * - contourTables: the contours of every clip under each transform (studio, a test condition,
 *   the augmented training copies: the same seeded transforms as the descriptor tables),
 *   cached on disk as Float32 files.
 * - fitContourNet: the network of the round's convention, trained on some clips; returns a
 *   function giving the probabilities of other clips (whole, one pass each).
 */
import * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONTOUR_NAMES, robustContours } from '../src/core/classical/descriptors-robust.js';
import { weightedCrossEntropy } from '../src/core/models/loss.js';
import { buildModel } from '../src/core/models/registry.js';
import { Rng, withSeededMathRandom } from '../src/core/random.js';
import { initBackend } from '../src/node/backend.js';
import { writeCacheEntry, type ClipTransform } from '../src/node/train/classical-features.js';
import { loadMono } from '../src/node/train/load-audio.js';

export const CONTOUR_CACHE_DIR = join(tmpdir(), 'emovox-contour-cache');
/** Bumped whenever robustContours' values change. */
const CONTOUR_VERSION = 1;
const SR = 16000;
const D = CONTOUR_NAMES.length;

/** One clip's contours: `frames` rows of D values (NaN where a frame has none). */
export interface Contours {
  data: Float32Array;
  frames: number;
}

/** Contours of every path under each transform (result[t][i]: transform t, path i), cached. */
export async function contourTables(
  paths: readonly string[],
  transforms: readonly ClipTransform[],
  cacheDir: string = CONTOUR_CACHE_DIR,
  onProgress?: (done: number, total: number) => void,
): Promise<Contours[][]> {
  mkdirSync(cacheDir, { recursive: true });
  const out: Contours[][] = transforms.map(() => []);
  for (const [i, path] of paths.entries()) {
    let samples: Float32Array | null = null;
    for (const [t, transform] of transforms.entries()) {
      const key = createHash('sha1').update(`${CONTOUR_VERSION}\0${path}\0${transform.name}`).digest('hex');
      const file = join(cacheDir, `${key}.f32`);
      let c: Contours | null;
      try {
        const buf = readFileSync(file);
        const data = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4).slice();
        c = { data, frames: data.length / D };
      } catch {
        c = null;
      }
      if (!c) {
        samples ??= await loadMono(path, SR);
        const r = robustContours(await transform.apply(samples, path, i));
        c = { data: r.data, frames: r.frames };
        writeCacheEntry(file, new Uint8Array(c.data.buffer, c.data.byteOffset, c.data.byteLength));
      }
      out[t].push(c);
    }
    onProgress?.(i + 1, paths.length);
  }
  return out;
}

/** The round-13 convention's network and training (results/loco-research.md). */
export const CONTOUR_NET = {
  config: {
    filters: [64, 64],
    kernelSizes: [5, 3],
    convStrides: [1, 1],
    poolsTime: [2, 2],
    poolsFreqTime: [
      [1, 2],
      [1, 2],
    ] as [number, number][],
    lstmUnits: 64,
    dropout: 0.3,
    denseUnits: 0,
    inputSeconds: 3,
    l2: 0,
  },
  cropFrames: 300,
  epochs: 25,
  batch: 32,
  lr: 1e-3,
};

/** Per-value mean and spread over every non-NaN frame value of `clips`. */
function standardiser(clips: readonly Contours[]): { mean: Float64Array; sd: Float64Array } {
  const s = new Float64Array(D);
  const s2 = new Float64Array(D);
  const n = new Float64Array(D);
  for (const c of clips)
    for (let i = 0; i < c.data.length; i++) {
      const v = c.data[i];
      if (Number.isNaN(v)) continue;
      const j = i % D;
      s[j] += v;
      s2[j] += v * v;
      n[j]++;
    }
  const mean = s.map((v, j) => (n[j] ? v / n[j] : 0));
  const sd = s2.map((v, j) => Math.sqrt(Math.max(n[j] ? v / n[j] - mean[j] ** 2 : 0, 0)) || 1);
  return { mean, sd };
}

/**
 * Writes frames [from, from + len) of `c`, standardised (NaN -> 0, the mean), into `dst` at
 * row `at`; rows of dst before `at` are left as they are (zero padding at the start).
 */
function writeStandardised(
  c: Contours,
  from: number,
  len: number,
  dst: Float32Array,
  at: number,
  st: { mean: Float64Array; sd: Float64Array },
): void {
  for (let t = 0; t < len; t++)
    for (let j = 0; j < D; j++) {
      const v = c.data[(from + t) * D + j];
      dst[(at + t) * D + j] = Number.isNaN(v) ? 0 : (v - st.mean[j]) / st.sd[j];
    }
}

export interface ContourFitInput {
  /** Versions of each training clip (e.g. studio, augmented copies): versions[v][i]. */
  versions: readonly (readonly Contours[])[];
  /** Label index of each training clip, and the number of labels. */
  labels: readonly number[];
  numLabels: number;
  /** Loss weight of each training clip. */
  weights: readonly number[];
  seed: number;
  log?: (line: string) => void;
}

/**
 * Trains the round-13 network: each epoch every clip once, as one of its versions drawn at
 * random, cropped to 3 s at a random place or padded at its start. Standardised by the first
 * version's (studio) frames. Returns a predictor of probabilities (rows x numLabels) for whole clips.
 */
export async function fitContourNet(
  input: ContourFitInput,
): Promise<(clips: readonly Contours[]) => Float64Array> {
  await initBackend('wasm');
  const { versions, labels, numLabels, weights } = input;
  const n = labels.length;
  const st = standardiser(versions[0]);
  const rng = new Rng(input.seed * 7919 + 13);
  const model = withSeededMathRandom(new Rng(input.seed + 1), () =>
    buildModel('cnn1d-lstm', { inputShape: [null, D], numClasses: numLabels, config: CONTOUR_NET.config }),
  );
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const optimizer = tf.train.adam(CONTOUR_NET.lr);
  const T = CONTOUR_NET.cropFrames;
  const t0 = Date.now();
  for (let epoch = 1; epoch <= CONTOUR_NET.epochs; epoch++) {
    const order = rng.shuffle(Array.from({ length: n }, (_, i) => i));
    let lossSum = 0;
    let steps = 0;
    for (let b = 0; b < n; b += CONTOUR_NET.batch) {
      const idx = order.slice(b, b + CONTOUR_NET.batch);
      const flat = new Float32Array(idx.length * T * D);
      idx.forEach((i, r) => {
        const c = versions[rng.int(versions.length)][i];
        const len = Math.min(T, c.frames);
        const from = c.frames > T ? rng.int(c.frames - T + 1) : 0;
        writeStandardised(c, from, len, flat.subarray(r * T * D, (r + 1) * T * D), T - len, st);
      });
      const x = tf.tensor3d(flat, [idx.length, T, D]);
      const y = tf.tidy(() =>
        tf.oneHot(
          tf.tensor1d(
            idx.map((i) => labels[i]),
            'int32',
          ),
          numLabels,
        ),
      );
      const w = tf.tensor1d(idx.map((i) => weights[i]));
      const cost = withSeededMathRandom(rng, () =>
        optimizer.minimize(
          () =>
            weightedCrossEntropy(
              model.apply(x, { training: true }) as tf.Tensor,
              y,
              w,
              tf.sum(w) as tf.Scalar,
            ),
          true,
          vars,
        ),
      )!;
      lossSum += (await cost.data())[0];
      steps++;
      tf.dispose([x, y, w, cost]);
    }
    if (epoch % 5 === 0 || epoch === 1)
      input.log?.(
        `  contour net epoch ${epoch}: loss ${(lossSum / steps).toFixed(3)} (${((Date.now() - t0) / 1000).toFixed(0)} s)`,
      );
  }
  optimizer.dispose();
  return (clips) => {
    const out = new Float64Array(clips.length * numLabels);
    clips.forEach((c, i) => {
      const frames = Math.max(c.frames, 4);
      const flat = new Float32Array(frames * D);
      writeStandardised(c, 0, c.frames, flat, frames - c.frames, st);
      const p = tf.tidy(() => (model.predict(tf.tensor3d(flat, [1, frames, D])) as tf.Tensor).dataSync());
      for (let k = 0; k < numLabels; k++) out[i * numLabels + k] = p[k];
    });
    return out;
  };
}
