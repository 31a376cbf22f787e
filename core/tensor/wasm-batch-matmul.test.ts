import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

import { initTensorBackend } from './backend';
import { expectNoLeakedTensors } from './leak-check';
import { matMul } from './mat-mul';
import { WasmBatchedMatmul } from './wasm/batched-matmul';
import { hasSimdBatchMatMul } from './wasm-kernels';

import type { BatchedMatmulShape } from './wasm/batched-matmul';

function fill(length: number, seed: number): Float32Array {
  let state = seed;
  return Float32Array.from({ length }, () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return (state / 2 ** 32) * 4 - 2;
  });
}

/** The definition in f32: sum over p in ascending order, each product and sum rounded to f32. */
function reference(a: Float32Array, b: Float32Array, shape: BatchedMatmulShape): Float32Array {
  const { batch, m, k, n } = shape;
  const out = new Float32Array(batch * m * n);
  for (let q = 0; q < batch; q++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let p = 0; p < k; p++) sum = Math.fround(sum + Math.fround(a[(q * m + i) * k + p]! * b[(q * k + p) * n + j]!));
        out[(q * m + i) * n + j] = sum;
      }
    }
  }
  return out;
}

// batch, m, k, n: n below, at and above multiples of 4 and 16, k = 1, m = 1, batch 1, attention sizes.
const SHAPES: Array<[number, number, number, number]> = [
  [1, 1, 1, 1], [5, 1, 1, 1], [3, 5, 7, 9], [2, 3, 1, 21], [1, 1, 5, 64], [4, 17, 32, 17],
  [3, 50, 50, 32], [2, 32, 17, 17], [2, 6, 3, 15], [2, 4, 9, 16], [2, 5, 4, 33], [1, 7, 8, 2],
];

describe('WasmBatchedMatmul (the SIMD module on plain arrays)', () => {
  const kernel = WasmBatchedMatmul.create();

  it('has WebAssembly SIMD on this platform (Node 20)', () => {
    expect(kernel).not.toBeNull();
  });

  it('gives exactly the f32 sums of the definition and writes nothing past the output', () => {
    const simd = kernel as WasmBatchedMatmul;
    for (const [batch, m, k, n] of [...SHAPES, [2, 4, 0, 6] as [number, number, number, number]]) {
      const shape = { batch, m, k, n };
      const a = fill(batch * m * k, m + 7 * k);
      const b = fill(batch * k * n, n + 3);
      const out = new Float32Array(batch * m * n + 4).fill(-7);
      simd.multiply(a, b, out, shape);
      expect(out.subarray(0, batch * m * n)).toEqual(reference(a, b, shape));
      expect(Array.from(out.subarray(batch * m * n))).toEqual([-7, -7, -7, -7]);
    }
  });

  it('rejects buffers shorter than the shape', () => {
    const simd = kernel as WasmBatchedMatmul;
    expect(() => simd.multiply(new Float32Array(5), new Float32Array(6), new Float32Array(4), { batch: 1, m: 2, k: 3, n: 2 })).toThrow(RangeError);
  });
});

describe('the wasm BatchMatMul replacement', () => {
  beforeAll(async () => {
    expect(await initTensorBackend({ backend: 'wasm' })).toBe('wasm');
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('is installed, and tf.matMul equals the definition exactly and the stock kernel to rounding', async () => {
    expect(hasSimdBatchMatMul()).toBe(true);
    const spy = vi.spyOn(WasmBatchedMatmul.prototype, 'multiply');
    await expectNoLeakedTensors(() => {
      for (const [batch, m, k, n] of SHAPES) {
        const a = fill(batch * m * k, m + 7 * k);
        const b = fill(batch * k * n, n + 3);
        const [ours, stock] = tf.tidy(() => {
          const left = tf.tensor3d(a, [batch, m, k]);
          const right = tf.tensor3d(b, [batch, k, n]);
          // transposeB sends the product to the stock kernel.
          const viaStock = tf.matMul(left, tf.transpose(right, [0, 2, 1]), false, true);
          return [tf.matMul(left, right).dataSync() as Float32Array, viaStock.dataSync() as Float32Array];
        });
        const expected = reference(a, b, { batch, m, k, n });
        expect(ours).toEqual(expected);
        for (let i = 0; i < expected.length; i++) expect(Math.abs((stock[i] as number) - (expected[i] as number))).toBeLessThan(1e-5 * Math.max(1, k));
      }
    });
    expect(spy).toHaveBeenCalledTimes(SHAPES.filter(([batch]) => batch > 1).length);
  });

  it('takes 4-D batches and leaves transposes, broadcasting and batch 1 to the stock kernel', () => {
    const spy = vi.spyOn(WasmBatchedMatmul.prototype, 'multiply');
    tf.tidy(() => {
      const a = tf.tensor4d(fill(2 * 3 * 5 * 6, 1), [2, 3, 5, 6]);
      const b = tf.tensor4d(fill(2 * 3 * 6 * 7, 2), [2, 3, 6, 7]);
      const product = tf.matMul(a, b);
      expect(product.shape).toEqual([2, 3, 5, 7]);
      expect(spy).toHaveBeenCalledTimes(1);
      const expected = reference(a.dataSync() as Float32Array, b.dataSync() as Float32Array, { batch: 6, m: 5, k: 6, n: 7 });
      expect(product.dataSync()).toEqual(expected);

      const viaTransposes = tf.matMul(tf.transpose(a, [0, 1, 3, 2]), tf.transpose(b, [0, 1, 3, 2]), true, true);
      const broadcast = tf.matMul(tf.slice(a, [0, 0, 0, 0], [1, 1, 5, 6]).reshape([1, 5, 6]), b.reshape([6, 6, 7]));
      const single = tf.matMul(a.reshape([6, 5, 6]).slice([2, 0, 0], [1, 5, 6]), b.reshape([6, 6, 7]).slice([2, 0, 0], [1, 6, 7]));
      expect(spy).toHaveBeenCalledTimes(1);
      const close = (x: tf.Tensor, y: ArrayLike<number>) => Array.from(x.dataSync()).forEach((v, i) => expect(Math.abs(v - (y[i] as number))).toBeLessThan(1e-5));
      close(viaTransposes, expected);
      close(single, expected.subarray(2 * 35, 3 * 35));
      expect(broadcast.shape).toEqual([6, 5, 7]);
      close(broadcast.slice([0, 0, 0], [1, 5, 7]), expected.subarray(0, 35));
    });
  });

  it('carries mat-mul.ts gradients for attention-sized batches, and splits large matrices', async () => {
    await expectNoLeakedTensors(() =>
      tf.tidy(() => {
        const q = tf.randomNormal([2, 3, 17, 8], 0, 1, 'float32', 1);
        const kT = tf.randomNormal([2, 3, 8, 17], 0, 1, 'float32', 2);
        const spy = vi.spyOn(WasmBatchedMatmul.prototype, 'multiply');
        const ours = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.square(matMul(x, y))))([q, kT]);
        // Forward plus the two gradient products.
        expect(spy).toHaveBeenCalledTimes(3);
        spy.mockRestore();
        const theirs = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.square(tf.matMul(x, y))))([q, kT]);
        for (let i = 0; i < 2; i++) expect(tf.max(tf.abs(tf.sub(ours[i]!, theirs[i]!))).dataSync()[0]).toBeLessThan(1e-4);

        const large = vi.spyOn(WasmBatchedMatmul.prototype, 'multiply');
        // 257 x 256 x 256 multiply-adds per matrix: over mat-mul.ts's threshold, one XNNPACK product each.
        const a = tf.randomNormal([2, 257, 256], 0, 1, 'float32', 3);
        const b = tf.randomNormal([2, 256, 256], 0, 1, 'float32', 4);
        const split = matMul(a, b);
        expect(large).not.toHaveBeenCalled();
        expect(tf.max(tf.abs(tf.sub(split, tf.matMul(a, b)))).dataSync()[0]).toBeLessThan(1e-3);
        expect(large).toHaveBeenCalledTimes(1);
      }),
    );
  });
});
