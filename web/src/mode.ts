import { showError } from './alerts.js';
import { byId } from './dom.js';
import { onModelChange } from './choice.js';
import { localEngine, type LocalEngine } from './engine.js';

const STORAGE_KEY = 'emovox.inPage';

/** The "run the model in this page" switch, remembered across visits. */
export function inPageEnabled(): boolean {
  return byId<HTMLInputElement>('inpage').checked;
}

/** The in-page engine when the switch is on, null when audio goes to the server. */
export async function engineIfInPage(): Promise<LocalEngine | null> {
  return inPageEnabled() ? localEngine() : null;
}

export function initModeToggle(): void {
  const box = byId<HTMLInputElement>('inpage');
  const status = byId('inpage-status');
  const apply = async () => {
    localStorage.setItem(STORAGE_KEY, box.checked ? '1' : '0');
    if (!box.checked) {
      status.textContent = 'Audio is sent to the server.';
      return;
    }
    status.textContent = 'Loading the model into this page…';
    try {
      const engine = await localEngine();
      if (box.checked)
        status.textContent = `In-page model ready (tfjs ${engine.backend}): audio stays on this device.`;
    } catch (err) {
      box.checked = false;
      localStorage.setItem(STORAGE_KEY, '0');
      status.textContent = 'Audio is sent to the server.';
      showError(new Error(`The in-page model could not be loaded: ${(err as Error).message}`));
    }
  };
  box.addEventListener('change', apply);
  onModelChange(() => {
    if (box.checked) void apply();
  });
  if (localStorage.getItem(STORAGE_KEY) === '1') {
    box.checked = true;
    void apply();
  }
}
