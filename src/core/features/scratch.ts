/**
 * A reusable Float64Array for the large per-call arrays of hot feature code (a clip's power
 * spectra, its decimated copy): a worker scoring clip after clip otherwise allocates ~0.8 MB of
 * typed arrays per 3 s clip there, off V8's heap, and that external memory is what triggers its
 * garbage collections (a mark-compact every ~25 clips, with concurrent marking in V8's
 * background threads). The caller must write every value it reads (contents are left over from
 * the previous call) and must not keep the array past its own return: one Scratch per use
 * site, in a function that never awaits, so no two calls interleave (each worker thread has its
 * own module instance). Lengths above `maxKeep` get a new array, so a long recording's arrays
 * are not kept after it.
 */
export class Scratch {
  private buf = new Float64Array(0);

  constructor(private readonly maxKeep: number) {}

  /** A Float64Array of exactly `n` values, contents unspecified. */
  take(n: number): Float64Array {
    if (n > this.maxKeep) return new Float64Array(n);
    if (this.buf.length < n)
      this.buf = new Float64Array(Math.min(this.maxKeep, Math.max(n, 2 * this.buf.length)));
    return this.buf.subarray(0, n);
  }
}
