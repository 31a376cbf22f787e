/**
 * The training losses (spec Part A, B §4.1), written for data-parallel shards: every term is either
 * a sum over this shard's images divided by the GLOBAL batch size (summing the shards' values and
 * gradients gives the whole batch's), or a function of batch-global statistics that the shards
 * exchange through a BatchReducer (ratio loss, latency hinge, the token-MSE normaliser).
 */
import * as tf from '@tensorflow/tfjs-core';

import '../tensor/register-ops';

import { stopGradient } from '../spvit/straight-through';

/** Smoothed one-hot targets: (1 - s) onehot + s / K. Caller owns the result. */
export function smoothedTargets(labels: Int32Array, classes: number, smoothing: number): tf.Tensor2D {
  return tf.tidy(() => {
    const hot = tf.oneHot(tf.tensor1d(labels, 'int32'), classes);
    if (smoothing === 0) return tf.cast(hot, 'float32') as tf.Tensor2D;
    return tf.add(tf.mul(hot, 1 - smoothing), smoothing / classes) as tf.Tensor2D;
  });
}

/** sum_b -sum_c t_bc log softmax(z_b)_c / globalBatch: SoftTargetCrossEntropy's share of this shard. */
export function softTargetCrossEntropy(logits: tf.Tensor2D, targets: tf.Tensor2D, globalBatch: number): tf.Scalar {
  return tf.tidy(() => tf.div(tf.neg(tf.sum(tf.mul(targets, tf.logSoftmax(logits, -1)))), globalBatch) as tf.Scalar);
}

/**
 * KL(teacher || student) with batchmean reduction (torch's `kl_div(log_softmax(s), log_softmax(t),
 * reduction='batchmean', log_target=True)`), this shard's share. The teacher logits are constants.
 */
export function distillationKl(studentLogits: tf.Tensor2D, teacherLogits: tf.Tensor2D, globalBatch: number): tf.Scalar {
  return tf.tidy(() => {
    const teacherLog = tf.logSoftmax(teacherLogits, -1);
    const pointwise = tf.mul(tf.exp(teacherLog), tf.sub(teacherLog, tf.logSoftmax(studentLogits, -1)));
    return tf.div(tf.sum(pointwise), globalBatch) as tf.Scalar;
  });
}

/**
 * Token distillation: sum over kept tokens (final mask > 0.5, no gradient through the mask) and
 * channels of (F_S - F_T)^2, divided by channels x the GLOBAL number of kept tokens. 0 when nothing
 * is kept anywhere (official behaviour).
 */
export function keptTokenMse(student: tf.Tensor3D, teacher: tf.Tensor3D, keepMask: tf.Tensor2D, globalKept: number): tf.Scalar {
  return tf.tidy(() => {
    if (globalKept <= 0) return tf.scalar(0);
    const channels = student.shape[2];
    const mask = tf.expandDims(stopGradient(keepMask), -1);
    const squared = tf.square(tf.sub(student, teacher));
    return tf.div(tf.sum(tf.mul(squared, mask)), globalKept * channels) as tf.Scalar;
  });
}

/** Number of images whose arg-max logit equals the label (host). */
export function correctCount(logits: Float32Array, labels: Int32Array, classes: number): number {
  let correct = 0;
  for (let b = 0; b < labels.length; b += 1) {
    let best = 0;
    for (let c = 1; c < classes; c += 1) {
      if ((logits[b * classes + c] as number) > (logits[b * classes + best] as number)) best = c;
    }
    if (best === labels[b]) correct += 1;
  }
  return correct;
}
