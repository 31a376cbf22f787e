import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';

import { initTensorBackend } from '../../tensor/backend';
import { checkGradients } from '../../tensor/gradient-check';
import { expectNoLeakedTensors } from '../../tensor/leak-check';
import { createModel, specFromTimm } from '../registry';

// Grids 4 -> 2 with window 2: shifted windows with their mask in stage 0, patch merging, a clipped stage.
const TINY = { img_size: 16, patch_size: 4, window_size: 2, embed_dim: 8, depths: [2, 2], num_heads: [2, 2], mlp_ratio: 2, num_classes: 3 };

beforeAll(async () => {
  expect(await initTensorBackend({ backend: 'wasm' })).toBe('wasm');
});

describe('SwinTransformer training on wasm', () => {
  it('gives every parameter a finite, non-zero gradient', () => {
    const model = createModel(specFromTimm('SwinTransformer', TINY), { seed: 2 });
    const images = tf.randomNormal([4, 3, 16, 16], 0, 1, 'float32', 3) as tf.Tensor4D;
    const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 0], 'int32'), 3);
    const report = checkGradients(() => tf.losses.softmaxCrossEntropy(labels, model.forward(images)) as tf.Scalar, model.parameters());
    expect(report).toEqual({ backend: 'wasm', missing: [], degenerate: [], error: null });
    tf.dispose([images, labels]);
    model.dispose();
  });

  it('lowers the loss in a few Adam steps, without leaking tensors', async () => {
    const model = createModel(specFromTimm('SwinTransformer', TINY), { seed: 4 });
    const images = tf.randomNormal([8, 3, 16, 16], 0, 1, 'float32', 5) as tf.Tensor4D;
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
