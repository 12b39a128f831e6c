/**
 * Analysis windows, as Float64Array of `length` values:
 * - 'hann': periodic Hann, 0.5 - 0.5 cos(2 pi n / N) (torch.hann_window / librosa default);
 * - 'hamming': periodic Hamming, 0.54 - 0.46 cos(2 pi n / N) (torch.hamming_window);
 * - 'povey': Kaldi's window, symmetric Hann raised to 0.85: (0.5 - 0.5 cos(2 pi n / (N - 1)))^0.85.
 */
export type WindowKind = 'hann' | 'hamming' | 'povey';

export function makeWindow(kind: WindowKind, length: number): Float64Array {
  if (!Number.isInteger(length) || length < 1) {
    throw new RangeError(`window length must be a positive integer, got ${length}`);
  }
  const w = new Float64Array(length);
  if (length === 1) {
    w[0] = 1;
    return w;
  }
  for (let n = 0; n < length; n++) {
    switch (kind) {
      case 'hann':
        w[n] = 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / length);
        break;
      case 'hamming':
        w[n] = 0.54 - 0.46 * Math.cos((2 * Math.PI * n) / length);
        break;
      case 'povey':
        w[n] = Math.pow(0.5 - 0.5 * Math.cos((2 * Math.PI * n) / (length - 1)), 0.85);
        break;
      default:
        throw new RangeError(`unknown window '${kind as string}'; accepted: hann, hamming, povey`);
    }
  }
  return w;
}

/**
 * The window placed centred in an nFft-long frame, zeros elsewhere (torch.stft pads a short
 * window by (nFft - length) / 2 on the left). Returns the offset of the first window sample.
 */
export function centredWindowOffset(winLength: number, nFft: number): number {
  return Math.floor((nFft - winLength) / 2);
}
