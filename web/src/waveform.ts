/**
 * Draws a waveform (min/max per pixel column) of mono samples on a canvas, sharp on high-DPI
 * screens. Samples are assumed in [-1, 1]; the drawing is scaled to the loudest sample.
 */
export function drawWaveform(canvas: HTMLCanvasElement, samples: Float32Array, colour = '#2451b3'): void {
  const dpr = window.devicePixelRatio || 1;
  const width = Math.max(1, Math.round(canvas.clientWidth * dpr));
  const height = Math.max(1, Math.round(canvas.clientHeight * dpr));
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.clearRect(0, 0, width, height);
  const mid = height / 2;
  ctx.fillStyle = '#c5cbd6';
  ctx.fillRect(0, Math.floor(mid), width, 1);
  if (samples.length === 0) return;
  let peak = 1e-9;
  for (let i = 0; i < samples.length; i++) peak = Math.max(peak, Math.abs(samples[i]));
  const scale = (mid - 2) / peak;
  const perColumn = samples.length / width;
  ctx.fillStyle = colour;
  for (let x = 0; x < width; x++) {
    const from = Math.floor(x * perColumn);
    const to = Math.max(from + 1, Math.floor((x + 1) * perColumn));
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = from; i < to && i < samples.length; i++) {
      if (samples[i] < lo) lo = samples[i];
      if (samples[i] > hi) hi = samples[i];
    }
    if (lo === Infinity) continue;
    const top = mid - hi * scale;
    const bottom = mid - lo * scale;
    ctx.fillRect(x, top, 1, Math.max(1, bottom - top));
  }
}
