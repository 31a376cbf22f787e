import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';

import { initTensorBackend } from '../backend';
import { checkGradients } from '../gradient-check';
import { LayerNorm, layerNorm } from '../layer-norm';
import { expectNoLeakedTensors } from '../leak-check';

import { LAYER_NORM_GRAD_KERNEL, LAYER_NORM_KERNEL, canRunLayerNorm, allowFusedLayerNorm } from './layer-norm-kernel';
import { layerNormRowsBackward, layerNormRowsForward } from './layer-norm-rows';
import { WasmLayerNorm } from './layer-norm-simd';

function fill(length: number, seed: number, scale = 2, offset = 0): Float32Array {
  let state = seed;
  return Float32Array.from({ length }, () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return ((state / 2 ** 32) * 2 - 1) * scale + offset;
  });
}

/** max |a - b| / max(1, max |b|). */
function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  let largest = 1;
  for (let i = 0; i < a.length; i++) {
    worst = Math.max(worst, Math.abs((a[i] as number) - (b[i] as number)));
    largest = Math.max(largest, Math.abs(b[i] as number));
  }
  return worst / largest;
}

interface Rows {
  x: ArrayLike<number>;
  gamma: ArrayLike<number>;
  beta: ArrayLike<number>;
  d: number;
  eps: number;
}

/** LayerNorm in f64, the definition. */
function reference({ x, gamma, beta, d, eps }: Rows): Float64Array {
  const y = new Float64Array(x.length);
  for (let start = 0; start < x.length; start += d) {
    const row = Array.from({ length: d }, (_, i) => x[start + i] as number);
    const mean = row.reduce((sum, value) => sum + value, 0) / d;
    const variance = row.reduce((sum, value) => sum + (value - mean) ** 2, 0) / d;
    row.forEach((value, i) => (y[start + i] = ((value - mean) / Math.sqrt(variance + eps)) * (gamma[i] as number) + (beta[i] as number)));
  }
  return y;
}

/** d/d(x, gamma, beta) of sum(layerNorm(x) * w) by central differences of the f64 definition. */
function numericGradients(rows: Rows, w: Float32Array): [Float64Array, Float64Array, Float64Array] {
  const loss = (input: Rows) => reference(input).reduce((sum, value, i) => sum + value * (w[i] as number), 0);
  const h = 1e-4;
  const along = (length: number, perturb: (i: number, delta: number) => Rows) =>
    Float64Array.from({ length }, (_, i) => (loss(perturb(i, h)) - loss(perturb(i, -h))) / (2 * h));
  const shifted = (values: ArrayLike<number>, i: number, delta: number) => {
    const copy = Float64Array.from(values);
    copy[i] = (copy[i] as number) + delta;
    return copy;
  };
  return [
    along(rows.x.length, (i, delta) => ({ ...rows, x: shifted(rows.x, i, delta) })),
    along(rows.d, (i, delta) => ({ ...rows, gamma: shifted(rows.gamma, i, delta) })),
    along(rows.d, (i, delta) => ({ ...rows, beta: shifted(rows.beta, i, delta) })),
  ];
}

describe('the LayerNorm row functions (SIMD module on a memory of its own, and the plain loops)', () => {
  const memory = new WebAssembly.Memory({ initial: 8 });
  const kernel = WasmLayerNorm.create(memory);

  it('has WebAssembly SIMD on this platform (Node 20)', () => {
    expect(kernel).not.toBeNull();
  });

  it('match the f64 definition forward and each other backward, at unaligned addresses, writing only their outputs', () => {
    const simd = kernel as WasmLayerNorm;
    for (const [rows, d] of [[1, 4], [3, 32], [17, 96], [5, 48]] as const) {
      const n = rows * d;
      const x = fill(n, rows + d, 3, 1);
      const gamma = fill(d, 2);
      const beta = fill(d, 3);
      const dy = fill(n, 4);
      const heap = new Float32Array(memory.buffer);
      heap.fill(-7);
      // Float offsets with one guard float before each region.
      const sizes = { x: n, gamma: d, beta: d, y: n, mean: rows, rstd: rows, dy: n, dx: n, dgamma: d, dbeta: d };
      const at = {} as Record<keyof typeof sizes, number>;
      let next = 1;
      for (const [key, size] of Object.entries(sizes) as [keyof typeof sizes, number][]) {
        at[key] = next;
        next += size + 1;
      }
      const region = (key: keyof typeof sizes) => heap.subarray(at[key], at[key] + sizes[key]);
      region('x').set(x);
      region('gamma').set(gamma);
      region('beta').set(beta);
      region('dy').set(dy);
      const bytes = Object.fromEntries(Object.entries(at).map(([key, offset]) => [key, offset * 4])) as typeof at;
      simd.forward(bytes, { rows, d }, 1e-5);
      expect(relativeError(region('y'), reference({ x, gamma, beta, d, eps: 1e-5 }))).toBeLessThan(1e-6);
      simd.backward(bytes, { rows, d });

      const js = { y: new Float32Array(n), mean: new Float32Array(rows), rstd: new Float32Array(rows), dx: new Float32Array(n), dgamma: new Float32Array(d), dbeta: new Float32Array(d) };
      layerNormRowsForward({ x, gamma, beta, ...js }, { rows, d }, 1e-5);
      layerNormRowsBackward({ dy, x, gamma, ...js }, { rows, d });
      expect(relativeError(region('y'), js.y)).toBeLessThan(1e-6);
      expect(relativeError(region('mean'), js.mean)).toBeLessThan(1e-6);
      expect(relativeError(region('rstd'), js.rstd)).toBeLessThan(1e-6);
      expect(relativeError(region('dx'), js.dx)).toBeLessThan(1e-5);
      expect(relativeError(region('dgamma'), js.dgamma)).toBeLessThan(1e-5);
      expect(relativeError(region('dbeta'), js.dbeta)).toBeLessThan(1e-5);
      const guards = Object.values(at).map((offset) => heap[offset - 1]);
      expect([...guards, heap[next - 1]]).toEqual(new Array<number>(guards.length + 1).fill(-7));
    }
  });

  it('reject a row width that is not a multiple of 4', () => {
    const simd = kernel as WasmLayerNorm;
    const at = { x: 0, gamma: 0, beta: 0, y: 0, mean: 0, rstd: 0 };
    expect(() => simd.forward(at, { rows: 1, d: 6 }, 1e-5)).toThrow(RangeError);
    expect(() => simd.backward({ ...at, dy: 0, dx: 0, dgamma: 0, dbeta: 0 }, { rows: 1, d: 6 })).toThrow(RangeError);
  });
});

/** y and the gradients of sum(y * w) with respect to x, gamma and beta, as arrays. */
function forwardAndGrads({ x, gamma, beta, w }: Record<'x' | 'gamma' | 'beta' | 'w', tf.Tensor>, eps: number): Float32Array[] {
  return tf.tidy(() => {
    const y = layerNorm(x, gamma, beta, eps);
    const grads = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(layerNorm(a, g, b, eps), w)))([x, gamma, beta]);
    return [y, ...grads].map((t) => t.dataSync() as Float32Array);
  });
}

function kernelNamesOf(work: () => tf.TensorContainer): Promise<string[]> {
  return tf.profile(() => tf.tidy(work)).then((info) => info.kernelNames);
}

describe('layerNorm on wasm: one kernel each way', () => {
  beforeAll(async () => {
    expect(await initTensorBackend({ backend: 'wasm' })).toBe('wasm');
  });

  afterEach(() => {
    allowFusedLayerNorm(true);
  });

  // Rank 1/2/3/4, widths through the SIMD module (32, 48, 96) and the plain loops (7), one row and many.
  const SHAPES = [[32], [1, 96], [32, 65, 96], [2, 5, 3, 32], [7, 48], [1, 1, 32], [3, 4, 7], [1, 7], [9, 2, 2, 7]];

  it.each(SHAPES.map((shape) => [shape]))('matches the composite ops forward and in the gradients of x, gamma and beta (%j)', async (shape) => {
    const d = shape[shape.length - 1] as number;
    const size = shape.reduce((a, b) => a * b, 1);
    const x = tf.tensor(fill(size, size + d, 4, 3), shape);
    const gamma = tf.tensor1d(fill(d, 2));
    const beta = tf.tensor1d(fill(d, 3));
    const w = tf.tensor(fill(size, 5), shape);
    const eps = d === 7 ? 1e-5 : 1e-6;
    const names = await kernelNamesOf(() => tf.grads((a: tf.Tensor) => tf.sum(tf.mul(layerNorm(a, gamma, beta, eps), w)))([x]));
    expect(names).toEqual(expect.arrayContaining([LAYER_NORM_KERNEL, LAYER_NORM_GRAD_KERNEL]));
    expect(names).not.toContain('Rsqrt');
    const fused = await expectNoLeakedTensors(() => forwardAndGrads({ x, gamma, beta, w }, eps));
    allowFusedLayerNorm(false);
    expect(await kernelNamesOf(() => layerNorm(x, gamma, beta, eps))).toContain('Rsqrt');
    const composite = forwardAndGrads({ x, gamma, beta, w }, eps);
    const [y, dx, dgamma, dbeta] = fused.map((values, i) => relativeError(values, composite[i] as Float32Array));
    expect(y).toBeLessThan(1e-6);
    expect(dx).toBeLessThan(1e-5);
    // Sums over up to 2080 rows in f32 on both sides.
    expect(dgamma).toBeLessThan(1e-5);
    expect(dbeta).toBeLessThan(1e-5);
    tf.dispose([x, gamma, beta, w]);
  });

  it.each([[3, 8], [2, 7]])('has the gradients of central differences of the f64 definition ([%i, %i])', (rows, d) => {
    const [x, gamma, beta, w] = [fill(rows * d, 11, 2, 0.5), fill(d, 12), fill(d, 13), fill(rows * d, 14)];
    const tensors = { x: tf.tensor2d(x, [rows, d]), gamma: tf.tensor1d(gamma), beta: tf.tensor1d(beta), w: tf.tensor2d(w, [rows, d]) };
    const [, ...analytic] = forwardAndGrads(tensors, 1e-5);
    const numeric = numericGradients({ x, gamma, beta, d, eps: 1e-5 }, w);
    analytic.forEach((values, i) => expect(relativeError(values, numeric[i] as Float64Array)).toBeLessThan(1e-4));
    tf.dispose(tensors);
  });

  it.each([[4, 32], [3, 7]])('gives finite results for constant rows (variance 0), like the composite ([%i, %i])', (rows, d) => {
    const x = tf.fill([rows, d], 2.5);
    const gamma = tf.tensor1d(fill(d, 2));
    const beta = tf.tensor1d(fill(d, 3));
    const w = tf.tensor2d(fill(rows * d, 4), [rows, d]);
    const fused = forwardAndGrads({ x, gamma, beta, w }, 1e-6);
    for (const values of fused) expect(values.every(Number.isFinite)).toBe(true);
    // xhat is 0: y is beta on every row.
    expect(relativeError(fused[0] as Float32Array, Array.from({ length: rows * d }, (_, i) => beta.dataSync()[i % d] as number))).toBe(0);
    allowFusedLayerNorm(false);
    const composite = forwardAndGrads({ x, gamma, beta, w }, 1e-6);
    fused.forEach((values, i) => expect(relativeError(values, composite[i] as Float32Array)).toBeLessThan(1e-5));
    tf.dispose([x, gamma, beta, w]);
  });

  it('reads its inputs after the heap grows while it allocates its outputs', () => {
    const memory = (tf.backend() as unknown as { wasm: { asm: { memory: WebAssembly.Memory } } }).wasm.asm.memory;
    const d = 32;
    const rows = Math.ceil(memory.buffer.byteLength / 4 / d);
    const xData = fill(rows * d, 21, 3, 1);
    const gamma = fill(d, 22);
    const beta = fill(d, 23);
    tf.tidy(() => {
      const x = tf.tensor2d(xData, [rows, d]);
      const before = memory.buffer.byteLength;
      const y = layerNorm(x, tf.tensor1d(gamma), tf.tensor1d(beta), 1e-6);
      expect(memory.buffer.byteLength).toBeGreaterThan(before);
      expect(relativeError(y.dataSync(), reference({ x: xData, gamma, beta, d, eps: 1e-6 }))).toBeLessThan(1e-6);
    });
  });

  it('gives every LayerNorm parameter a finite, non-zero gradient (gradient-check.ts)', () => {
    const norm = new LayerNorm({ key: 'blocks.0.norm1', dim: 48, eps: 1e-6, seed: 0 });
    const x = tf.tensor3d(fill(2 * 5 * 48, 31, 2), [2, 5, 48]);
    const w = tf.tensor3d(fill(2 * 5 * 48, 32), [2, 5, 48]);
    const report = checkGradients(() => tf.sum(tf.mul(norm.apply(x), w)), norm.parameters());
    expect(report).toEqual({ backend: 'wasm', missing: [], degenerate: [], error: null });
    tf.dispose([x, w, ...norm.parameters().map((entry) => entry.variable)]);
  });

  it('keeps the composite ops for other dtypes, mismatched or broadcast parameters and other backends', async () => {
    tf.tidy(() => {
      const x = tf.ones([3, 8]);
      expect(canRunLayerNorm(x, tf.ones([8]), tf.zeros([8]))).toBe(true);
      expect(canRunLayerNorm(tf.ones([3, 8], 'int32'), tf.ones([8]), tf.zeros([8]))).toBe(false);
      expect(canRunLayerNorm(x, tf.ones([1]), tf.zeros([8]))).toBe(false);
      expect(canRunLayerNorm(x, tf.ones([1, 8]), tf.zeros([1, 8]))).toBe(false);
      expect(canRunLayerNorm(tf.ones([0, 8]), tf.ones([8]), tf.zeros([8]))).toBe(false);
    });
    try {
      expect(await tf.setBackend('cpu')).toBe(true);
      const names = await kernelNamesOf(() => layerNorm(tf.ones([3, 8]), tf.ones([8]), tf.zeros([8]), 1e-6));
      expect(names).not.toContain(LAYER_NORM_KERNEL);
      expect(names).toContain('Rsqrt');
    } finally {
      await tf.setBackend('wasm');
    }
  });
});
