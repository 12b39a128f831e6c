/**
 * The classical member of a bundle: the descriptor spec (how a signal becomes the utterance
 * vector), and one or two fitted pipelines over those descriptors:
 *   global      - trained on the raw descriptors (its standard scaler holds corpus statistics);
 *                 used for a clip from a speaker we know nothing about;
 *   speakerNorm - trained on per-speaker z-normalised descriptors; used when the caller has a
 *                 SpeakerProfile of enough of the same speaker's clips to normalise with.
 * Stored as `classical.json` ({kind: 'emovox-classical-model'}), numbers compacted by
 * serialize.ts, feature names written once.
 */
import { z } from 'zod';
import { classicalFeatures, DESCRIPTOR_FAMILIES, type ClassicalFeatureSpec } from './featurize.js';
import type { Matrix } from './matrix.js';
import { ClassicalPipeline, type ClassicalPipelineJSON } from './pipeline.js';
import { compactPipelineJSON } from './serialize.js';
import { EmovoxError } from '../errors.js';

export const CLASSICAL_MODEL_FILE = 'classical.json';

/** zod mirror of ClassicalFeatureSpec (featurize.ts), recorded in the bundle manifest. */
export const ClassicalFeatureSpecSchema = z.object({
  family: z.enum(DESCRIPTOR_FAMILIES).optional(),
  sampleRate: z.number().int().positive(),
  nMfcc: z.number().int().positive(),
  nMels: z.number().int().positive(),
  deltaOrder: z.union([z.literal(0), z.literal(1), z.literal(2)]),
  functionals: z.array(z.string().min(1)).min(1),
  descriptors: z.boolean(),
  extendedDescriptors: z.boolean().optional(),
  silenceBelowPeakDb: z.number().positive(),
});

/** Which normalisation a prediction used. */
export type ClassicalPath = 'global' | 'speakerNorm';

export interface ClassicalModelJSON {
  kind: 'emovox-classical-model';
  version: 1;
  labels: string[];
  /** One name per descriptor, in vector order. */
  featureNames: string[];
  pipelines: { global: ClassicalPipelineJSON; speakerNorm: ClassicalPipelineJSON | null };
}

/** A classical.json that cannot be used (user-facing). */
export class ClassicalModelError extends EmovoxError {
  constructor(message: string) {
    super('BAD_BUNDLE', message);
  }
}

export class ClassicalModel {
  constructor(
    readonly spec: ClassicalFeatureSpec,
    readonly labels: string[],
    readonly featureNames: string[],
    readonly global: ClassicalPipeline,
    readonly speakerNorm: ClassicalPipeline | null,
  ) {
    for (const [name, p] of [
      ['global', global],
      ['speakerNorm', speakerNorm],
    ] as const) {
      if (!p) continue;
      if (p.nFeatures !== featureNames.length) {
        throw new ClassicalModelError(
          `the ${name} pipeline takes ${p.nFeatures} descriptors but the model names ${featureNames.length}`,
        );
      }
      if (p.labels.join('\n') !== labels.join('\n')) {
        throw new ClassicalModelError(
          `the ${name} pipeline's labels (${p.labels.join(', ')}) differ from the model's (${labels.join(', ')})`,
        );
      }
    }
  }

  /** Descriptor vector length. */
  get dim(): number {
    return this.featureNames.length;
  }

  /** The utterance descriptor vector of a mono signal at spec.sampleRate. */
  describe(samples: Float32Array): Float32Array {
    const f = classicalFeatures(samples, this.spec);
    if (f.values.length !== this.dim) {
      throw new ClassicalModelError(
        `the descriptor extractor gave ${f.values.length} values but the model was trained on ${this.dim}; ` +
          'the bundle was made by a different version of the feature code',
      );
    }
    return Float32Array.from(f.values);
  }

  /**
   * Class probabilities (in `labels` order) of one descriptor vector: with speaker statistics
   * (mean, std per descriptor) through the speakerNorm pipeline, otherwise the global one.
   */
  probabilities(
    descriptors: ArrayLike<number>,
    speaker?: { mean: ArrayLike<number>; std: ArrayLike<number> },
  ): { probabilities: Float64Array; path: ClassicalPath } {
    if (descriptors.length !== this.dim) {
      throw new ClassicalModelError(
        `descriptor vector has ${descriptors.length} values; this model expects ${this.dim}`,
      );
    }
    const useSpeaker = speaker !== undefined && this.speakerNorm !== null;
    const x: Matrix = { data: new Float64Array(this.dim), rows: 1, cols: this.dim };
    for (let i = 0; i < this.dim; i++) {
      x.data[i] = useSpeaker ? (descriptors[i] - speaker.mean[i]) / speaker.std[i] : descriptors[i];
    }
    const pipe = useSpeaker ? this.speakerNorm! : this.global;
    return { probabilities: pipe.predictProba(x), path: useSpeaker ? 'speakerNorm' : 'global' };
  }

  toJSON(): ClassicalModelJSON {
    const strip = (p: ClassicalPipeline): ClassicalPipelineJSON => ({
      ...compactPipelineJSON(p.toJSON()),
      featureNames: [],
    });
    return {
      kind: 'emovox-classical-model',
      version: 1,
      labels: this.labels,
      featureNames: this.featureNames,
      pipelines: {
        global: strip(this.global),
        speakerNorm: this.speakerNorm ? strip(this.speakerNorm) : null,
      },
    };
  }

  /** Reads classical.json contents; `where` names the file in errors. */
  static fromJSON(json: unknown, spec: ClassicalFeatureSpec, where = CLASSICAL_MODEL_FILE): ClassicalModel {
    const j = json as Partial<ClassicalModelJSON> | null;
    if (
      !j ||
      j.kind !== 'emovox-classical-model' ||
      j.version !== 1 ||
      !Array.isArray(j.labels) ||
      !Array.isArray(j.featureNames) ||
      !j.pipelines?.global
    ) {
      throw new ClassicalModelError(
        `${where} is not an Emovox classical model (expected kind "emovox-classical-model", version 1, labels, featureNames and pipelines.global)`,
      );
    }
    const read = (p: ClassicalPipelineJSON, name: string): ClassicalPipeline => {
      try {
        return ClassicalPipeline.fromJSON({ ...p, featureNames: j.featureNames! });
      } catch (err) {
        throw new ClassicalModelError(`${where}: pipeline ${name} is unusable (${(err as Error).message})`);
      }
    };
    return new ClassicalModel(
      spec,
      j.labels,
      j.featureNames,
      read(j.pipelines.global, 'global'),
      j.pipelines.speakerNorm ? read(j.pipelines.speakerNorm, 'speakerNorm') : null,
    );
  }
}
