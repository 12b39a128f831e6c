/**
 * Ensembles: the per-utterance class probabilities of several models evaluated on the same folds,
 * averaged with fixed weights (equal by default; given before any result is seen, never fitted
 * on a test speaker). Members may order their labels differently: probabilities are matched by
 * label name.
 */
import type { FoldResult, ItemPrediction, ModelEvaluation } from './evaluate.js';
import { summarise } from './evaluate.js';
import { EmovoxError } from '../../../core/errors.js';
import { meanUarOf, scoreCondition, type LocoCorpusResult, type LocoEvaluation } from './loco.js';

/** Members that cannot be combined (user-facing). */
export class EnsembleError extends EmovoxError {
  constructor(message: string) {
    super('BAD_ENSEMBLE', message);
  }
}

/** 'svm-linear+cnn2d-lstm' -> ['svm-linear', 'cnn2d-lstm']; a plain name -> [name]. */
export function ensembleMembers(name: string): string[] {
  return name
    .split('+')
    .map((m) => m.trim())
    .filter(Boolean);
}

export const isEnsembleName = (name: string): boolean => ensembleMembers(name).length > 1;

/** Parses '0.6,0.4' into positive weights. */
export function parseWeights(text: string): number[] {
  const w = text.split(',').map((v) => Number(v.trim()));
  if (w.length < 2 || w.some((v) => !Number.isFinite(v) || v <= 0)) {
    throw new EnsembleError(
      `ensemble weights must be two or more positive numbers separated by commas, e.g. 0.6,0.4; got '${text}'`,
    );
  }
  return w;
}

/** A member's probabilities of one item, reordered to `labels`. */
function reorder(p: ItemPrediction, from: string[], labels: string[]): number[] {
  return labels.map((l) => p.probabilities[from.indexOf(l)]);
}

/**
 * An ensemble's name (members joined by +) and its weights (equal by default), after checking
 * there are at least two members and one weight each.
 */
function membersAndWeights(
  members: readonly { model: string }[],
  weights: readonly number[] | null,
): { name: string; w: readonly number[] } {
  if (members.length < 2) throw new EnsembleError('an ensemble needs at least two members');
  const name = members.map((m) => m.model).join('+');
  const w = weights ?? members.map(() => 1);
  if (w.length !== members.length) {
    throw new EnsembleError(`${name} has ${members.length} members but ${w.length} weights were given`);
  }
  return { name, w };
}

/**
 * Averages the members' pooled predictions item by item. Every member must have per-item
 * probabilities for the same items, in the same folds, over the same label set.
 */
export function ensembleEvaluation(
  members: readonly ModelEvaluation[],
  weights: readonly number[] | null = null,
): ModelEvaluation {
  const { name, w } = membersAndWeights(members, weights);
  const [first] = members;
  const labels = first.confusion.labels;
  const byPath = members.map((m) => {
    if (m.predictions.length === 0) {
      throw new EnsembleError(
        `${m.model} has no per-utterance predictions (an evaluation file from an older emovox?); re-run it to use it in an ensemble`,
      );
    }
    const a = [...m.confusion.labels].sort().join(',');
    if (a !== [...labels].sort().join(',')) {
      throw new EnsembleError(
        `${m.model} predicts ${m.confusion.labels.join(', ')} but ${first.model} predicts ${labels.join(', ')}`,
      );
    }
    if (m.protocol !== first.protocol || m.corpus !== first.corpus) {
      throw new EnsembleError(
        `${m.model} was evaluated with ${m.protocol} on ${m.corpus}, ${first.model} with ${first.protocol} on ${first.corpus}`,
      );
    }
    return new Map(m.predictions.map((p) => [p.path, p]));
  });
  const total = w.reduce((a, b) => a + b, 0);
  const predictions: ItemPrediction[] = first.predictions.map((p0) => {
    const avg = labels.map(() => 0);
    members.forEach((m, k) => {
      const p = byPath[k].get(p0.path);
      if (!p) throw new EnsembleError(`${m.model} has no prediction for ${p0.path}`);
      if (p.fold !== p0.fold) {
        throw new EnsembleError(
          `${p0.path} is in fold '${p.fold}' for ${m.model} but in '${p0.fold}' for ${first.model}: not the same folds`,
        );
      }
      reorder(p, m.confusion.labels, labels).forEach((v, j) => (avg[j] += (w[k] / total) * v));
    });
    return {
      path: p0.path,
      speaker: p0.speaker,
      label: p0.label,
      predicted: labels[avg.indexOf(Math.max(...avg))],
      fold: p0.fold,
      probabilities: avg.map((v) => Math.round(v * 1e4) / 1e4),
    };
  });
  for (const [k, m] of byPath.entries()) {
    if (m.size !== predictions.length) {
      throw new EnsembleError(
        `${members[k].model} has ${m.size} predictions, ${first.model} ${predictions.length}: not the same utterances`,
      );
    }
  }
  const folds: FoldResult[] = first.folds.map((f) => {
    const mine = predictions.filter((p) => p.fold === f.name);
    return {
      name: f.name,
      testSpeakers: f.testSpeakers,
      nTrain: f.nTrain,
      nTest: mine.length,
      wa: mine.filter((p) => p.predicted === p.label).length / Math.max(1, mine.length),
      params: { members: members.map((m) => m.model), weights: w },
      innerUar: null,
      history: [],
      seconds: members.reduce((s, m) => s + (m.folds.find((g) => g.name === f.name)?.seconds ?? 0), 0),
    };
  });
  return {
    model: name,
    protocol: first.protocol,
    corpus: first.corpus,
    speakerNorm: members.some((m) => m.speakerNorm),
    tuned: members.some((m) => m.tuned),
    ...summarise(predictions, labels),
    folds,
    predictions,
    seconds: members.reduce((s, m) => s + m.seconds, 0),
    seed: first.seed,
    config: {
      ensemble: members.map((m, k) => ({ model: m.model, weight: w[k], speakerNorm: m.speakerNorm })),
      rule: 'weighted mean of per-utterance class probabilities (weights fixed in advance)',
    },
  };
}

/**
 * A leave-one-corpus-out ensemble: for every held-out corpus and every channel condition the
 * members share, the members' per-clip probabilities (matched by path and label name) averaged
 * with fixed weights (equal by default), then scored like any LOCO result (argmax over the
 * held-out corpus's labels; no calibration fitted here: each member's own probabilities are
 * averaged). Members need per-clip probabilities (files written with --json by this emovox).
 */
export function ensembleLoco(
  members: readonly LocoEvaluation[],
  weights: readonly number[] | null = null,
): LocoEvaluation {
  const { name, w } = membersAndWeights(members, weights);
  const total = w.reduce((a, b) => a + b, 0);
  const [first] = members;
  for (const m of members) {
    if (m.protocol !== 'loco') throw new EnsembleError(`${m.model} is a ${m.protocol} evaluation, not loco`);
    const a = [...m.corpora].sort().join(',');
    if (a !== [...first.corpora].sort().join(',')) {
      throw new EnsembleError(
        `${m.model} was evaluated on ${m.corpora.join(', ')}, ${first.model} on ${first.corpora.join(', ')}`,
      );
    }
    const missing = m.results.find((r) => !r.paths || r.conditions.some((c) => !c.probabilities));
    if (missing) {
      throw new EnsembleError(
        `${m.model} has no per-clip probabilities for held-out ${missing.heldOut} (a LOCO file from an older emovox?); re-run it with --json to use it in an ensemble`,
      );
    }
  }
  const conditions = first.results[0].conditions
    .map((c) => c.condition)
    .filter((c) => members.every((m) => m.results.every((r) => r.conditions.some((x) => x.condition === c))));
  if (conditions.length === 0) throw new EnsembleError(`the members of ${name} share no channel condition`);
  const seconds = (m: LocoEvaluation, heldOut: string) =>
    m.results.find((r) => r.heldOut === heldOut)?.seconds ?? 0;
  const results: LocoCorpusResult[] = first.results.map((r0) => {
    const rs = members.map((m) => {
      const r = m.results.find((x) => x.heldOut === r0.heldOut);
      if (!r) throw new EnsembleError(`${m.model} has no result for held-out ${r0.heldOut}`);
      if ([...r.labels].sort().join(',') !== [...r0.labels].sort().join(',')) {
        throw new EnsembleError(
          `on held-out ${r0.heldOut}, ${m.model} scores ${r.labels.join(', ')} but ${first.model} ${r0.labels.join(', ')}`,
        );
      }
      if (r.paths!.length !== r0.paths!.length) {
        throw new EnsembleError(
          `on held-out ${r0.heldOut}, ${m.model} has ${r.paths!.length} clips, ${first.model} ${r0.paths!.length}: not the same clips`,
        );
      }
      return { r, at: new Map(r.paths!.map((p, i) => [p, i])) };
    });
    const names = r0.labels;
    const truth = r0.truth!.map((l) => names.indexOf(l));
    return {
      heldOut: r0.heldOut,
      trainCorpora: r0.trainCorpora,
      nTrain: r0.nTrain,
      labels: names,
      chosen: `mean of probabilities, weights ${w.join('/')}`,
      innerUar: null,
      temperature: null,
      uncertainBelow: null,
      uniformShare: null,
      conditions: conditions.map((cond) => {
        const probs = r0.paths!.map((path) => {
          const avg = names.map(() => 0);
          rs.forEach(({ r, at }, k) => {
            const i = at.get(path);
            if (i === undefined) throw new EnsembleError(`${members[k].model} has no prediction for ${path}`);
            const p = r.conditions.find((c) => c.condition === cond)!.probabilities![i];
            names.forEach((l, j) => (avg[j] += (w[k] / total) * p[r.labels.indexOf(l)]));
          });
          return avg;
        });
        return scoreCondition(cond, probs, truth, names, null, { keepPredictions: true });
      }),
      seconds: members.reduce((s, m) => s + seconds(m, r0.heldOut), 0),
      paths: r0.paths,
      truth: r0.truth,
    };
  });
  return {
    model: name,
    protocol: 'loco',
    corpora: first.corpora,
    results,
    meanUar: meanUarOf(results),
    seconds: members.reduce((s, m) => s + m.seconds, 0),
    config: {
      ensemble: members.map((m, k) => ({ model: m.model, weight: w[k] })),
      rule: 'weighted mean of per-clip class probabilities (weights fixed in advance), per held-out corpus and condition',
    },
  };
}
