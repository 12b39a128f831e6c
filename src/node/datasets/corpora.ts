/**
 * Several corpora read as one: `--corpus emodb,ravdess,ased` with one `--data` per corpus,
 * one parent folder holding `<kind>/` folders, or none (the shared layout
 * `../shared/datasets/<kind>`). Speakers are prefixed by corpus (`ravdess:12`) so no two
 * corpora share a speaker id; the label set is one for all: by default the five emotions
 * every speech corpus here has (neutral, happiness, sadness, anger, fear) plus disgust when a
 * corpus has it. A single corpus keeps its own speakers and every label it has.
 */
import { dirname, resolve, sep } from 'node:path';
import { EMOTIONS, SHARED_EMOTIONS, type Emotion } from '../../core/labels.js';
import { readCorpus } from './index.js';
import {
  CORPUS_KINDS,
  CorpusError,
  type CorpusKind,
  type CorpusProblem,
  type CorpusReadResult,
  type Utterance,
} from './types.js';

/** Where the corpora live when `--data` is not given (relative to the working directory). */
export const DEFAULT_DATASETS_DIR = '../shared/datasets';
/** Corpus kinds with a fixed folder name in the shared layout. */
const NAMED_KINDS: readonly CorpusKind[] = ['emodb', 'ravdess', 'ased'];

export interface CorpusSpec {
  kind: CorpusKind;
  /** Corpus folder (or manifest file for kind manifest). */
  data: string;
}

/**
 * `--corpus` (one kind or a comma-separated list) and the `--data` values given (zero, one, or
 * one per corpus) -> one spec per corpus.
 */
export function parseCorpusSpecs(corpus: string, data: readonly string[] = []): CorpusSpec[] {
  const kinds = corpus
    .split(',')
    .map((k) => k.trim())
    .filter((k) => k !== '');
  if (kinds.length === 0) throw new CorpusError(`no corpus given (accepted: ${CORPUS_KINDS.join(', ')})`);
  for (const k of kinds) {
    if (!(CORPUS_KINDS as readonly string[]).includes(k)) {
      throw new CorpusError(
        `unknown corpus kind '${k}' (accepted: ${CORPUS_KINDS.join(', ')}, comma-separated)`,
      );
    }
  }
  const dup = kinds.find((k, i) => kinds.indexOf(k) !== i);
  if (dup) throw new CorpusError(`corpus '${dup}' is listed twice`);
  const typed = kinds as CorpusKind[];
  if (data.length === typed.length) return typed.map((kind, i) => ({ kind, data: data[i] }));
  const parent = data.length === 0 ? DEFAULT_DATASETS_DIR : data.length === 1 ? data[0] : undefined;
  if (parent === undefined || (data.length === 1 && typed.length === 1)) {
    throw new CorpusError(
      `give one --data per corpus (${typed.length} for ${kinds.join(',')}), one parent folder holding ` +
        `${kinds.map((k) => `${k}/`).join(' ')}, or none for ${DEFAULT_DATASETS_DIR}/<corpus>; got ${data.length}`,
    );
  }
  const unnamed = typed.find((k) => !NAMED_KINDS.includes(k));
  if (unnamed)
    throw new CorpusError(`corpus '${unnamed}' has no standard folder; give one --data per corpus`);
  return typed.map((kind) => ({ kind, data: resolve(parent, kind) }));
}

/**
 * The folder evaluation files key utterance paths by: a single corpus's own `data`, or the
 * deepest folder holding every corpus of several (a manifest counts by its folder).
 */
export function corporaRoot(specs: readonly CorpusSpec[]): string {
  if (specs.length === 1) return resolve(specs[0].data);
  const dirs = specs.map((s) =>
    (s.kind === 'manifest' ? dirname(resolve(s.data)) : resolve(s.data)).split(sep),
  );
  const common: string[] = [];
  for (let i = 0; dirs.every((d) => i < d.length && d[i] === dirs[0][i]); i++) common.push(dirs[0][i]);
  return common.join(sep) || sep;
}

/**
 * The default label set of several corpora: those of the five shared emotions that occur,
 * plus disgust if any corpus has it (calm, boredom and surprise are left out).
 */
export function multiCorpusLabels(present: Iterable<string>): Emotion[] {
  const have = new Set(present);
  return EMOTIONS.filter(
    (e) => have.has(e) && ((SHARED_EMOTIONS as readonly string[]).includes(e) || e === 'disgust'),
  );
}

export interface CorpusUse {
  kind: string;
  /** Full name (from a config) or the kind. */
  name: string;
  used: number;
  speakers: number;
  /** Utterances left out because their label is not in the label set, by label. */
  leftOut: Record<string, number>;
  problems: number;
}

export interface CorporaReadResult {
  /** Utterances whose label is in `labels`; speakers prefixed `<kind>:` when there are several corpora. */
  utterances: Utterance[];
  labels: Emotion[];
  corpora: CorpusUse[];
  problems: CorpusProblem[];
}

/**
 * Reads every corpus and merges them. `labels` sets the label set, in its order (default: all
 * labels of a single corpus, multiCorpusLabels for several, in the canonical order).
 * `onRead` sees each corpus's own read (e.g. to log its summary and problems).
 */
export async function readCorpora(
  specs: readonly (CorpusSpec & { name?: string })[],
  o: { labels?: readonly string[]; onRead?: (spec: CorpusSpec, r: CorpusReadResult) => void } = {},
): Promise<CorporaReadResult> {
  if (o.labels) {
    const unknown = o.labels.filter((l) => !(EMOTIONS as readonly string[]).includes(l));
    if (unknown.length)
      throw new CorpusError(`unknown label(s) ${unknown.join(', ')} (accepted: ${EMOTIONS.join(', ')})`);
  }
  const several = specs.length > 1;
  const reads = [];
  for (const spec of specs) {
    const r = await readCorpus(spec.kind, resolve(spec.data));
    o.onRead?.(spec, r);
    const utterances = several
      ? r.utterances.map((u) => ({ ...u, speaker: `${spec.kind}:${u.speaker}` }))
      : r.utterances;
    reads.push({ spec, utterances, problems: r.problems });
  }
  const present = new Set(reads.flatMap((r) => r.utterances.map((u) => u.label as string)));
  const labels = o.labels
    ? (o.labels as Emotion[])
    : several
      ? multiCorpusLabels(present)
      : EMOTIONS.filter((e) => present.has(e));
  const keep = new Set<string>(labels);
  const corpora = reads.map(({ spec, utterances, problems }) => {
    const leftOut: Record<string, number> = {};
    for (const u of utterances) if (!keep.has(u.label)) leftOut[u.label] = (leftOut[u.label] ?? 0) + 1;
    const used = utterances.filter((u) => keep.has(u.label));
    return {
      kind: spec.kind,
      name: spec.name ?? spec.kind,
      used: used.length,
      speakers: new Set(used.map((u) => u.speaker)).size,
      leftOut,
      problems: problems.length,
    };
  });
  return {
    utterances: reads.flatMap((r) => r.utterances.filter((u) => keep.has(u.label))),
    labels,
    corpora,
    problems: reads.flatMap((r) => r.problems),
  };
}

/** One line per corpus for logs: how many utterances and speakers were used, what was left out. */
export function describeCorpusUse(c: CorpusUse): string {
  const left = Object.entries(c.leftOut)
    .map(([l, n]) => `${l} ${n}`)
    .join(', ');
  return (
    `${c.name}: ${c.used} utterances of ${c.speakers} speakers used` +
    (left ? `; left out (label not in the set): ${left}` : '') +
    (c.problems ? `; ${c.problems} unreadable files skipped` : '')
  );
}
