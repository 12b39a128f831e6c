/**
 * A small multilayer perceptron on utterance descriptors: standardised descriptors -> one hidden
 * ReLU layer with dropout -> softmax, trained by mini-batch Adam with decoupled weight decay
 * (AdamW), Gaussian noise added to the inputs while training, balanced class weights and
 * optional per-row weights (so that each training corpus can weigh the same). Several members
 * trained from different seeds are averaged in probability, which steadies the answer of a
 * network this small. Everything is drawn from the seeded Rng, so the same data and options give
 * the same weights.
 *
 * Written here rather than on tfjs: a 68 x 64 x 6 network on a few thousand rows trains in
 * seconds in plain loops, has to run in the browser from the same JSON as the other classical
 * models, and must be bit-for-bit reproducible in a worker thread; tfjs would bring a backend,
 * an async API and a second serialisation for no speed gain at this size.
 */
import type { Matrix } from './matrix.js';
import { classBalancedRowWeights, softmaxInPlace } from './logistic.js';
import { Rng, shuffleInPlace } from '../random.js';

export interface MlpOptions {
  /** Hidden units. */
  hidden: number;
  /** Decoupled weight decay per unit learning rate (AdamW's lambda); biases are not decayed. */
  weightDecay: number;
  /** Dropout on the hidden units while training. */
  dropout: number;
  /** Standard deviation of the Gaussian noise added to each (standardised) input while training. */
  inputNoise: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** Networks trained from different seeds whose probabilities are averaged. */
  members: number;
  classWeight: 'balanced' | null;
  seed: number;
  /**
   * Mixup's alpha (0 or absent: off): each training row is blended with a random row of its
   * batch, inputs, targets and row weights alike, by lambda ~ Beta(alpha, alpha). Left out of
   * the defaults so that bundles trained without it keep their JSON.
   */
  mixup?: number;
  /**
   * Domain-adversarial training (Ganin & Lempitsky 2015; 0 or absent: off): a second softmax
   * head on the hidden units learns to tell the rows' domains apart (their speakers or corpora,
   * `adversaryOf`), and its gradient reaches the hidden layer reversed and scaled by this weight
   * (ramped up from 0 over training as 2 / (1 + exp(-10 p)) - 1), so the hidden units are pushed
   * towards what the domains share. Needs each row's domain (Mlp.fit's `domains`); the head is
   * dropped after training. Left out of the defaults so that bundles trained without it keep
   * their JSON.
   */
  adversary?: number;
  /** What the adversary's domains are (read by the caller that builds `domains`; default speaker). */
  adversaryOf?: 'speaker' | 'corpus';
  /**
   * Speaker-baseline swap (0 or absent: off): with this probability a training row is moved from
   * its speaker's baseline to another training speaker's, x - offset(own) + offset(other), the
   * other speaker drawn uniformly. The offsets come from the two-way additive model row = class
   * mean + speaker offset (speakerOffsets), so a speaker heard mostly angry does not have anger
   * taken for their voice. The row keeps its deviation from its own speaker (what the emotion
   * does) and takes on another speaker's voice, microphone, room and corpus. Needs each row's
   * speaker (Mlp.fit's `domains`). Left out of the defaults so that bundles trained without it
   * keep their JSON.
   */
  baselineSwap?: number;
}

/**
 * What Mlp.fit needs as each row's domain: null (nothing: neither the adversary nor the baseline
 * swap is on), 'corpus' (a corpus adversary) or 'speaker' (a speaker adversary, the baseline swap).
 */
export function mlpDomainKind(o: Partial<MlpOptions> | undefined): 'speaker' | 'corpus' | null {
  const adversary = (o?.adversary ?? 0) > 0;
  if (!adversary && !((o?.baselineSwap ?? 0) > 0)) return null;
  return adversary && o?.adversaryOf === 'corpus' ? 'corpus' : 'speaker';
}

/** Each key's index in order of first appearance (0..count-1), e.g. speakers or corpora as domains. */
export function firstAppearanceIndices<K>(keys: ArrayLike<K>): { indices: Int32Array; count: number } {
  const ids = new Map<K, number>();
  const indices = Int32Array.from({ length: keys.length }, (_, i) => {
    const k = keys[i];
    if (!ids.has(k)) ids.set(k, ids.size);
    return ids.get(k)!;
  });
  return { indices, count: ids.size };
}

export const DEFAULT_MLP_OPTIONS: MlpOptions = {
  hidden: 64,
  weightDecay: 1,
  dropout: 0.3,
  inputNoise: 0.5,
  epochs: 40,
  batchSize: 64,
  learningRate: 0.003,
  members: 3,
  classWeight: 'balanced',
  seed: 1,
};

interface Member {
  /** hidden x nFeatures, row-major. */
  w1: Float64Array;
  b1: Float64Array;
  /** nClasses x hidden, row-major. */
  w2: Float64Array;
  b2: Float64Array;
}

export interface MlpJSON {
  nClasses: number;
  nFeatures: number;
  options: MlpOptions;
  members: { w1: number[]; b1: number[]; w2: number[]; b2: number[] }[];
}

function checkOptions(o: MlpOptions): void {
  const positiveInts: (keyof MlpOptions)[] = ['hidden', 'epochs', 'batchSize', 'members'];
  for (const k of positiveInts) {
    const v = o[k] as number;
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`MLP ${k} must be a positive integer, got ${v}`);
  }
  if (!(o.dropout >= 0 && o.dropout < 1))
    throw new RangeError(`MLP dropout must be in [0, 1), got ${o.dropout}`);
  if (!(o.weightDecay >= 0)) throw new RangeError(`MLP weightDecay must be >= 0, got ${o.weightDecay}`);
  if (!(o.inputNoise >= 0)) throw new RangeError(`MLP inputNoise must be >= 0, got ${o.inputNoise}`);
  if (!(o.learningRate > 0)) throw new RangeError(`MLP learningRate must be > 0, got ${o.learningRate}`);
  if (o.mixup !== undefined && !(o.mixup >= 0))
    throw new RangeError(`MLP mixup must be >= 0, got ${o.mixup}`);
  if (o.adversary !== undefined && !(o.adversary >= 0))
    throw new RangeError(`MLP adversary must be >= 0, got ${o.adversary}`);
  if (o.baselineSwap !== undefined && !(o.baselineSwap >= 0 && o.baselineSwap <= 1))
    throw new RangeError(`MLP baselineSwap is a probability in [0, 1], got ${o.baselineSwap}`);
  if ((o.baselineSwap ?? 0) > 0 && (o.adversary ?? 0) > 0 && o.adversaryOf === 'corpus')
    throw new RangeError(
      'MLP baselineSwap needs speakers as domains; it cannot be combined with adversaryOf corpus',
    );
}

/** Adam moments of one parameter array. */
class AdamSlot {
  readonly m: Float64Array;
  readonly v: Float64Array;
  constructor(n: number) {
    this.m = new Float64Array(n);
    this.v = new Float64Array(n);
  }

  step(p: Float64Array, g: Float64Array, lr: number, t: number, decay: number): void {
    const b1 = 0.9;
    const b2 = 0.999;
    const c1 = 1 / (1 - Math.pow(b1, t));
    const c2 = 1 / (1 - Math.pow(b2, t));
    for (let i = 0; i < p.length; i++) {
      this.m[i] = b1 * this.m[i] + (1 - b1) * g[i];
      this.v[i] = b2 * this.v[i] + (1 - b2) * g[i] * g[i];
      p[i] -= lr * ((this.m[i] * c1) / (Math.sqrt(this.v[i] * c2) + 1e-8) + decay * p[i]);
    }
  }
}

/**
 * Each domain's (speaker's) offset, nDomains x d, from the two-way additive model row = class
 * mean + speaker offset, fitted by alternating means (`iterations` sweeps; the offsets' row-
 * weighted mean is kept at 0). A speaker who recorded only some emotions gets their voice's
 * offset, not their emotions': the class means come from every speaker who has the class, less
 * each one's offset. With every speaker balanced over the classes one sweep is exact.
 */
export function speakerOffsets(
  x: Matrix,
  y: ArrayLike<number>,
  nClasses: number,
  domain: Int32Array,
  nDomains: number,
  iterations = 20,
): Float64Array {
  const d = x.cols;
  const classMean = new Float64Array(nClasses * d);
  const off = new Float64Array(nDomains * d);
  const count = new Float64Array(nDomains);
  for (let i = 0; i < x.rows; i++) count[domain[i]]++;
  for (let it = 0; it < iterations; it++) {
    residualMeans(x, y, nClasses, domain, off, classMean);
    residualMeans(x, domain, nDomains, y, classMean, off);
    // Centre the offsets (row-weighted), so that the class means carry the overall level.
    for (let j = 0; j < d; j++) {
      let m = 0;
      for (let e = 0; e < nDomains; e++) m += count[e] * off[e * d + j];
      m /= x.rows;
      for (let e = 0; e < nDomains; e++) off[e * d + j] -= m;
    }
  }
  return off;
}

/**
 * One sweep of the two-way model: out (nGroups x d) = for each group, the mean over its rows of
 * the row minus the other factor's effect (`minus`, indexed by `other`); a group without rows gets 0.
 */
function residualMeans(
  x: Matrix,
  group: ArrayLike<number>,
  nGroups: number,
  other: ArrayLike<number>,
  minus: Float64Array,
  out: Float64Array,
): void {
  const d = x.cols;
  const n = new Float64Array(nGroups);
  out.fill(0);
  for (let i = 0; i < x.rows; i++) {
    const g = group[i] * d;
    const o = other[i] * d;
    n[group[i]]++;
    for (let j = 0; j < d; j++) out[g + j] += x.data[i * d + j] - minus[o + j];
  }
  for (let g = 0; g < nGroups; g++) if (n[g] > 0) for (let j = 0; j < d; j++) out[g * d + j] /= n[g];
}

function trainMember(
  x: Matrix,
  y: ArrayLike<number>,
  k: number,
  rowWeight: Float64Array,
  o: MlpOptions,
  rng: Rng,
  /** Each row's domain index in [0, nDomains), for the adversary (null: off). */
  domain: Int32Array | null = null,
  nDomains = 0,
  /** nDomains x d speaker offsets for the baseline swap (null: off). */
  offsets: Float64Array | null = null,
): Member {
  const { rows: n, cols: d } = x;
  const h = o.hidden;
  const w1 = new Float64Array(h * d);
  const b1 = new Float64Array(h);
  const w2 = new Float64Array(k * h);
  const b2 = new Float64Array(k);
  // He initialisation for the ReLU layer, Glorot for the output layer.
  const s1 = Math.sqrt(2 / d);
  for (let i = 0; i < w1.length; i++) w1[i] = rng.normal() * s1;
  const s2 = Math.sqrt(2 / (h + k));
  for (let i = 0; i < w2.length; i++) w2[i] = rng.normal() * s2;
  // The adversary's head (drawn only when it is on, so other runs keep their random streams).
  const adv = domain && nDomains > 1 ? (o.adversary ?? 0) : 0;
  const nd = adv > 0 ? nDomains : 0;
  const w3 = new Float64Array(nd * h);
  const b3 = new Float64Array(nd);
  const s3 = Math.sqrt(2 / (h + nd));
  for (let i = 0; i < w3.length; i++) w3[i] = rng.normal() * s3;
  const gw3 = new Float64Array(w3.length);
  const gb3 = new Float64Array(nd);
  const aw3 = new AdamSlot(w3.length);
  const ab3 = new AdamSlot(nd);
  const zd = new Float64Array(nd);
  const steps = o.epochs * Math.ceil(n / o.batchSize);
  const gw1 = new Float64Array(w1.length);
  const gb1 = new Float64Array(h);
  const gw2 = new Float64Array(w2.length);
  const gb2 = new Float64Array(k);
  const aw1 = new AdamSlot(w1.length);
  const ab1 = new AdamSlot(h);
  const aw2 = new AdamSlot(w2.length);
  const ab2 = new AdamSlot(k);
  const xi = new Float64Array(d);
  const act = new Float64Array(h);
  const z = new Float64Array(k);
  const dh = new Float64Array(h);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const keep = 1 - o.dropout;
  const mixup = o.mixup ?? 0;
  const swap = offsets && nDomains > 1 ? (o.baselineSwap ?? 0) : 0;
  /** The domain row r is moved to (its own when not swapped); draws only when the swap is on. */
  const swapTarget = (r: number): number => {
    const own = domain![r];
    if (rng.next() >= swap) return own;
    const other = rng.int(nDomains - 1);
    return other >= own ? other + 1 : other;
  };
  /** Adds share x (offset(drawn) - offset(own)) of row r's speaker to xi. */
  const shiftRow = (r: number, share: number): void => {
    const from = domain![r] * d;
    const to = swapTarget(r) * d;
    if (from === to) return;
    for (let j = 0; j < d; j++) xi[j] += share * (offsets![to + j] - offsets![from + j]);
  };
  const target = new Float64Array(k);
  let t = 0;
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    shuffleInPlace(order, () => rng.next());
    for (let start = 0; start < n; start += o.batchSize) {
      const end = Math.min(n, start + o.batchSize);
      gw1.fill(0);
      gb1.fill(0);
      gw2.fill(0);
      gb2.fill(0);
      gw3.fill(0);
      gb3.fill(0);
      // The reversed gradient's weight, ramped up over training.
      const advNow = adv > 0 ? adv * (2 / (1 + Math.exp((-10 * t) / steps)) - 1) : 0;
      let wsum = 0;
      for (let q = start; q < end; q++) wsum += rowWeight[order[q]];
      if (wsum <= 0) continue;
      for (let q = start; q < end; q++) {
        const r = order[q];
        // Without mixup no draw is made, so earlier runs keep their random streams.
        const r2 = mixup > 0 ? order[start + rng.int(end - start)] : r;
        const lambda = mixup > 0 ? rng.beta(mixup, mixup) : 1;
        const rw = (lambda * rowWeight[r] + (1 - lambda) * rowWeight[r2]) / wsum;
        if (rw === 0) continue;
        target.fill(0);
        target[y[r]] += lambda;
        target[y[r2]] += 1 - lambda;
        for (let j = 0; j < d; j++)
          xi[j] =
            lambda * x.data[r * d + j] +
            (1 - lambda) * x.data[r2 * d + j] +
            (o.inputNoise > 0 ? o.inputNoise * rng.normal() : 0);
        if (swap > 0) {
          // Each mixed row moves from its own speaker's offset to the drawn one's.
          shiftRow(r, lambda);
          if (mixup > 0) shiftRow(r2, 1 - lambda);
        }
        for (let u = 0; u < h; u++) {
          let s = b1[u];
          const off = u * d;
          for (let j = 0; j < d; j++) s += w1[off + j] * xi[j];
          const dropped = o.dropout > 0 && rng.next() < o.dropout;
          act[u] = s > 0 && !dropped ? s / keep : 0;
        }
        for (let c = 0; c < k; c++) {
          let s = b2[c];
          const off = c * h;
          for (let u = 0; u < h; u++) s += w2[off + u] * act[u];
          z[c] = s;
        }
        softmaxInPlace(z, 0, k);
        dh.fill(0);
        for (let c = 0; c < k; c++) {
          const g = rw * (z[c] - target[c]);
          gb2[c] += g;
          const off = c * h;
          for (let u = 0; u < h; u++) {
            gw2[off + u] += g * act[u];
            dh[u] += g * w2[off + u];
          }
        }
        if (nd > 0) {
          // The domain head learns to tell the domains apart; the hidden units get its gradient
          // reversed (x -advNow), so they unlearn what separates the domains.
          for (let e = 0; e < nd; e++) {
            let s = b3[e];
            const off = e * h;
            for (let u = 0; u < h; u++) s += w3[off + u] * act[u];
            zd[e] = s;
          }
          softmaxInPlace(zd, 0, nd);
          const d1 = domain![r];
          const d2 = domain![r2];
          for (let e = 0; e < nd; e++) {
            const g = rw * (zd[e] - (e === d1 ? lambda : 0) - (e === d2 ? 1 - lambda : 0));
            gb3[e] += g;
            const off = e * h;
            for (let u = 0; u < h; u++) {
              gw3[off + u] += g * act[u];
              dh[u] -= advNow * g * w3[off + u];
            }
          }
        }
        for (let u = 0; u < h; u++) {
          if (act[u] === 0) continue;
          const g = dh[u] / keep;
          gb1[u] += g;
          const off = u * d;
          for (let j = 0; j < d; j++) gw1[off + j] += g * xi[j];
        }
      }
      t++;
      aw1.step(w1, gw1, o.learningRate, t, o.weightDecay);
      ab1.step(b1, gb1, o.learningRate, t, 0);
      aw2.step(w2, gw2, o.learningRate, t, o.weightDecay);
      ab2.step(b2, gb2, o.learningRate, t, 0);
      if (nd > 0) {
        aw3.step(w3, gw3, o.learningRate, t, o.weightDecay);
        ab3.step(b3, gb3, o.learningRate, t, 0);
      }
    }
  }
  return { w1, b1, w2, b2 };
}

export class Mlp {
  private constructor(
    readonly nClasses: number,
    readonly nFeatures: number,
    readonly options: MlpOptions,
    private readonly members: Member[],
  ) {}

  /** Fits on rows of x with class indices y in [0, nClasses); a class with no row is never answered. */
  static fit(
    x: Matrix,
    y: ArrayLike<number>,
    nClasses: number,
    opts: Partial<MlpOptions> = {},
    sampleWeight?: ArrayLike<number>,
    /** Each row's domain, e.g. its speaker or corpus (any integers; the adversary needs them). */
    domains?: ArrayLike<number>,
  ): Mlp {
    const o: MlpOptions = { ...DEFAULT_MLP_OPTIONS, ...opts };
    checkOptions(o);
    if (y.length !== x.rows) throw new RangeError(`Mlp.fit: ${x.rows} rows but ${y.length} labels`);
    if (sampleWeight && sampleWeight.length !== x.rows)
      throw new RangeError(`Mlp.fit: ${x.rows} rows but ${sampleWeight.length} sample weights`);
    if ((o.adversary ?? 0) > 0 && !domains)
      throw new RangeError("Mlp.fit: adversary needs each row's domain (domains)");
    if ((o.baselineSwap ?? 0) > 0 && !domains)
      throw new RangeError("Mlp.fit: baselineSwap needs each row's speaker (domains)");
    if (domains && domains.length !== x.rows)
      throw new RangeError(`Mlp.fit: ${x.rows} rows but ${domains.length} domains`);
    const { weights: rowWeight, counts } = classBalancedRowWeights(y, nClasses, o.classWeight, sampleWeight);
    // Domain ids renumbered 0..n-1 in order of first appearance.
    const ids = mlpDomainKind(o) && domains ? firstAppearanceIndices(domains) : null;
    const domain = ids?.indices ?? null;
    const nDomains = ids?.count ?? 0;
    const offsets =
      (o.baselineSwap ?? 0) > 0 && domain ? speakerOffsets(x, y, nClasses, domain, nDomains) : null;
    const members: Member[] = [];
    for (let m = 0; m < o.members; m++) {
      const rng = new Rng((o.seed * 1000003 + m * 7919) >>> 0);
      members.push(trainMember(x, y, nClasses, rowWeight, o, rng, domain, nDomains, offsets));
    }
    // Classes without a training row keep probability 0 (their output bias is pushed far down).
    for (const mem of members) for (let c = 0; c < nClasses; c++) if (counts[c] === 0) mem.b2[c] = -1e4;
    return new Mlp(nClasses, x.cols, o, members);
  }

  /** Class probabilities, rows x nClasses: the members' softmax outputs averaged. */
  predictProba(x: Matrix): Float64Array {
    if (x.cols !== this.nFeatures)
      throw new RangeError(`MLP expects ${this.nFeatures} features, got ${x.cols}`);
    const k = this.nClasses;
    const d = this.nFeatures;
    const out = new Float64Array(x.rows * k);
    const z = new Float64Array(k);
    for (const mem of this.members) {
      const h = mem.b1.length;
      const act = new Float64Array(h);
      for (let i = 0; i < x.rows; i++) {
        for (let u = 0; u < h; u++) {
          let s = mem.b1[u];
          for (let j = 0; j < d; j++) s += mem.w1[u * d + j] * x.data[i * d + j];
          act[u] = s > 0 ? s : 0;
        }
        for (let c = 0; c < k; c++) {
          let s = mem.b2[c];
          for (let u = 0; u < h; u++) s += mem.w2[c * h + u] * act[u];
          z[c] = s;
        }
        softmaxInPlace(z, 0, k);
        for (let c = 0; c < k; c++) out[i * k + c] += z[c] / this.members.length;
      }
    }
    return out;
  }

  toJSON(): MlpJSON {
    return {
      nClasses: this.nClasses,
      nFeatures: this.nFeatures,
      options: this.options,
      members: this.members.map((m) => ({
        w1: Array.from(m.w1),
        b1: Array.from(m.b1),
        w2: Array.from(m.w2),
        b2: Array.from(m.b2),
      })),
    };
  }

  static fromJSON(j: MlpJSON): Mlp {
    if (!Array.isArray(j.members) || j.members.length === 0) throw new RangeError('MLP JSON: no members');
    const members = j.members.map((m) => {
      const h = m.b1.length;
      if (m.w1.length !== h * j.nFeatures || m.w2.length !== j.nClasses * h || m.b2.length !== j.nClasses)
        throw new RangeError('MLP JSON: weight shapes do not match nFeatures x hidden x nClasses');
      return {
        w1: Float64Array.from(m.w1),
        b1: Float64Array.from(m.b1),
        w2: Float64Array.from(m.w2),
        b2: Float64Array.from(m.b2),
      };
    });
    return new Mlp(j.nClasses, j.nFeatures, j.options, members);
  }
}
