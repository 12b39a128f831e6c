export * from './config.js';
export * from './registry.js';
export { receptiveField1d } from './cnn1d-lstm.js';
