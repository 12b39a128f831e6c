/**
 * `emovox models [--json] [--classes N] [--seconds S]`: the registered networks with their
 * input, parameter count, default training epochs and forward FLOPs per second of audio (for the default sizes, log-mel
 * 64 mels for cnn2d-lstm, 40 MFCC for cnn, 16 kHz waveform for cnn1d-lstm, 10 ms hop).
 */
import { InvalidArgumentError, type Command } from 'commander';
import {
  buildModel,
  defaultModelConfig,
  defaultModelEpochs,
  defaultModelFeatures,
  describeModel,
  MODEL_NAMES,
  modelDescription,
  modelInput,
  type ModelDescription,
} from '../../core/models/index.js';
import { coefficientsPerFrame, parseFeatureConfig } from '../../core/features/config.js';

const SAMPLE_RATE_HZ = 16000;
const FRAMES_PER_SECOND = 100;
/** Coefficients per frame of a feature model's default input (its registry features). */
function coeffsOf(name: string): number {
  return coefficientsPerFrame(parseFeatureConfig(defaultModelFeatures(name)));
}

export interface ModelSummary extends ModelDescription {
  name: string;
  input: 'features' | 'waveform';
  inputShape: number[];
  description: string;
  /** Training epochs unless told otherwise. */
  epochs: number;
}

/** Builds each model once (on whichever tfjs backend is active) and measures it. */
export function summariseModels(numClasses = 7, seconds?: number): ModelSummary[] {
  return MODEL_NAMES.map((name) => {
    const secs = seconds ?? defaultModelConfig(name).inputSeconds;
    const input = modelInput(name);
    const inputShape =
      input === 'waveform'
        ? [Math.round(secs * SAMPLE_RATE_HZ), 1]
        : [Math.round(secs * FRAMES_PER_SECOND), coeffsOf(name), 1];
    const model = buildModel(name, { inputShape, numClasses });
    const d = describeModel(model, secs);
    model.dispose();
    return {
      name,
      input,
      inputShape,
      description: modelDescription(name),
      epochs: defaultModelEpochs(name),
      ...d,
    };
  });
}

function positiveNumber(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number.');
  return n;
}

function classCount(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 2) throw new InvalidArgumentError('must be an integer >= 2.');
  return n;
}

export function register(program: Command): void {
  program
    .command('models')
    .description(
      'List the networks with their input, parameters, FLOPs per second of audio and default training epochs.',
    )
    .option('--classes <n>', 'number of output classes', classCount, 7)
    .option('--seconds <s>', 'input length in seconds (default: each model’s inputSeconds)', positiveNumber)
    .option('--json', 'print JSON')
    .action(async (o: { classes: number; seconds?: number; json?: boolean }) => {
      // The backend every other command uses (tfjs's cpu backend would print its advert for
      // tfjs-node on stderr).
      const { initBackend } = await import('../../node/backend.js');
      await initBackend('wasm');
      const rows = summariseModels(o.classes, o.seconds);
      if (o.json) {
        process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
        return;
      }
      for (const r of rows) {
        process.stdout.write(
          `${r.name.padEnd(11)} ${r.input.padEnd(8)} [${r.inputShape.join(', ')}]\n` +
            `            ${r.params.toLocaleString('en')} params (${r.trainableParams.toLocaleString('en')} trainable), ` +
            `${(r.flopsPerSecondOfAudio / 1e6).toFixed(1)} MFLOP per second of audio (forward), trains ${r.epochs} epochs by default\n` +
            `            ${r.description}\n`,
        );
      }
    });
}
