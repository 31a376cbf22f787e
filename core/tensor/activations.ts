/** Exact GELU (timm's nn.GELU) and softmax, with gradients that run on every backend. */
import * as tf from '@tensorflow/tfjs-core';

import { canRunGelu, runGelu, runGeluGrad } from './wasm/gelu-kernel';

import type { GradSaveFunc } from '@tensorflow/tfjs-core';

const INV_SQRT2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** dy (Phi(x) + x phi(x)) from stock ops, with Phi(x) given. */
function compositeGeluGrad(dy: tf.Tensor, x: tf.Tensor, cdf: tf.Tensor): tf.Tensor {
  const pdf = tf.mul(tf.exp(tf.mul(tf.square(x), -0.5)), INV_SQRT_2PI);
  return tf.mul(dy, tf.add(cdf, tf.mul(x, pdf)));
}

const compositeGeluOp = tf.customGrad((x, save) => {
  const input = x as tf.Tensor;
  // Phi(x) is kept for the gradient: erf is the slowest stock kernel of a wasm training step.
  const cdf = tf.tidy(() => tf.mul(tf.add(tf.erf(tf.mul(input, INV_SQRT2)), 1), 0.5));
  (save as GradSaveFunc)([input, cdf]);
  return {
    value: tf.mul(input, cdf),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sx, scdf] = saved as [tf.Tensor, tf.Tensor];
      return [compositeGeluGrad(dy, sx, scdf)];
    },
  };
});

/**
 * The wasm SIMD kernels (wasm/gelu-kernel.ts): one pass forward, one pass back that recomputes
 * Phi from x, so only x is kept.
 */
const fusedGeluOp = tf.customGrad((x, save) => {
  const input = x as tf.Tensor;
  (save as GradSaveFunc)([input]);
  return {
    value: runGelu(input),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const sx = saved[0] as tf.Tensor;
      if (dy.dtype === 'float32' && canRunGelu(sx)) return [runGeluGrad(sx, dy)];
      // The backend changed between the forward and backward pass.
      return [tf.tidy(() => compositeGeluGrad(dy, sx, tf.mul(tf.add(tf.erf(tf.mul(sx, INV_SQRT2)), 1), 0.5)))];
    },
  };
});

/**
 * GELU from stock tfjs ops (mul, erf, add, mul, mul; back: square, mul, exp, mul, mul, add, mul),
 * on every backend. Exported for comparisons with the fused wasm kernels.
 */
export function compositeGelu(x: tf.Tensor): tf.Tensor {
  return compositeGeluOp(x);
}

/**
 * 0.5 x (1 + erf(x / sqrt 2)). Returns a new tensor owned by the caller. On the wasm backend (float32)
 * it is one SIMD pass each way (wasm/f32-gelu.ts: |error| <= ~3e-7 max(1, |x|) for y and the
 * derivative); elsewhere, stock ops.
 */
export function gelu(x: tf.Tensor): tf.Tensor {
  return fusedGeluAllowed && canRunGelu(x) ? fusedGeluOp(x) : compositeGeluOp(x);
}

let fusedGeluAllowed = true;

/** false: `gelu` takes the stock ops everywhere (for A/B measurements of a whole model in one process). */
export function allowFusedGelu(allowed: boolean): void {
  fusedGeluAllowed = allowed;
}

/**
 * The normalisation of attention logits [B, H, N, N] along the last axis. SPViT's masked attention
 * supplies its own function with this signature.
 */
export type SoftmaxFn = (logits: tf.Tensor) => tf.Tensor;

export const softmax: SoftmaxFn = (logits) => tf.softmax(logits, -1);
