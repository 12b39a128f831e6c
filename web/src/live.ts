import { ApiError, predictAudio, type Prediction } from './api.js';
import { clearError, showError } from './alerts.js';
import { MODEL_SAMPLE_RATE_HZ } from './audio.js';
import { LiveCapture } from './capture.js';
import { currentChoice } from './choice.js';
import { byId, h, percent } from './dom.js';
import { colourFor } from './emotion-style.js';
import { confidenceText, emojiOf, headline, NOT_SURE } from './uncertain.js';
import { engineIfInPage } from './mode.js';
import { encodeWav } from './wav.js';

const WINDOW_SEC = 3;
const HOP_SEC = 1;
const MIN_AUDIO_SEC = 1;
const MAX_ENTRIES = 120;

/**
 * Live mode: every HOP_SEC the last WINDOW_SEC of microphone audio are classified (in the page
 * when the in-page switch is on, else as a WAV posted to /api/predict, which stores nothing)
 * and appended to a timeline.
 */
export function initLive(): { hide: () => void } {
  const toggle = byId<HTMLButtonElement>('live-toggle');
  const status = byId('live-status');
  const now = byId('live-now');
  const timeline = byId<HTMLOListElement>('live-timeline');
  let capture: LiveCapture | null = null;
  let timer: number | undefined;
  let busy = false;

  const stop = async () => {
    window.clearInterval(timer);
    const c = capture;
    capture = null;
    await c?.stop();
    toggle.textContent = 'Start live mode';
    toggle.classList.remove('recording');
    status.textContent = 'Live mode stopped.';
  };

  const tick = async () => {
    const c = capture;
    if (!c || busy || c.capturedSec < MIN_AUDIO_SEC) return;
    busy = true;
    const endSec = c.capturedSec;
    const startSec = Math.max(0, endSec - WINDOW_SEC);
    try {
      const samples = await c.window(WINDOW_SEC);
      const engine = await engineIfInPage();
      const prediction = engine
        ? await engine.predict(samples)
        : await predictAudio(encodeWav(samples, c.sampleRateHz), 'live.wav', await currentChoice());
      if (capture === c) addEntry(startSec, endSec, prediction);
    } catch (err) {
      // Quiet moments are normal while speaking live: note them instead of raising an alert.
      if (err instanceof ApiError && err.status === 422) {
        if (capture === c) addEntry(startSec, endSec, null);
      } else {
        showError(err);
        await stop();
      }
    } finally {
      busy = false;
    }
  };

  const addEntry = (startSec: number, endSec: number, p: Prediction | null) => {
    const span = `${startSec.toFixed(0)}–${endSec.toFixed(0)} s`;
    const text = p
      ? `${span}: ${p.uncertain ? `${NOT_SURE}, maybe ` : ''}${p.label} ${percent(p.confidence)}`
      : `${span}: too quiet to classify`;
    const li = h(
      'li',
      { title: text, 'aria-label': text, 'data-label': p?.label ?? '' },
      h(
        'span',
        { class: p?.uncertain ? 't-emoji uncertain' : 't-emoji', 'aria-hidden': 'true' },
        p ? p.emoji : '…',
      ),
      h('span', { 'aria-hidden': 'true' }, `${endSec.toFixed(0)} s`),
    );
    li.style.background = p && !p.uncertain ? colourFor(p.label) : '#9ca3af';
    timeline.append(li);
    while (timeline.children.length > MAX_ENTRIES) timeline.firstElementChild?.remove();
    if (p) {
      now.replaceChildren(
        emojiOf(p),
        h(
          'div',
          {},
          h('p', { class: 'result-label' }, headline(p)),
          h('p', { class: 'result-confidence' }, `${confidenceText(p, percent(p.confidence))} · ${span}`),
        ),
      );
    }
  };

  toggle.addEventListener('click', async () => {
    clearError();
    if (capture) return stop();
    try {
      const engine = await engineIfInPage();
      const c = new LiveCapture(engine?.sampleRateHz ?? MODEL_SAMPLE_RATE_HZ, WINDOW_SEC);
      await c.start();
      capture = c;
    } catch (err) {
      showError(err);
      return;
    }
    timeline.replaceChildren();
    now.replaceChildren();
    toggle.textContent = 'Stop live mode';
    toggle.classList.add('recording');
    status.textContent = 'Listening… the first result comes after about a second.';
    timer = window.setInterval(() => void tick(), HOP_SEC * 1000);
  });

  return {
    hide: () => {
      if (capture) void stop();
    },
  };
}
