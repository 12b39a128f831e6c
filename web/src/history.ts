import { deleteRecording, listRecordings, type Recording } from './api.js';
import { clearError, showError } from './alerts.js';
import { byId, h, percent } from './dom.js';
import { emojiOf, headline } from './uncertain.js';

const PAGE_SIZE = 10;

/** The history page: stored recordings, newest first, with playback, prediction and delete. */
export function initHistory(): { show: () => Promise<void> } {
  const list = byId<HTMLOListElement>('history-list');
  const status = byId('history-status');
  const prev = byId<HTMLButtonElement>('history-prev');
  const next = byId<HTMLButtonElement>('history-next');
  const pageLabel = byId('history-page');
  let page = 1;

  const load = async () => {
    status.textContent = 'Loading…';
    try {
      const res = await listRecordings(page, PAGE_SIZE);
      const pages = Math.max(1, Math.ceil(res.total / res.pageSize));
      if (res.items.length === 0 && page > 1) {
        page = Math.min(page - 1, pages);
        return load();
      }
      list.replaceChildren(...res.items.map((r) => item(r, () => remove(r))));
      status.textContent =
        res.total === 0
          ? 'No recordings yet: record or upload one on the Record page.'
          : `${res.total} recording${res.total === 1 ? '' : 's'}.`;
      pageLabel.textContent = `Page ${page} of ${pages}`;
      prev.disabled = page <= 1;
      next.disabled = page >= pages;
    } catch (err) {
      status.textContent = '';
      showError(err);
    }
  };

  const remove = async (r: Recording) => {
    clearError();
    try {
      await deleteRecording(r.id);
      await load();
      status.textContent = `Recording deleted. ${status.textContent}`;
      list.querySelector<HTMLButtonElement>('button')?.focus();
    } catch (err) {
      showError(err);
    }
  };

  prev.addEventListener('click', () => {
    page = Math.max(1, page - 1);
    void load();
  });
  next.addEventListener('click', () => {
    page += 1;
    void load();
  });
  return { show: load };
}

function item(r: Recording, onDelete: () => void): HTMLLIElement {
  const when = r.createdAt ? new Date(r.createdAt) : null;
  const whenText = when && !Number.isNaN(when.getTime()) ? when.toLocaleString() : 'unknown time';
  const del = h(
    'button',
    { type: 'button', class: 'danger', 'aria-label': `Delete the recording from ${whenText}` },
    'Delete',
  );
  del.addEventListener('click', onDelete);
  const audio = h('audio', { controls: '', preload: 'none', src: r.audioUrl });
  audio.setAttribute('aria-label', `Play the recording from ${whenText}`);
  const p = r.prediction;
  return h(
    'li',
    { class: 'card history-item', 'data-id': r.id },
    emojiOf(p),
    h(
      'div',
      { class: 'history-meta' },
      h('p', { class: 'result-label' }, headline(p)),
      h(
        'p',
        { class: 'hint' },
        [
          p.uncertain ? `maybe ${p.label} ${percent(p.confidence)}` : percent(p.confidence),
          `${r.durationSec.toFixed(1)} s`,
          r.speaker ? `speaker ${r.speaker}${p.adaptation?.adapted ? ' (adapted)' : ''}` : null,
          r.fileName,
          whenText,
        ]
          .filter(Boolean)
          .join(' · '),
      ),
    ),
    del,
    audio,
  );
}
