/**
 * matMul whose gradient uses explicit transposes: tfjs' own gradient passes transpose flags to
 * matMul, which is 5-10x slower on wasm (see docs/environment.md).
 */
import * as tf from '@tensorflow/tfjs-core';

import './register-ops';

import type { GradSaveFunc } from '@tensorflow/tfjs-core';

/** Swaps the last two axes. */
export function transposeLast2(x: tf.Tensor): tf.Tensor {
  const rank = x.rank;
  const perm = [...Array(rank).keys()];
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return tf.transpose(x, perm);
}

/** Sums `grad` down to `shape` over leading batch axes that were broadcast. */
function reduceToShape(grad: tf.Tensor, shape: readonly number[]): tf.Tensor {
  if (grad.rank === shape.length) return grad;
  const axes = [...Array(grad.rank - shape.length).keys()];
  return tf.sum(grad, axes);
}

const matMulOp = tf.customGrad((a, b, save) => {
  const left = a as tf.Tensor;
  const right = b as tf.Tensor;
  (save as GradSaveFunc)([left, right]);
  return {
    value: tf.matMul(left, right),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sa, sb] = saved as [tf.Tensor, tf.Tensor];
      return [
        reduceToShape(tf.matMul(dy, transposeLast2(sb)), sa.shape),
        reduceToShape(tf.matMul(transposeLast2(sa), dy), sb.shape),
      ];
    },
  };
});

/**
 * a [..., m, k] x b [..., k, n] with equal batch axes, or b rank 2 shared across a's batch.
 * Returns a new tensor owned by the caller.
 */
export function matMul(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return matMulOp(a, b);
}

const linearWithBias = tf.customGrad((x, kernel, bias, save) => {
  const input = x as tf.Tensor2D;
  const w = kernel as tf.Tensor2D;
  (save as GradSaveFunc)([input, w]);
  return {
    value: tf.fused.matMul({ a: input, b: w, bias: bias as tf.Tensor }),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sx, sw] = saved as [tf.Tensor2D, tf.Tensor2D];
      return [tf.matMul(dy as tf.Tensor2D, tf.transpose(sw)), tf.matMul(tf.transpose(sx), dy as tf.Tensor2D), tf.sum(dy, 0)];
    },
  };
});

/**
 * y = x W + b for x [..., in], kernel [in, out], bias [out]. Rows are flattened so the work is one
 * 2-D matMul. Returns a new tensor owned by the caller.
 */
export function linear(x: tf.Tensor, kernel: tf.Tensor, bias?: tf.Tensor | null): tf.Tensor {
  const inFeatures = x.shape[x.rank - 1] as number;
  const outFeatures = kernel.shape[1] as number;
  return tf.tidy(() => {
    const rows = tf.reshape(x, [-1, inFeatures]);
    const y = bias === undefined || bias === null ? matMulOp(rows, kernel) : linearWithBias(rows, kernel, bias);
    return tf.reshape(y, [...x.shape.slice(0, -1), outFeatures]);
  });
}
