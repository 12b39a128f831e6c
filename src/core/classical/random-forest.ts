/**
 * Random forest of CART classification trees (Breiman 2001, as in scikit-learn): each tree
 * grows on a bootstrap sample, each split looks at a random subset of the features (sqrt(d)
 * by default) and picks the threshold that most reduces Gini impurity. Class probabilities
 * are the mean of the leaves' class distributions. Seeded, so a seed gives the same forest.
 */
import type { Matrix } from './matrix.js';
import type { RandomFn } from '../random.js';
import { randomInt, seededRng } from '../random.js';

export interface RandomForestOptions {
  nTrees: number;
  /** Maximum depth (root = 0); null grows until leaves are pure or too small. */
  maxDepth: number | null;
  minSamplesSplit: number;
  minSamplesLeaf: number;
  /** Features tried per split: 'sqrt', 'log2', a count, or a fraction in (0, 1). */
  maxFeatures: 'sqrt' | 'log2' | number;
  bootstrap: boolean;
  /** 'balanced' weights each class by n / (k * n_class) so rare classes count as much as common ones. */
  classWeight: 'balanced' | null;
  seed: number;
}

export const DEFAULT_RANDOM_FOREST_OPTIONS: RandomForestOptions = {
  nTrees: 300,
  maxDepth: null,
  minSamplesSplit: 2,
  minSamplesLeaf: 1,
  maxFeatures: 'sqrt',
  bootstrap: true,
  classWeight: null,
  seed: 1,
};

/** One tree as flat arrays; a leaf has feature -1 and its class distribution in value. */
export interface TreeJSON {
  feature: number[];
  threshold: number[];
  left: number[];
  right: number[];
  /** nodes x classes, row-major, each leaf row sums to 1. */
  value: number[];
}

export interface RandomForestJSON {
  nClasses: number;
  nFeatures: number;
  options: RandomForestOptions;
  trees: TreeJSON[];
}

interface Tree {
  feature: Int32Array;
  threshold: Float64Array;
  left: Int32Array;
  right: Int32Array;
  value: Float64Array;
}

function featuresPerSplit(opt: RandomForestOptions['maxFeatures'], d: number): number {
  if (opt === 'sqrt') return Math.max(1, Math.floor(Math.sqrt(d)));
  if (opt === 'log2') return Math.max(1, Math.floor(Math.log2(d)));
  if (opt > 0 && opt < 1) return Math.max(1, Math.floor(opt * d));
  if (Number.isInteger(opt) && opt >= 1) return Math.min(d, opt);
  throw new RangeError(
    `maxFeatures must be 'sqrt', 'log2', a fraction in (0,1) or a positive integer, got ${opt}`,
  );
}

const KEY_SHIFT = 1 << 20;

/** Dense ranks (ties share a rank) of every column, feature-major: out[f * rows + r]. */
function columnRanks(x: Matrix): Int32Array {
  const { rows, cols } = x;
  if (rows >= KEY_SHIFT)
    throw new RangeError(`RandomForest: at most ${KEY_SHIFT - 1} training rows, got ${rows}`);
  const out = new Int32Array(rows * cols);
  const order = new Int32Array(rows);
  for (let f = 0; f < cols; f++) {
    for (let r = 0; r < rows; r++) order[r] = r;
    order.sort((a, b) => x.data[a * cols + f] - x.data[b * cols + f]);
    let rank = 0;
    for (let i = 0; i < rows; i++) {
      if (i > 0 && x.data[order[i] * cols + f] > x.data[order[i - 1] * cols + f]) rank++;
      out[f * rows + order[i]] = rank;
    }
  }
  return out;
}

class TreeBuilder {
  feature: number[] = [];
  threshold: number[] = [];
  left: number[] = [];
  right: number[] = [];
  value: number[] = [];
  private readonly mtry: number;
  private readonly featurePool: Int32Array;
  private readonly keys: Float64Array;
  private readonly leftCounts: Float64Array;
  private readonly totalCounts: Float64Array;

  constructor(
    private readonly x: Matrix,
    private readonly y: Int32Array,
    private readonly w: Float64Array,
    private readonly k: number,
    private readonly o: RandomForestOptions,
    private readonly rng: RandomFn,
    capacity: number,
    /** Dense rank of each row's value per feature, feature-major: ranks[f * rows + r]. */
    private readonly ranks: Int32Array,
  ) {
    this.mtry = featuresPerSplit(o.maxFeatures, x.cols);
    this.featurePool = Int32Array.from({ length: x.cols }, (_, i) => i);
    this.keys = new Float64Array(capacity);
    this.leftCounts = new Float64Array(k);
    this.totalCounts = new Float64Array(k);
  }

  private addNode(): number {
    this.feature.push(-1);
    this.threshold.push(0);
    this.left.push(-1);
    this.right.push(-1);
    for (let c = 0; c < this.k; c++) this.value.push(0);
    return this.feature.length - 1;
  }

  /** Grows the tree over samples idx (with repeats for the bootstrap) and returns it. */
  build(idx: Int32Array): Tree {
    const stack: { node: number; start: number; end: number; depth: number }[] = [];
    stack.push({ node: this.addNode(), start: 0, end: idx.length, depth: 0 });
    while (stack.length > 0) {
      const { node, start, end, depth } = stack.pop()!;
      const tc = this.totalCounts.fill(0);
      let wsum = 0;
      for (let i = start; i < end; i++) {
        tc[this.y[idx[i]]] += this.w[idx[i]];
        wsum += this.w[idx[i]];
      }
      for (let c = 0; c < this.k; c++) this.value[node * this.k + c] = wsum > 0 ? tc[c] / wsum : 1 / this.k;
      const n = end - start;
      const pure = tc.filter((v) => v > 0).length <= 1;
      if (pure || n < this.o.minSamplesSplit || n < 2 * this.o.minSamplesLeaf) continue;
      if (this.o.maxDepth !== null && depth >= this.o.maxDepth) continue;
      const split = this.bestSplit(idx, start, end, wsum);
      if (!split) continue;
      // Partition idx[start..end) so that x[f] <= threshold comes first.
      const f = split.feature;
      let mid = start;
      for (let i = start; i < end; i++) {
        if (this.x.data[idx[i] * this.x.cols + f] <= split.threshold) {
          const t = idx[i];
          idx[i] = idx[mid];
          idx[mid] = t;
          mid++;
        }
      }
      if (mid === start || mid === end) continue;
      this.feature[node] = f;
      this.threshold[node] = split.threshold;
      const l = this.addNode();
      const r = this.addNode();
      this.left[node] = l;
      this.right[node] = r;
      stack.push({ node: r, start: mid, end, depth: depth + 1 });
      stack.push({ node: l, start, end: mid, depth: depth + 1 });
    }
    return {
      feature: Int32Array.from(this.feature),
      threshold: Float64Array.from(this.threshold),
      left: Int32Array.from(this.left),
      right: Int32Array.from(this.right),
      value: Float64Array.from(this.value),
    };
  }

  private bestSplit(
    idx: Int32Array,
    start: number,
    end: number,
    wsum: number,
  ): { feature: number; threshold: number } | null {
    const { x, y, w, k } = this;
    const n = end - start;
    const cols = x.cols;
    const tc = this.totalCounts;
    let parentScore = 0;
    for (let c = 0; c < k; c++) parentScore += tc[c] * tc[c];
    parentScore /= wsum;
    let bestGain = 1e-12;
    let best: { feature: number; threshold: number } | null = null;
    // Sample features without replacement (partial Fisher-Yates over the pool). As in
    // scikit-learn, constant features do not count towards mtry and the search goes on past
    // mtry until at least one valid split is found.
    const pool = this.featurePool;
    let tried = 0;
    let informative = 0;
    const keys = this.keys;
    const rows = x.rows;
    while (tried < cols && (informative < this.mtry || best === null)) {
      const j = tried + randomInt(this.rng, cols - tried);
      const f = pool[j];
      pool[j] = pool[tried];
      pool[tried] = f;
      tried++;
      // Sort the node's samples by value with the native numeric sort of a Float64Array: each
      // key packs (rank of the value, position in the node), exact below 2^53. A comparator
      // sort is several times slower and this is the forest's hot loop.
      const rf = f * rows;
      let lo = Infinity;
      let hi = -Infinity;
      for (let i = 0; i < n; i++) {
        const rank = this.ranks[rf + idx[start + i]];
        keys[i] = rank * KEY_SHIFT + i;
        if (rank < lo) lo = rank;
        if (rank > hi) hi = rank;
      }
      if (!(hi > lo)) continue;
      informative++;
      const sorted = keys.subarray(0, n).sort();
      const lc = this.leftCounts.fill(0);
      let lw = 0;
      let lsq = 0; // sum of lc^2
      let rsq = parentScore * wsum; // sum of rc^2
      for (let p = 0; p < n - 1; p++) {
        const s = idx[start + (sorted[p] % KEY_SHIFT)];
        const c = y[s];
        const ws = w[s];
        const rc = tc[c] - lc[c];
        rsq += (rc - ws) * (rc - ws) - rc * rc;
        lsq += (lc[c] + ws) * (lc[c] + ws) - lc[c] * lc[c];
        lc[c] += ws;
        lw += ws;
        const r0 = Math.floor(sorted[p] / KEY_SHIFT);
        const r1 = Math.floor(sorted[p + 1] / KEY_SHIFT);
        if (r1 <= r0) continue;
        if (p + 1 < this.o.minSamplesLeaf || n - p - 1 < this.o.minSamplesLeaf) continue;
        const rw = wsum - lw;
        if (lw <= 0 || rw <= 0) continue;
        const gain = lsq / lw + rsq / rw - parentScore;
        if (gain > bestGain) {
          bestGain = gain;
          const v0 = x.data[s * cols + f];
          const v1 = x.data[idx[start + (sorted[p + 1] % KEY_SHIFT)] * cols + f];
          let t = (v0 + v1) / 2;
          if (t >= v1) t = v0; // guard against rounding when v0 and v1 are adjacent floats
          best = { feature: f, threshold: t };
        }
      }
    }
    return best;
  }
}

function toJSONTree(t: Tree): TreeJSON {
  return {
    feature: Array.from(t.feature),
    threshold: Array.from(t.threshold),
    left: Array.from(t.left),
    right: Array.from(t.right),
    value: Array.from(t.value),
  };
}

export class RandomForest {
  private constructor(
    readonly nClasses: number,
    readonly nFeatures: number,
    readonly options: RandomForestOptions,
    private readonly trees: Tree[],
  ) {}

  /** Trains on rows of x with class indices y in [0, nClasses). */
  static fit(
    x: Matrix,
    y: ArrayLike<number>,
    nClasses: number,
    opts: Partial<RandomForestOptions> = {},
  ): RandomForest {
    const o: RandomForestOptions = { ...DEFAULT_RANDOM_FOREST_OPTIONS, ...opts };
    if (!(Number.isInteger(o.nTrees) && o.nTrees >= 1))
      throw new RangeError(`nTrees must be >= 1, got ${o.nTrees}`);
    if (y.length !== x.rows) throw new RangeError(`RandomForest.fit: ${x.rows} rows but ${y.length} labels`);
    if (x.rows === 0) throw new RangeError('RandomForest.fit: no training rows');
    const yy = Int32Array.from(y);
    const counts = new Float64Array(nClasses);
    for (const c of yy) {
      if (!(c >= 0 && c < nClasses))
        throw new RangeError(`RandomForest.fit: label ${c} outside [0, ${nClasses})`);
      counts[c]++;
    }
    const present = counts.filter((c) => c > 0).length;
    const w = new Float64Array(x.rows).map((_, i) =>
      o.classWeight === 'balanced' ? x.rows / (present * counts[yy[i]]) : 1,
    );
    const rng = seededRng(o.seed);
    const ranks = columnRanks(x);
    const trees: Tree[] = [];
    for (let t = 0; t < o.nTrees; t++) {
      const idx = new Int32Array(x.rows);
      for (let i = 0; i < x.rows; i++) idx[i] = o.bootstrap ? randomInt(rng, x.rows) : i;
      trees.push(new TreeBuilder(x, yy, w, nClasses, o, rng, x.rows, ranks).build(idx));
    }
    return new RandomForest(nClasses, x.cols, o, trees);
  }

  get treeCount(): number {
    return this.trees.length;
  }

  /** Class probabilities, rows x nClasses (row-major). */
  predictProba(x: Matrix): Float64Array {
    if (x.cols !== this.nFeatures)
      throw new RangeError(`RandomForest: expected ${this.nFeatures} columns, got ${x.cols}`);
    const k = this.nClasses;
    const out = new Float64Array(x.rows * k);
    for (let r = 0; r < x.rows; r++) {
      const o = r * x.cols;
      for (const t of this.trees) {
        let node = 0;
        while (t.feature[node] >= 0) {
          node = x.data[o + t.feature[node]] <= t.threshold[node] ? t.left[node] : t.right[node];
        }
        for (let c = 0; c < k; c++) out[r * k + c] += t.value[node * k + c];
      }
      for (let c = 0; c < k; c++) out[r * k + c] /= this.trees.length;
    }
    return out;
  }

  /** The most probable class index per row. */
  predict(x: Matrix): Int32Array {
    return argmaxRows(this.predictProba(x), this.nClasses);
  }

  toJSON(): RandomForestJSON {
    return {
      nClasses: this.nClasses,
      nFeatures: this.nFeatures,
      options: this.options,
      trees: this.trees.map(toJSONTree),
    };
  }

  static fromJSON(j: RandomForestJSON): RandomForest {
    const trees = j.trees.map((t) => ({
      feature: Int32Array.from(t.feature),
      threshold: Float64Array.from(t.threshold),
      left: Int32Array.from(t.left),
      right: Int32Array.from(t.right),
      value: Float64Array.from(t.value),
    }));
    return new RandomForest(
      j.nClasses,
      j.nFeatures,
      { ...DEFAULT_RANDOM_FOREST_OPTIONS, ...j.options },
      trees,
    );
  }
}

/** Index of the largest value in each row of a rows x k row-major array. */
export function argmaxRows(p: Float64Array, k: number): Int32Array {
  const rows = p.length / k;
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let b = 0;
    for (let c = 1; c < k; c++) if (p[r * k + c] > p[r * k + b]) b = c;
    out[r] = b;
  }
  return out;
}
