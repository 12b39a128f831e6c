/**
 * What the server says about a served bundle beyond its manifest: its kind, a human title
 * ("German + English, 6 emotions"), its ensemble members, whether it adapts to a speaker, and
 * the "descriptor kind" under which the store keeps the clips' descriptor vectors. Read from
 * the bundle's emovox.json files as plain JSON, so it works for every bundle kind.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalJson, fnv1a } from '../../core/canonical-json.js';

/** Spoken language of each known corpus, for model titles. */
export const CORPUS_LANGUAGES: Record<string, string> = {
  emodb: 'German',
  ravdess: 'English',
  ased: 'Amharic',
};

export interface MemberSummary {
  name: string;
  weight: number;
  kind: string;
  modelName: string;
  metrics: Record<string, unknown>;
}

export interface BundleSummary {
  kind: 'deep' | 'classical' | 'ensemble';
  title: string;
  languages: string[];
  members: MemberSummary[];
  /** Clips of a speaker needed before the model normalises per speaker; null when it never does. */
  minSpeakerUtterances: number | null;
  /** Key of the descriptor extraction (same key = vectors comparable across models); null without one. */
  descriptorKind: string | null;
}

type Json = Record<string, unknown>;

function readJson(path: string): Json | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Json;
  } catch {
    return null;
  }
}

/** "German + English, 6 emotions" from the corpus field and the labels. */
export function modelTitle(corpus: unknown, labelCount: number): string {
  const languages = corpusLanguages(corpus);
  const emotions = `${labelCount} emotions`;
  return languages.length > 0 ? `${languages.join(' + ')}, ${emotions}` : emotions;
}

export function corpusLanguages(corpus: unknown): string[] {
  const tokens = String(corpus ?? '')
    .toLowerCase()
    .match(/[a-z0-9]+/g);
  const out: string[] = [];
  for (const t of tokens ?? []) {
    const lang = CORPUS_LANGUAGES[t];
    if (lang && !out.includes(lang)) out.push(lang);
  }
  return out;
}

interface ClassicalPart {
  descriptors?: unknown;
  featureCount?: number;
  speakerAdaptive?: boolean;
  minSpeakerUtterances?: number;
}

/**
 * Summarises a bundle from its manifest (`manifest`, already parsed) and, for ensembles, the
 * members' manifests under `dir` (when the folder is known).
 */
export function summariseBundle(manifest: Json, dir: string | null): BundleSummary {
  const kind = (manifest.kind ?? 'deep') as BundleSummary['kind'];
  const labels = Array.isArray(manifest.labels) ? manifest.labels : [];
  const members: MemberSummary[] = [];
  const classicalParts: ClassicalPart[] = [];
  if (kind === 'classical') classicalParts.push((manifest.classical ?? {}) as ClassicalPart);
  if (kind === 'ensemble' && Array.isArray(manifest.members)) {
    for (const m of manifest.members as { name: string; dir: string; weight: number }[]) {
      const path = dir ? join(dir, m.dir, 'emovox.json') : null;
      const mm = path && existsSync(path) ? readJson(path) : null;
      const memberKind = String(mm?.kind ?? (mm ? 'deep' : 'unknown'));
      members.push({
        name: m.name,
        weight: m.weight,
        kind: memberKind,
        modelName: String(mm?.modelName ?? m.name),
        metrics: (mm?.metrics ?? {}) as Record<string, unknown>,
      });
      if (memberKind === 'classical') classicalParts.push((mm?.classical ?? {}) as ClassicalPart);
    }
  }
  const classical = classicalParts[0];
  const descriptorKind = classical
    ? `d${classical.featureCount ?? 0}-${fnv1a(canonicalJson(classical.descriptors ?? null))}`
    : null;
  const minSpeakerUtterances = classical?.speakerAdaptive ? (classical.minSpeakerUtterances ?? 10) : null;
  return {
    kind,
    title: modelTitle(manifest.corpus, labels.length),
    languages: corpusLanguages(manifest.corpus),
    members,
    minSpeakerUtterances,
    descriptorKind,
  };
}
