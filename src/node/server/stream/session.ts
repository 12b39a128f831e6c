/**
 * One live stream of GET /api/stream, independent of the socket (the route wires a WebSocket
 * to it; tests can drive it directly). Protocol:
 *
 *   client -> {"type":"start","format":"pcm16"|"float32","sampleRate":16000,"model"?,"speaker"?}
 *             or {"type":"start","format":"webm"} (MediaRecorder WebM/Opus chunks)
 *   server -> {"type":"ready","model","sampleRate","format","limits":{...}}
 *   client -> binary audio chunks ... then {"type":"end"}
 *   server -> {"type":"speech-start","startSec"}
 *             {"type":"partial","startSec","endSec",label,emoji,confidence,probabilities} (every
 *               partialEverySec of speech, the speech so far; skipped while one is computing or
 *               every inference worker is busy)
 *             {"type":"segment","startSec","endSec",label,emoji,confidence,probabilities,adaptation}
 *             {"type":"error","code","message"} then close (see CLOSE)
 *             {"type":"end","receivedSec","segments"} then close 1000 after the client's end.
 *
 * Audio is decoded as it comes (src/core/audio/decode-stream.ts for WebM, pcm.ts for PCM),
 * cut by the VAD's segmenter (src/core/vad/segmenter.ts) and classified where the server
 * classifies (the worker pool). Events of a stream go out in order.
 */
import { AudioError } from '../../../core/audio/audio-error.js';
import { ChunkQueue } from '../../../core/audio/chunk-queue.js';
import { decodeStream } from '../../../core/audio/decode-stream.js';
import { SpeechSegmenter, type SegmenterEvent } from '../../../core/vad/segmenter.js';
import type { RecordingStore } from '../../store/recordings.js';
import { HttpError } from '../errors.js';
import type { ModelContext } from '../model-context.js';
import type { ModelSet } from '../model-set.js';
import { requestSpeaker } from '../request-options.js';
import { servedAdaptation, speakerRequest, type SpeakerRequest } from '../speaker-adaptation.js';
import { pcmStream } from './pcm.js';

export interface StreamLimits {
  /** Streams open at once; more are refused (TOO_MANY_STREAMS, close 1013). */
  maxStreams: number;
  /** Longest stream in seconds of audio (STREAM_TOO_LONG, close 1008). */
  maxStreamSec: number;
  /** Audio may arrive at most this many times faster than real time ... */
  maxRealtimeFactor: number;
  /** ... after a head start of this many seconds (TOO_FAST, close 1008). */
  burstSec: number;
  /** A classification waiting longer than this means the server cannot keep up (OVERLOADED, close 1013). */
  maxLagSec: number;
  /** Encoded bytes waiting to be decoded, at most (TOO_FAST). */
  maxQueuedBytes: number;
  /** Seconds of speech between partial events. */
  partialEverySec: number;
  /** Longer speech is cut into segments of at most this length. */
  maxSegmentSec: number;
  /** A stream that sends nothing (no start, no audio) for this long is closed (IDLE, close 1008). */
  idleTimeoutSec: number;
}

export const DEFAULT_STREAM_LIMITS: StreamLimits = {
  maxStreams: 20,
  maxStreamSec: 3600,
  maxRealtimeFactor: 4,
  burstSec: 10,
  maxLagSec: 10,
  maxQueuedBytes: 4 * 1024 * 1024,
  partialEverySec: 1,
  maxSegmentSec: 10,
  idleTimeoutSec: 30,
};

/** WebSocket close codes the stream uses. */
export const CLOSE = {
  NORMAL: 1000,
  /** Bad audio data (not audio, damaged). */
  BAD_DATA: 1007,
  /** A protocol error or a limit of the stream (bad message, too long, too fast). */
  POLICY: 1008,
  INTERNAL: 1011,
  /** Too many streams, or the server cannot keep up: try again later. */
  TRY_LATER: 1013,
} as const;

export const STREAM_FORMATS = ['pcm16', 'float32', 'webm'] as const;
export type StreamFormat = (typeof STREAM_FORMATS)[number];

export interface StreamTransport {
  send(event: Record<string, unknown>): void;
  close(code: number, reason: string): void;
}

class StreamError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly closeCode: number,
  ) {
    super(message);
  }
}

const START_HELP =
  'start with a JSON text message {"type":"start","format":"pcm16"|"float32","sampleRate":8000..48000} ' +
  'or {"type":"start","format":"webm"} (optional "model", "speaker"), then send audio as binary messages ' +
  'and {"type":"end"} to finish';

interface Job {
  queuedAt: number;
}

export class StreamSession {
  private state: 'waiting' | 'streaming' | 'ending' | 'closed' = 'waiting';
  private queue = new ChunkQueue<Uint8Array>();
  private model: ModelContext | null = null;
  private plan: SpeakerRequest | null = null;
  private segmenter: SpeechSegmenter | null = null;
  private startedAt = 0;
  private receivedSamples = 0;
  private segments = 0;
  /** Events and classifications in the order they must go out. */
  private chain: Promise<void> = Promise.resolve();
  private pending: Job[] = [];
  private partialBusy = false;
  private idleTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly t: StreamTransport,
    private readonly models: ModelSet,
    private readonly store: RecordingStore,
    private readonly limits: StreamLimits,
    /** The API key `start` must carry (null: none needed, or already sent as a header). */
    private readonly now: () => number = () => performance.now() / 1000,
  ) {
    this.touch();
  }

  /** Restarts the idle timer (every message from the client). */
  private touch(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    if (this.state === 'closed' || this.state === 'ending') return;
    this.idleTimer = setTimeout(() => {
      const what = this.state === 'waiting' ? 'no "start" message' : 'no audio';
      this.fail(
        new StreamError(
          'IDLE',
          `${what} for ${this.limits.idleTimeoutSec} s; the stream was closed. ${START_HELP}`,
          CLOSE.POLICY,
        ),
      );
    }, this.limits.idleTimeoutSec * 1000);
    this.idleTimer.unref?.();
  }

  get closed(): boolean {
    return this.state === 'closed';
  }

  onText(text: string): void {
    if (this.state === 'closed') return;
    this.touch();
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch {
      return this.fail(
        new StreamError('BAD_MESSAGE', `a text message is not JSON; ${START_HELP}`, CLOSE.POLICY),
      );
    }
    const type = (msg as { type?: unknown })?.type;
    if (type === 'start') {
      if (this.state !== 'waiting')
        return this.fail(new StreamError('BAD_MESSAGE', 'the stream has already started', CLOSE.POLICY));
      try {
        this.start(msg as Record<string, unknown>);
      } catch (err) {
        this.fail(err);
      }
      return;
    }
    if (type === 'end') {
      if (this.state === 'waiting')
        return this.fail(new StreamError('BAD_MESSAGE', `"end" before "start"; ${START_HELP}`, CLOSE.POLICY));
      if (this.state === 'streaming') {
        this.state = 'ending';
        if (this.idleTimer) clearTimeout(this.idleTimer);
        this.queue.end();
      }
      return;
    }
    this.fail(
      new StreamError(
        'BAD_MESSAGE',
        `unknown message type ${JSON.stringify(type ?? null)}; text messages are {"type":"start",...} and {"type":"end"}`,
        CLOSE.POLICY,
      ),
    );
  }

  onBinary(bytes: Uint8Array): void {
    if (this.state === 'closed' || this.state === 'ending') return;
    this.touch();
    if (this.state === 'waiting')
      return this.fail(new StreamError('BAD_MESSAGE', `audio before "start"; ${START_HELP}`, CLOSE.POLICY));
    if (this.queue.queuedLength + bytes.length > this.limits.maxQueuedBytes) {
      return this.fail(
        new StreamError(
          'TOO_FAST',
          `more than ${this.limits.maxQueuedBytes} bytes of audio are waiting to be decoded; send at most ${this.limits.maxRealtimeFactor}x real time`,
          CLOSE.POLICY,
        ),
      );
    }
    this.queue.push(bytes);
  }

  /** The socket closed (by either side): stop, drop what is pending. */
  onClose(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.state = 'closed';
    this.queue.end();
  }

  private start(m: Record<string, unknown>): void {
    const format = m.format;
    if (typeof format !== 'string' || !(STREAM_FORMATS as readonly string[]).includes(format)) {
      throw new StreamError(
        'BAD_FORMAT',
        `format ${JSON.stringify(format ?? null)} is not accepted; use "pcm16" or "float32" (mono, little-endian, with "sampleRate") or "webm" (MediaRecorder WebM/Opus)`,
        CLOSE.POLICY,
      );
    }
    const sampleRate = m.sampleRate;
    if (
      format !== 'webm' &&
      !(Number.isInteger(sampleRate) && (sampleRate as number) >= 8000 && (sampleRate as number) <= 48000)
    ) {
      throw new StreamError(
        'BAD_FORMAT',
        `"sampleRate" must be a whole number of Hz from 8000 to 48000 for ${format}, got ${JSON.stringify(sampleRate ?? null)}`,
        CLOSE.POLICY,
      );
    }
    const model = this.models.get(typeof m.model === 'string' ? m.model : null);
    const speaker = requestSpeaker(m.speaker ?? null);
    this.model = model;
    this.plan = speakerRequest(model, this.store, speaker);
    const rate = model.predictor.manifest.featureConfig.sampleRate;
    this.segmenter = new SpeechSegmenter({
      sampleRate: rate,
      partialEverySec: this.limits.partialEverySec,
      vad: { maxSegmentSec: this.limits.maxSegmentSec },
    });
    this.state = 'streaming';
    this.startedAt = this.now();
    const { maxStreamSec, maxRealtimeFactor, partialEverySec, maxSegmentSec } = this.limits;
    this.t.send({
      type: 'ready',
      model: model.id,
      sampleRate: rate,
      format,
      limits: { maxStreamSec, maxRealtimeFactor, partialEverySec, maxSegmentSec },
    });
    const samples =
      format === 'webm'
        ? decodeStream(this.queue, { targetSampleRate: rate, maxDurationSec: maxStreamSec + 1 })
        : pcmStream(this.queue, format as 'pcm16' | 'float32', sampleRate as number, rate);
    void this.consume(samples, rate).catch((err: unknown) => this.fail(err));
  }

  private async consume(samples: AsyncIterable<Float32Array>, rate: number): Promise<void> {
    const seg = this.segmenter!;
    const l = this.limits;
    for await (const chunk of samples) {
      if (this.closed) return;
      this.receivedSamples += chunk.length;
      const receivedSec = this.receivedSamples / rate;
      if (receivedSec > l.maxStreamSec) {
        throw new StreamError(
          'STREAM_TOO_LONG',
          `the stream passed its limit of ${l.maxStreamSec} s of audio; start a new one`,
          CLOSE.POLICY,
        );
      }
      const elapsed = this.now() - this.startedAt;
      if (receivedSec > elapsed * l.maxRealtimeFactor + l.burstSec) {
        throw new StreamError(
          'TOO_FAST',
          `${receivedSec.toFixed(1)} s of audio arrived in ${elapsed.toFixed(1)} s; send at most ${l.maxRealtimeFactor}x real time (after the first ${l.burstSec} s)`,
          CLOSE.POLICY,
        );
      }
      for (const e of seg.push(chunk)) this.onSegmenter(e);
      const oldest = this.pending[0];
      if (oldest && this.now() - oldest.queuedAt > l.maxLagSec) {
        throw new StreamError(
          'OVERLOADED',
          `classification is more than ${l.maxLagSec} s behind the audio; the server is overloaded, try again later`,
          CLOSE.TRY_LATER,
        );
      }
    }
    if (this.state === 'closed') return;
    for (const e of seg.flush()) this.onSegmenter(e);
    await this.chain;
    if (this.closed) return;
    this.t.send({ type: 'end', receivedSec: this.receivedSamples / rate, segments: this.segments });
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.state = 'closed';
    this.t.close(CLOSE.NORMAL, 'end of stream');
  }

  private onSegmenter(e: SegmenterEvent): void {
    if (e.type === 'speech-start') {
      this.enqueue(async () => this.send({ type: 'speech-start', startSec: round(e.startSec) }));
      return;
    }
    if (e.type === 'partial') {
      // Skipped while this stream's previous partial is computing, or while every inference
      // worker has work waiting: segments go first.
      if (this.partialBusy || this.model!.busy()) return;
      this.partialBusy = true;
      this.enqueue(async () => {
        try {
          const r = await this.model!.classifySamples(e.samples, this.plan!.request);
          this.send({
            type: 'partial',
            startSec: round(e.startSec),
            endSec: round(e.endSec),
            ...view(r.prediction),
          });
        } finally {
          this.partialBusy = false;
        }
      });
      return;
    }
    this.segments++;
    this.enqueue(async () => {
      const r = await this.model!.classifySamples(e.samples, this.plan!.request);
      this.send({
        type: 'segment',
        startSec: round(e.startSec),
        endSec: round(e.endSec),
        ...view(r.prediction),
        adaptation: servedAdaptation(this.model!, this.plan!, r),
      });
    });
  }

  private enqueue(job: () => Promise<void>): void {
    const entry: Job = { queuedAt: this.now() };
    this.pending.push(entry);
    this.chain = this.chain.then(async () => {
      try {
        if (this.state !== 'closed') await job();
      } catch (err) {
        this.fail(err);
      } finally {
        this.pending.splice(this.pending.indexOf(entry), 1);
      }
    });
  }

  private send(event: Record<string, unknown>): void {
    if (this.state !== 'closed') this.t.send(event);
  }

  /** Sends an error event and closes; further input is ignored. */
  private fail(err: unknown): void {
    if (this.state === 'closed') return;
    let code = 'INTERNAL';
    let message = 'internal error; the stream was stopped';
    let closeCode: number = CLOSE.INTERNAL;
    if (err instanceof StreamError) ({ code, message, closeCode } = err);
    else if (err instanceof HttpError)
      ({ code, message, closeCode } = { code: err.code, message: err.message, closeCode: CLOSE.POLICY });
    else if (err instanceof AudioError) {
      code = err.code;
      message = err.message;
      closeCode = err.code === 'TOO_LONG' ? CLOSE.POLICY : CLOSE.BAD_DATA;
    } else console.error('emovox: stream failed:', err instanceof Error ? err.stack : err);
    this.t.send({ type: 'error', code, message });
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.state = 'closed';
    this.queue.end();
    this.t.close(closeCode, code);
  }
}

const round = (v: number) => Math.round(v * 1000) / 1000;

function view(p: {
  label: string;
  emoji: string;
  confidence: number;
  probabilities: Record<string, number>;
  uncertain?: boolean;
}) {
  return {
    label: p.label,
    emoji: p.emoji,
    confidence: p.confidence,
    uncertain: p.uncertain ?? false,
    probabilities: p.probabilities,
  };
}
