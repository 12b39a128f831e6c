/**
 * Power to decibels as torchaudio.functional.amplitude_to_DB / librosa.power_to_db:
 * 10 log10(max(x, amin)) - 10 log10(max(amin, ref)), then, if topDb is set, every value below
 * (maximum over the whole input - topDb) is raised to it. Pass `out` = x to convert in place.
 */
export function powerToDb(
  x: ArrayLike<number>,
  topDb: number | null = 80,
  amin: number = 1e-10,
  ref: number = 1,
  out: Float64Array = new Float64Array(x.length),
): Float64Array {
  const y = out;
  const offset = 10 * Math.log10(Math.max(amin, ref));
  const tenOverLn10 = 10 / Math.LN10; // 10 log10(v) = (10 / ln 10) ln(v); Math.log is the faster call
  let max = -Infinity;
  for (let i = 0; i < x.length; i++) {
    const v = tenOverLn10 * Math.log(Math.max(x[i], amin)) - offset;
    y[i] = v;
    if (v > max) max = v;
  }
  if (topDb !== null) {
    const floor = max - topDb;
    for (let i = 0; i < y.length; i++) if (y[i] < floor) y[i] = floor;
  }
  return y;
}
