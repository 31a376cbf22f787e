/** Sums of x x^T of the inputs of each linear layer during calibration (for GPTQ rounding). */
import * as tf from '@tensorflow/tfjs-core';

import type { InputMoments } from '../export/gptq';

export class InputMomentCollector {
  readonly moments = new Map<string, InputMoments>();

  /** x [..., size]: every row is one input of layer `layer`. */
  add(layer: string, x: tf.Tensor): void {
    const size = x.shape[x.shape.length - 1] as number;
    const rows = x.size / size;
    const tensor = tf.tidy(() => {
      const flat = tf.reshape(x, [rows, size]);
      // An explicit transpose: matMul's transpose flags are several times slower on wasm.
      return tf.matMul(tf.transpose(flat), flat);
    });
    const product = tensor.dataSync();
    tensor.dispose();
    let entry = this.moments.get(layer);
    if (entry === undefined) {
      entry = { sum: new Float64Array(size * size), count: 0, size };
      this.moments.set(layer, entry);
    }
    for (let i = 0; i < product.length; i++) entry.sum[i] = (entry.sum[i] as number) + (product[i] as number);
    entry.count += rows;
  }
}
