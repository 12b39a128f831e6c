import { adaptationText } from './adaptation-text.js';
import type { Prediction } from './api.js';
import { h, percent } from './dom.js';
import { colourFor } from './emotion-style.js';
import { confidenceText, emojiOf, headline } from './uncertain.js';

/** Large emoji, the label, its confidence and every class probability as a bar, highest first. */
export function renderPrediction(p: Prediction, note?: string): HTMLElement {
  const rows = Object.entries(p.probabilities).sort((a, b) => b[1] - a[1]);
  const bars = h('ul', { class: 'bars', 'aria-label': 'Probability of each emotion' });
  for (const [label, prob] of rows) {
    const fill = h('div', { class: 'bar-fill' });
    fill.style.width = `${Math.max(0, Math.min(1, prob)) * 100}%`;
    fill.style.background = colourFor(label);
    bars.append(
      h(
        'li',
        {},
        h('span', { class: 'bar-label' }, label),
        h('div', { class: 'bar-track', 'aria-hidden': 'true' }, fill),
        h('span', { class: 'bar-value' }, percent(prob)),
      ),
    );
  }
  return h(
    'div',
    { class: 'prediction', 'data-label': p.label, 'data-uncertain': String(p.uncertain) },
    h(
      'div',
      { class: 'result-head' },
      emojiOf(p, 'big-emoji', { 'data-testid': 'emoji' }),
      h(
        'div',
        {},
        h('p', { class: 'result-label', 'data-testid': 'label' }, headline(p)),
        h('p', { class: 'result-confidence' }, confidenceText(p, percent(p.confidence))),
      ),
    ),
    bars,
    adaptation(p),
    note ? h('p', { class: 'hint' }, note) : null,
  );
}

/** The speaker adaptation line, marked up so a test (and a screen reader) can find it. */
function adaptation(p: Prediction): HTMLElement | null {
  const text = adaptationText(p.adaptation);
  if (!text) return null;
  return h(
    'p',
    { class: p.adaptation?.adapted ? 'adaptation adapted' : 'adaptation', 'data-testid': 'adaptation' },
    text,
  );
}
