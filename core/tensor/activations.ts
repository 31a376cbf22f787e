/** Exact GELU (timm's nn.GELU) and softmax, with gradients that run on every backend. */
import * as tf from '@tensorflow/tfjs-core';

import type { GradSaveFunc } from '@tensorflow/tfjs-core';

const INV_SQRT2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

const geluOp = tf.customGrad((x, save) => {
  const input = x as tf.Tensor;
  // Phi(x) is kept for the gradient: erf is the slowest kernel of a wasm training step.
  const cdf = tf.tidy(() => tf.mul(tf.add(tf.erf(tf.mul(input, INV_SQRT2)), 1), 0.5));
  (save as GradSaveFunc)([input, cdf]);
  return {
    value: tf.mul(input, cdf),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sx, scdf] = saved as [tf.Tensor, tf.Tensor];
      // d/dx = Phi(x) + x * phi(x)
      const pdf = tf.mul(tf.exp(tf.mul(tf.square(sx), -0.5)), INV_SQRT_2PI);
      return [tf.mul(dy, tf.add(scdf, tf.mul(sx, pdf)))];
    },
  };
});

/** 0.5 x (1 + erf(x / sqrt 2)). Returns a new tensor owned by the caller. */
export function gelu(x: tf.Tensor): tf.Tensor {
  return geluOp(x);
}

/**
 * The normalisation of attention logits [B, H, N, N] along the last axis. SPViT's masked attention
 * supplies its own function with this signature.
 */
export type SoftmaxFn = (logits: tf.Tensor) => tf.Tensor;

export const softmax: SoftmaxFn = (logits) => tf.softmax(logits, -1);
