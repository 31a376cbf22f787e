/**
 * The package token of one selector: what the newly dropped tokens leave behind (spec B §3.1-3.2).
 *   sum     (official HEAD):   pi = sum_i d_i p_i z_i
 *   average (Part A default):  pi = sum_i d_i p_i z_i / sum_i d_i p_i
 *   mean:                      pi = sum_i d_i z_i / sum_i d_i   (per image, not the batch-summed bug)
 * d = newly dropped (straight-through in training), p = keep probability. With nothing dropped the
 * normalised forms give the zero vector (the official code turned that 0/0 into 1e-8).
 */
import * as tf from '@tensorflow/tfjs-core';

import { matMul } from '../tensor/mat-mul';

import { positiveMask } from './straight-through';

export const PACKAGE_MODES = ['average', 'sum', 'mean'] as const;
export type PackageMode = (typeof PACKAGE_MODES)[number];

export interface PackageTokenInputs {
  /** Selector input, [B, M, C]. */
  tokens: tf.Tensor;
  /** Keep probability p (softmax score, keep column), [B, M]. */
  keepProbability: tf.Tensor;
  /** 1 for tokens dropped by this selector only, [B, M]. */
  newlyDropped: tf.Tensor;
  mode: PackageMode;
}

/** Returns the package token [B, 1, C] (a new tensor owned by the caller). */
export function packageToken(inputs: PackageTokenInputs): tf.Tensor {
  return tf.tidy(() => {
    const { tokens, keepProbability, newlyDropped, mode } = inputs;
    const weights = mode === 'mean' ? newlyDropped : tf.mul(newlyDropped, keepProbability);
    const [batch, count] = weights.shape as [number, number];
    const summed = matMul(tf.reshape(weights, [batch, 1, count]), tokens);
    if (mode === 'sum') return summed;
    const total = tf.reshape(tf.sum(weights, 1), [batch, 1, 1]);
    // total + (1 - [total > 0]) leaves a non-zero total alone and turns 0/0 into 0/1.
    const safeTotal = tf.add(total, tf.sub(1, positiveMask(total)));
    return tf.div(summed, safeTotal);
  });
}
