/**
 * The host's side of the package's boundary: float images in, int8 images out (the only rounding
 * of floats, done before the integer semantics start), and int32 logits back to real numbers.
 */
import { StudioError } from '../../shared/errors';

import { INT8_MAX } from './integer-math';

import type { PackageHeader } from './package-format';

export function imageValues(header: PackageHeader): number {
  const { model } = header;
  return model.inChannels * model.imageSize ** 2;
}

/** q = clamp(round(x / scale), -127, 127) for NCHW float images (any count). */
export function quantizeImages(header: PackageHeader, images: Float32Array): Int8Array {
  const perImage = imageValues(header);
  if (images.length % perImage !== 0 || images.length === 0) {
    throw new StudioError('input/invalid', `Images for this package have ${perImage} values each [${header.model.inChannels}, ${header.model.imageSize}, ${header.model.imageSize}]; got ${images.length} values.`, {
      hint: 'Give NCHW float images of the model input size.',
    });
  }
  const scale = header.input.scale;
  return Int8Array.from(images, (value) => Math.max(-INT8_MAX, Math.min(INT8_MAX, Math.round(value / scale))));
}

export function dequantizeLogits(header: PackageHeader, logits: Int32Array): Float32Array {
  return Float32Array.from(logits, (value) => value * header.output.scale);
}
