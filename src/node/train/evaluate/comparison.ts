/**
 * The comparison table: one row per model evaluated on the same folds (deep, classical,
 * ensembles, or read from earlier runs), as aligned text for the terminal and as markdown for
 * --table. The protocol is in the title; speaker-dependent k-fold is labelled as such.
 */
import type { Protocol } from './cv.js';
import type { ModelEvaluation } from './evaluate.js';

export interface ComparisonRow {
  model: string;
  protocol: Protocol;
  uar: number;
  wa: number;
  macroF1: number;
  seconds: number;
  notes: string;
}

/** The table title, saying which protocol the figures come from. */
export function comparisonTitle(corpus: string, protocol: Protocol, folds: number): string {
  if (protocol === 'kfold') return `${corpus}: speaker-DEPENDENT ${folds}-fold (not comparable to LOSO)`;
  if (protocol === 'holdout') return `${corpus}: speaker-independent holdout (one split of the speakers)`;
  return `${corpus}: leave-one-speaker-out (LOSO), predictions of ${folds} folds pooled`;
}

export function comparisonRows(evaluations: readonly ModelEvaluation[]): ComparisonRow[] {
  return evaluations.map((e) => ({
    model: e.model,
    protocol: e.protocol,
    uar: e.uar,
    wa: e.wa,
    macroF1: e.macroF1,
    seconds: e.seconds,
    notes: [
      e.speakerNorm
        ? typeof e.config.profileClips === 'number'
          ? `per-speaker norm (test speaker: ${e.config.profileClips} random clips)`
          : 'per-speaker norm'
        : '',
      e.tuned ? 'tuned (inner LOSO)' : '',
      Array.isArray(e.config.ensemble)
        ? `mean of probabilities, weights ${(e.config.ensemble as { weight: number }[]).map((m) => m.weight).join('/')}`
        : '',
      e.source ? `from ${e.source}` : '',
    ]
      .filter(Boolean)
      .join('; '),
  }));
}

const pct = (v: number) => (Number.isFinite(v) ? (v * 100).toFixed(1) : '–');
const HEAD = ['model', 'protocol', 'UAR %', 'WA %', 'macro-F1 %', 'seconds', 'notes'];

function cells(r: ComparisonRow): string[] {
  return [r.model, r.protocol, pct(r.uar), pct(r.wa), pct(r.macroF1), r.seconds.toFixed(0), r.notes];
}

/** Aligned plain text: title, header, one line per model. */
export function comparisonText(title: string, rows: readonly ComparisonRow[]): string {
  const table = [HEAD, ...rows.map(cells)];
  const widths = HEAD.map((_, j) => Math.max(...table.map((r) => r[j].length)));
  const line = (r: string[]) =>
    r
      .map((c, j) => (j === 0 || j === r.length - 1 ? c.padEnd(widths[j]) : c.padStart(widths[j])))
      .join('  ')
      .trimEnd();
  return [title, ...table.map(line)].join('\n');
}

/** Markdown: a heading with the title, then the table (cells with '|' escaped). */
export function comparisonMarkdown(title: string, rows: readonly ComparisonRow[]): string {
  const row = (r: string[]) => `| ${r.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
  return [
    `### ${title}`,
    '',
    row(HEAD),
    row(HEAD.map((_, j) => (j === 0 || j === HEAD.length - 1 ? '---' : '---:'))),
    ...rows.map((r) => row(cells(r))),
    '',
  ].join('\n');
}
