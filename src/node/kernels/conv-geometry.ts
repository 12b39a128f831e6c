import * as tf from '@tensorflow/tfjs';
import type { ConvGeometry } from './im2col.js';
import { EmovoxError } from '../../core/errors.js';

type Shape4 = [number, number, number, number];

/** A convolution our wasm kernels cannot run (the message names what is accepted). */
export class KernelInputError extends EmovoxError {
  constructor(message: string) {
    super('KERNEL_INPUT', message, { userFacing: false });
  }
}

/** Full tfjs geometry of an NHWC conv2d; rejects other data formats with a clear error. */
export function conv2dInfo(
  kernelName: string,
  xShape: number[],
  filterShape: number[],
  attrs: {
    strides: number | [number, number];
    dilations?: number | [number, number];
    pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
    dataFormat?: string;
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
  },
): tf.backend_util.Conv2DInfo {
  const format = attrs.dataFormat ?? 'NHWC';
  if (format !== 'NHWC' && format !== 'channelsLast') {
    throw new KernelInputError(
      `${kernelName} on wasm supports dataFormat 'NHWC' (channels last) only, got '${format}'`,
    );
  }
  if (xShape.length !== 4 || filterShape.length !== 4) {
    throw new KernelInputError(
      `${kernelName} expects a rank-4 input and filter, got shapes [${xShape}] and [${filterShape}]`,
    );
  }
  return tf.backend_util.computeConv2DInfo(
    xShape as Shape4,
    filterShape as Shape4,
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
}

/** The subset of a Conv2DInfo the im2col loops need. */
export function geometryOf(info: tf.backend_util.Conv2DInfo): ConvGeometry {
  return {
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    inChannels: info.inChannels,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    dilationHeight: info.dilationHeight,
    dilationWidth: info.dilationWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  };
}

/** Tunables of the kernels: `chunkFloats` caps each im2col temporary (16M floats = 64 MB). */
export const kernelSettings = { chunkFloats: 16 * 1024 * 1024 };

/**
 * How many images of the batch to process at once so that a temporary of `floatsPerImage`
 * floats per image stays under `budgetFloats`; at least 1.
 */
export function imagesPerChunk(
  floatsPerImage: number,
  batch: number,
  budgetFloats = kernelSettings.chunkFloats,
): number {
  return Math.max(1, Math.min(batch, Math.floor(budgetFloats / Math.max(1, floatsPerImage))));
}
