import { storeRecording, type Prediction, type Recording, type RequestChoice } from './api.js';
import { clearError, showError } from './alerts.js';
import { decodeToMono, MODEL_SAMPLE_RATE_HZ } from './audio.js';
import { currentChoice, currentSpeaker, speakerClipsChanged } from './choice.js';
import { byId, h } from './dom.js';
import { engineIfInPage } from './mode.js';
import { extensionFor, Recorder } from './recorder.js';
import { renderPrediction } from './result-view.js';
import { drawWaveform } from './waveform.js';
import { requireSpeech } from '../../src/core/vad/index.js';
import { NO_SPEECH_TEXT } from './live.js';

interface PendingAudio {
  audio: Blob;
  filename: string;
  /** Decoded mono samples for the waveform (and the in-page model), at `sampleRateHz`. */
  samples: Float32Array | null;
  /** Set once the server has stored this audio, so pressing Predict again stores no duplicate. */
  stored: Recording | null;
  /** The model and speaker it was stored with (a different choice stores it again). */
  storedWith: string | null;
}

/** The home page: record or upload, then "Predict emotion" (stored on the server, or in-page). */
export function initHome(): void {
  const recordBtn = byId<HTMLButtonElement>('record');
  const recordStatus = byId('record-status');
  const fileInput = byId<HTMLInputElement>('file');
  const dropzone = byId('dropzone');
  const pendingCard = byId('pending');
  const pendingName = byId('pending-name');
  const pendingWave = byId<HTMLCanvasElement>('pending-wave');
  const pendingAudio = byId<HTMLAudioElement>('pending-audio');
  const predictBtn = byId<HTMLButtonElement>('predict');
  const resultCard = byId('result');
  const resultBody = byId('result-body');

  const recorder = new Recorder();
  let pending: PendingAudio | null = null;
  let ticker: number | undefined;
  let objectUrl: string | null = null;

  const setPending = async (audio: Blob, filename: string) => {
    if (objectUrl) URL.revokeObjectURL(objectUrl);
    objectUrl = URL.createObjectURL(audio);
    pending = { audio, filename, samples: null, stored: null, storedWith: null };
    resultCard.hidden = true;
    pendingCard.hidden = false;
    pendingName.textContent = `${filename} · ${formatBytes(audio.size)}`;
    pendingAudio.src = objectUrl;
    predictBtn.disabled = false;
    predictBtn.focus();
    const mine = pending;
    try {
      mine.samples = await decodeToMono(audio);
      if (pending === mine) {
        drawWaveform(pendingWave, mine.samples);
        pendingName.textContent = `${filename} · ${(mine.samples.length / MODEL_SAMPLE_RATE_HZ).toFixed(1)} s · ${formatBytes(audio.size)}`;
      }
    } catch {
      // The server's decoder accepts more than some browsers do; without a waveform the
      // prediction can still come from the server, which reports its own clear error.
      if (pending === mine) drawWaveform(pendingWave, new Float32Array(0));
    }
  };

  recordBtn.addEventListener('click', async () => {
    clearError();
    if (!recorder.recording) {
      try {
        await recorder.start();
      } catch (err) {
        showError(err);
        return;
      }
      recordBtn.textContent = 'Stop recording';
      recordBtn.classList.add('recording');
      recordStatus.textContent = 'Recording… 0.0 s';
      ticker = window.setInterval(() => {
        recordStatus.textContent = `Recording… ${recorder.elapsedSec.toFixed(1)} s`;
      }, 200);
      return;
    }
    window.clearInterval(ticker);
    const seconds = recorder.elapsedSec;
    const audio = await recorder.stop();
    recordBtn.textContent = 'Start recording';
    recordBtn.classList.remove('recording');
    recordStatus.textContent = `Recorded ${seconds.toFixed(1)} s.`;
    await setPending(audio, `recording.${extensionFor(audio.type)}`);
  });

  fileInput.addEventListener('change', () => {
    const file = fileInput.files?.[0];
    if (file) void setPending(file, file.name);
  });
  dropzone.addEventListener('dragover', (e) => {
    e.preventDefault();
    dropzone.classList.add('dragging');
  });
  dropzone.addEventListener('dragleave', () => dropzone.classList.remove('dragging'));
  dropzone.addEventListener('drop', (e) => {
    e.preventDefault();
    dropzone.classList.remove('dragging');
    const file = e.dataTransfer?.files[0];
    if (file) void setPending(file, file.name);
  });

  predictBtn.addEventListener('click', async () => {
    if (!pending) return;
    clearError();
    const current = pending;
    predictBtn.disabled = true;
    predictBtn.textContent = 'Predicting…';
    resultCard.setAttribute('aria-busy', 'true');
    try {
      const { prediction, note } = await predict(current);
      resultBody.replaceChildren(renderPrediction(prediction, note));
      const wave = h('canvas', { class: 'waveform', role: 'img', 'aria-label': 'Waveform of what was said' });
      resultBody.append(wave);
      resultCard.hidden = false;
      if (current.samples) drawWaveform(wave, current.samples, '#4b5563');
      else wave.remove();
      resultCard.focus();
    } catch (err) {
      // A clip without speech is an answer, not a failure: say so in the result card.
      if ((err as { code?: unknown })?.code === 'NO_SPEECH') {
        resultBody.replaceChildren(
          h('p', { class: 'result-label', 'data-state': 'silence' }, NO_SPEECH_TEXT),
          h('p', { class: 'hint' }, (err as Error).message),
        );
        resultCard.hidden = false;
        resultCard.focus();
      } else showError(err);
    } finally {
      predictBtn.disabled = false;
      predictBtn.textContent = 'Predict emotion';
      resultCard.removeAttribute('aria-busy');
    }
  });
  resultCard.tabIndex = -1;
}

async function predict(p: PendingAudio): Promise<{ prediction: Prediction; note: string }> {
  const speaker = currentSpeaker();
  const engine = await engineIfInPage();
  if (engine) {
    const samples =
      p.samples && engine.sampleRateHz === MODEL_SAMPLE_RATE_HZ
        ? p.samples
        : await decodeToMono(p.audio, engine.sampleRateHz);
    // The server's voice activity detector, here: only the speech is classified.
    const prediction = await engine.predict(requireSpeech(samples, engine.sampleRateHz).speech);
    const note = 'Predicted in this page; the audio was not sent anywhere and is not stored.';
    return {
      prediction,
      note: speaker ? `${note} In-page predictions do not adapt to a speaker.` : note,
    };
  }
  const choice: RequestChoice = await currentChoice();
  const key = JSON.stringify(choice);
  if (!p.stored || p.storedWith !== key) {
    p.stored = await storeRecording(p.audio, p.filename, choice);
    p.storedWith = key;
    if (choice.speaker) speakerClipsChanged();
  }
  return { prediction: p.stored.prediction, note: 'Stored on the server: find it under History.' };
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
