// AssemblyScript source of the SIMD Sum/Mean of src/node/kernels/reduce-kernel.ts over a middle
// block of axes: x [outer, reduce, inner] -> out [outer, inner] = scale * sums, accumulated in
// float64 (as the JS loop and the cpu backend do); inner a multiple of 4. Same conventions as
// batch-norm.ts; acc: inner f64 scratch.
import { accumulate, high, low } from './lanes';

export function reduceMiddle(x: usize, outer: i32, reduce: i32, inner: i32, scale: f64, acc: usize, out: usize): void {
  const rowBytes = <usize>inner << 2;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i += 2) v128.store(acc + (<usize>i << 3), f64x2.splat(0));
    const block = x + <usize>o * <usize>reduce * rowBytes;
    for (let r = 0; r < reduce; r++) {
      const p = block + <usize>r * rowBytes;
      for (let i = 0; i < inner; i += 4) {
        const v = v128.load(p + (<usize>i << 2));
        accumulate(acc + (<usize>i << 3), low(v), high(v));
      }
    }
    const q = out + <usize>o * rowBytes;
    for (let i = 0; i < inner; i++) store<f32>(q + (<usize>i << 2), <f32>(load<f64>(acc + (<usize>i << 3)) * scale));
  }
}
