/**
 * Batch-global statistics for data-parallel training. Terms such as the ratio loss depend on the
 * mean keep decision over the WHOLE batch, so the shards exchange their partial sums in the middle
 * of the forward pass. With one replica the reducer is the identity; worker replicas meet at a
 * barrier on shared memory (shared-reducer.ts). Sums are added in shard order, so the result does
 * not depend on timing.
 */
import * as tf from '@tensorflow/tfjs-core';

import '../tensor/register-ops';

export interface BatchReducer {
  /** Returns the element-wise sum of `local` over every shard of the batch (blocks until all arrive). */
  sum(local: Float64Array): Float64Array;
}

export const SINGLE_SHARD_REDUCER: BatchReducer = {
  sum: (local) => Float64Array.from(local),
};

/**
 * Global sums of per-shard sums, as a differentiable op: the value is the sum over all shards, the
 * gradient flows to this shard's part unchanged (each shard back-propagates the global term into its
 * own images, and summing the shards' gradients gives the whole gradient). `local` is 1-D.
 */
export function globalSum(local: tf.Tensor1D, reducer: BatchReducer): tf.Tensor1D {
  const op = tf.customGrad((x) => {
    const values = Float64Array.from((x as tf.Tensor).dataSync());
    const total = reducer.sum(values);
    return { value: tf.tensor1d(Float32Array.from(total)), gradFunc: (dy: tf.Tensor) => tf.clone(dy) };
  });
  return op(local) as tf.Tensor1D;
}
