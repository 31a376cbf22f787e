import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { initTensorBackend } from '../../tensor/backend';
import { inferLogits } from '../inference';
import { createModel, specFromTimm } from '../registry';

import { ForwardPool } from './forward-pool';

const spec = specFromTimm('VisionTransformer', { img_size: 8, patch_size: 4, embed_dim: 8, depth: 1, num_heads: 2, num_classes: 3 });
let pool: ForwardPool;

beforeAll(async () => {
  await initTensorBackend({ backend: 'wasm' });
  pool = await ForwardPool.start({ spec, workers: 2, seed: 11, backend: 'wasm' });
});
afterAll(async () => {
  await pool.close();
});

describe('ForwardPool', () => {
  it('splits a batch over two wasm workers and returns the single-thread logits in order', async () => {
    const images = { shape: [5, 3, 8, 8], data: tf.tidy(() => tf.randomNormal([5, 3, 8, 8], 0, 1, 'float32', 12).dataSync() as Float32Array) };
    const model = createModel(spec, { seed: 11 });
    const expected = inferLogits(model, images);
    model.dispose();
    expect(pool.backend).toBe('wasm');
    expect(pool.size).toBe(2);
    const got = await pool.forward(images);
    expect(got.shape).toEqual([5, 3]);
    got.data.forEach((value, i) => expect(value).toBeCloseTo(expected.data[i]!, 5));
  });

  it('reports a worker-side failure as a StudioError', async () => {
    await expect(pool.forward({ shape: [1, 3, 4, 4], data: new Float32Array(48) })).rejects.toMatchObject({ code: 'input/invalid' });
  });
});
