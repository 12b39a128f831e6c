/** One alert region (role=alert) for every error the page shows. */

const box = () => document.getElementById('alert') as HTMLDivElement;

export function showError(err: unknown): void {
  const raw = err instanceof Error ? err.message : String(err);
  const message = raw.charAt(0).toUpperCase() + raw.slice(1);
  (document.getElementById('alert-text') as HTMLParagraphElement).textContent = message;
  box().hidden = false;
}

export function clearError(): void {
  box().hidden = true;
}

export function initAlerts(): void {
  document.getElementById('alert-close')?.addEventListener('click', clearError);
}
