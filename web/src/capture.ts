import { resampleMono } from './audio.js';
import { openMicrophone } from './recorder.js';
import { RingBuffer } from './ring-buffer.js';

/**
 * The AudioWorklet processor: forwards each block of microphone PCM to the page, outputs
 * silence. Kept as a string so it ships as one Blob URL without a separate build entry.
 */
const WORKLET_SOURCE = `
class EmovoxCapture extends AudioWorkletProcessor {
  process(inputs) {
    const ch = inputs[0] && inputs[0][0];
    if (ch && ch.length) this.port.postMessage(ch.slice(0));
    return true;
  }
}
registerProcessor('emovox-capture', EmovoxCapture);
`;

/**
 * Live microphone PCM, mono. The audio context runs at the model's rate where the browser allows
 * it (Chromium and Firefox resample the microphone themselves); otherwise the device rate is kept
 * and each window is resampled as a whole when it is read.
 */
export class LiveCapture {
  private buffer: RingBuffer | null = null;
  private ctx: AudioContext | null = null;
  private stream: MediaStream | null = null;

  private pending: Float32Array[] = [];
  private pendingLen = 0;

  constructor(
    /** The rate window() delivers. */
    readonly sampleRateHz: number,
    /** How much recent audio is kept. */
    readonly keepSec = 3,
    /** Called with every ~100 ms of audio at the context's rate (live streaming). */
    private readonly onChunk?: (samples: Float32Array, sampleRateHz: number) => void,
  ) {}

  /** The audio context's rate (what onChunk delivers), 0 before start. */
  get contextRateHz(): number {
    return this.ctx?.sampleRate ?? 0;
  }

  private forward(block: Float32Array, rate: number): void {
    if (!this.onChunk) return;
    this.pending.push(block);
    this.pendingLen += block.length;
    if (this.pendingLen < rate / 10) return;
    const out = new Float32Array(this.pendingLen);
    let o = 0;
    for (const b of this.pending) {
      out.set(b, o);
      o += b.length;
    }
    this.pending = [];
    this.pendingLen = 0;
    this.onChunk(out, rate);
  }

  /** Seconds of audio captured since start. */
  get capturedSec(): number {
    return this.buffer && this.ctx ? this.buffer.total / this.ctx.sampleRate : 0;
  }

  /** The most recent `seconds` of audio (or all there is), at `sampleRateHz`. */
  async window(seconds = this.keepSec): Promise<Float32Array> {
    if (!this.buffer || !this.ctx) return new Float32Array(0);
    const rate = this.ctx.sampleRate;
    const samples = this.buffer.latest(Math.round(seconds * rate));
    return rate === this.sampleRateHz ? samples : resampleMono(samples, rate, this.sampleRateHz);
  }

  async start(): Promise<void> {
    this.stream = await openMicrophone();
    let ctx: AudioContext;
    try {
      ctx = new AudioContext({ sampleRate: this.sampleRateHz });
    } catch {
      ctx = new AudioContext(); // this browser cannot run a context at the model's rate
    }
    this.ctx = ctx;
    const url = URL.createObjectURL(new Blob([WORKLET_SOURCE], { type: 'text/javascript' }));
    try {
      await ctx.audioWorklet.addModule(url);
    } finally {
      URL.revokeObjectURL(url);
    }
    const buffer = new RingBuffer(Math.round(this.keepSec * ctx.sampleRate));
    this.buffer = buffer;
    const node = new AudioWorkletNode(ctx, 'emovox-capture', { numberOfOutputs: 1 });
    node.port.onmessage = (e: MessageEvent<Float32Array>) => {
      buffer.push(e.data);
      this.forward(e.data, ctx.sampleRate);
    };
    ctx.createMediaStreamSource(this.stream).connect(node);
    node.connect(ctx.destination); // keeps the graph pulling; the processor outputs silence
    await ctx.resume();
  }

  async stop(): Promise<void> {
    this.stream?.getTracks().forEach((t) => t.stop());
    this.stream = null;
    await this.ctx?.close();
    this.ctx = null;
    this.buffer = null;
  }
}
