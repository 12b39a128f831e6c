/**
 * The results of a search: trials ranked by validation UAR (ties: higher WA, then lower loss;
 * failed trials last), as a text table for the terminal and a markdown file, and the best
 * trial's options in the form the other commands accept.
 */
import type { TrialRecord } from './log.js';
import { stableStringify } from './space.js';

/** Best first: higher val UAR, then higher val WA, then lower val loss, then plan order. */
export function rankTrials(records: readonly TrialRecord[]): TrialRecord[] {
  const score = (v: number | null, sign: number) =>
    v === null || !Number.isFinite(v) ? -Infinity : sign * v;
  return [...records].sort(
    (a, b) =>
      score(b.valUar, 1) - score(a.valUar, 1) ||
      score(b.valWa, 1) - score(a.valWa, 1) ||
      score(b.valLoss, -1) - score(a.valLoss, -1) ||
      a.index - b.index,
  );
}

/** The keys whose value differs between trials (the table's parameter columns). */
export function variedKeys(records: readonly TrialRecord[]): string[] {
  const keys = [...new Set(records.flatMap((r) => Object.keys(r.params)))];
  return keys.filter((k) => new Set(records.map((r) => stableStringify(r.params[k] ?? null))).size > 1);
}

const pct = (v: number | null) => (v === null ? '-' : (v * 100).toFixed(1));
const fixed = (v: number | null, d: number) => (v === null || !Number.isFinite(v) ? '-' : v.toFixed(d));
const show = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v ?? null));

/** Header and rows of the results table (strings), best first. */
export function resultRows(records: readonly TrialRecord[]): { header: string[]; rows: string[][] } {
  const keys = variedKeys(records);
  const header = ['rank', 'val UAR %', 'val WA %', 'val loss', 'epochs', 'seconds', ...keys];
  const rows = rankTrials(records).map((r, i) => [
    String(i + 1),
    r.error ? 'failed' : pct(r.valUar),
    pct(r.valWa),
    fixed(r.valLoss, 3),
    r.epochs === null ? '-' : Number.isInteger(r.epochs) ? String(r.epochs) : r.epochs.toFixed(1),
    r.seconds.toFixed(1),
    ...keys.map((k) => show(r.params[k])),
  ]);
  return { header, rows };
}

/** Aligned plain-text table. */
export function formatTable(records: readonly TrialRecord[]): string {
  const { header, rows } = resultRows(records);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) =>
    cells
      .map((v, c) => (c < 6 ? v.padStart(widths[c]) : v.padEnd(widths[c])))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** GitHub-flavoured markdown table. */
export function markdownTable(records: readonly TrialRecord[]): string {
  const { header, rows } = resultRows(records);
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map((_, c) => (c < 6 ? '---:' : '---')).join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}

/** Quotes a shell argument when it needs it. */
function shellArg(a: string): string {
  return /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

/**
 * The `emovox evaluate` invocation that evaluates the best setting on all speakers (LOSO), or
 * with `loco` under leave-one-corpus-out over the same corpora: classical options become
 * evaluate's flags, deep options its --train-options JSON.
 */
export function evaluateCommand(
  best: TrialRecord,
  o: {
    corpus: string;
    data?: string | readonly string[];
    model: string;
    classical: boolean;
    loco?: { features: string; augment: number; corpusWeight: boolean };
  },
): string {
  const data = typeof o.data === 'string' ? [o.data] : [...(o.data ?? [])];
  const args = ['emovox', 'evaluate'];
  if (o.loco) args.push('--protocol', 'loco');
  args.push('--corpus', o.corpus, ...data.flatMap((d) => ['--data', d]), '--model', o.model);
  if (o.loco) {
    args.push('--features', o.loco.features);
    if (o.loco.augment > 0) args.push('--augment', String(o.loco.augment));
    if (o.loco.corpusWeight) args.push('--corpus-weight');
  }
  if (o.classical) {
    const c = best.options;
    if (typeof c.c === 'number') args.push('--c', String(c.c));
    if (typeof c.gamma === 'number') args.push('--gamma', String(c.gamma));
    if (typeof c.pca === 'number') args.push('--pca', String(c.pca));
    if (typeof c.trees === 'number') args.push('--trees', String(c.trees));
    if (typeof c.weightDecay === 'number') args.push('--weight-decay', String(c.weightDecay));
    if (c.speakerNorm === true) args.push('--speaker-norm');
    if (c.descriptors === false) args.push('--no-descriptors');
  } else {
    if (best.params.speakerNorm === true) args.push('--speaker-norm');
    args.push('--train-options', JSON.stringify(best.options));
  }
  return args.map(shellArg).join(' ');
}

export interface ResultsDocument {
  title: string;
  settings: [string, string][];
  records: readonly TrialRecord[];
  bestNote: string;
}

export function renderResultsMarkdown(d: ResultsDocument): string {
  return [
    `# ${d.title}`,
    '',
    ...d.settings.map(([k, v]) => `- ${k}: ${v}`),
    '',
    'Validation figures come from training data only (excluded test speakers or corpora were never decoded);',
    'they choose a setting and are not test results.',
    '',
    markdownTable(d.records),
    '',
    d.bestNote,
    '',
  ].join('\n');
}
