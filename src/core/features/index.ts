/** The feature pipeline: every step a small pure function on typed arrays (see each file). */
export * from './config.js';
export * from './matrix.js';
export * from './preemphasis.js';
export * from './frame.js';
export * from './window.js';
export * from './fft.js';
export * from './stft.js';
export * from './mel.js';
export * from './db.js';
export * from './dct.js';
export * from './lifter.js';
export * from './mel-spectrogram.js';
export * from './logmel.js';
export * from './mfcc.js';
export * from './deltas.js';
export * from './functionals.js';
export * from './extract.js';
