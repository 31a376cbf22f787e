import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';

import { gelu, softmax } from './activations';
import { Attention } from './attention';
import { initTensorBackend } from './backend';
import { TransformerBlock } from './block';
import { checkGradients } from './gradient-check';
import { layerNorm } from './layer-norm';
import { expectNoLeakedTensors } from './leak-check';
import { linear, matMul } from './mat-mul';
import { PatchEmbedding, patchify } from './patch-embedding';
import { internalToTimm, timmToInternal } from './parameters';

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] as number);
}

beforeAll(async () => {
  expect(await initTensorBackend({ backend: 'wasm' })).toBe('wasm');
});

describe('matMul and linear', () => {
  it('give the same values and gradients as tfjs autodiff', async () => {
    await expectNoLeakedTensors(() =>
      tf.tidy(() => {
        const a = tf.randomNormal([2, 5, 4], 0, 1, 'float32', 1);
        const b = tf.randomNormal([2, 4, 3], 0, 1, 'float32', 2);
        const ours = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.square(matMul(x, y))))([a, b]);
        const theirs = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.square(tf.matMul(x, y))))([a, b]);
        expect(maxAbsDiff(matMul(a, b), tf.matMul(a, b))).toBeLessThan(1e-5);
        expect(maxAbsDiff(ours[0]!, theirs[0]!)).toBeLessThan(1e-4);
        expect(maxAbsDiff(ours[1]!, theirs[1]!)).toBeLessThan(1e-4);

        const x = tf.randomNormal([2, 3, 4], 0, 1, 'float32', 3);
        const w = tf.randomNormal([4, 6], 0, 1, 'float32', 4);
        const bias = tf.randomNormal([6], 0, 1, 'float32', 5);
        const loss = (p: tf.Tensor, q: tf.Tensor, r: tf.Tensor): tf.Scalar => tf.sum(tf.square(linear(p, q, r)));
        const reference = (p: tf.Tensor, q: tf.Tensor, r: tf.Tensor): tf.Scalar => tf.sum(tf.square(tf.add(tf.matMul(tf.reshape(p, [6, 4]), q), r)));
        const g1 = tf.grads(loss)([x, w, bias]);
        const g2 = tf.grads(reference)([x, w, bias]);
        for (let i = 0; i < 3; i++) expect(maxAbsDiff(g1[i]!, g2[i]!)).toBeLessThan(1e-3);
        expect(linear(x, w, bias).shape).toEqual([2, 3, 6]);
      }),
    );
  });
});

describe('activations and layerNorm', () => {
  it('computes the exact GELU and its derivative', () => {
    tf.tidy(() => {
      const x = tf.tensor1d([-2, -1, 0, 1, 3]);
      const expected = [-0.04550026, -0.15865525, 0, 0.84134475, 2.99595031];
      const got = gelu(x).dataSync();
      expected.forEach((value, i) => expect(got[i]).toBeCloseTo(value, 5));
      const derivative = tf.grad((t: tf.Tensor) => tf.sum(gelu(t)))(tf.tensor1d([1])).dataSync()[0]!;
      // Phi(1) + phi(1) = 0.8413447 + 0.2419707
      expect(derivative).toBeCloseTo(1.0833155, 5);
    });
  });

  it('normalises the last axis and matches the autodiff gradient', () => {
    tf.tidy(() => {
      const x = tf.randomNormal([2, 3, 8], 1, 2, 'float32', 7);
      const gamma = tf.randomNormal([8], 1, 0.1, 'float32', 8);
      const beta = tf.randomNormal([8], 0, 0.1, 'float32', 9);
      const reference = (p: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Tensor => {
        const { mean, variance } = tf.moments(p, -1, true);
        return tf.add(tf.mul(tf.div(tf.sub(p, mean), tf.sqrt(tf.add(variance, 1e-6))), g), b);
      };
      expect(maxAbsDiff(layerNorm(x, gamma, beta, 1e-6), reference(x, gamma, beta))).toBeLessThan(1e-5);
      const weights = tf.randomNormal([2, 3, 8], 0, 1, 'float32', 10);
      const ours = tf.grads((p: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(layerNorm(p, g, b, 1e-6), weights)))([x, gamma, beta]);
      const theirs = tf.grads((p: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(reference(p, g, b), weights)))([x, gamma, beta]);
      for (let i = 0; i < 3; i++) expect(maxAbsDiff(ours[i]!, theirs[i]!)).toBeLessThan(1e-4);
    });
  });
});

describe('PatchEmbedding', () => {
  it('splits a 8x8 image into 4 patches in (channel, row, column) order', () => {
    tf.tidy(() => {
      const image = tf.reshape(tf.range(0, 2 * 8 * 8), [1, 2, 8, 8]) as tf.Tensor4D;
      const patches = patchify(image, 4);
      expect(patches.shape).toEqual([1, 4, 32]);
      const second = tf.slice(patches, [0, 1, 0], [1, 1, 32]).dataSync();
      // Patch 1 is the top-right 4x4 block: channel 0 rows 0..3, columns 4..7, then channel 1.
      expect(Array.from(second.slice(0, 5))).toEqual([4, 5, 6, 7, 12]);
      expect(second[16]).toBe(64 + 4);
    });
  });

  it('equals a stride-p convolution with the timm kernel', () => {
    const embed = new PatchEmbedding({ key: 'patch_embed', imgSize: 8, patchSize: 4, inChans: 3, embedDim: 5, seed: 1 });
    tf.tidy(() => {
      const image = tf.randomNormal([2, 3, 8, 8], 0, 1, 'float32', 11) as tf.Tensor4D;
      const timmWeight = internalToTimm(embed.kernel); // [D, C, p, p]
      const filter = tf.transpose(tf.tensor4d(timmWeight.data, timmWeight.shape as [number, number, number, number]), [2, 3, 1, 0]) as tf.Tensor4D;
      const conv = tf.add(tf.conv2d(tf.transpose(image, [0, 2, 3, 1]) as tf.Tensor4D, filter, 4, 'valid'), embed.bias!.variable);
      expect(maxAbsDiff(embed.apply(image), tf.reshape(conv, [2, 4, 5]))).toBeLessThan(1e-5);
    });
    embed.parameters().forEach((entry) => entry.variable.dispose());
  });

  it('round-trips its kernel through the timm layout', () => {
    const embed = new PatchEmbedding({ key: 'patch_embed', imgSize: 8, patchSize: 4, inChans: 3, embedDim: 5, seed: 2 });
    const timm = internalToTimm(embed.kernel);
    expect(timm.shape).toEqual([5, 3, 4, 4]);
    expect(Array.from(timmToInternal(embed.kernel, timm))).toEqual(Array.from(embed.kernel.variable.dataSync()));
    expect(() => timmToInternal(embed.kernel, { shape: [5, 3, 2, 8], data: timm.data })).toThrow(/patch_embed\.proj\.weight.*\[5, 3, 2, 8\]/);
    embed.parameters().forEach((entry) => entry.variable.dispose());
  });
});

describe('Attention', () => {
  it('routes the logits through a replaceable softmax', () => {
    const attention = new Attention({ key: 'attn', dim: 8, numHeads: 2, qkvBias: true, seed: 3 });
    tf.tidy(() => {
      const x = tf.randomNormal([2, 5, 8], 0, 1, 'float32', 12);
      const heads = attention.projectQkv(x);
      expect(heads.q.shape).toEqual([2, 2, 5, 4]);
      expect(heads.kT.shape).toEqual([2, 2, 4, 5]);
      expect(attention.logits(heads).shape).toEqual([2, 2, 5, 5]);
      // Uniform weights make every token the mean of v, projected.
      const uniform = attention.apply(x, { softmax: (logits) => tf.div(tf.onesLike(logits), logits.shape[3]!) });
      // With all-ones weights every token gets the sum of v over tokens; uniform weights give a fifth of it.
      const summed = attention.mixValues(tf.onesLike(attention.logits(heads)), heads.v);
      expect(maxAbsDiff(uniform, attention.proj.apply(tf.div(summed, 5)))).toBeLessThan(1e-4);
      expect(maxAbsDiff(attention.apply(x), attention.apply(x, { softmax }))).toBe(0);
    });
    attention.parameters().forEach((entry) => entry.variable.dispose());
  });
});

describe('gradients on wasm', () => {
  it('reach every parameter of a patch embedding and a LayerScale block, without leaks', async () => {
    const embed = new PatchEmbedding({ key: 'patch_embed', imgSize: 8, patchSize: 4, inChans: 3, embedDim: 8, seed: 4 });
    const block = new TransformerBlock({ key: 'blocks.0', dim: 8, numHeads: 2, mlpRatio: 2, qkvBias: true, qkNorm: true, layerScaleInit: 0.5, normEps: 1e-6, seed: 4 });
    const entries = [...embed.parameters(), ...block.parameters()];
    expect(entries.map((entry) => entry.key)).toContain('blocks.0.attn.q_norm.weight');
    const image = tf.randomNormal([2, 3, 8, 8], 0, 1, 'float32', 13) as tf.Tensor4D;
    const report = await expectNoLeakedTensors(() => checkGradients(() => tf.mean(tf.square(block.apply(embed.apply(image)))), entries));
    expect(report).toEqual({ backend: 'wasm', missing: [], degenerate: [], error: null });
    image.dispose();
    entries.forEach((entry) => entry.variable.dispose());
  });
});
