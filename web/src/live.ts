import type { Prediction } from './api.js';
import { clearError, showError } from './alerts.js';
import { MODEL_SAMPLE_RATE_HZ } from './audio.js';
import { LiveCapture } from './capture.js';
import { currentChoice } from './choice.js';
import { byId, h, percent } from './dom.js';
import { colourFor } from './emotion-style.js';
import { confidenceText, emojiOf, headline, NOT_SURE } from './uncertain.js';
import { pageSource, serverSource, type LiveEvents, type LiveSource } from './live-source.js';
import { engineIfInPage } from './mode.js';

const MAX_ENTRIES = 120;
/** What the page says while nobody speaks. */
export const NO_SPEECH_TEXT = 'No speech heard';

/**
 * Live mode: the microphone is streamed to the server's GET /api/stream (or, with the in-page
 * switch on, to the same voice activity detector and model in the page). While someone speaks
 * the current emotion of their speech so far is shown; each finished stretch of speech becomes
 * one timeline entry; pauses show "No speech heard" and add nothing.
 */
export function initLive(): { hide: () => void } {
  const toggle = byId<HTMLButtonElement>('live-toggle');
  const status = byId('live-status');
  const now = byId('live-now');
  const timeline = byId<HTMLOListElement>('live-timeline');
  let capture: LiveCapture | null = null;
  let source: LiveSource | null = null;
  let session = 0;

  const stop = async () => {
    const c = capture;
    const s = source;
    capture = null;
    source = null;
    session++;
    await c?.stop();
    await s?.stop().catch(() => undefined);
    toggle.textContent = 'Start live mode';
    toggle.classList.remove('recording');
    status.textContent = 'Live mode stopped.';
  };

  const showNoSpeech = () => {
    now.dataset.state = 'silence';
    now.replaceChildren(
      h('span', { class: 'big-emoji', 'aria-hidden': 'true' }, '🤫'),
      h('p', { class: 'result-label' }, NO_SPEECH_TEXT),
    );
  };

  const showNow = (p: Prediction, startSec: number, endSec: number) => {
    now.dataset.state = 'speech';
    now.replaceChildren(
      emojiOf(p),
      h(
        'div',
        {},
        h('p', { class: 'result-label' }, headline(p)),
        h(
          'p',
          { class: 'result-confidence' },
          `${confidenceText(p, percent(p.confidence))} · speaking since ${startSec.toFixed(1)} s (${(endSec - startSec).toFixed(0)} s so far)`,
        ),
      ),
    );
  };

  const addEntry = (p: Prediction, startSec: number, endSec: number) => {
    const span = `${startSec.toFixed(1)}–${endSec.toFixed(1)} s`;
    const text = `${span}: ${p.uncertain ? `${NOT_SURE}, maybe ` : ''}${p.label} ${percent(p.confidence)}`;
    const li = h(
      'li',
      { title: text, 'aria-label': text, 'data-label': p.label },
      h('span', { class: p.uncertain ? 't-emoji uncertain' : 't-emoji', 'aria-hidden': 'true' }, p.emoji),
      h('span', { 'aria-hidden': 'true' }, `${endSec.toFixed(0)} s`),
    );
    li.style.background = p.uncertain ? '#9ca3af' : colourFor(p.label);
    timeline.append(li);
    while (timeline.children.length > MAX_ENTRIES) timeline.firstElementChild?.remove();
  };

  const eventsFor = (id: number): LiveEvents => {
    const live = () => id === session;
    return {
      speechStart: () => {
        if (live()) status.textContent = 'Speech heard…';
      },
      partial: (p, a, b) => {
        if (live()) showNow(p, a, b);
      },
      segment: (p, a, b) => {
        if (!live()) return;
        addEntry(p, a, b);
        showNoSpeech();
        status.textContent = 'Listening…';
      },
      failed: (err) => {
        if (!live()) return;
        showError(err);
        void stop();
      },
    };
  };

  toggle.addEventListener('click', async () => {
    clearError();
    if (capture) return stop();
    const id = ++session;
    const events = eventsFor(id);
    let c: LiveCapture | null = null;
    try {
      const engine = await engineIfInPage();
      let src: LiveSource | null = engine ? pageSource(engine, events) : null;
      const pending: [Float32Array, number][] = [];
      c = new LiveCapture(engine?.sampleRateHz ?? MODEL_SAMPLE_RATE_HZ, 3, (samples, rate) => {
        if (src) src.push(samples, rate);
        else pending.push([samples, rate]); // until the server's stream is ready
      });
      await c.start();
      if (!src) {
        src = await serverSource(c.contextRateHz, await currentChoice(), events);
        for (const [x, rate] of pending.splice(0)) src.push(x, rate);
      }
      if (id !== session) {
        await c.stop();
        return;
      }
      capture = c;
      source = src;
    } catch (err) {
      await c?.stop();
      showError(err);
      return;
    }
    timeline.replaceChildren();
    showNoSpeech();
    toggle.textContent = 'Stop live mode';
    toggle.classList.add('recording');
    status.textContent = 'Listening… each stretch of speech gets its emotion when it ends.';
  });

  return {
    hide: () => {
      if (capture) void stop();
    },
  };
}
