/**
 * Ops whose forward value and gradient differ. tfjs has no stopGradient and no gradient for
 * comparisons, so both are written with tf.customGrad (see docs/environment.md).
 */
import * as tf from '@tensorflow/tfjs-core';

import type { GradSaveFunc } from '@tensorflow/tfjs-core';

const stopGradientOp = tf.customGrad((x) => {
  const input = x as tf.Tensor;
  return { value: tf.clone(input), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) };
});

/** The value of x, with no gradient flowing back into x. Returns a new tensor. */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  return stopGradientOp(x) as T;
}

const positiveMaskOp = tf.customGrad((x) => {
  const input = x as tf.Tensor;
  return { value: tf.cast(tf.greater(input, 0), 'float32'), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) };
});

/** 1 where x > 0 else 0 (float32), with a zero gradient: safe on a gradient path. */
export function positiveMask<T extends tf.Tensor>(x: T): T {
  return positiveMaskOp(x) as T;
}

/**
 * Hard two-way Gumbel-Softmax, keep column only, straight-through.
 *
 * Forward: exactly 1 where (margin + noise) > 0 else 0, with margin = q_keep - q_drop.
 * Backward: the gradient of y_soft_keep = softmax((q + g) / tau)[keep] = sigmoid((margin + noise) / tau),
 * which is what PyTorch's `y_hard - y_soft.detach() + y_soft` gives, without the 1-ulp residue
 * that formula leaves in the forward value.
 *
 * `noise` (same shape as margin, logistic: the difference of two Gumbel draws) may be null for the
 * deterministic argmax decision. Returns a new tensor.
 */
export function hardGumbelKeep(margin: tf.Tensor, noise: tf.Tensor | null, tau = 1): tf.Tensor {
  const op = tf.customGrad((m, save) => {
    const input = m as tf.Tensor;
    const shifted = noise === null ? tf.clone(input) : tf.add(input, noise);
    // Intermediates of a customGrad forward are disposed unless saved.
    (save as GradSaveFunc)([shifted]);
    return {
      value: tf.cast(tf.greater(shifted, 0), 'float32'),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const soft = tf.sigmoid(tf.div(saved[0] as tf.Tensor, tau));
        return tf.div(tf.mul(dy, tf.mul(soft, tf.sub(1, soft))), tau);
      },
    };
  });
  return op(margin);
}
