/**
 * Fixed-length windows over a frames-major matrix (feature frames, or waveform samples with one
 * coefficient per frame). Shared by training (random crop / pad) and inference (overlapping
 * windows whose probabilities are averaged), so both see identically shaped inputs.
 */

/** Number of feature frames covering `seconds` at `hopLength` samples per frame (at least 1). */
export function framesForSeconds(seconds: number, sampleRate: number, hopLength: number): number {
  return Math.max(1, Math.round((seconds * sampleRate) / hopLength));
}

/**
 * Start indices of windows of `windowFrames`, every `hopFrames`, covering all `totalFrames`:
 * a clip no longer than one window gives [0] (it is padded); otherwise the last window is
 * aligned to the end so the tail is never dropped.
 */
export function windowStarts(totalFrames: number, windowFrames: number, hopFrames: number): number[] {
  if (!(windowFrames >= 1) || !(hopFrames >= 1)) {
    throw new RangeError(`window (${windowFrames}) and hop (${hopFrames}) must be at least 1 frame`);
  }
  if (totalFrames <= windowFrames) return [0];
  const last = totalFrames - windowFrames;
  const starts: number[] = [];
  for (let s = 0; s < last; s += hopFrames) starts.push(s);
  starts.push(last);
  return starts;
}

/**
 * The inference windows of a frames-major matrix: a copy of every window of windowStarts (the
 * last one padded with zeros when the matrix is shorter than one window). What the Predictor
 * averages, the trainer validates on, and evaluation tests.
 */
export function frameWindows(
  data: Float32Array,
  coeffs: number,
  windowFrames: number,
  hopFrames: number,
): Float32Array[] {
  return windowStarts(Math.floor(data.length / coeffs), windowFrames, hopFrames).map((s) =>
    sliceFrames(data, coeffs, s, windowFrames),
  );
}

/**
 * Copies frames [start, start + windowFrames) of a frames-major matrix with `coeffs` values per
 * frame into a new array; frames past the end are filled with `padValue`.
 */
export function sliceFrames(
  data: Float32Array,
  coeffs: number,
  start: number,
  windowFrames: number,
  padValue = 0,
): Float32Array {
  const total = Math.floor(data.length / coeffs);
  const out = new Float32Array(windowFrames * coeffs);
  const available = Math.max(0, Math.min(windowFrames, total - start));
  out.set(data.subarray(start * coeffs, (start + available) * coeffs));
  if (padValue !== 0) out.fill(padValue, available * coeffs);
  return out;
}
