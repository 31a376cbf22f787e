/** Small tensor helpers shared by the SPViT passes of every backbone. */
import * as tf from '@tensorflow/tfjs-core';

import { softmaxWithPolicy } from './masked-softmax';

import type { BlockForwardOptions } from '../tensor/block';

/** Block options that swap in the masked softmax when a policy [B, L] is set. */
export function policyOptions(policy: tf.Tensor | null, eps: number): BlockForwardOptions {
  return policy === null ? {} : { softmax: (logits) => softmaxWithPolicy(logits, policy, eps) };
}

/** Takes rows of x [B, L, C] by flattened index into [B, newLength, C] and zeroes rows whose valid is 0. */
export function gatherRows(x: tf.Tensor3D, rows: Int32Array, valid: Float32Array, newLength: number): tf.Tensor3D {
  return tf.tidy(() => {
    const [batch, length, dim] = x.shape;
    const flat = tf.reshape(x, [batch * length, dim]);
    const taken = tf.gather(flat, tf.tensor1d(rows, 'int32'));
    const masked = tf.mul(taken, tf.tensor2d(valid, [batch * newLength, 1]));
    return tf.reshape(masked, [batch, newLength, dim]);
  });
}

/** Host copies of the first `width` slots' margin (keep - drop) and keep probability. */
export function hostScores(predScore: tf.Tensor, softScore: tf.Tensor, width: number): { margin: Float32Array; keepProbability: Float32Array } {
  return tf.tidy(() => {
    const batch = predScore.shape[0] as number;
    const pred = tf.slice(predScore, [0, 0, 0], [batch, width, 2]);
    const margin = tf.sub(tf.slice(pred, [0, 0, 0], [batch, width, 1]), tf.slice(pred, [0, 0, 1], [batch, width, 1]));
    const keep = tf.slice(softScore, [0, 0, 0], [batch, width, 1]);
    return { margin: margin.dataSync() as Float32Array, keepProbability: keep.dataSync() as Float32Array };
  });
}

/** pred_keep - pred_drop, [B, N] from [B, N, 2]. */
export function scoreMargin(predScore: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.squeeze(tf.sub(tf.slice(predScore, [0, 0, 0], [-1, -1, 1]), tf.slice(predScore, [0, 0, 1], [-1, -1, 1])), [2]));
}

/** Keeps x_old where policy is 0 (dropped tokens keep their last value): x_old + p (x_new - x_old). */
export function freezeDropped(updated: tf.Tensor, previous: tf.Tensor, policy: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.add(previous, tf.mul(tf.expandDims(policy, -1), tf.sub(updated, previous))));
}
