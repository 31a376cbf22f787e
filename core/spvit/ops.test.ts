import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';

import { initTensorBackend } from '../tensor/backend';
import { expectNoLeakedTensors } from '../tensor/leak-check';

import { decideKeep, topkCount } from './decisions';
import { softmaxWithPolicy } from './masked-softmax';
import { packageToken } from './package-token';
import { SeededRandom, logisticNoise } from './random';
import { hardGumbelKeep, positiveMask, stopGradient } from './straight-through';

import type { SlotScores } from './decisions';

beforeAll(async () => {
  expect(await initTensorBackend({ backend: 'wasm' })).toBe('wasm');
});

describe('straight-through ops', () => {
  it('hardGumbelKeep is exactly 0/1 forward and has the sigmoid gradient backward', async () => {
    await expectNoLeakedTensors(() =>
      tf.tidy(() => {
        const margin = tf.tensor1d([-2, -0.1, 0.3, 4]);
        const noise = tf.tensor1d([0.5, 0.2, -0.5, 0]);
        expect(Array.from(hardGumbelKeep(margin, null).dataSync())).toEqual([0, 0, 1, 1]);
        expect(Array.from(hardGumbelKeep(margin, noise).dataSync())).toEqual([0, 1, 0, 1]);
        const tau = 2;
        const grad = tf.grad((m: tf.Tensor) => tf.sum(hardGumbelKeep(m, noise, tau)))(margin).dataSync();
        const shifted = [-1.5, 0.1, -0.2, 4];
        shifted.forEach((z, i) => {
          const s = 1 / (1 + Math.exp(-z / tau));
          expect(grad[i]).toBeCloseTo((s * (1 - s)) / tau, 6);
        });
      }),
    );
  });

  it('stopGradient and positiveMask pass values and block gradients', () => {
    tf.tidy(() => {
      const x = tf.tensor1d([-1, 0, 2]);
      expect(Array.from(positiveMask(x).dataSync())).toEqual([0, 0, 1]);
      const g = tf.grad((t: tf.Tensor) => tf.sum(tf.add(tf.mul(stopGradient(t), t), positiveMask(t))))(x).dataSync();
      expect(Array.from(g)).toEqual([-1, 0, 2]);
    });
  });

  it('draws reproducible logistic noise from a seed', () => {
    const a = logisticNoise(new SeededRandom(7), 20000);
    const b = logisticNoise(new SeededRandom(7), 5);
    expect(Array.from(b)).toEqual(Array.from(a.slice(0, 5)));
    const mean = a.reduce((s, v) => s + v, 0) / a.length;
    const variance = a.reduce((s, v) => s + v * v, 0) / a.length - mean * mean;
    expect(Math.abs(mean)).toBeLessThan(0.05);
    // Logistic(0, 1) has variance pi^2 / 3.
    expect(variance).toBeCloseTo((Math.PI * Math.PI) / 3, 0);
    expect(Array.from(logisticNoise(new SeededRandom(8), 5))).not.toEqual(Array.from(b));
  });
});

describe('softmaxWithPolicy', () => {
  it('equals plain softmax under an all-ones policy (eps 0)', () => {
    tf.tidy(() => {
      const scores = tf.randomNormal([2, 3, 5, 5], 0, 2, 'float32', 1);
      const diff = tf.max(tf.abs(tf.sub(softmaxWithPolicy(scores, tf.ones([2, 5]), 0), tf.softmax(scores, -1)))).dataSync()[0]!;
      expect(diff).toBeLessThan(1e-6);
    });
  });

  it('with only CLS kept, every masked row attends only to itself', () => {
    tf.tidy(() => {
      const scores = tf.randomNormal([1, 2, 4, 4], 0, 1, 'float32', 2);
      const policy = tf.tensor2d([[1, 0, 0, 0]]);
      const attn = softmaxWithPolicy(scores, policy, 0).arraySync() as number[][][][];
      for (const head of attn[0]!) {
        expect(head[0]).toEqual([1, 0, 0, 0]);
        for (let i = 1; i < 4; i++) {
          head[i]!.forEach((value, j) => {
            // Row i sees CLS and itself.
            if (j === 0 || j === i) expect(value).toBeGreaterThan(0);
            else expect(value).toBe(0);
          });
          expect(head[i]![0]! + head[i]![i]!).toBeCloseTo(1, 6);
        }
      }
    });
  });

  it('spreads eps/N over every key in training mode', () => {
    tf.tidy(() => {
      const scores = tf.zeros([1, 1, 3, 3]);
      const policy = tf.tensor2d([[1, 0, 1]]);
      const attn = softmaxWithPolicy(scores, policy, 0.3).arraySync() as number[][][][];
      // Row 0: E = [1, 0, 1], attn = (E + 0.1) / 2.3.
      expect(attn[0]![0]![0]![0]!).toBeCloseTo(1.1 / 2.3, 6);
      expect(attn[0]![0]![0]![1]!).toBeCloseTo(0.1 / 2.3, 6);
      // Row 1 (a dropped token) still sees the kept keys and itself: E = [1, 1, 1].
      expect(attn[0]![0]![1]![1]!).toBeCloseTo(1.1 / 3.3, 6);
    });
  });
});

describe('packageToken', () => {
  const tokens = [
    [
      [1, 2],
      [3, 4],
      [5, 6],
    ],
  ];
  const keep = [[0.2, 0.5, 0.8]];
  const dropped = [[1, 0, 1]];
  const run = (mode: 'sum' | 'average' | 'mean', d = dropped): number[] =>
    tf.tidy(() =>
      Array.from(packageToken({ tokens: tf.tensor3d(tokens), keepProbability: tf.tensor2d(keep), newlyDropped: tf.tensor2d(d), mode }).dataSync()),
    );

  it('implements the sum, average and mean formulas', () => {
    const sum = [0.2 * 1 + 0.8 * 5, 0.2 * 2 + 0.8 * 6];
    run('sum').forEach((v, i) => expect(v).toBeCloseTo(sum[i]!, 5));
    run('average').forEach((v, i) => expect(v).toBeCloseTo(sum[i]! / 1.0, 5));
    run('mean').forEach((v, i) => expect(v).toBeCloseTo([3, 4][i]!, 5));
  });

  it('gives a zero package when nothing was dropped, and keeps gradients finite', () => {
    for (const mode of ['sum', 'average', 'mean'] as const) expect(run(mode, [[0, 0, 0]])).toEqual([0, 0]);
    tf.tidy(() => {
      const g = tf.grad((d: tf.Tensor) =>
        tf.sum(packageToken({ tokens: tf.tensor3d(tokens), keepProbability: tf.tensor2d(keep), newlyDropped: d, mode: 'average' })),
      )(tf.zeros([1, 3]));
      expect(Array.from(g.dataSync()).every(Number.isFinite)).toBe(true);
    });
  });
});

describe('decideKeep', () => {
  const scores: SlotScores = {
    batch: 2,
    slots: 3,
    margin: Float32Array.from([0.5, -0.2, 0.1, -1, 2, 0.3]),
    keepProbability: Float32Array.from([0.6, 0.4, 0.55, 0.3, 0.9, 0.6]),
    alive: Uint8Array.from([1, 1, 0, 1, 1, 1]),
    originalIndex: Int32Array.from([0, 1, 2, 0, 1, 2]),
  };

  it('argmax keeps alive tokens with a positive margin', () => {
    expect(Array.from(decideKeep(scores, { mode: 'argmax', noise: null, keepCount: 0, spatialTokens: 3 }))).toEqual([1, 0, 0, 0, 1, 1]);
  });

  it('topk keeps a fixed count of alive tokens by keep probability', () => {
    expect(Array.from(decideKeep(scores, { mode: 'topk', noise: null, keepCount: 1, spatialTokens: 3 }))).toEqual([1, 0, 0, 0, 1, 0]);
    expect(topkCount(0.5, 196)).toBe(98);
    expect(topkCount(0.001, 196)).toBe(1);
  });

  it('stochastic adds the noise of each original token', () => {
    const noise = Float32Array.from([-1, 1, 0, 2, -3, 0]);
    expect(Array.from(decideKeep(scores, { mode: 'stochastic', noise, keepCount: 0, spatialTokens: 3 }))).toEqual([0, 1, 0, 1, 0, 1]);
  });
});
