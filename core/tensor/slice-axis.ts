/**
 * Slicing along one axis through gather. The wasm backend's Slice (and Unpack/Split, built on it)
 * copies the whole input to a fresh JS buffer on every call, which made attention 10x slower;
 * its Gather runs in C++ and copies only the selected rows. The gradient pads dy back to the
 * input's shape (wasm has no UnsortedSegmentSum for gather's own gradient).
 */
import * as tf from '@tensorflow/tfjs-core';

import './register-ops';

import { BugError } from '../shared/errors';

function gatherRange(x: tf.Tensor, axis: number, begin: number, size: number): tf.Tensor {
  return tf.tidy(() => tf.gather(x, tf.range(begin, begin + size, 1, 'int32'), axis));
}

/** x[..., begin:begin+size, ...] along `axis` (which is kept). Caller owns the result. */
export function sliceAxis(x: tf.Tensor, axis: number, begin: number, size: number): tf.Tensor {
  const length = x.shape[axis];
  if (length === undefined || begin < 0 || size < 1 || begin + size > length) {
    throw new BugError(`sliceAxis: [${begin}, ${begin + size}) is outside axis ${axis} of shape [${x.shape.join(', ')}].`);
  }
  if (begin === 0 && size === length) return tf.clone(x);
  const op = tf.customGrad((input) => ({
    value: gatherRange(input as tf.Tensor, axis, begin, size),
    gradFunc: (dy: tf.Tensor) => {
      const paddings = x.shape.map((_, i): [number, number] => (i === axis ? [begin, length - begin - size] : [0, 0]));
      return tf.pad(dy, paddings);
    },
  }));
  return op(x);
}

/** x[..., index, ...]: `axis` removed. Caller owns the result. */
export function takeAxis(x: tf.Tensor, axis: number, index: number): tf.Tensor {
  return tf.tidy(() => tf.squeeze(sliceAxis(x, axis, index, 1), [axis]));
}

/** Splits `axis` into `parts` equal pieces (like torch.chunk), each via sliceAxis. */
export function chunkAxis(x: tf.Tensor, axis: number, parts: number): tf.Tensor[] {
  const length = x.shape[axis] as number;
  if (length % parts !== 0) throw new BugError(`chunkAxis: axis ${axis} of length ${length} does not split into ${parts}.`);
  const size = length / parts;
  return Array.from({ length: parts }, (_, i) => sliceAxis(x, axis, i * size, size));
}
