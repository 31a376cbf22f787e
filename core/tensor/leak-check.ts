/** Tensor leak checks for tests and long loops: the live tensor count must not grow. */
import * as tf from '@tensorflow/tfjs-core';

import { BugError } from '../shared/errors';

/** Runs `work` and throws when it leaves more live tensors than before. Returns work's result. */
export async function expectNoLeakedTensors<T>(work: () => T | Promise<T>): Promise<T> {
  const before = tf.memory().numTensors;
  const result = await work();
  const after = tf.memory().numTensors;
  if (after !== before) {
    throw new BugError(`Leaked ${after - before} tensors (${before} live before, ${after} after).`);
  }
  return result;
}
