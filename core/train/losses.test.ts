import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';

import { initTensorBackend } from '../tensor/backend';

import { SINGLE_SHARD_REDUCER, globalSum } from './batch-reducer';
import { correctCount, distillationKl, keptTokenMse, smoothedTargets, softTargetCrossEntropy } from './losses';

beforeAll(async () => {
  await initTensorBackend({ backend: 'wasm' });
});

function logSoftmax(row: number[]): number[] {
  const max = Math.max(...row);
  const total = row.reduce((sum, v) => sum + Math.exp(v - max), 0);
  return row.map((v) => v - max - Math.log(total));
}

describe('training losses', () => {
  const logits = [
    [1, 2, 0.5],
    [-1, 0, 3],
  ];
  const labels = Int32Array.from([1, 2]);

  it('soft-target cross-entropy with label smoothing matches the formula, divided by the global batch', () => {
    const targets = smoothedTargets(labels, 3, 0.1);
    expect(Array.from(targets.dataSync())).toEqual(
      [0.1 / 3, 0.9 + 0.1 / 3, 0.1 / 3, 0.1 / 3, 0.1 / 3, 0.9 + 0.1 / 3].map((v) => Math.fround(v)),
    );
    const value = softTargetCrossEntropy(tf.tensor2d(logits), targets, 4).dataSync()[0] as number;
    const t = [
      [0.1 / 3, 0.9 + 0.1 / 3, 0.1 / 3],
      [0.1 / 3, 0.1 / 3, 0.9 + 0.1 / 3],
    ];
    const expected = -logits.reduce((sum, row, b) => sum + logSoftmax(row).reduce((s, l, c) => s + (t[b]?.[c] ?? 0) * l, 0), 0) / 4;
    expect(value).toBeCloseTo(expected, 5);
  });

  it('KL(teacher || student) is batchmean and zero for identical logits', () => {
    const student = tf.tensor2d(logits);
    const teacher = tf.tensor2d([
      [0, 1, 0],
      [2, 0, 1],
    ]);
    const value = distillationKl(student, teacher, 2).dataSync()[0] as number;
    const expected = [0, 1].reduce((sum, b) => {
      const lt = logSoftmax([[0, 1, 0], [2, 0, 1]][b] as number[]);
      const ls = logSoftmax(logits[b] as number[]);
      return sum + lt.reduce((s, l, c) => s + Math.exp(l) * (l - (ls[c] as number)), 0);
    }, 0) / 2;
    expect(value).toBeCloseTo(expected, 5);
    expect(distillationKl(student, student, 2).dataSync()[0]).toBeCloseTo(0, 6);
  });

  it('token MSE averages over kept tokens and channels only, and is 0 when nothing is kept', () => {
    const student = tf.tensor3d([[[1, 1], [2, 2], [5, 5]]]);
    const teacher = tf.tensor3d([[[0, 1], [2, 0], [0, 0]]]);
    const mask = tf.tensor2d([[1, 1, 0]]);
    // kept tokens 0 and 1: (1 + 0) + (0 + 4) over 2 tokens x 2 channels
    expect(keptTokenMse(student, teacher, mask, 2).dataSync()[0]).toBeCloseTo(5 / 4, 6);
    expect(keptTokenMse(student, teacher, tf.tensor2d([[0, 0, 0]]), 0).dataSync()[0]).toBe(0);
  });

  it('global sums pass gradients straight to the local values', () => {
    const local = tf.tensor1d([1, 2]);
    const grad = tf.grad((x: tf.Tensor) => tf.sum(tf.square(globalSum(x as tf.Tensor1D, SINGLE_SHARD_REDUCER))))(local);
    expect(Array.from(grad.dataSync())).toEqual([2, 4]);
  });

  it('counts arg-max hits', () => {
    expect(correctCount(Float32Array.from(logits.flat()), labels, 3)).toBe(2);
    expect(correctCount(Float32Array.from(logits.flat()), Int32Array.from([0, 0]), 3)).toBe(0);
  });
});
