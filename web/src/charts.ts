/** Small SVG charts for the model page, drawn by hand: no chart library, no CDN. */

const SVG_NS = 'http://www.w3.org/2000/svg';

function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number> = {},
  text?: string,
): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

/** White -> deep blue as `t` goes 0 -> 1. */
export function heatColour(t: number): string {
  const x = Math.max(0, Math.min(1, t));
  const mix = (a: number, b: number) => Math.round(a + (b - a) * x);
  return `rgb(${mix(247, 23)}, ${mix(249, 64)}, ${mix(252, 150)})`;
}

/**
 * Confusion matrix heatmap: rows are the true labels, columns the predicted ones; each cell
 * shows its count, shaded by its share of the row (the per-class recall on the diagonal).
 */
export function confusionMatrixChart(labels: string[], matrix: number[][]): SVGSVGElement {
  const cell = 52;
  const left = 96;
  const top = 96;
  const n = labels.length;
  const width = left + n * cell + 8;
  const height = top + n * cell + 8;
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, class: 'chart', role: 'img' });
  root.setAttribute(
    'aria-label',
    `Confusion matrix of ${n} classes: rows are true labels, columns predicted labels`,
  );
  root.append(svg('title', {}, 'Confusion matrix (rows: true label, columns: predicted label)'));
  const font = { 'font-size': 12, 'font-family': 'system-ui, sans-serif' };
  labels.forEach((label, i) => {
    root.append(
      svg('text', { ...font, x: left - 6, y: top + i * cell + cell / 2 + 4, 'text-anchor': 'end' }, label),
      svg(
        'text',
        {
          ...font,
          x: 0,
          y: 0,
          transform: `translate(${left + i * cell + cell / 2 + 4}, ${top - 6}) rotate(-60)`,
        },
        label,
      ),
    );
  });
  root.append(svg('text', { ...font, x: 4, y: 14, 'font-weight': 700 }, 'true ↓ / predicted →'));
  matrix.forEach((row, i) => {
    const total = row.reduce((a, b) => a + b, 0) || 1;
    row.forEach((count, j) => {
      const share = count / total;
      const g = svg('g');
      g.append(
        svg('rect', {
          x: left + j * cell,
          y: top + i * cell,
          width: cell - 2,
          height: cell - 2,
          fill: heatColour(share),
          stroke: i === j ? '#1c1f24' : 'none',
        }),
        svg(
          'text',
          {
            ...font,
            x: left + j * cell + cell / 2 - 1,
            y: top + i * cell + cell / 2 + 4,
            'text-anchor': 'middle',
            fill: share > 0.5 ? '#ffffff' : '#1c1f24',
          },
          String(count),
        ),
        svg(
          'title',
          {},
          `true ${labels[i]}, predicted ${labels[j]}: ${count} (${(share * 100).toFixed(0)} % of the row)`,
        ),
      );
      root.append(g);
    });
  });
  return root;
}

export interface Series {
  name: string;
  colour: string;
  /** One value per epoch (null where not measured). */
  values: (number | null)[];
  dashed?: boolean;
}

/** A line chart of per-epoch values with labelled axes and a legend. */
export function lineChart(title: string, allSeries: Series[], yLabel: string): SVGSVGElement {
  // Series never measured (e.g. validation curves of a run without a validation split) are left out.
  const series = allSeries.filter((s) => s.values.some((v) => v !== null && Number.isFinite(v)));
  const width = 560;
  const height = 260;
  const m = { left: 52, right: 12, top: 48, bottom: 44 };
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const epochs = Math.max(1, ...series.map((s) => s.values.length));
  const all = series.flatMap((s) => s.values.filter((v): v is number => v !== null && Number.isFinite(v)));
  let lo = all.length ? Math.min(...all) : 0;
  let hi = all.length ? Math.max(...all) : 1;
  if (hi - lo < 1e-9) {
    lo -= 0.5;
    hi += 0.5;
  }
  const x = (i: number) => m.left + (epochs === 1 ? plotW / 2 : (i / (epochs - 1)) * plotW);
  const y = (v: number) => m.top + (1 - (v - lo) / (hi - lo)) * plotH;
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, class: 'chart', role: 'img' });
  root.setAttribute('aria-label', `${title}: ${series.map((s) => s.name).join(', ')} over ${epochs} epochs`);
  root.append(svg('title', {}, title));
  const font = { 'font-size': 12, 'font-family': 'system-ui, sans-serif', fill: '#1c1f24' };
  root.append(
    svg('text', { ...font, x: m.left, y: 16, 'font-weight': 700 }, title),
    svg('line', { x1: m.left, y1: m.top + plotH, x2: m.left + plotW, y2: m.top + plotH, stroke: '#8a8f98' }),
    svg('line', { x1: m.left, y1: m.top, x2: m.left, y2: m.top + plotH, stroke: '#8a8f98' }),
    svg('text', { ...font, x: m.left + plotW / 2, y: height - 6, 'text-anchor': 'middle' }, 'epoch'),
    svg(
      'text',
      {
        ...font,
        x: 0,
        y: 0,
        transform: `translate(12, ${m.top + plotH / 2}) rotate(-90)`,
        'text-anchor': 'middle',
      },
      yLabel,
    ),
  );
  for (const v of [lo, (lo + hi) / 2, hi]) {
    root.append(
      svg('text', { ...font, x: m.left - 6, y: y(v) + 4, 'text-anchor': 'end' }, formatTick(v)),
      svg('line', { x1: m.left, y1: y(v), x2: m.left + plotW, y2: y(v), stroke: '#e3e6eb' }),
    );
  }
  for (const e of [1, Math.ceil(epochs / 2), epochs]) {
    root.append(
      svg('text', { ...font, x: x(e - 1), y: m.top + plotH + 16, 'text-anchor': 'middle' }, String(e)),
    );
  }
  // Legend in one row under the title, each entry as wide as its name (about 7 px a character).
  const legendX: number[] = [];
  series.reduce((x0, s) => (legendX.push(x0), x0 + 40 + s.name.length * 7), m.left);
  series.forEach((s, k) => {
    const pts = s.values
      .map((v, i) => (v === null || !Number.isFinite(v) ? null : `${x(i).toFixed(1)},${y(v).toFixed(1)}`))
      .filter((p): p is string => p !== null);
    if (pts.length === 0) return;
    root.append(
      svg('polyline', {
        points: pts.join(' '),
        fill: 'none',
        stroke: s.colour,
        'stroke-width': 2,
        ...(s.dashed ? { 'stroke-dasharray': '5 4' } : {}),
      }),
    );
    const lx = legendX[k];
    root.append(
      svg('line', {
        x1: lx,
        y1: 31,
        x2: lx + 20,
        y2: 31,
        stroke: s.colour,
        'stroke-width': 2,
        ...(s.dashed ? { 'stroke-dasharray': '5 4' } : {}),
      }),
      svg('text', { ...font, x: lx + 24, y: 35 }, s.name),
    );
  });
  return root;
}

function formatTick(v: number): string {
  return Math.abs(v) >= 10 ? v.toFixed(0) : v.toFixed(2);
}
