/** Channel conditions and augmentation: seeded transforms of a mono Float32 signal. */
export * from './chain.js';
export * from './augment.js';
export type { LossyCodec } from './codec.js';
export { DEFAULT_CODEC_BITRATE } from './codec.js';
export { telephone, TELEPHONE_HIGH_HZ, TELEPHONE_LOW_HZ, TELEPHONE_RATE_HZ } from './telephone.js';
export { g711RoundTrip, muLawEncode, muLawDecode, aLawEncode, aLawDecode, type G711Law } from './g711.js';
export { butterworth, filterBiquads, type Biquad } from './biquad.js';
export { fftConvolve } from './convolve.js';
export { exponentialRir, applyRir, measureRt60, RT60_MIN_S, RT60_MAX_S } from './reverb.js';
export { activePower, mixAtSnr, noiseSegment, babble, type BabbleSource } from './noise.js';
