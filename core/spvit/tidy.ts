/** tf.tidy for functions that return interfaces of tensors (tfjs' TensorContainer type wants index signatures). */
import * as tf from '@tensorflow/tfjs-core';

/** Runs fn in a tidy scope; every tensor reachable from the result survives, the rest is freed. */
export function tidyResult<T>(fn: () => T): T {
  return tf.tidy(() => fn() as unknown as tf.TensorContainer) as unknown as T;
}
