/** Microphone recording with MediaRecorder; Opus in WebM where the browser offers it. */

const PREFERRED_TYPES = ['audio/webm;codecs=opus', 'audio/ogg;codecs=opus', 'audio/webm', 'audio/mp4'];

export function pickMimeType(): string | undefined {
  if (typeof MediaRecorder === 'undefined') return undefined;
  return PREFERRED_TYPES.find((t) => MediaRecorder.isTypeSupported(t));
}

export function extensionFor(mimeType: string): string {
  if (mimeType.includes('webm')) return 'webm';
  if (mimeType.includes('ogg')) return 'ogg';
  if (mimeType.includes('mp4')) return 'm4a';
  if (mimeType.includes('wav')) return 'wav';
  return 'bin';
}

export async function openMicrophone(): Promise<MediaStream> {
  if (!navigator.mediaDevices?.getUserMedia) {
    throw new Error('This browser cannot record audio here (microphone access needs HTTPS or localhost).');
  }
  try {
    return await navigator.mediaDevices.getUserMedia({
      audio: { channelCount: 1, echoCancellation: false, noiseSuppression: false, autoGainControl: false },
    });
  } catch (err) {
    const name = (err as DOMException).name;
    if (name === 'NotAllowedError')
      throw new Error('Microphone access was refused. Allow it in the browser to record.', { cause: err });
    if (name === 'NotFoundError')
      throw new Error('No microphone was found. Connect one or upload a file instead.', { cause: err });
    throw new Error(`The microphone could not be opened (${(err as Error).message}).`, { cause: err });
  }
}

export class Recorder {
  private recorder: MediaRecorder | null = null;
  private stream: MediaStream | null = null;
  private chunks: Blob[] = [];
  private startedAtMs = 0;

  get recording(): boolean {
    return this.recorder?.state === 'recording';
  }

  get elapsedSec(): number {
    return this.recording ? (performance.now() - this.startedAtMs) / 1000 : 0;
  }

  async start(): Promise<void> {
    if (typeof MediaRecorder === 'undefined')
      throw new Error('This browser has no MediaRecorder; upload a file instead.');
    this.stream = await openMicrophone();
    const mimeType = pickMimeType();
    this.recorder = new MediaRecorder(this.stream, mimeType ? { mimeType } : undefined);
    this.chunks = [];
    this.recorder.addEventListener('dataavailable', (e) => {
      if (e.data.size > 0) this.chunks.push(e.data);
    });
    this.recorder.start(250);
    this.startedAtMs = performance.now();
  }

  /** Stops recording and resolves with the whole recording as one Blob. */
  stop(): Promise<Blob> {
    const rec = this.recorder;
    if (!rec || rec.state === 'inactive') return Promise.reject(new Error('Not recording.'));
    return new Promise((resolve) => {
      rec.addEventListener(
        'stop',
        () => {
          this.stream?.getTracks().forEach((t) => t.stop());
          this.stream = null;
          resolve(new Blob(this.chunks, { type: rec.mimeType || 'audio/webm' }));
        },
        { once: true },
      );
      rec.stop();
    });
  }
}
