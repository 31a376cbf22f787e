import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';

import { initTensorBackend } from '../../tensor/backend';
import { checkGradients } from '../../tensor/gradient-check';
import { expectNoLeakedTensors } from '../../tensor/leak-check';
import { createModel, specFromTimm } from '../registry';

// Overlapping patch conv (kernel 4, stride 2), a pooling stage and a distillation token.
const TINY = { img_size: 12, patch_size: 4, stride: 2, base_dims: [4, 4], depth: [1, 1], heads: [2, 4], mlp_ratio: 2, num_classes: 3, distilled: true };

beforeAll(async () => {
  expect(await initTensorBackend({ backend: 'wasm' })).toBe('wasm');
});

describe('PoolingVisionTransformer training on wasm', () => {
  it('gives every parameter a finite, non-zero gradient', () => {
    const model = createModel(specFromTimm('PoolingVisionTransformer', TINY), { seed: 2 });
    const images = tf.randomNormal([4, 3, 12, 12], 0, 1, 'float32', 3) as tf.Tensor4D;
    const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 0], 'int32'), 3);
    const report = checkGradients(() => tf.losses.softmaxCrossEntropy(labels, model.forward(images)) as tf.Scalar, model.parameters());
    expect(report).toEqual({ backend: 'wasm', missing: [], degenerate: [], error: null });
    tf.dispose([images, labels]);
    model.dispose();
  });

  it('lowers the loss in a few Adam steps, without leaking tensors', async () => {
    const model = createModel(specFromTimm('PoolingVisionTransformer', TINY), { seed: 4 });
    const images = tf.randomNormal([8, 3, 12, 12], 0, 1, 'float32', 5) as tf.Tensor4D;
    const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1], 'int32'), 3);
    const optimizer = tf.train.adam(0.01);
    const loss = (): tf.Scalar => tf.losses.softmaxCrossEntropy(labels, model.forward(images)) as tf.Scalar;
    const first = tf.tidy(() => loss().dataSync()[0]!);
    const step = (): void => tf.tidy(() => { optimizer.minimize(loss, false, model.trainableVariables()); });
    // The first step creates Adam's moment variables; later steps must not add tensors.
    step();
    await expectNoLeakedTensors(() => {
      for (let i = 0; i < 14; i++) step();
    });
    const last = tf.tidy(() => loss().dataSync()[0]!);
    expect(last).toBeLessThan(first * 0.7);
    optimizer.dispose();
    tf.dispose([images, labels]);
    model.dispose();
  });
});
