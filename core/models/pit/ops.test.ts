/** PiT's convolutions, written without conv kernels, against tfjs' own conv2d / depthwiseConv2d. */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';

import { initTensorBackend } from '../../tensor/backend';
import { expectNoLeakedTensors } from '../../tensor/leak-check';

import { ConvEmbedding, convOutputSize } from './conv-embedding';
import { depthwiseConv, PitPooling, poolingOutputSize } from './pooling';

beforeAll(async () => {
  expect(await initTensorBackend({ backend: 'wasm' })).toBe('wasm');
});

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] as number);
}

describe('ConvEmbedding', () => {
  // [image height, kernel, stride]: PiT's k = 2s, k not a multiple of s, k < s, k = s.
  it.each([
    [64, 8, 4],
    [30, 7, 3],
    [17, 3, 4],
    [16, 4, 4],
  ])('equals a valid conv2d for a %i-pixel image, kernel %i, stride %i', async (size, kernel, stride) => {
    const conv = new ConvEmbedding({ key: 'patch_embed.conv', imgSize: [size, size + 1], inChans: 3, outChans: 5, kernel: [kernel, kernel], stride, seed: 1 });
    await expectNoLeakedTensors(() =>
      tf.tidy(() => {
        const images = tf.randomNormal([2, 3, size, size + 1], 0, 1, 'float32', 3) as tf.Tensor4D;
        const ours = conv.apply(images);
        // timm's [D, C, k, k] kernel as tfjs' [k, k, C, D] filter.
        const filter = tf.transpose(tf.reshape(conv.weight.variable, [3, kernel, kernel, 5]), [1, 2, 0, 3]) as tf.Tensor4D;
        const reference = tf.add(tf.conv2d(tf.transpose(images, [0, 2, 3, 1]) as tf.Tensor4D, filter, stride, 'valid'), conv.bias.variable);
        expect(ours.shape).toEqual([2, convOutputSize(size, kernel, stride), convOutputSize(size + 1, kernel, stride), 5]);
        expect(maxAbsDiff(ours, reference)).toBeLessThan(1e-5);
      }),
    );
    for (const entry of conv.parameters()) entry.variable.dispose();
  });

  it('has the right kernel gradient on wasm (no Conv2DBackpropFilter needed)', () => {
    const conv = new ConvEmbedding({ key: 'c', imgSize: [16, 16], inChans: 2, outChans: 3, kernel: [4, 4], stride: 2, seed: 2 });
    tf.tidy(() => {
      const images = tf.randomNormal([1, 2, 16, 16], 0, 1, 'float32', 4) as tf.Tensor4D;
      const { grads } = tf.variableGrads(() => tf.sum(tf.square(conv.apply(images))), [conv.weight.variable]);
      const analyticGrad = grads[conv.weight.variable.name] as tf.Tensor;
      // The loss is quadratic in the kernel, so a central difference along any direction is exact
      // up to rounding; the reference forward is tfjs' conv2d.
      const nhwc = tf.transpose(images, [0, 2, 3, 1]) as tf.Tensor4D;
      const loss = (w: tf.Tensor): number => {
        const filter = tf.transpose(tf.reshape(w, [2, 4, 4, 3]), [1, 2, 0, 3]) as tf.Tensor4D;
        return tf.sum(tf.square(tf.add(tf.conv2d(nhwc, filter, 2, 'valid'), conv.bias.variable))).dataSync()[0] as number;
      };
      const w0 = conv.weight.variable;
      const direction = tf.randomNormal(w0.shape, 0, 1, 'float32', 5);
      const eps = 1e-2;
      const numeric = (loss(tf.add(w0, tf.mul(direction, eps))) - loss(tf.sub(w0, tf.mul(direction, eps)))) / (2 * eps);
      const analytic = tf.sum(tf.mul(analyticGrad, direction)).dataSync()[0] as number;
      expect(Math.abs(analytic - numeric)).toBeLessThan(1e-2 * Math.abs(numeric));
    });
    for (const entry of conv.parameters()) entry.variable.dispose();
  });
});

describe('depthwiseConv', () => {
  // [grid height, stride, channels]: PiT pools with stride 2 (kernel 3, padding 1); odd and even grids.
  it.each([
    [15, 2, 4],
    [14, 2, 3],
    [10, 3, 2],
    [9, 4, 2],
  ])('equals a padded depthwiseConv2d on a %i-row grid with stride %i', async (size, stride, channels) => {
    const k = stride + 1;
    const padding = Math.floor(stride / 2);
    await expectNoLeakedTensors(() =>
      tf.tidy(() => {
        const grid = tf.randomNormal([2, size, size + 1, channels], 0, 1, 'float32', 4) as tf.Tensor4D;
        const weight = tf.randomNormal([k * k, channels], 0, 1, 'float32', 5) as tf.Tensor2D;
        const bias = tf.randomNormal([channels], 0, 1, 'float32', 6) as tf.Tensor1D;
        const ours = depthwiseConv(grid, weight, bias, { kernelSize: k, stride, padding });
        const padded = tf.pad(grid, [[0, 0], [padding, padding], [padding, padding], [0, 0]]) as tf.Tensor4D;
        const reference = tf.add(tf.depthwiseConv2d(padded, tf.reshape(weight, [k, k, channels, 1]) as tf.Tensor4D, stride, 'valid'), bias);
        expect(ours.shape).toEqual([2, poolingOutputSize(size, stride), poolingOutputSize(size + 1, stride), channels]);
        expect(maxAbsDiff(ours, reference)).toBeLessThan(1e-5);
      }),
    );
  });
});

describe('PitPooling', () => {
  it('maps output channel o to input channel o // multiplier, as a grouped torch conv does', async () => {
    const pool = new PitPooling({ key: 'transformers.1.pool', inDim: 2, outDim: 4, stride: 2, seed: 3 });
    await expectNoLeakedTensors(() =>
      tf.tidy(() => {
        // Input channel 0 all ones, channel 1 all zeros; a centre-tap-only kernel and no bias.
        const grid = tf.stack([tf.ones([1, 4, 4]), tf.zeros([1, 4, 4])], 3) as tf.Tensor4D;
        const centre = new Float32Array(9 * 4);
        for (let o = 0; o < 4; o++) centre[4 * 4 + o] = 1;
        pool.convWeight.variable.assign(tf.tensor2d(centre, [9, 4]));
        pool.convBias.variable.assign(tf.zeros([4]));
        const out = pool.poolGrid(grid);
        expect(out.shape).toEqual([1, 2, 2, 4]);
        expect(Array.from(tf.slice(out, [0, 0, 0, 0], [1, 1, 1, 4]).dataSync())).toEqual([1, 1, 0, 0]);
      }),
    );
    for (const entry of pool.parameters()) entry.variable.dispose();
  });
});
