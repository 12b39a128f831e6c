/** A tiny synthetic corpus and a tiny network for the deep-evaluation tests (1 epoch, 3 speakers). */
import type { Utterance } from '../../src/node/datasets/types.js';
import type { DeepEvalOptions } from '../../src/node/train/evaluate/deep.js';
import { seededRng } from '../../src/core/random.js';

/** Tones whose pitch and loudness carry the label; each speaker is louder and higher than the last. */
export function corpus(): { items: Utterance[]; signals: Map<string, Float32Array> } {
  const items: Utterance[] = [];
  const signals = new Map<string, Float32Array>();
  for (let s = 0; s < 3; s++) {
    for (const label of ['anger', 'sadness', 'neutral'] as const) {
      for (let k = 0; k < 2; k++) {
        const rng = seededRng(s * 100 + k + 1);
        const x = new Float32Array(16000 * 0.6);
        const f0 = { anger: 260, sadness: 110, neutral: 170 }[label] * (1 + 0.05 * s);
        const amp = { anger: 0.6, sadness: 0.1, neutral: 0.3 }[label] * (1 + s);
        for (let i = 0; i < x.length; i++)
          x[i] = amp * Math.sin((2 * Math.PI * f0 * i) / 16000) * 0.3 + 0.01 * (rng() - 0.5);
        const path = `/synthetic/s${s}-${label}-${k}.wav`;
        items.push({ path, label, speaker: `s${s}`, corpus: 'synthetic', rawLabel: label });
        signals.set(path, x);
      }
    }
  }
  return { items, signals };
}

export const tiny: DeepEvalOptions = {
  model: 'cnn',
  protocol: 'loso',
  corpus: 'synthetic',
  train: {
    epochs: 1,
    batchSize: 8,
    lr: 0.01,
    patience: 0,
    featureConfig: { kind: 'logmel', nMels: 16 },
    modelConfig: {
      filters: [4, 8],
      kernelSizes: [3, 3],
      poolsFreqTime: [
        [2, 2],
        [2, 2],
      ],
      denseUnits: 0,
      inputSeconds: 0.5,
    },
    augment: { copies: 0 },
  },
};

/** A small 2D CNN config (model sizes only) so trainer tests train in seconds. */
export const SMALL_CNN = {
  filters: [4, 8],
  kernelSizes: [3, 3],
  poolsFreqTime: [
    [2, 2],
    [2, 2],
  ],
  denseUnits: 8,
  dropout: 0,
  inputSeconds: 0.5,
};
