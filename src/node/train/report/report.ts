/**
 * The evaluation report: one self-contained HTML file (inline CSS and SVG drawn here, no
 * scripts, fonts or images from anywhere) that opens offline. It shows the comparison table,
 * and per model the confusion matrix as a heatmap, per-class bars, the per-speaker table and,
 * when the model was trained by epochs, accuracy and loss curves per fold; then the exact
 * command and configuration that produced it.
 */
import type { HistoryEntry } from '../../../core/bundle.js';
import { comparisonRows, comparisonTitle } from '../evaluate/comparison.js';
import type { Protocol } from '../evaluate/cv.js';
import type { ModelEvaluation } from '../evaluate/evaluate.js';
import { keptEpoch } from '../options.js';

export interface EvaluationRun {
  command: string;
  corpus: string;
  data: string;
  protocol: string;
  protocolDescription: string;
  speakerIndependent: boolean;
  speakerNorm: boolean;
  tuned: boolean;
  createdAt: string;
  settings: Record<string, unknown>;
  models: ModelEvaluation[];
}

const esc = (s: unknown) =>
  String(s).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
const pct = (v: number | null) => (v === null || Number.isNaN(v) ? '–' : (v * 100).toFixed(1));

/** Confusion matrix heatmap: rows true, columns predicted, cells shaded by row share. */
export function confusionSvg(e: ModelEvaluation): string {
  const { labels, matrix } = e.confusion;
  const cell = 46;
  const left = 90;
  const top = 90;
  const size = cell * labels.length;
  const parts: string[] = [];
  matrix.forEach((row, t) => {
    const total = row.reduce((a, b) => a + b, 0) || 1;
    row.forEach((v, p) => {
      const share = v / total;
      const fill =
        t === p
          ? `rgba(30,120,60,${0.1 + 0.9 * share})`
          : `rgba(200,40,40,${share === 0 ? 0 : 0.1 + 0.9 * share})`;
      const x = left + p * cell;
      const y = top + t * cell;
      parts.push(
        `<rect class="cell" x="${x}" y="${y}" width="${cell}" height="${cell}" fill="${fill}" stroke="#ccc"><title>${esc(labels[t])} heard as ${esc(labels[p])}: ${v} (${pct(share)} %)</title></rect>`,
        `<text x="${x + cell / 2}" y="${y + cell / 2 + 5}" text-anchor="middle" font-size="13" fill="${share > 0.55 ? '#fff' : '#222'}">${v}</text>`,
      );
    });
  });
  labels.forEach((l, i) => {
    parts.push(
      `<text x="${left - 6}" y="${top + i * cell + cell / 2 + 4}" text-anchor="end" font-size="12">${esc(l)}</text>`,
    );
    const x = left + i * cell + cell / 2;
    parts.push(
      `<text x="${x}" y="${top - 8}" font-size="12" transform="rotate(-45 ${x} ${top - 8})">${esc(l)}</text>`,
    );
  });
  parts.push(
    `<text x="${left + size / 2}" y="${top + size + 28}" text-anchor="middle" font-size="12">predicted</text>`,
  );
  parts.push(
    `<text x="16" y="${top + size / 2}" font-size="12" transform="rotate(-90 16 ${top + size / 2})" text-anchor="middle">true</text>`,
  );
  return `<svg class="confusion" width="${left + size + 20}" height="${top + size + 40}" role="img" aria-label="confusion matrix">${parts.join('')}</svg>`;
}

/** Grouped bars of precision, recall and F1 per class. */
export function perClassSvg(e: ModelEvaluation): string {
  const bars = [
    ['precision', '#4e79a7'],
    ['recall', '#f28e2b'],
    ['f1', '#59a14f'],
  ] as const;
  const group = 70;
  const h = 160;
  const left = 40;
  const top = 20;
  const parts: string[] = [];
  for (let g = 0; g <= 4; g++) {
    const y = top + h - (g / 4) * h;
    parts.push(
      `<line x1="${left}" x2="${left + group * e.perClass.length}" y1="${y}" y2="${y}" stroke="#eee"/>`,
    );
    parts.push(`<text x="${left - 4}" y="${y + 4}" text-anchor="end" font-size="10">${g * 25}</text>`);
  }
  e.perClass.forEach((c, i) => {
    bars.forEach(([key, colour], b) => {
      const v = c[key] ?? 0;
      const x = left + i * group + 8 + b * 18;
      parts.push(
        `<rect class="bar" x="${x}" y="${top + h - v * h}" width="16" height="${v * h}" fill="${colour}"><title>${esc(c.label)} ${key}: ${pct(c[key])} %</title></rect>`,
      );
    });
    parts.push(
      `<text x="${left + i * group + group / 2}" y="${top + h + 14}" text-anchor="middle" font-size="11">${esc(c.label)}</text>`,
    );
  });
  bars.forEach(([key, colour], b) => {
    parts.push(`<rect x="${left + b * 90}" y="${top + h + 26}" width="10" height="10" fill="${colour}"/>`);
    parts.push(`<text x="${left + b * 90 + 14}" y="${top + h + 35}" font-size="11">${key}</text>`);
  });
  return `<svg class="perclass" width="${left + group * e.perClass.length + 10}" height="${top + h + 44}" role="img" aria-label="per-class precision, recall and F1">${parts.join('')}</svg>`;
}

/**
 * Mean over folds at each epoch of every series (each mean over the folds that trained that
 * far: early stopping ends folds at different epochs), for one curve of the whole run.
 */
export function meanHistory(histories: HistoryEntry[][]): { entry: HistoryEntry; folds: number }[] {
  const longest = Math.max(0, ...histories.map((h) => h.length));
  const mean = (values: (number | null | undefined)[]) => {
    const ok = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
    return ok.length === 0 ? null : ok.reduce((a, b) => a + b, 0) / ok.length;
  };
  const out: { entry: HistoryEntry; folds: number }[] = [];
  for (let i = 0; i < longest; i++) {
    const at = histories.filter((h) => h.length > i).map((h) => h[i]);
    out.push({
      folds: at.length,
      entry: {
        epoch: i + 1,
        loss: mean(at.map((e) => e.loss))!,
        acc: mean(at.map((e) => e.acc))!,
        valLoss: mean(at.map((e) => e.valLoss)),
        valAcc: mean(at.map((e) => e.valAcc)),
        valUar: mean(at.map((e) => e.valUar)),
        lr: mean(at.map((e) => e.lr))!,
        seconds: mean(at.map((e) => e.seconds)) ?? undefined,
      },
    });
  }
  return out;
}

/**
 * One line chart: a train and a validation series against the epoch; `marker` draws a dotted
 * vertical line at that epoch (the kept weights).
 */
export function curveSvg(
  title: string,
  history: HistoryEntry[],
  train: (h: HistoryEntry) => number | null,
  val: (h: HistoryEntry) => number | null,
  marker: number | null = null,
): string {
  const w = 300;
  const h = 150;
  const left = 40;
  const top = 22;
  const values = history
    .flatMap((e) => [train(e), val(e)])
    .filter((v): v is number => v !== null && Number.isFinite(v));
  if (values.length === 0) return '';
  const hasVal = history.some((e) => val(e) !== null && Number.isFinite(val(e)!));
  const lo = Math.min(0, ...values);
  const hi = Math.max(...values, lo + 1e-9);
  const n = Math.max(...history.map((e) => e.epoch), 2);
  const X = (epoch: number) => left + ((epoch - 1) / (n - 1)) * w;
  const Y = (v: number) => top + h - ((v - lo) / (hi - lo)) * h;
  const path = (f: (e: HistoryEntry) => number | null) =>
    history
      .filter((e) => f(e) !== null && Number.isFinite(f(e)!))
      .map((e, i) => `${i === 0 ? 'M' : 'L'}${X(e.epoch).toFixed(1)},${Y(f(e)!).toFixed(1)}`)
      .join(' ');
  return (
    `<svg class="curve" width="${left + w + 10}" height="${top + h + 34}" role="img" aria-label="${esc(title)}">` +
    `<text x="${left}" y="14" font-size="12">${esc(title)}</text>` +
    `<line x1="${left}" y1="${top + h}" x2="${left + w}" y2="${top + h}" stroke="#999"/><line x1="${left}" y1="${top}" x2="${left}" y2="${top + h}" stroke="#999"/>` +
    `<text x="${left - 4}" y="${top + 4}" text-anchor="end" font-size="10">${hi.toFixed(2)}</text><text x="${left - 4}" y="${top + h}" text-anchor="end" font-size="10">${lo.toFixed(2)}</text>` +
    `<text x="${left + w}" y="${top + h + 14}" text-anchor="end" font-size="10">epoch ${n}</text>` +
    (marker !== null
      ? `<line class="best" x1="${X(marker).toFixed(1)}" y1="${top}" x2="${X(marker).toFixed(1)}" y2="${top + h}" stroke="#59a14f" stroke-dasharray="2 2"><title>kept weights: epoch ${marker}</title></line>`
      : '') +
    `<path d="${path(train)}" fill="none" stroke="#4e79a7" stroke-width="1.8"/><path d="${path(val)}" fill="none" stroke="#e15759" stroke-width="1.8" stroke-dasharray="4 2"/>` +
    `<text x="${left + 8}" y="${top + h + 28}" font-size="10" fill="#4e79a7">train</text>` +
    (hasVal
      ? `<text x="${left + 50}" y="${top + h + 28}" font-size="10" fill="#e15759">validation</text>`
      : '') +
    '</svg>'
  );
}

function modelSection(e: ModelEvaluation): string {
  const speakers = e.perSpeaker
    .map(
      (s) => `<tr><td>${esc(s.speaker)}</td><td>${s.n}</td><td>${pct(s.wa)}</td><td>${pct(s.uar)}</td></tr>`,
    )
    .join('');
  const classes = e.perClass
    .map(
      (c) =>
        `<tr><td>${esc(c.label)}</td><td>${c.support}</td><td>${pct(c.precision)}</td><td>${pct(c.recall)}</td><td>${pct(c.f1)}</td></tr>`,
    )
    .join('');
  const folds = e.folds
    .map(
      (f) =>
        `<tr><td>${esc(f.name)}</td><td>${f.nTrain}</td><td>${f.nTest}</td><td>${pct(f.wa)}</td><td>${esc(JSON.stringify(f.params))}</td><td>${f.innerUar === null ? '–' : pct(f.innerUar)}</td><td>${f.seconds.toFixed(1)}</td></tr>`,
    )
    .join('');
  const trained = e.folds.filter((f) => f.history.length > 0);
  // Runs before keptEpoch was recorded: the trainer's rule, as configured (default: best UAR).
  const rule = e.config?.earlyStopOn === 'loss' ? 'loss' : 'uar';
  const curves = trained
    .map((f) => {
      const averaged = f.params.averaged as { fromEpoch: number; toEpoch: number } | null | undefined;
      const best = averaged
        ? null
        : typeof f.params.keptEpoch === 'number'
          ? f.params.keptEpoch
          : keptEpoch(f.history, rule);
      const kept = averaged
        ? ` (weights of epochs ${averaged.fromEpoch}-${averaged.toEpoch} averaged)`
        : best !== null
          ? ` (kept epoch ${best})`
          : '';
      return `<div class="fold"><h4>${esc(f.name)}${kept}</h4>${curveSvg(
        'accuracy',
        f.history,
        (h) => h.acc,
        (h) => h.valAcc,
        best,
      )}${curveSvg(
        'loss',
        f.history,
        (h) => h.loss,
        (h) => h.valLoss,
        best,
      )}</div>`;
    })
    .join('');
  const mean = meanHistory(trained.map((f) => f.history));
  const meanCurves =
    mean.length > 0
      ? `<h3>Training curves, mean over folds</h3><p class="note">Each epoch's mean over the folds still training then (${mean
          .map((m) => m.folds)
          .join(', ')} folds at epochs 1-${mean.length})${
          mean.some((m) => m.entry.valAcc !== null)
            ? '; validation is the held-out training speakers of each fold, never its test speaker'
            : '; no training speaker was held out for validation'
        }.</p><div class="curves">${curveSvg(
          'accuracy (mean over folds)',
          mean.map((m) => m.entry),
          (h) => h.acc,
          (h) => h.valAcc,
        )}${curveSvg(
          'loss (mean over folds)',
          mean.map((m) => m.entry),
          (h) => h.loss,
          (h) => h.valLoss,
        )}</div>`
      : '';
  return `<section id="model-${esc(e.model)}"><h2>${esc(e.model)}${e.speakerNorm ? ' (per-speaker normalisation)' : ''}</h2>
<p class="headline">UAR <b>${pct(e.uar)} %</b> · WA ${pct(e.wa)} % · macro-F1 ${pct(e.macroF1)} % · ${e.confusion.matrix.flat().reduce((a, b) => a + b, 0)} pooled predictions · ${e.seconds.toFixed(1)} s${e.source ? ` · read from ${esc(e.source)}` : ''}</p>
<div class="row"><div><h3>Confusion matrix (rows: true, columns: predicted)</h3>${confusionSvg(e)}</div>
<div><h3>Per class</h3>${perClassSvg(e)}<table><tr><th>class</th><th>support</th><th>precision %</th><th>recall %</th><th>F1 %</th></tr>${classes}</table></div></div>
<div class="row"><div><h3>Per speaker</h3><table><tr><th>speaker</th><th>utterances</th><th>WA %</th><th>UAR %</th></tr>${speakers}</table></div>
<div><h3>Folds</h3><table><tr><th>fold</th><th>train</th><th>test</th><th>WA %</th><th>parameters</th><th>inner UAR %</th><th>s</th></tr>${folds}</table></div></div>
${meanCurves}${curves ? `<h3>Training curves per fold</h3><div class="curves">${curves}</div>` : '<p class="note">No training curves: this model is not trained by epochs.</p>'}
</section>`;
}

/** The whole report as one HTML string. */
export function renderReport(run: EvaluationRun): string {
  const rows = comparisonRows(run.models)
    .map(
      (r) =>
        `<tr><td><a href="#model-${esc(r.model)}">${esc(r.model)}</a></td><td>${esc(r.protocol)}</td><td>${pct(r.uar)}</td><td>${pct(r.wa)}</td><td>${pct(r.macroF1)}</td><td>${r.seconds.toFixed(1)}</td><td>${esc(r.notes)}</td></tr>`,
    )
    .join('');
  const folds = run.models[0]?.folds.length ?? 0;
  const warning = run.speakerIndependent
    ? ''
    : '<p class="warn">This protocol is speaker-dependent: the test speakers were also heard in training, so these figures are optimistic and not comparable with leave-one-speaker-out.</p>';
  const norm = run.speakerNorm
    ? '<p class="note">Per-speaker normalisation used every clip of each speaker (no labels). A single clip from a new speaker does not get this: expect lower figures there.</p>'
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Emovox evaluation: ${esc(run.corpus)} ${esc(run.protocol)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:1200px}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ddd;padding:3px 8px;text-align:right}th{background:#f4f4f4}
td:first-child,th:first-child{text-align:left}.row{display:flex;flex-wrap:wrap;gap:32px}.curves{display:flex;flex-wrap:wrap;gap:12px}
pre{background:#f6f6f6;padding:10px;white-space:pre-wrap;word-break:break-all}.warn{background:#fff3cd;padding:8px}.note{color:#555}
.headline{font-size:1.1em}section{border-top:2px solid #eee;margin-top:24px}
</style></head><body>
<h1>Emovox evaluation</h1>
<p>Corpus <b>${esc(run.corpus)}</b> (${esc(run.data)}) · protocol <b>${esc(run.protocol)}</b>: ${esc(run.protocolDescription)} · ${esc(run.createdAt)}</p>
${warning}${norm}
<h2>Comparison: ${esc(comparisonTitle(run.corpus, run.protocol as Protocol, folds))}</h2>
<table><tr><th>model</th><th>protocol</th><th>UAR %</th><th>WA %</th><th>macro-F1 %</th><th>seconds</th><th>notes</th></tr>${rows}</table>
${run.models.map(modelSection).join('\n')}
<section><h2>How this was produced</h2><h3>Command</h3><pre>${esc(run.command)}</pre>
<h3>Configuration</h3><pre>${esc(JSON.stringify({ settings: run.settings, models: run.models.map((m) => ({ model: m.model, config: m.config })) }, null, 2))}</pre></section>
</body></html>
`;
}
