import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';

import { initTensorBackend } from './backend';
import { expectNoLeakedTensors } from './leak-check';
import { copySlice } from './wasm-kernels';

/** Reference slice by explicit index arithmetic. */
function referenceSlice(values: Float32Array, shape: number[], begin: number[], size: number[]): number[] {
  const out: number[] = [];
  const total = size.reduce((a, b) => a * b, 1);
  for (let flat = 0; flat < total; flat++) {
    let rest = flat;
    let source = 0;
    let stride = 1;
    const index = new Array<number>(shape.length);
    for (let axis = shape.length - 1; axis >= 0; axis--) {
      index[axis] = rest % size[axis]!;
      rest = Math.floor(rest / size[axis]!);
    }
    for (let axis = shape.length - 1; axis >= 0; axis--) {
      source += (begin[axis]! + index[axis]!) * stride;
      stride *= shape[axis]!;
    }
    out.push(values[source]!);
  }
  return out;
}

beforeAll(async () => {
  await initTensorBackend({ backend: 'wasm' });
});

describe('wasm Slice and Unpack replacements', () => {
  it('copy the same values as index arithmetic for many shapes, through tf.slice on wasm', async () => {
    const cases: Array<[number[], number[], number[]]> = [
      [[10], [3], [4]],
      [[4, 5], [1, 0], [2, 5]],
      [[4, 5], [0, 2], [4, 3]],
      [[3, 4, 5], [1, 1, 1], [2, 2, 3]],
      [[2, 3, 3, 2, 4], [1, 0, 2, 0, 0], [1, 3, 1, 2, 4]],
      [[2, 3, 4, 2, 3, 2], [0, 1, 1, 0, 1, 0], [2, 2, 3, 2, 2, 2]],
      // Runs longer than the element-by-element limit (32).
      [[3, 50], [1, 5], [2, 40]],
      [[2, 3, 40], [0, 1, 0], [2, 2, 40]],
    ];
    await expectNoLeakedTensors(() => {
      for (const [shape, begin, size] of cases) {
        const values = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => i * 0.5 - 3);
        const got = tf.tidy(() => Array.from(tf.slice(tf.tensor(values, shape), begin, size).dataSync()));
        expect(got).toEqual(referenceSlice(values, shape, begin, size));
        const direct = new Float32Array(size.reduce((a, b) => a * b, 1));
        copySlice(values, direct, { shape, begin, size });
        expect(Array.from(direct)).toEqual(got);
      }
    });
  });

  it('unstack along any axis and keep slice gradients', () => {
    tf.tidy(() => {
      const x = tf.reshape(tf.range(0, 24), [2, 3, 4]);
      const parts = tf.unstack(x, 1);
      expect(parts).toHaveLength(3);
      expect(Array.from(parts[1]!.dataSync())).toEqual([4, 5, 6, 7, 16, 17, 18, 19]);
      const grad = tf.grad((t: tf.Tensor) => tf.sum(tf.slice(t, [0, 1, 1], [2, 1, 2])))(tf.zeros([2, 3, 4]));
      expect(Array.from(grad.dataSync()).filter((v) => v === 1)).toHaveLength(4);
    });
  });

  it('leave string tensors to the stock kernels', () => {
    tf.tidy(() => {
      expect(tf.slice(tf.tensor1d(['a', 'b', 'c']), [1], [2]).dataSync()).toEqual(['b', 'c']);
      expect(tf.unstack(tf.tensor2d([['a', 'b'], ['c', 'd']])).map((t) => t.dataSync()[0])).toEqual(['a', 'c']);
    });
  });
});
