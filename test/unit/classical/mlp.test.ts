import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Mlp, speakerOffsets } from '../../../src/core/classical/mlp.js';
import { isUserFacing } from '../../../src/core/errors.js';
import {
  ClassicalPipeline,
  defaultPipelineConfig,
  pipelineConfigWith,
} from '../../../src/core/classical/pipeline.js';
import { compactPipelineJSON } from '../../../src/core/classical/serialize.js';
import { accuracy, blobs, gaussian, xor } from './synthetic.js';
import { seededRng } from '../../../src/core/random.js';

const quick = { epochs: 30, members: 2, hidden: 16 };

test('the MLP learns XOR, which no linear model can, and its probabilities sum to 1', () => {
  const train = xor(400, 1);
  const testSet = xor(400, 2);
  const mlp = Mlp.fit(train.x, train.y, 2, {
    ...quick,
    inputNoise: 0,
    dropout: 0,
    weightDecay: 0.001,
    epochs: 80,
  });
  assert.ok(accuracy(argmax(mlp.predictProba(testSet.x), 2), testSet.y) > 0.9);
  const p = mlp.predictProba(testSet.x);
  for (let r = 0; r < testSet.x.rows; r++) assert.ok(Math.abs(p[r * 2] + p[r * 2 + 1] - 1) < 1e-9);
});

test('the MLP is reproducible for a seed, differs between seeds, and survives JSON', () => {
  const train = blobs(3, 30, 4, 3, 1);
  const a = Mlp.fit(train.x, train.y, 4, quick);
  const b = Mlp.fit(train.x, train.y, 4, quick);
  const c = Mlp.fit(train.x, train.y, 4, { ...quick, seed: 2 });
  assert.deepEqual(Array.from(a.predictProba(train.x)), Array.from(b.predictProba(train.x)));
  assert.notDeepEqual(Array.from(a.predictProba(train.x)), Array.from(c.predictProba(train.x)));
  const back = Mlp.fromJSON(JSON.parse(JSON.stringify(a.toJSON())));
  assert.deepEqual(Array.from(back.predictProba(train.x)), Array.from(a.predictProba(train.x)));
  // Class 3 has no training row: it is never answered.
  const p = a.predictProba(train.x);
  for (let r = 0; r < train.x.rows; r++) assert.ok(p[r * 4 + 3] < 1e-12);
  assert.ok(accuracy(argmax(p, 4), train.y) > 0.9);
});

test('MLP mixup: still learns, softens its answers, is seeded, and off leaves the weights as they were', () => {
  const train = blobs(3, 60, 3, 2.5, 1);
  const testSet = blobs(3, 60, 3, 2.5, 2);
  const plain = Mlp.fit(train.x, train.y, 3, quick);
  assert.deepEqual(
    Array.from(Mlp.fit(train.x, train.y, 3, { ...quick, mixup: 0 }).predictProba(testSet.x)),
    Array.from(plain.predictProba(testSet.x)),
  );
  const mixed = Mlp.fit(train.x, train.y, 3, { ...quick, mixup: 0.4 });
  assert.deepEqual(
    Array.from(Mlp.fit(train.x, train.y, 3, { ...quick, mixup: 0.4 }).predictProba(testSet.x)),
    Array.from(mixed.predictProba(testSet.x)),
  );
  assert.ok(accuracy(argmax(mixed.predictProba(testSet.x), 3), testSet.y) > 0.85);
  // Blended targets teach the network that points between classes are uncertain.
  const top = (m: Mlp) => {
    const p = m.predictProba(testSet.x);
    let s = 0;
    for (let r = 0; r < testSet.x.rows; r++) s += Math.max(p[r * 3], p[r * 3 + 1], p[r * 3 + 2]);
    return s / testSet.x.rows;
  };
  assert.ok(top(mixed) < top(plain), `mean top probability ${top(mixed)} against ${top(plain)}`);
  assert.throws(() => Mlp.fit(train.x, train.y, 3, { ...quick, mixup: -1 }), /mixup must be >= 0/);
});

test('MLP sample weights: rows of weight 0 teach nothing', () => {
  // Class 0 and 1 blobs; a block of mislabelled rows weighs 0 in one fit and 1 in the other.
  const base = blobs(2, 60, 2, 4, 3);
  const n = base.x.rows;
  const x = { rows: n + 60, cols: 2, data: new Float64Array((n + 60) * 2) };
  x.data.set(base.x.data);
  const y = new Int32Array(n + 60);
  y.set(base.y);
  for (let i = 0; i < 60; i++) {
    x.data[(n + i) * 2] = base.x.data[i * 2]; // copies of class 0's rows...
    x.data[(n + i) * 2 + 1] = base.x.data[i * 2 + 1];
    y[n + i] = 1; // ...labelled 1, three times as many as the clean ones once weighted
  }
  const zero = Float64Array.from({ length: n + 60 }, (_, i) => (i < n ? 1 : 0));
  const heavy = Float64Array.from({ length: n + 60 }, (_, i) => (i < n ? 1 : 3));
  const o = { ...quick, classWeight: null } as const;
  const clean = Mlp.fit(x, y, 2, o, zero);
  const fooled = Mlp.fit(x, y, 2, o, heavy);
  const class0 = { rows: 60, cols: 2, data: base.x.data.slice(0, 120) };
  const said0 = (m: Mlp) => argmax(m.predictProba(class0), 2).filter((c) => c === 0).length / 60;
  assert.ok(said0(clean) > 0.9, `clean fit: ${said0(clean)}`);
  assert.ok(said0(fooled) < 0.5, `weighted mislabels: ${said0(fooled)}`);
});

test('an mlp pipeline with quantile scaling takes corpus weights, compacts and round-trips; bad options are refused', () => {
  const train = blobs(3, 25, 5, 3, 5);
  const cfg = { ...defaultPipelineConfig('mlp'), mlp: quick, scaling: 'quantile' as const };
  const w = Float64Array.from({ length: train.x.rows }, () => 1);
  const pipe = ClassicalPipeline.fit(train.x, train.y, ['a', 'b', 'c'], cfg, [], w);
  const compact = compactPipelineJSON(pipe.toJSON());
  // Quantile knots and weights are stored as float32-shortest decimals: smaller, still ordered.
  assert.ok(JSON.stringify(compact).length < 0.7 * JSON.stringify(pipe.toJSON()).length);
  for (const col of compact.quantile!.knots)
    for (let i = 1; i < col.length; i++) assert.ok(col[i] >= col[i - 1]);
  const back = ClassicalPipeline.fromJSON(JSON.parse(JSON.stringify(compact)));
  const p = pipe.predictProba(train.x);
  const q = back.predictProba(train.x);
  for (let i = 0; i < p.length; i++) assert.ok(Math.abs(p[i] - q[i]) < 1e-4);
  assert.throws(() => Mlp.fit(train.x, train.y, 3, { dropout: 1 }), /dropout must be in \[0, 1\)/);
  assert.throws(() => Mlp.fit(train.x, train.y, 3, { hidden: 0 }), /hidden must be a positive integer/);
  assert.throws(
    () => ClassicalPipeline.fit(train.x, train.y, ['a', 'b', 'c'], defaultPipelineConfig('rf'), [], w),
    /sample weights are supported by the logistic and mlp models only, not rf/,
  );
});

function argmax(p: Float64Array, k: number): Int32Array {
  const out = new Int32Array(p.length / k);
  for (let r = 0; r < out.length; r++) {
    let b = 0;
    for (let c = 1; c < k; c++) if (p[r * k + c] > p[r * k + b]) b = c;
    out[r] = b;
  }
  return out;
}

test('overrides the mlp model does not have are refused, and its weight decay reaches it', () => {
  assert.equal(pipelineConfigWith('mlp', { weightDecay: 3 }).mlp?.weightDecay, 3);
  assert.throws(
    () => pipelineConfigWith('mlp', { c: 1 }),
    (e: unknown) =>
      isUserFacing(e) && /the mlp model has no C; its penalty is the weight decay/.test(e.message),
  );
  assert.throws(() => pipelineConfigWith('mlp', { trees: 10 }), /the mlp model has no trees/);
  assert.throws(
    () => pipelineConfigWith('logistic', { weightDecay: 1 }),
    /a weight decay applies to the mlp model only, not logistic/,
  );
});

/**
 * Two training corpora whose recording conditions (column 1) happen to go with the emotion
 * (corpus A is mostly class 0, corpus B mostly class 1), and a third corpus where they go the
 * other way; column 0 carries the emotion in all three.
 */
function shortcutCorpora(seed: number) {
  const rng = seededRng(seed);
  const make = (n: number, corpusLevel: (y: number) => number, share1: number) => {
    const x = { rows: n, cols: 2, data: new Float64Array(n * 2) };
    const y = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      y[i] = rng() < share1 ? 1 : 0;
      x.data[i * 2] = (y[i] ? 1 : -1) + 1.2 * gaussian(rng);
      x.data[i * 2 + 1] = corpusLevel(y[i]) + 0.3 * gaussian(rng);
    }
    return { x, y };
  };
  const a = make(200, () => -2, 0.1);
  const b = make(200, () => 2, 0.9);
  const x = { rows: 400, cols: 2, data: new Float64Array(800) };
  x.data.set(a.x.data);
  x.data.set(b.x.data, 400);
  const y = Int32Array.from([...a.y, ...b.y]);
  const domains = Int32Array.from({ length: 400 }, (_, i) => (i < 200 ? 7 : 9));
  // The unseen corpus: the recording condition points the wrong way.
  const unseen = make(400, (c) => (c ? -2 : 2), 0.5);
  return { x, y, domains, unseen };
}

test('MLP adversary: learns what the domains share, so a corpus with the shortcut reversed is read better; seeded; off equals absent', () => {
  const o = { ...quick, classWeight: null, inputNoise: 0.1, epochs: 60 } as const;
  const { x, y, domains, unseen } = shortcutCorpora(11);
  const plain = Mlp.fit(x, y, 2, o);
  assert.deepEqual(
    Array.from(Mlp.fit(x, y, 2, { ...o, adversary: 0 }, undefined, domains).predictProba(unseen.x)),
    Array.from(plain.predictProba(unseen.x)),
  );
  const adv = Mlp.fit(x, y, 2, { ...o, adversary: 1 }, undefined, domains);
  assert.deepEqual(
    Array.from(Mlp.fit(x, y, 2, { ...o, adversary: 1 }, undefined, domains).predictProba(unseen.x)),
    Array.from(adv.predictProba(unseen.x)),
  );
  const accPlain = accuracy(argmax(plain.predictProba(unseen.x), 2), unseen.y);
  const accAdv = accuracy(argmax(adv.predictProba(unseen.x), 2), unseen.y);
  assert.ok(accAdv > accPlain + 0.1, `unseen corpus: adversary ${accAdv} against plain ${accPlain}`);
  // The head is dropped after training: the JSON has the option and the usual weights only.
  const j = adv.toJSON();
  assert.equal(j.options.adversary, 1);
  assert.equal(j.members[0].w2.length, 2 * 16);
  assert.throws(() => Mlp.fit(x, y, 2, { ...o, adversary: 1 }), /needs each row's domain/);
  assert.throws(
    () => Mlp.fit(x, y, 2, { ...o, adversary: -1 }, undefined, domains),
    /adversary must be >= 0/,
  );
});

test("speaker offsets: the two-way model recovers each speaker's voice, also for speakers who recorded one emotion only", () => {
  // Rows are exactly class mean + speaker offset; speakers 3 and 4 recorded class 1 only.
  const classMean = [
    [0, 1],
    [2, -1],
  ];
  const offset = [
    [1, 0],
    [-1, 2],
    [0.5, -0.5],
    [3, 3],
    [-2, 1],
  ];
  const rows: number[][] = [];
  const y: number[] = [];
  const dom: number[] = [];
  for (let s = 0; s < 5; s++)
    for (let r = 0; r < 6; r++) {
      const c = s < 3 ? r % 2 : 1;
      rows.push(classMean[c].map((m, j) => m + offset[s][j]));
      y.push(c);
      dom.push(s);
    }
  const x = { rows: rows.length, cols: 2, data: Float64Array.from(rows.flat()) };
  const got = speakerOffsets(x, y, 2, Int32Array.from(dom), 5, 200);
  // Identified up to a shared shift (the offsets are centred): compare differences to speaker 0.
  for (let s = 1; s < 5; s++)
    for (let j = 0; j < 2; j++)
      assert.ok(
        Math.abs(got[s * 2 + j] - got[j] - (offset[s][j] - offset[0][j])) < 1e-3,
        `speaker ${s} column ${j}: ${got[s * 2 + j] - got[j]} against ${offset[s][j] - offset[0][j]}`,
      );
});

test("MLP baselineSwap: rows heard on other speakers' baselines, so a room that went with the emotion is not learnt; seeded; off equals absent", () => {
  const o = { ...quick, classWeight: null, inputNoise: 0.1, epochs: 60 } as const;
  // The corpora whose recording conditions went with the emotion, each read by ten speakers.
  const { x, y, unseen } = shortcutCorpora(11);
  const speakers = Int32Array.from({ length: x.rows }, (_, i) => (i < 200 ? 0 : 10) + (i % 10));
  const plain = Mlp.fit(x, y, 2, o);
  assert.deepEqual(
    Array.from(Mlp.fit(x, y, 2, { ...o, baselineSwap: 0 }, undefined, speakers).predictProba(unseen.x)),
    Array.from(plain.predictProba(unseen.x)),
  );
  const swap = Mlp.fit(x, y, 2, { ...o, baselineSwap: 1 }, undefined, speakers);
  assert.deepEqual(
    Array.from(Mlp.fit(x, y, 2, { ...o, baselineSwap: 1 }, undefined, speakers).predictProba(unseen.x)),
    Array.from(swap.predictProba(unseen.x)),
  );
  const accPlain = accuracy(argmax(plain.predictProba(unseen.x), 2), unseen.y);
  const accSwap = accuracy(argmax(swap.predictProba(unseen.x), 2), unseen.y);
  // Column 0 alone gives about 80 %; the room's shortcut leaves the plain network below chance.
  assert.ok(accPlain < 0.5, `plain ${accPlain}`);
  assert.ok(accSwap > 0.7, `swap ${accSwap} (plain ${accPlain})`);
  assert.equal(swap.toJSON().options.baselineSwap, 1);
  assert.throws(() => Mlp.fit(x, y, 2, { ...o, baselineSwap: 0.5 }), /baselineSwap needs each row's speaker/);
  assert.throws(
    () => Mlp.fit(x, y, 2, { ...o, baselineSwap: 1.5 }, undefined, speakers),
    /baselineSwap is a probability in \[0, 1\], got 1.5/,
  );
});
