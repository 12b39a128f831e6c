/**
 * Speech segments of a stream together with their samples: the detector (detector.ts) says
 * where speech starts and ends, the segmenter keeps just enough audio to hand each segment's
 * samples over (a short history while nobody speaks, the open segment while someone does), and
 * says when a partial look at the speech so far is due. Memory is bounded by the history plus
 * the longest segment (VadOptions.maxSegmentSec), whatever the stream's length.
 */
import { VoiceActivityDetector, type VadOptions } from './detector.js';
import { SPEECH_PAD_SEC } from './speech.js';

export type SegmenterEvent =
  | { type: 'speech-start'; startSec: number }
  /** The open segment's speech so far, every `partialEverySec` of speech. */
  | { type: 'partial'; startSec: number; endSec: number; samples: Float32Array }
  /** A finished segment: its samples padded by padSec on each side (within the stream). */
  | { type: 'segment'; startSec: number; endSec: number; samples: Float32Array };

export interface SegmenterOptions {
  sampleRate: number;
  /** Seconds of speech between partial events; 0 for none. */
  partialEverySec?: number;
  /** Padding kept around a segment's samples (s). */
  padSec?: number;
  /** Detector options (maxSegmentSec bounds the memory). */
  vad?: Partial<Omit<VadOptions, 'sampleRate'>>;
}

/** Audio kept while nobody speaks: covers the detector's priming, onset and look-back. */
const HISTORY_SEC = 1.5;

export class SpeechSegmenter {
  readonly vad: VoiceActivityDetector;
  readonly sampleRate: number;
  private readonly partialEvery: number;
  private readonly pad: number;
  /** Samples [bufStart, bufStart + bufLen) of the stream. */
  private buf: Float32Array;
  private bufLen = 0;
  private bufStart = 0;
  private total = 0;
  private openStart: number | null = null;
  private nextPartial = 0;

  constructor(o: SegmenterOptions) {
    this.sampleRate = o.sampleRate;
    this.vad = new VoiceActivityDetector({ ...o.vad, sampleRate: o.sampleRate });
    this.partialEvery = Math.round((o.partialEverySec ?? 0) * o.sampleRate);
    this.pad = Math.round((o.padSec ?? SPEECH_PAD_SEC) * o.sampleRate);
    this.buf = new Float32Array(Math.round(HISTORY_SEC * o.sampleRate) * 2);
  }

  /** Seconds of audio received. */
  get receivedSec(): number {
    return this.total / this.sampleRate;
  }

  /** The most samples held at once so far is bounded by this (history + longest segment + pads). */
  get capacitySamples(): number {
    return this.buf.length;
  }

  /** Samples held now. */
  get heldSamples(): number {
    return this.bufLen;
  }

  push(samples: Float32Array): SegmenterEvent[] {
    this.append(samples);
    const out: SegmenterEvent[] = [];
    for (const e of this.vad.push(samples)) this.onVad(e, out);
    if (this.openStart !== null && this.partialEvery > 0 && this.total >= this.nextPartial) {
      const a = Math.max(this.bufStart, this.openStart - this.pad);
      out.push({
        type: 'partial',
        startSec: this.openStart / this.sampleRate,
        endSec: this.total / this.sampleRate,
        samples: this.slice(a, this.total),
      });
      this.nextPartial = this.total + this.partialEvery;
    }
    this.trim();
    return out;
  }

  /** End of the stream: the open segment, if any, is finished. */
  flush(): SegmenterEvent[] {
    const out: SegmenterEvent[] = [];
    for (const e of this.vad.flush()) this.onVad(e, out);
    this.trim();
    return out;
  }

  private onVad(e: ReturnType<VoiceActivityDetector['push']>[number], out: SegmenterEvent[]): void {
    const sr = this.sampleRate;
    if (e.type === 'speech-start') {
      this.openStart = Math.round(e.startSec * sr);
      this.nextPartial = this.openStart + this.partialEvery;
      out.push({ type: 'speech-start', startSec: e.startSec });
      return;
    }
    const { startSec, endSec } = e.segment;
    const a = Math.max(this.bufStart, Math.round(startSec * sr) - this.pad);
    const b = Math.min(this.total, Math.round(endSec * sr) + this.pad);
    out.push({
      type: 'segment',
      startSec,
      endSec: Math.min(endSec, this.total / sr),
      samples: this.slice(a, b),
    });
    this.openStart = null;
  }

  private slice(a: number, b: number): Float32Array {
    return this.buf.slice(a - this.bufStart, Math.max(a, b) - this.bufStart);
  }

  private append(x: Float32Array): void {
    if (this.bufLen + x.length > this.buf.length) {
      this.trim();
      if (this.bufLen + x.length > this.buf.length) {
        const grown = new Float32Array(Math.max(this.buf.length * 2, this.bufLen + x.length));
        grown.set(this.buf.subarray(0, this.bufLen));
        this.buf = grown;
      }
    }
    this.buf.set(x, this.bufLen);
    this.bufLen += x.length;
    this.total += x.length;
  }

  /** Drops audio no segment can need any more. */
  private trim(): void {
    const history = Math.round(HISTORY_SEC * this.sampleRate);
    let keepFrom = this.total - history;
    if (this.openStart !== null) keepFrom = Math.min(keepFrom, this.openStart - this.pad);
    const drop = keepFrom - this.bufStart;
    if (drop <= 0) return;
    this.buf.copyWithin(0, drop, this.bufLen);
    this.bufLen -= drop;
    this.bufStart += drop;
  }
}
