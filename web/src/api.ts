/**
 * The Emovox HTTP API as the page uses it (routes in src/node/server/). Every failure becomes an
 * ApiError carrying the server's {error: {code, message}} so the page can show the message.
 */

export interface Prediction {
  label: string;
  emoji: string;
  confidence: number;
  probabilities: Record<string, number>;
}

/** A stored recording (schema `Recording` in src/node/server/schemas.ts). */
export interface Recording {
  id: string;
  createdAt: string;
  fileName: string | null;
  mimeType: string;
  sizeBytes: number;
  durationSec: number;
  modelId: string;
  prediction: Prediction;
  audioUrl: string;
}

export interface RecordingPage {
  items: Recording[];
  page: number;
  pageSize: number;
  total: number;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

async function request<T>(path: string, init?: RequestInit): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, init);
  } catch (err) {
    throw new ApiError(0, 'NETWORK', `Could not reach the Emovox server (${(err as Error).message}).`);
  }
  if (!res.ok) throw await errorFrom(res);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

async function errorFrom(res: Response): Promise<ApiError> {
  const text = await res.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { error?: { code?: string; message?: string }; message?: string };
    const message = body.error?.message ?? body.message;
    if (message) return new ApiError(res.status, body.error?.code ?? `HTTP_${res.status}`, message);
  } catch {
    // not JSON: fall through to the status line
  }
  return new ApiError(
    res.status,
    `HTTP_${res.status}`,
    `The server answered ${res.status} ${res.statusText}.`,
  );
}

function audioForm(audio: Blob, filename: string): FormData {
  const form = new FormData();
  form.append('file', audio, filename);
  return form;
}

/** Prediction only; the server stores nothing. */
export function predictAudio(audio: Blob, filename = 'audio.wav'): Promise<Prediction> {
  return request<Prediction>('/api/predict', { method: 'POST', body: audioForm(audio, filename) });
}

/** Stores the audio and its prediction on the server; returns the stored recording. */
export function storeRecording(audio: Blob, filename: string): Promise<Recording> {
  return request<Recording>('/api/recordings', { method: 'POST', body: audioForm(audio, filename) });
}

export function listRecordings(page = 1, pageSize = 10): Promise<RecordingPage> {
  const q = new URLSearchParams({ page: String(page), pageSize: String(pageSize) });
  return request<RecordingPage>(`/api/recordings?${q}`);
}

export function deleteRecording(id: string): Promise<void> {
  return request<void>(`/api/recordings/${encodeURIComponent(id)}`, { method: 'DELETE' });
}

/** GET /api/models: the loaded bundle's emovox.json fields, plus where its files are served. */
export interface ModelInfo {
  id: string;
  modelName: string;
  labels: string[];
  corpus?: string;
  protocol?: string;
  createdAt?: string;
  card: string;
  metrics: Record<string, unknown>;
  history: Record<string, unknown>[];
  featureConfig?: Record<string, unknown>;
  /** Where the bundle files are served for in-page inference; null when the server does not publish them. */
  bundleUrl: string | null;
}

let modelInfo: Promise<ModelInfo> | null = null;

/** The server's model description, fetched once per page load. */
export function getModelInfo(): Promise<ModelInfo> {
  if (!modelInfo) {
    modelInfo = request<ModelInfo>('/api/models');
    modelInfo.catch(() => (modelInfo = null));
  }
  return modelInfo;
}
