import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultPipelineConfig } from '../../../src/core/classical/pipeline.js';
import { defaultTuneGrid } from '../../../src/node/train/evaluate/evaluate.js';
import {
  chooseUncertainBelow,
  innerRuleFigures,
  CALIBRATION_SPEAKER_GROUPS,
  evaluateLoco,
  fitCalibration,
  fitOnItems,
  heldOutSpeakerPredictions,
  type LocoItem,
} from '../../../src/node/train/evaluate/loco.js';
import { parseTrainConfig } from '../../../src/node/train/bundle/config.js';

/** Three corpora with the same 2-D class structure, each shifted; corpus c lacks label 'fear' when c = 2. */
function synthetic() {
  let seed = 11;
  const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1;
  const labels = ['neutral', 'anger', 'fear'];
  const centre: Record<string, [number, number]> = { neutral: [0, 0], anger: [4, 0], fear: [0, 4] };
  const items: LocoItem[] = [];
  const rows: number[] = [];
  for (const [c, corpus] of ['a', 'b', 'c'].entries()) {
    for (let i = 0; i < 60; i++) {
      const label = labels[i % 3];
      if (corpus === 'c' && label === 'fear') continue;
      items.push({ path: `${corpus}/${i}.wav`, speaker: `${corpus}:${i % 4}`, label, corpus });
      rows.push(centre[label][0] + rnd() + 0.3 * c, centre[label][1] + rnd() - 0.2 * c);
    }
  }
  return { items, labels, x: { rows: items.length, cols: 2, data: Float64Array.from(rows) } };
}

test('leave-one-corpus-out: each corpus is tested whole on a model that never saw it, over its own labels', () => {
  const { items, labels, x } = synthetic();
  const noisy = { ...x, data: x.data.map((v, i) => v + (i % 2 ? 0.5 : -0.5)) };
  const e = evaluateLoco(
    {
      items,
      labels,
      x,
      conditions: [
        { name: 'studio', x },
        { name: 'shifted', x: noisy },
      ],
    },
    // The LOSO grid (C 0.0003-0.01): on this toy problem the inner scores tie, the first (smallest)
    // C wins a tie, and the LOCO default grid starts at 0.0001, which underfits two dimensions.
    { model: 'logistic', tune: true, corpusWeight: true, calibrate: true, grid: defaultTuneGrid('logistic') },
  );
  assert.deepEqual(e.corpora, ['a', 'b', 'c']);
  for (const r of e.results) {
    const n = items.filter((u) => u.corpus === r.heldOut).length;
    assert.equal(r.nTrain, items.length - n, 'no held-out clip in training');
    assert.deepEqual(
      r.trainCorpora,
      e.corpora.filter((c) => c !== r.heldOut),
    );
    assert.equal(r.conditions[0].n, n);
    assert.match(r.chosen, /^C=/);
    assert.ok(r.temperature! > 0 && r.uncertainBelow! >= 0.2);
    assert.ok(r.uniformShare! >= 0 && r.uniformShare! <= 0.9);
    assert.ok(r.conditions[0].eceFloor > 0 && r.conditions[0].eceFloor < 0.2);
    assert.ok(r.conditions[0].uar > 0.9, `${r.heldOut} UAR ${r.conditions[0].uar}`);
    assert.ok(r.conditions[0].ece >= 0 && r.conditions[0].ece < 1);
  }
  // Corpus c has no fear clip: it is scored over neutral and anger only.
  assert.deepEqual(e.results[2].labels, ['neutral', 'anger']);
  assert.equal(e.results[2].conditions[0].confusion.labels.length, 2);
  assert.ok(e.meanUar.shifted <= e.meanUar.studio + 1e-9);
});

test('leave-one-corpus-out with the descriptor MLP: weight decay by inner LOCO, corpora weighted, each corpus recognised', () => {
  const { items, labels, x } = synthetic();
  const e = evaluateLoco(
    { items, labels, x, conditions: [{ name: 'studio', x }] },
    { model: 'mlp', tune: true, corpusWeight: true, config: { mlp: { members: 1, epochs: 20 } } },
  );
  for (const r of e.results) {
    assert.match(r.chosen, /^weightDecay=/);
    assert.ok(r.innerUar! > 0.8, `${r.heldOut} inner UAR ${r.innerUar}`);
    assert.ok(r.conditions[0].uar > 0.9, `${r.heldOut} UAR ${r.conditions[0].uar}`);
  }
  assert.equal(e.config.model, 'mlp');
});

test("the MLP's adversary gets each training row's speaker, or its corpus when told so", () => {
  const { items, labels, x } = synthetic();
  const input = { items, labels, x, conditions: [{ name: 'studio', x }] };
  const base = defaultPipelineConfig('mlp');
  const cfg = (mlp: object) => ({ ...base, mlp: { ...base.mlp, members: 1, epochs: 10, ...mlp } });
  const probs = (idx: number[], mlp: object) =>
    Array.from(fitOnItems(input, idx, cfg(mlp), true).predictProba(x));
  const oneCorpus = items.flatMap((u, i) => (u.corpus === 'a' ? [i] : []));
  const twoCorpora = items.flatMap((u, i) => (u.corpus !== 'c' ? [i] : []));
  const off = probs(oneCorpus, {});
  // Corpus a has four speakers: a speaker adversary has something to separate...
  assert.notDeepEqual(probs(oneCorpus, { adversary: 1 }), off);
  // ...a corpus adversary on one corpus has not, and leaves the fit as it was; on two it acts.
  assert.deepEqual(probs(oneCorpus, { adversary: 1, adversaryOf: 'corpus' }), off);
  assert.notDeepEqual(probs(twoCorpora, { adversary: 1, adversaryOf: 'corpus' }), probs(twoCorpora, {}));
  // The baseline swap gets the speakers too (it refuses to fit without them), even where an
  // adversary that is off names corpora.
  assert.notDeepEqual(probs(oneCorpus, { baselineSwap: 1 }), off);
  assert.deepEqual(
    probs(twoCorpora, { baselineSwap: 1, adversaryOf: 'corpus' }),
    probs(twoCorpora, { baselineSwap: 1 }),
  );
});

test("a bundle config takes the MLP's adversary and baseline swap, and says what is accepted", () => {
  const member = (mlp: object) => ({
    corpora: [{ kind: 'folder', data: '/tmp/x' }],
    members: [{ kind: 'classical', model: 'mlp', mlp }],
  });
  const c = parseTrainConfig(member({ adversary: 0.3, adversaryOf: 'corpus' }));
  const m = c.members[0];
  assert.ok(m.kind === 'classical' && m.mlp?.adversary === 0.3 && m.mlp.adversaryOf === 'corpus');
  assert.throws(
    () => parseTrainConfig(member({ adversaryOf: 'room' })),
    /adversaryOf: Invalid option: expected one of "speaker"\|"corpus"/,
  );
  assert.throws(() => parseTrainConfig(member({ adversary: -1 })), /adversary/);
  const swap = parseTrainConfig(member({ baselineSwap: 0.5 })).members[0];
  assert.ok(swap.kind === 'classical' && swap.mlp?.baselineSwap === 0.5);
  assert.throws(() => parseTrainConfig(member({ baselineSwap: 2 })), /baselineSwap/);
});

test('leave-one-corpus-out refuses fewer than three corpora', () => {
  const { items, labels, x } = synthetic();
  const two = items.map((u) => ({ ...u, corpus: u.corpus === 'c' ? 'b' : u.corpus }));
  assert.throws(
    () => evaluateLoco({ items: two, labels, x, conditions: [{ name: 'studio', x }] }, { model: 'logistic' }),
    /at least 3 corpora/,
  );
});

test('the uncertain threshold is the smallest at which the answers still given are right half the time', () => {
  assert.equal(chooseUncertainBelow([0.9, 0.8, 0.3, 0.25, 0.22], [true, true, false, false, false]), 0.25);
  assert.equal(chooseUncertainBelow([0.9, 0.3], [true, true]), 0.2);
  assert.equal(chooseUncertainBelow([0.9, 0.3], [false, false]), 0.8);
});

test('calibration: every clip of the training corpora is predicted once by a model without its speaker, no other corpus is touched', () => {
  const { items, labels, x } = synthetic();
  const input = { items, labels, x, conditions: [] };
  const cfg = defaultPipelineConfig('logistic');
  const r = heldOutSpeakerPredictions(input, ['a', 'b'], cfg, true, 3);
  const inAB = items.filter((u) => u.corpus !== 'c');
  assert.equal(r.probs.length, inAB.length);
  assert.deepEqual([...r.truth].sort(), inAB.map((u) => labels.indexOf(u.label)).sort());
  for (const p of r.probs) assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-9);
  assert.ok(CALIBRATION_SPEAKER_GROUPS >= 2);
  // Held-out speakers of seen corpora are recognised (the corpora share the class structure).
  const right = r.probs.filter((p, i) => p.indexOf(Math.max(...p)) === r.truth[i]).length;
  assert.ok(right / r.probs.length > 0.9, `${right} of ${r.probs.length}`);
  // A corpus without fear is scored over its own labels: its fear probability is 0.
  const withC = heldOutSpeakerPredictions(input, ['a', 'c'], cfg, true, 3);
  const fear = labels.indexOf('fear');
  withC.truth.forEach((t, i) => {
    if (withC.probs[i][fear] === 0) assert.notEqual(t, fear);
  });
  assert.equal(withC.probs.filter((p) => p[fear] === 0).length, items.filter((u) => u.corpus === 'c').length);
});

test('calibration ignores the labels of a corpus it is not given', () => {
  const { items, labels, x } = synthetic();
  const cfg = defaultPipelineConfig('logistic');
  const input = { items, labels, x, conditions: [] };
  const before = fitCalibration(input, ['a', 'b'], cfg, true);
  // Scrambling corpus c's labels cannot change a calibration fitted on a and b.
  const scrambled = items.map((u, i) => (u.corpus === 'c' ? { ...u, label: labels[i % 2] } : u));
  const after = fitCalibration({ ...input, items: scrambled }, ['a', 'b'], cfg, true);
  assert.deepEqual(after, before);
  assert.ok(before.temperature > 0 && before.uncertainBelow >= 0.2);
});

test('the cross-fitted rule marks down a choice that does not transfer between inner corpora', () => {
  // Candidate 1 is best on inner corpus A only by luck; on B, candidate 0 is best.
  const choose = [
    [40, 44],
    [48, 38],
  ];
  const r = innerRuleFigures(choose, choose);
  assert.equal(r.chosen, 1); // mean 43 against 42
  assert.equal(r.old, 43);
  // A is scored with B's choice (0: 40) and B with A's choice (1: 38).
  assert.equal(r.crossFitted, 39);
  // A recipe with one candidate gets the same figure both ways.
  const one = innerRuleFigures([[40, 44]], [[41, 45]]);
  assert.deepEqual(one, { chosen: 0, old: 43, crossFitted: 43 });
  // With three inner corpora each is scored by the choice on the other two.
  const t = [
    [50, 30, 30],
    [30, 41, 40],
  ];
  const three = innerRuleFigures(t, t);
  assert.equal(three.chosen, 1); // mean 37 against 36.7
  // Corpus 0 by the choice on 1 and 2 (candidate 1: 30), corpora 1 and 2 by the choices on
  // {0, 2} and {0, 1} (candidate 0 both times: 30 and 30).
  assert.equal(three.crossFitted, 30);
  assert.throws(() => innerRuleFigures([[1]], [[1]]), /at least 2/);
});
