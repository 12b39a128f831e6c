import type { ModelInfo, ModelMember } from './api.js';
import { showError } from './alerts.js';
import { currentModel, onModelChange } from './choice.js';
import { lineChart } from './charts.js';
import { renderMetrics } from './metrics-view.js';
import { byId, h } from './dom.js';
import { colourFor, emojiFor } from './emotion-style.js';

interface HistoryRow {
  epoch: number;
  loss: number;
  acc: number;
  valLoss: number | null;
  valAcc: number | null;
  valUar?: number | null;
}

/**
 * The model page (#/model) for the chosen model: summary, ensemble members, labels, metrics,
 * confusion matrix, training curves and the card.
 */
export function initModelView(): { show: () => Promise<void> } {
  const body = byId('model-body');
  let shownId: string | null = null;
  const show = async () => {
    try {
      const model = await currentModel();
      if (model.id === shownId) return;
      body.replaceChildren(render(model));
      shownId = model.id;
    } catch (err) {
      body.replaceChildren(h('p', { class: 'hint' }, 'The model description could not be loaded.'));
      showError(err);
    }
  };
  onModelChange(() => {
    if (!byId('view-model').hidden) void show();
  });
  return { show };
}

function render(b: ModelInfo): DocumentFragment {
  const out = document.createDocumentFragment();
  const labels = b.labels;
  const metrics = b.metrics ?? {};
  const history = (b.history ?? []) as unknown as HistoryRow[];
  const name = b.id && b.id !== b.modelName ? `${b.modelName} (${b.id})` : b.modelName;

  const facts = h('table', { class: 'metrics' });
  const fact = (k: string, v: string) =>
    facts.append(h('tr', {}, h('th', { scope: 'row' }, k), h('td', {}, v)));
  if (b.title) fact('Model', b.title);
  fact('Kind', KIND_NAMES[b.kind] ?? b.kind);
  if (b.kind !== 'ensemble') fact(b.kind === 'deep' ? 'Network' : 'Classifier', name);
  fact(
    'Speaker adaptation',
    b.speakerAdaptation
      ? `after ${b.speakerAdaptation.minSpeakerUtterances} clips of the same named speaker`
      : 'none (every clip is classified on its own)',
  );
  if (b.corpus) fact('Trained on', String(b.corpus));
  if (b.protocol) fact('Protocol', String(b.protocol));
  const fc = b.featureConfig;
  if (fc && b.kind === 'deep') fact('Features', describeFeatures(fc));
  if (b.createdAt) fact('Created', new Date(b.createdAt).toLocaleString());
  out.append(h('div', { class: 'card' }, h('h2', {}, 'Summary'), facts));
  if (b.members?.length) out.append(membersCard(b.members));

  const chips = h('ul', { class: 'chips', 'aria-label': 'Labels' });
  for (const l of labels) {
    const chip = h('li', {}, `${emojiFor(l)} ${l}`);
    chip.style.borderColor = colourFor(l);
    chips.append(chip);
  }
  out.append(h('div', { class: 'card' }, h('h2', {}, `Labels (${labels.length})`), chips));

  const metricsCard = h('div', { class: 'card' }, h('h2', {}, 'Evaluation'));
  const shown = renderMetrics(metrics);
  if (shown.length > 0) metricsCard.append(...shown);
  else metricsCard.append(h('p', { class: 'hint' }, 'This bundle carries no evaluation figures.'));
  out.append(metricsCard);

  const curves = h('div', { class: 'card' }, h('h2', {}, 'Training curves'));
  if (history.length > 0) {
    curves.append(
      lineChart(
        'Loss per epoch',
        [
          { name: 'train loss', colour: '#2451b3', values: history.map((r) => r.loss) },
          {
            name: 'validation loss',
            colour: '#d7263d',
            values: history.map((r) => r.valLoss ?? null),
            dashed: true,
          },
        ],
        'loss',
      ),
      lineChart(
        'Accuracy per epoch',
        [
          { name: 'train accuracy', colour: '#2451b3', values: history.map((r) => r.acc) },
          {
            name: 'validation accuracy',
            colour: '#d7263d',
            values: history.map((r) => r.valAcc ?? null),
            dashed: true,
          },
          {
            name: 'validation UAR',
            colour: '#4c9a2a',
            values: history.map((r) => r.valUar ?? null),
            dashed: true,
          },
        ],
        'accuracy',
      ),
    );
  } else {
    curves.append(h('p', { class: 'hint' }, 'This bundle carries no training history.'));
  }
  out.append(curves);

  if (typeof b.card === 'string' && b.card.trim()) {
    out.append(
      h('div', { class: 'card' }, h('h2', {}, 'Model card'), h('pre', { class: 'card-text' }, b.card)),
    );
  }
  return out;
}

function describeFeatures(fc: Record<string, unknown>): string {
  const kind = String(fc.kind ?? '');
  const n = kind === 'mfcc' ? `${fc.nMfcc} MFCC` : `${fc.nMels} mel bands`;
  const rate = typeof fc.sampleRate === 'number' ? `${fc.sampleRate / 1000} kHz` : '';
  return [kind, n, rate].filter(Boolean).join(', ');
}

const KIND_NAMES: Record<string, string> = {
  deep: 'deep network (tfjs)',
  classical: 'classical (utterance descriptors)',
  ensemble: 'ensemble (weighted average of its members)',
};

/** The members of an ensemble: name, kind, weight, and each one's own evaluation figures. */
function membersCard(members: ModelMember[]): HTMLElement {
  const total = members.reduce((a, m) => a + m.weight, 0);
  const table = h(
    'table',
    { class: 'metrics members' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { scope: 'col' }, 'Member'),
        h('th', { scope: 'col' }, 'Kind'),
        h('th', { scope: 'col' }, 'Weight'),
      ),
    ),
  );
  const rows = h('tbody');
  for (const m of members) {
    rows.append(
      h(
        'tr',
        {},
        h('th', { scope: 'row' }, m.name === m.modelName ? m.name : `${m.name} (${m.modelName})`),
        h('td', {}, KIND_NAMES[m.kind] ?? m.kind),
        h('td', {}, total > 0 ? `${Math.round((100 * m.weight) / total)} %` : String(m.weight)),
      ),
    );
  }
  table.append(rows);
  const card = h('div', { class: 'card' }, h('h2', {}, `Members (${members.length})`), table);
  for (const m of members) {
    const shown = renderMetrics(m.metrics ?? {});
    if (shown.length > 0) card.append(h('h3', {}, `${m.name}: evaluation`), ...shown);
  }
  return card;
}
