import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

import { initTensorBackend } from '../backend';
import { expectNoLeakedTensors } from '../leak-check';
import { linear, matMul } from '../mat-mul';

import { WasmWeightGradient } from './weight-gradient';
import { canRunWeightGradient } from './weight-gradient-kernel';

function fill(length: number, seed: number): Float32Array {
  let state = seed;
  return Float32Array.from({ length }, () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return (state / 2 ** 32) * 4 - 2;
  });
}

interface Case {
  rows: number;
  inFeatures: number;
  outFeatures: number;
}

/** The definition in f32: G[i][j] = sum over rows r in ascending order from 0, each product and sum rounded to f32. */
function reference(x: Float32Array, dy: Float32Array, { rows, inFeatures, outFeatures }: Case): { g: Float32Array; sums: Float32Array } {
  const g = new Float32Array(inFeatures * outFeatures);
  const sums = new Float32Array(outFeatures);
  for (let j = 0; j < outFeatures; j++) {
    for (let i = 0; i < inFeatures; i++) {
      let sum = 0;
      for (let r = 0; r < rows; r++) sum = Math.fround(sum + Math.fround(x[r * inFeatures + i]! * dy[r * outFeatures + j]!));
      g[i * outFeatures + j] = sum;
    }
    let sum = 0;
    for (let r = 0; r < rows; r++) sum = Math.fround(sum + dy[r * outFeatures + j]!);
    sums[j] = sum;
  }
  return { g, sums };
}

// rows, in, out: in below/at/above multiples of the 4-row block, out at 4, 8 and odd vector counts,
// rows across the 64-row chunk.
const CASES: Case[] = [
  [1, 1, 4], [3, 2, 8], [5, 3, 12], [7, 5, 20], [64, 4, 4], [65, 9, 16], [130, 7, 36], [200, 48, 24], [17, 13, 44],
].map(([rows, inFeatures, outFeatures]) => ({ rows: rows!, inFeatures: inFeatures!, outFeatures: outFeatures! }));

describe('WasmWeightGradient (the SIMD module on a memory of its own)', () => {
  const memory = new WebAssembly.Memory({ initial: 4 });
  const kernel = WasmWeightGradient.create(memory);

  it('has WebAssembly SIMD on this platform (Node 20)', () => {
    expect(kernel).not.toBeNull();
  });

  it('gives exactly the f32 sums of the definition for any chunk size, at unaligned addresses, writing only G and the sums', () => {
    const simd = kernel as WasmWeightGradient;
    for (const shape of CASES) {
      for (const chunk of [1, 3, 64, 1000]) {
        const { rows, inFeatures, outFeatures } = shape;
        const x = fill(rows * inFeatures, rows + inFeatures);
        const dy = fill(rows * outFeatures, outFeatures + 5);
        const heap = new Float32Array(memory.buffer);
        heap.fill(-7);
        // Float offsets: x at 1, dy after it, G and the sums after dy with one guard float between each.
        const at = { x: 1, dy: 2 + x.length, g: 3 + x.length + dy.length, sums: 4 + x.length + dy.length + inFeatures * outFeatures };
        heap.set(x, at.x);
        heap.set(dy, at.dy);
        simd.compute({ x: at.x * 4, dy: at.dy * 4, g: at.g * 4, sums: at.sums * 4 }, shape, chunk);
        const expected = reference(x, dy, shape);
        expect(heap.subarray(at.g, at.g + expected.g.length)).toEqual(expected.g);
        expect(heap.subarray(at.sums, at.sums + outFeatures)).toEqual(expected.sums);
        expect([heap[0], heap[at.dy - 1], heap[at.g - 1], heap[at.sums - 1], heap[at.sums + outFeatures]]).toEqual([-7, -7, -7, -7, -7]);
      }
    }
  });

  it('leaves the sums alone when not asked for them, and rejects an output width that is not a multiple of 4', () => {
    const simd = kernel as WasmWeightGradient;
    const heap = new Float32Array(memory.buffer);
    heap.fill(-7);
    heap.set(fill(6, 1), 0);
    heap.set(fill(12, 2), 8);
    simd.compute({ x: 0, dy: 32, g: 96 }, { rows: 3, inFeatures: 2, outFeatures: 4 });
    expect(heap.subarray(24, 32)).toEqual(reference(heap.slice(0, 6), heap.slice(8, 20), { rows: 3, inFeatures: 2, outFeatures: 4 }).g);
    expect(heap[32]).toBe(-7);
    expect(() => simd.compute({ x: 0, dy: 32, g: 96 }, { rows: 3, inFeatures: 2, outFeatures: 6 })).toThrow(RangeError);
  });
});

describe('mat-mul.ts weight gradients on wasm', () => {
  beforeAll(async () => {
    expect(await initTensorBackend({ backend: 'wasm' })).toBe('wasm');
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('come from the SIMD kernel, equal the definition exactly and the transpose path to rounding', async () => {
    const spy = vi.spyOn(WasmWeightGradient.prototype, 'compute');
    await expectNoLeakedTensors(() =>
      tf.tidy(() => {
        const shape = { rows: 37, inFeatures: 6, outFeatures: 12 };
        const xData = fill(shape.rows * shape.inFeatures, 3);
        const dyData = fill(shape.rows * shape.outFeatures, 4);
        const x = tf.tensor2d(xData, [shape.rows, shape.inFeatures]);
        const dy = tf.tensor2d(dyData, [shape.rows, shape.outFeatures]);
        const w = tf.tensor2d(fill(shape.inFeatures * shape.outFeatures, 5), [shape.inFeatures, shape.outFeatures]);
        const b = tf.zeros([shape.outFeatures]);
        // d/dW and d/db of sum(y * dy) are x^T dy and the column sums of dy.
        const [gradW, gradB] = tf.grads((kernel: tf.Tensor, bias: tf.Tensor) => tf.sum(tf.mul(linear(x, kernel, bias), dy)))([w, b]);
        const [gradNoBias] = tf.grads((kernel: tf.Tensor) => tf.sum(tf.mul(matMul(x, kernel), dy)))([w]);
        expect(spy).toHaveBeenCalledTimes(2);
        const expected = reference(xData, dyData, shape);
        expect(gradW!.dataSync()).toEqual(expected.g);
        expect(gradNoBias!.dataSync()).toEqual(expected.g);
        expect(gradB!.dataSync()).toEqual(expected.sums);
        const viaTranspose = tf.matMul(tf.transpose(x), dy).dataSync();
        viaTranspose.forEach((value, i) => expect(Math.abs(value - expected.g[i]!)).toBeLessThan(1e-5 * shape.rows));
      }),
    );
  });

  it('keep the transpose path for widths that are not a multiple of 4, other dtypes and other backends', async () => {
    const spy = vi.spyOn(WasmWeightGradient.prototype, 'compute');
    tf.tidy(() => {
      const x = tf.tensor2d(fill(20, 1), [5, 4]);
      const dy = tf.tensor2d(fill(15, 2), [5, 3]);
      expect(canRunWeightGradient(x, dy)).toBe(false);
      expect(canRunWeightGradient(tf.cast(x, 'int32') as tf.Tensor2D, tf.tensor2d(fill(20, 2), [5, 4]))).toBe(false);
      const [gradW] = tf.grads((kernel: tf.Tensor) => tf.sum(tf.mul(linear(x, kernel, tf.zeros([3])), dy)))([tf.zeros([4, 3])]);
      const expected = reference(x.dataSync() as Float32Array, dy.dataSync() as Float32Array, { rows: 5, inFeatures: 4, outFeatures: 3 }).g;
      gradW!.dataSync().forEach((value, i) => expect(Math.abs(value - expected[i]!)).toBeLessThan(1e-5));
    });
    expect(spy).not.toHaveBeenCalled();
    try {
      expect(await tf.setBackend('cpu')).toBe(true);
      tf.tidy(() => {
        expect(canRunWeightGradient(tf.ones([4, 2]) as tf.Tensor2D, tf.ones([4, 4]) as tf.Tensor2D)).toBe(false);
      });
    } finally {
      await tf.setBackend('wasm');
    }
  });
});
