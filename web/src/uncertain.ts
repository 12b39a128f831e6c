/**
 * How the page shows a prediction a calibrated model is not sure about: the emotion's emoji
 * greyed out (class `uncertain`), the words "not sure" in place of the label, and the best
 * guess in smaller print. Certain predictions render as before.
 */
import type { Prediction } from './api.js';
import { h } from './dom.js';

export const NOT_SURE = 'not sure';

/** The emoji of a prediction (muted when uncertain) with a spoken label for screen readers. */
export function emojiOf(p: Prediction, cls = 'big-emoji', extra: Record<string, string> = {}): HTMLElement {
  return h(
    'span',
    {
      class: p.uncertain ? `${cls} uncertain` : cls,
      role: 'img',
      'aria-label': p.uncertain ? `${NOT_SURE}, maybe ${p.label}` : p.label,
      ...extra,
    },
    p.emoji,
  );
}

/** The headline: the label, or "not sure". */
export function headline(p: Prediction): string {
  return p.uncertain ? NOT_SURE : p.label;
}

/** The confidence line: "62 % confident", or "maybe anger · 38 % confident". */
export function confidenceText(p: Prediction, pct: string): string {
  return p.uncertain ? `maybe ${p.label} · ${pct} confident` : `${pct} confident`;
}
