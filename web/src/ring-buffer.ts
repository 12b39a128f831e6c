/** Keeps the most recent `capacity` samples. */
export class RingBuffer {
  private readonly data: Float32Array;
  private written = 0;
  constructor(readonly capacity: number) {
    this.data = new Float32Array(capacity);
  }
  get length(): number {
    return Math.min(this.written, this.capacity);
  }
  /** Total samples ever pushed. */
  get total(): number {
    return this.written;
  }
  push(block: Float32Array): void {
    for (let i = 0; i < block.length; i++) this.data[(this.written + i) % this.capacity] = block[i];
    this.written += block.length;
  }
  /** The last `n` samples (at most what is held), oldest first. */
  latest(n = this.capacity): Float32Array {
    const k = Math.min(n, this.length);
    const out = new Float32Array(k);
    const start = this.written - k;
    for (let i = 0; i < k; i++) out[i] = this.data[(start + i) % this.capacity];
    return out;
  }
}
