/** Counts per label and speaker, and the problems, of a corpus read — printed before training. */
import type { CorpusReadResult } from './types.js';

export interface CorpusSummary {
  utterances: number;
  perLabel: Record<string, number>;
  speakers: string[];
  problems: number;
}

export function summariseCorpus(r: CorpusReadResult): CorpusSummary {
  const perLabel: Record<string, number> = {};
  for (const u of r.utterances) perLabel[u.label] = (perLabel[u.label] ?? 0) + 1;
  const speakers = [...new Set(r.utterances.map((u) => u.speaker))].sort();
  return { utterances: r.utterances.length, perLabel, speakers, problems: r.problems.length };
}

/** Human-readable summary; lists up to `maxProblems` problems with their reasons. */
export function formatCorpusSummary(name: string, r: CorpusReadResult, maxProblems = 20): string {
  const s = summariseCorpus(r);
  const labels = Object.entries(s.perLabel)
    .sort((a, b) => a[0].localeCompare(b[0]))
    .map(([l, n]) => `${l} ${n}`)
    .join(', ');
  const lines = [
    `corpus ${name}: ${s.utterances} utterances, ${s.speakers.length} speakers (${s.speakers.join(' ')})`,
    `  labels: ${labels || 'none'}`,
    `  problems: ${s.problems}${s.problems ? ' (files not used)' : ''}`,
  ];
  for (const p of r.problems.slice(0, maxProblems)) lines.push(`    ${p.path}: ${p.reason}`);
  if (r.problems.length > maxProblems) lines.push(`    ... and ${r.problems.length - maxProblems} more`);
  return lines.join('\n');
}
