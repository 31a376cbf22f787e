/**
 * Slicing along one axis. On wasm this relies on the heap-copy Slice kernel installed by
 * initTensorBackend (wasm-kernels.ts); the stock kernel copies the whole input per call.
 * The gradient is tfjs' own (a pad), which runs in C++ on wasm.
 */
import * as tf from '@tensorflow/tfjs-core';

import './register-ops';

import { BugError } from '../shared/errors';

/** x[..., begin:begin+size, ...] along `axis` (which is kept). Caller owns the result. */
export function sliceAxis(x: tf.Tensor, axis: number, begin: number, size: number): tf.Tensor {
  const length = x.shape[axis];
  if (length === undefined || begin < 0 || size < 1 || begin + size > length) {
    throw new BugError(`sliceAxis: [${begin}, ${begin + size}) is outside axis ${axis} of shape [${x.shape.join(', ')}].`);
  }
  const start = x.shape.map((_, i) => (i === axis ? begin : 0));
  const sizes = x.shape.map((dim, i) => (i === axis ? size : dim));
  return tf.slice(x, start, sizes);
}

/** x[..., index, ...]: `axis` removed. Caller owns the result. */
export function takeAxis(x: tf.Tensor, axis: number, index: number): tf.Tensor {
  return tf.tidy(() => tf.squeeze(sliceAxis(x, axis, index, 1), [axis]));
}
