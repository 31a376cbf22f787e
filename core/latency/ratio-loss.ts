/**
 * The ratio ("sparsity") loss of spec §4.1: weight * mean over selectors of
 * (mean over batch AND tokens of the keep mask - rho_s)^2. The batch-global mean constrains only the
 * average keep ratio, so single images may keep more or fewer tokens (instance-adaptive).
 */
import * as tf from '@tensorflow/tfjs-core';

import '../tensor/register-ops';

import { StudioError } from '../shared/errors';

function checkCounts(masks: number, targets: number): void {
  if (masks !== targets) {
    throw new StudioError('input/invalid', `${masks} keep masks but ${targets} keep-ratio targets`, {
      details: { field: 'targets', masks, targets },
      hint: 'Give one target keep ratio per selector.',
    });
  }
}

/** Mean of a mask over everything in it (batch and tokens). */
export function batchKeepRatio(mask: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < mask.length; i += 1) sum += mask[i] ?? 0;
  return mask.length === 0 ? 0 : sum / mask.length;
}

/** Pure version; masks[s] holds selector s's keep decisions over the original spatial tokens, [B*N]. */
export function ratioLoss(masks: readonly ArrayLike<number>[], targets: readonly number[], weight = 2): number {
  checkCounts(masks.length, targets.length);
  if (masks.length === 0) return 0;
  const total = masks.reduce((sum, mask, s) => sum + (batchKeepRatio(mask) - (targets[s] ?? 0)) ** 2, 0);
  return (weight * total) / masks.length;
}

/**
 * tfjs version; masks[s] is [B, N] (straight-through hard masks in training), targets are numbers.
 * Returns a scalar the caller owns.
 */
export function ratioLossTf(masks: readonly tf.Tensor[], targets: readonly number[], weight = 2): tf.Scalar {
  checkCounts(masks.length, targets.length);
  return tf.tidy(() => {
    if (masks.length === 0) return tf.scalar(0);
    const terms = masks.map((mask, s) => tf.square(tf.sub(tf.mean(mask), targets[s] ?? 0)));
    return tf.mul(tf.addN(terms), weight / masks.length) as tf.Scalar;
  });
}
