/**
 * Convolution shapes the kernel tests sweep: batch 1-3, channels 1-8 (and wider, to hit the
 * transposed im2col path), odd/even sizes, kernels 1x1/3x3/1x9/5x3, strides 1/2/4, 'same'/'valid'/
 * explicit pads, and conv1d layers seen as conv2d with height 1.
 */
export interface ConvCase {
  name: string;
  /** x [batch, height, width, inChannels] */
  x: [number, number, number, number];
  /** filter [kh, kw, inChannels, outChannels] */
  filter: [number, number, number, number];
  strides: [number, number];
  pad: 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];
}

export const CONV_CASES: ConvCase[] = [
  {
    name: '3x3 same, c1 -> f64 (the direct one-channel SIMD kernel)',
    x: [3, 17, 11, 1],
    filter: [3, 3, 1, 64],
    strides: [1, 1],
    pad: 'same',
  },
  {
    name: '3x3 same stride 2, c1 -> f8 (direct)',
    x: [2, 9, 12, 1],
    filter: [3, 3, 1, 8],
    strides: [2, 2],
    pad: 'same',
  },
  {
    name: '3x3 same, c1 -> f16 (few taps)',
    x: [2, 9, 12, 1],
    filter: [3, 3, 1, 16],
    strides: [1, 1],
    pad: 'same',
  },
  {
    name: '3x3 same, c3 -> f5, odd sizes',
    x: [3, 7, 9, 3],
    filter: [3, 3, 3, 5],
    strides: [1, 1],
    pad: 'same',
  },
  {
    name: '3x3 same, c8 -> f8, even sizes',
    x: [2, 8, 10, 8],
    filter: [3, 3, 8, 8],
    strides: [1, 1],
    pad: 'same',
  },
  { name: '3x3 valid, c4 -> f6', x: [2, 6, 7, 4], filter: [3, 3, 4, 6], strides: [1, 1], pad: 'valid' },
  {
    name: '3x3 same stride 2, c2 -> f4',
    x: [3, 8, 11, 2],
    filter: [3, 3, 2, 4],
    strides: [2, 2],
    pad: 'same',
  },
  {
    name: '3x3 valid stride 2, c5 -> f2',
    x: [2, 9, 8, 5],
    filter: [3, 3, 5, 2],
    strides: [2, 2],
    pad: 'valid',
  },
  { name: '1x1, c6 -> f3', x: [1, 5, 6, 6], filter: [1, 1, 6, 3], strides: [1, 1], pad: 'valid' },
  { name: '1x1 stride 2, c3 -> f4', x: [2, 7, 6, 3], filter: [1, 1, 3, 4], strides: [2, 2], pad: 'same' },
  { name: '5x3 same, stride 1x2', x: [2, 10, 9, 3], filter: [5, 3, 3, 4], strides: [1, 2], pad: 'same' },
  {
    name: '3x3 explicit pads (1,2),(0,1)',
    x: [2, 6, 7, 2],
    filter: [3, 3, 2, 3],
    strides: [1, 1],
    pad: [
      [0, 0],
      [1, 2],
      [0, 1],
      [0, 0],
    ],
  },
  {
    name: 'conv1d k9 stride 4 same (waveform front end)',
    x: [2, 1, 101, 1],
    filter: [1, 9, 1, 8],
    strides: [1, 4],
    pad: 'same',
  },
  {
    name: 'conv1d k9 stride 1 same, c4 -> f8',
    x: [3, 1, 40, 4],
    filter: [1, 9, 4, 8],
    strides: [1, 1],
    pad: 'same',
  },
  {
    name: 'conv1d k3 stride 2 valid, c8 -> f4',
    x: [1, 1, 33, 8],
    filter: [1, 3, 8, 4],
    strides: [1, 2],
    pad: 'valid',
  },
  {
    name: 'conv1d k5 stride 1 same, c16 -> f32',
    x: [2, 1, 24, 16],
    filter: [1, 5, 16, 32],
    strides: [1, 1],
    pad: 'same',
  },
  // Output channels a multiple of 8: the direct loops of conv-direct.ts (4-tap tiles and the
  // leftover taps, blocks of 128 positions split across rows and along long rows).
  {
    name: 'conv1d k80 stride 4 same, c1 -> f16 (cnn1d-lstm front end, 3 blocks of positions)',
    x: [2, 1, 1203, 1],
    filter: [1, 80, 1, 16],
    strides: [1, 4],
    pad: 'same',
  },
  {
    name: 'conv1d k80 stride 4 valid, c1 -> f8',
    x: [1, 1, 301, 1],
    filter: [1, 80, 1, 8],
    strides: [1, 4],
    pad: 'valid',
  },
  {
    name: '5x3 explicit pads (2,0),(1,2) stride 2x1, c1 -> f8',
    x: [2, 9, 7, 1],
    filter: [5, 3, 1, 8],
    strides: [2, 1],
    pad: [
      [0, 0],
      [2, 0],
      [1, 2],
      [0, 0],
    ],
  },
  {
    name: '3x3 same, c6 -> f8, 21 rows of 13 (blocks of 9 rows)',
    x: [2, 21, 13, 6],
    filter: [3, 3, 6, 8],
    strides: [1, 1],
    pad: 'same',
  },
  {
    name: '3x3 valid stride 2, c5 -> f16',
    x: [2, 9, 8, 5],
    filter: [3, 3, 5, 16],
    strides: [2, 2],
    pad: 'valid',
  },
  {
    name: '5x3 same stride 1x2, c3 -> f8',
    x: [2, 10, 9, 3],
    filter: [5, 3, 3, 8],
    strides: [1, 2],
    pad: 'same',
  },
  {
    name: '3x3 explicit pads (1,2),(0,1), c2 -> f8',
    x: [2, 6, 7, 2],
    filter: [3, 3, 2, 8],
    strides: [1, 1],
    pad: [
      [0, 0],
      [1, 2],
      [0, 1],
      [0, 0],
    ],
  },
  {
    name: '1x1, c3 -> f24 (leftover taps only)',
    x: [1, 5, 6, 3],
    filter: [1, 1, 3, 24],
    strides: [1, 1],
    pad: 'valid',
  },
];

export function size(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Output shape of a conv case (NHWC), from the case's geometry. */
export function outShape(c: ConvCase): [number, number, number, number] {
  const [n, h, w] = c.x;
  const [kh, kw, , f] = c.filter;
  const [sh, sw] = c.strides;
  if (c.pad === 'same') return [n, Math.ceil(h / sh), Math.ceil(w / sw), f];
  if (c.pad === 'valid') return [n, Math.ceil((h - kh + 1) / sh), Math.ceil((w - kw + 1) / sw), f];
  const [, [pt, pb], [pl, pr]] = c.pad;
  return [n, Math.floor((h + pt + pb - kh) / sh) + 1, Math.floor((w + pl + pr - kw) / sw) + 1, f];
}
