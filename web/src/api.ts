/**
 * The Emovox HTTP API as the page uses it (routes in src/node/server/). Every failure becomes an
 * ApiError carrying the server's {error: {code, message}} so the page can show the message.
 */

/** How a prediction used the speaker's profile (schema `Adaptation` in src/node/server/schemas.ts). */
export interface Adaptation {
  speaker: string;
  /** Clips in the speaker's profile for this model, this one included. */
  speakerUtterances: number;
  adapted: boolean;
  /** Clips needed before the model adapts; null when it never adapts to a speaker. */
  minSpeakerUtterances: number | null;
}

export interface Prediction {
  label: string;
  emoji: string;
  confidence: number;
  probabilities: Record<string, number>;
  /** A calibrated model is not sure: show "not sure" and a muted emoji (src/core/calibration.ts). */
  uncertain: boolean;
  /** Null (or absent) when no speaker was named. */
  adaptation?: Adaptation | null;
}

/** Which model answers and who speaks; both optional (the server's default model, nobody in particular). */
export interface RequestChoice {
  model?: string | null;
  speaker?: string | null;
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
  speaker?: string | null;
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

/** The upload form: the chosen model and speaker as text fields, then the file. */
function audioForm(audio: Blob, filename: string, choice: RequestChoice): FormData {
  const form = new FormData();
  if (choice.model) form.append('model', choice.model);
  if (choice.speaker) form.append('speaker', choice.speaker);
  form.append('file', audio, filename);
  return form;
}

/** Prediction only; the server stores nothing (a named speaker's stored clips still adapt it). */
export function predictAudio(
  audio: Blob,
  filename = 'audio.wav',
  choice: RequestChoice = {},
): Promise<Prediction> {
  return request<Prediction>('/api/predict', { method: 'POST', body: audioForm(audio, filename, choice) });
}

/** Stores the audio and its prediction on the server (joining the speaker's profile); returns the stored recording. */
export function storeRecording(
  audio: Blob,
  filename: string,
  choice: RequestChoice = {},
): Promise<Recording> {
  return request<Recording>('/api/recordings', { method: 'POST', body: audioForm(audio, filename, choice) });
}

export function listRecordings(page = 1, pageSize = 10): Promise<RecordingPage> {
  const q = new URLSearchParams({ page: String(page), pageSize: String(pageSize) });
  return request<RecordingPage>(`/api/recordings?${q}`);
}

export function deleteRecording(id: string): Promise<void> {
  return request<void>(`/api/recordings/${encodeURIComponent(id)}`, { method: 'DELETE' });
}

/** One ensemble member (GET /api/models -> members). */
export interface ModelMember {
  name: string;
  weight: number;
  kind: string;
  modelName: string;
  metrics: Record<string, unknown>;
}

/** One served bundle (schema `ModelInfo`): emovox.json fields, plus where its files are served. */
export interface ModelInfo {
  id: string;
  /** e.g. "German + English, 6 emotions". */
  title: string;
  kind: 'deep' | 'classical' | 'ensemble';
  modelName: string;
  labels: string[];
  corpus?: string;
  protocol?: string;
  createdAt?: string;
  card: string;
  metrics: Record<string, unknown>;
  history: Record<string, unknown>[];
  featureConfig?: Record<string, unknown>;
  members: ModelMember[];
  /** Null when the model never adapts to a speaker. */
  speakerAdaptation: { minSpeakerUtterances: number } | null;
  /** Where the bundle files are served for in-page inference; null when the server does not publish them. */
  bundleUrl: string | null;
}

/** GET /api/models: every served model; `default` answers requests that name none. */
export interface ModelList {
  default: string;
  models: ModelInfo[];
}

let modelList: Promise<ModelList> | null = null;

/** The server's models, fetched once per page load. */
export function getModels(): Promise<ModelList> {
  if (!modelList) {
    modelList = request<ModelList>('/api/models');
    modelList.catch(() => (modelList = null));
  }
  return modelList;
}

/** GET /api/speakers: speakers named in stored recordings. */
export interface SpeakerInfo {
  name: string;
  recordings: number;
  lastRecordedAt: string;
  profiles: { model: string; clips: number; minSpeakerUtterances: number }[];
}

export function listSpeakers(): Promise<{ speakers: SpeakerInfo[] }> {
  return request<{ speakers: SpeakerInfo[] }>('/api/speakers');
}
