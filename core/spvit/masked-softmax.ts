/**
 * Softmax over attention keys under a keep policy (DynamicViT/SPViT `softmax_with_policy`):
 *   m = max over ALL keys (masked ones included),
 *   E_ij = exp(A_ij - m) * (p_j + (1 - p_j) [i == j]),
 *   attn_ij = (E_ij + eps / N) / (sum_j E_ij + eps).
 * A dropped token is seen by nobody but itself, so its row stays a valid distribution.
 * eps is 1e-6 in training and 0 in evaluation.
 *
 * On the wasm backend (float32) it is one SIMD pass each way (core/tensor/wasm/f32-masked-softmax.ts,
 * the backward pass recomputing everything from the scores and policy); elsewhere, stock ops.
 */
import * as tf from '@tensorflow/tfjs-core';

import { canRunMaskedSoftmax, runMaskedSoftmax, runMaskedSoftmaxGrad } from '../tensor/wasm/masked-softmax-kernel';

import type { GradSaveFunc } from '@tensorflow/tfjs-core';

/**
 * max over the last axis with a zero gradient. The max runs inside the custom op, so tfjs never
 * records it: its own gradient (an Equal against the broadcast max) is the slowest kernel of a
 * masked-attention backward pass on wasm, only to be multiplied by zero.
 */
const rowMax = tf.customGrad((x) => {
  const input = x as tf.Tensor;
  // Only the shape is kept: the input itself is freed with the forward scope.
  const shape = input.shape;
  return { value: tf.max(input, -1, true), gradFunc: () => tf.zeros(shape) };
});

export const TRAIN_POLICY_EPS = 1e-6;
export const EVAL_POLICY_EPS = 0;

/**
 * The stock-op version (row max, sub, exp, reshape, eye, add/mul/sub for the key weights, mul, sum,
 * div, add), on every backend. Exported for comparisons with the fused wasm kernels.
 */
export function compositeSoftmaxWithPolicy(scores: tf.Tensor, policy: tf.Tensor, eps: number): tf.Tensor {
  return tf.tidy(() => {
    const [batch, , queries, tokens] = scores.shape as [number, number, number, number];
    // The shift cancels in the ratio (exactly when eps = 0); no gradient through the max.
    const shift = rowMax(scores);
    const exp = tf.exp(tf.sub(scores, shift));
    const keys = tf.reshape(policy, [batch, 1, 1, tokens]);
    const eye = tf.eye(queries, tokens);
    const keyWeight = tf.add(keys, tf.mul(tf.sub(1, keys), eye));
    const weighted = tf.mul(exp, keyWeight);
    const total = tf.sum(weighted, -1, true);
    if (eps === 0) return tf.div(weighted, total);
    return tf.div(tf.add(weighted, eps / tokens), tf.add(total, eps));
  });
}

/** The fused wasm op for one eps; only scores and policy are kept for the backward pass. */
function fusedOp(eps: number): (scores: tf.Tensor, policy: tf.Tensor) => tf.Tensor {
  return tf.customGrad((s, p, save) => {
    const [scores, policy] = [s as tf.Tensor, p as tf.Tensor];
    (save as GradSaveFunc)([scores, policy]);
    return {
      value: runMaskedSoftmax(scores, policy, eps),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [ss, sp] = saved as [tf.Tensor, tf.Tensor];
        if (dy.dtype === 'float32' && canRunMaskedSoftmax(ss, sp)) return runMaskedSoftmaxGrad(ss, sp, dy, eps);
        // The backend changed between the forward and backward pass.
        return tf.grads((a: tf.Tensor, b: tf.Tensor) => compositeSoftmaxWithPolicy(a, b, eps))([ss, sp], dy);
      },
    };
  }) as (scores: tf.Tensor, policy: tf.Tensor) => tf.Tensor;
}

const fusedOps = new Map<number, (scores: tf.Tensor, policy: tf.Tensor) => tf.Tensor>();

let fusedAllowed = true;

/** false: `softmaxWithPolicy` takes the stock ops everywhere (for A/B measurements in one process). */
export function allowFusedSoftmaxWithPolicy(allowed: boolean): void {
  fusedAllowed = allowed;
}

/**
 * scores [B, H, Nq, N] (already scaled q k^T; query i is key i for i < Nq, further keys are extra,
 * e.g. Swin's package keys), policy [B, N] in {0, 1} over the keys (straight-through values in
 * training, so the gradient reaches the selector). Returns attention weights [B, H, Nq, N].
 */
export function softmaxWithPolicy(scores: tf.Tensor, policy: tf.Tensor, eps: number): tf.Tensor {
  if (!fusedAllowed || !canRunMaskedSoftmax(scores, policy)) return compositeSoftmaxWithPolicy(scores, policy, eps);
  let op = fusedOps.get(eps);
  if (op === undefined) {
    op = fusedOp(eps);
    fusedOps.set(eps, op);
  }
  return op(scores, policy);
}
