/**
 * Cepstral liftering, Kaldi / torchaudio.compliance.kaldi convention: coefficient i is scaled
 * by 1 + (L / 2) sin(pi i / L), i = 0 .. nCoeffs - 1. L = 0 leaves the input unchanged.
 */
export function lifterWeights(nCoeffs: number, lifter: number): Float64Array {
  const w = new Float64Array(nCoeffs);
  for (let i = 0; i < nCoeffs; i++)
    w[i] = lifter > 0 ? 1 + (lifter / 2) * Math.sin((Math.PI * i) / lifter) : 1;
  return w;
}

/** Lifters every row of a frames-major matrix of nCoeffs columns, in place. */
export function lifterRowsInPlace(x: Float64Array, nCoeffs: number, lifter: number): Float64Array {
  if (lifter <= 0) return x;
  const w = lifterWeights(nCoeffs, lifter);
  for (let i = 0; i < x.length; i++) x[i] *= w[i % nCoeffs];
  return x;
}
