import { confusionMatrixChart } from './charts.js';
import { h, percent } from './dom.js';

/**
 * Renders a bundle's `metrics` object, whatever the trainer or the evaluation stored there:
 * scalars as a table (ratios as percentages), nested groups under their own heading, any
 * {labels, matrix} as a confusion-matrix heatmap and a per-class list as a table.
 */

interface Confusion {
  labels: string[];
  matrix: number[][];
}

interface ClassRow {
  label: string;
  precision?: number | null;
  recall?: number | null;
  f1?: number | null;
  support?: number;
}

const NAMES: Record<string, string> = {
  uar: 'UAR (mean per-class recall)',
  wa: 'WA (accuracy)',
  macroF1: 'Macro-F1',
  valUar: 'Validation UAR',
  valAcc: 'Validation accuracy',
  valLoss: 'Validation loss',
  confusion: 'Confusion matrix',
  perClass: 'Per class',
  loso: 'Leave-one-speaker-out',
  speakerNorm: 'Per-speaker normalisation',
  evaluation: 'Evaluation figures',
  kfold: 'k-fold (speakers mixed)',
  holdout: 'Hold-out',
};

/** Keys whose numbers are ratios in 0..1, shown as percentages. */
const RATIO = /(acc|accuracy|uar|^wa$|f1|recall|precision)$/i;

/** heldOutAccuracy -> "Held out accuracy". */
export function humanise(key: string): string {
  if (NAMES[key]) return NAMES[key];
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function formatValue(key: string, v: unknown): string {
  if (typeof v === 'number') {
    if (RATIO.test(key) && v >= 0 && v <= 1) return percent(v, 1);
    return Number.isInteger(v) ? String(v) : v.toFixed(3);
  }
  if (Array.isArray(v)) return v.join(', ');
  return String(v);
}

function isConfusion(v: unknown): v is Confusion {
  const c = v as Partial<Confusion> | null;
  return (
    !!c &&
    Array.isArray(c.labels) &&
    Array.isArray(c.matrix) &&
    c.matrix.length === c.labels.length &&
    c.matrix.every((row) => Array.isArray(row) && row.length === c.labels!.length)
  );
}

function isClassRows(v: unknown): v is ClassRow[] {
  return Array.isArray(v) && v.length > 0 && v.every((r) => r && typeof r === 'object' && 'label' in r);
}

/** A list of flat records, e.g. an evaluation per model and setting: one table row each. */
function isRecordRows(v: unknown): v is Record<string, unknown>[] {
  return (
    Array.isArray(v) &&
    v.length > 0 &&
    v.every(
      (r) =>
        r !== null &&
        typeof r === 'object' &&
        !Array.isArray(r) &&
        Object.values(r as object).every((x) => x === null || typeof x !== 'object'),
    )
  );
}

/** Short column headings for record tables (narrow screens). */
const SHORT: Record<string, string> = {
  uar: 'UAR',
  wa: 'WA',
  macroF1: 'Macro-F1',
  speakerNorm: 'Per speaker',
};

/**
 * Column order: the first key (what the row is), then yes/no settings, then the figures, then
 * the rest, so the figures stay in view on a narrow screen.
 */
function columnOrder(rows: Record<string, unknown>[]): string[] {
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const rank = (k: string, i: number) =>
    i === 0 ? 0 : rows.some((r) => typeof r[k] === 'boolean') ? 1 : RATIO.test(k) ? 2 : 3;
  return keys
    .map((k, i) => ({ k, r: rank(k, i), i }))
    .sort((a, b) => a.r - b.r || a.i - b.i)
    .map((x) => x.k);
}

function recordTable(rows: Record<string, unknown>[]): HTMLTableElement {
  const keys = columnOrder(rows);
  const show = (k: string, v: unknown) =>
    v === null || v === undefined ? '–' : typeof v === 'boolean' ? (v ? 'yes' : 'no') : formatValue(k, v);
  const t = h(
    'table',
    { class: 'metrics' },
    h('tr', {}, ...keys.map((k) => h('th', { scope: 'col', title: humanise(k) }, SHORT[k] ?? humanise(k)))),
  );
  for (const r of rows) t.append(h('tr', {}, ...keys.map((k) => h('td', {}, show(k, r[k])))));
  return t;
}

function isScalar(v: unknown): boolean {
  return (
    typeof v === 'number' ||
    typeof v === 'string' ||
    typeof v === 'boolean' ||
    (Array.isArray(v) && v.every((x) => typeof x !== 'object'))
  );
}

function classTable(rows: ClassRow[]): HTMLTableElement {
  const cell = (v: number | null | undefined) =>
    h('td', {}, v === null || v === undefined ? '–' : percent(v, 1));
  const t = h(
    'table',
    { class: 'metrics' },
    h(
      'tr',
      {},
      ...['Label', 'Precision', 'Recall', 'F1', 'Support'].map((c) => h('th', { scope: 'col' }, c)),
    ),
  );
  for (const r of rows) {
    t.append(
      h(
        'tr',
        {},
        h('th', { scope: 'row' }, r.label),
        cell(r.precision),
        cell(r.recall),
        cell(r.f1),
        h('td', {}, r.support === undefined ? '–' : String(r.support)),
      ),
    );
  }
  return t;
}

/** The metrics as DOM; empty when there is nothing to show. */
export function renderMetrics(metrics: Record<string, unknown>, depth = 0): Element[] {
  const out: Element[] = [];
  const scalars = Object.entries(metrics).filter(([, v]) => isScalar(v));
  if (scalars.length > 0) {
    const t = h('table', { class: 'metrics' });
    for (const [k, v] of scalars) {
      t.append(h('tr', {}, h('th', { scope: 'row' }, humanise(k)), h('td', {}, formatValue(k, v))));
    }
    out.push(t);
  }
  const heading = (text: string) => h(depth === 0 ? 'h3' : 'h4', {}, text);
  for (const [k, v] of Object.entries(metrics)) {
    if (isScalar(v) || v === null) continue;
    if (isConfusion(v)) out.push(heading(humanise(k)), confusionMatrixChart(v.labels, v.matrix));
    else if (isClassRows(v)) out.push(heading(humanise(k)), classTable(v));
    else if (isRecordRows(v))
      out.push(heading(humanise(k)), h('div', { class: 'table-scroll' }, recordTable(v)));
    else if (typeof v === 'object' && depth < 2) {
      const inner = renderMetrics(v as Record<string, unknown>, depth + 1);
      if (inner.length > 0) out.push(heading(humanise(k)), ...inner);
    }
  }
  return out;
}
