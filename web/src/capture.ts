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

/** Live microphone PCM, mono, delivered at `sampleRateHz` (resampled if the device cannot). */
export class LiveCapture {
  readonly buffer: RingBuffer;
  private ctx: AudioContext | null = null;
  private stream: MediaStream | null = null;

  constructor(
    readonly sampleRateHz: number,
    keepSec = 3,
  ) {
    this.buffer = new RingBuffer(Math.round(keepSec * sampleRateHz));
  }

  /** Seconds of audio captured since start. */
  get capturedSec(): number {
    return this.buffer.total / this.sampleRateHz;
  }

  async start(): Promise<void> {
    this.stream = await openMicrophone();
    try {
      this.ctx = new AudioContext({ sampleRate: this.sampleRateHz });
    } catch {
      this.ctx = new AudioContext(); // this browser cannot run a context at the model's rate
    }
    const url = URL.createObjectURL(new Blob([WORKLET_SOURCE], { type: 'text/javascript' }));
    try {
      await this.ctx.audioWorklet.addModule(url);
    } finally {
      URL.revokeObjectURL(url);
    }
    const node = new AudioWorkletNode(this.ctx, 'emovox-capture', { numberOfOutputs: 1 });
    const rate = this.ctx.sampleRate;
    node.port.onmessage = async (e: MessageEvent<Float32Array>) => {
      this.buffer.push(
        rate === this.sampleRateHz ? e.data : await resampleMono(e.data, rate, this.sampleRateHz),
      );
    };
    this.ctx.createMediaStreamSource(this.stream).connect(node);
    node.connect(this.ctx.destination); // keeps the graph pulling; the processor outputs silence
    await this.ctx.resume();
  }

  async stop(): Promise<void> {
    this.stream?.getTracks().forEach((t) => t.stop());
    this.stream = null;
    await this.ctx?.close();
    this.ctx = null;
  }
}
