/**
 * What every prediction is sent with: the chosen model (when the server has several) and the
 * speaker's name (optional). Both are remembered in localStorage across visits.
 */
import { getModels, listSpeakers, type ModelInfo, type ModelList, type RequestChoice } from './api.js';
import { showError } from './alerts.js';
import { speakerStatusText } from './adaptation-text.js';
import { byId, h } from './dom.js';

const MODEL_KEY = 'emovox.model';
const SPEAKER_KEY = 'emovox.speaker';

/** The server's rule for speaker names (src/node/store/speaker-name.ts). */
export const SPEAKER_NAME_PATTERN = /^[\p{L}\p{N}._-]{1,64}$/u;
export const SPEAKER_NAME_RULE = "1 to 64 letters, digits, '-', '_' or '.' (no spaces)";

let chosenModel: string | null = localStorage.getItem(MODEL_KEY);
const listeners: ((m: ModelInfo) => void)[] = [];

/** The chosen model if the server has it, else the server's default. */
export function pickModel(list: ModelList, wanted: string | null): ModelInfo {
  return list.models.find((m) => m.id === wanted) ?? list.models.find((m) => m.id === list.default)!;
}

/** "German + English, 6 emotions", with the model's name when another model has the same title. */
export function optionText(m: ModelInfo, list: ModelList): string {
  const twin = list.models.some((o) => o !== m && o.title === m.title);
  return twin ? `${m.title} (${m.id})` : m.title;
}

/** The model predictions go to. */
export async function currentModel(): Promise<ModelInfo> {
  return pickModel(await getModels(), chosenModel);
}

/** Calls `fn` with the new model whenever the choice changes. */
export function onModelChange(fn: (m: ModelInfo) => void): void {
  listeners.push(fn);
}

/** The speaker name typed in, or null when empty; throws with the rule when it is not a valid name. */
export function currentSpeaker(): string | null {
  const value = byId<HTMLInputElement>('speaker').value.trim();
  if (value === '') return null;
  if (!SPEAKER_NAME_PATTERN.test(value)) throw new Error(`The speaker name must be ${SPEAKER_NAME_RULE}.`);
  return value;
}

/** Model and speaker for an API request. */
export async function currentChoice(): Promise<RequestChoice> {
  const speaker = currentSpeaker();
  const list = await getModels();
  return { model: list.models.length > 1 ? pickModel(list, chosenModel).id : null, speaker };
}

let refreshStatus: () => void = () => undefined;

/** Updates the speaker line after the server stored a clip. */
export function speakerClipsChanged(): void {
  refreshStatus();
}

/** The speaker field: remembered, checked as it is typed, with what the server holds of that speaker. */
function initSpeakerField(): void {
  const input = byId<HTMLInputElement>('speaker');
  const hint = byId('speaker-hint');
  const defaultHint = hint.textContent ?? '';
  input.value = localStorage.getItem(SPEAKER_KEY) ?? '';
  let asked = 0;
  const showStatus = async (name: string) => {
    const mine = ++asked;
    try {
      const [model, { speakers }] = await Promise.all([currentModel(), listSpeakers()]);
      const s = speakers.find((x) => x.name === name);
      const stored = s?.profiles.find((p) => p.model === model.id)?.clips ?? 0;
      if (mine === asked) hint.textContent = speakerStatusText(name, model, stored);
    } catch {
      // The status is a convenience; predictions report their own errors.
    }
  };
  let timer: number | undefined;
  const check = () => {
    const v = input.value.trim();
    const ok = v === '' || SPEAKER_NAME_PATTERN.test(v);
    input.setAttribute('aria-invalid', ok ? 'false' : 'true');
    hint.textContent = ok ? defaultHint : `Use ${SPEAKER_NAME_RULE}.`;
    hint.classList.toggle('error-text', !ok);
    window.clearTimeout(timer);
    asked++;
    if (ok) localStorage.setItem(SPEAKER_KEY, v);
    if (ok && v !== '') timer = window.setTimeout(() => void showStatus(v), 300);
  };
  refreshStatus = check;
  input.addEventListener('input', check);
  onModelChange(check);
  check();
}

/** The model selector, shown only when the server has more than one model. */
async function initModelPicker(): Promise<void> {
  const field = byId('model-field');
  const select = byId<HTMLSelectElement>('model-select');
  const list = await getModels();
  if (list.models.length < 2) return;
  select.replaceChildren(...list.models.map((m) => h('option', { value: m.id }, optionText(m, list))));
  select.value = pickModel(list, chosenModel).id;
  field.hidden = false;
  select.addEventListener('change', () => {
    chosenModel = select.value;
    localStorage.setItem(MODEL_KEY, chosenModel);
    const m = pickModel(list, chosenModel);
    for (const fn of listeners) fn(m);
  });
}

export function initChoice(): void {
  initSpeakerField();
  initModelPicker().catch(showError);
}
