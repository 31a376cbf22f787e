import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

import { allowFusedGelu, compositeGelu, gelu } from '../activations';
import { initTensorBackend } from '../backend';
import { expectNoLeakedTensors } from '../leak-check';

import { GELU_CUTOFF, geluGradModuleBytes, geluModuleBytes } from './f32-gelu';
import { WasmGelu } from './gelu';
import { canRunGelu } from './gelu-kernel';

/** erfc(z) for z >= 0 in float64: the Taylor series of erf below 3, the continued fraction above. */
function erfc(z: number): number {
  if (z < 3) {
    let sum = 0;
    let term = z;
    for (let n = 0; n < 200; n++) {
      sum += term / (2 * n + 1);
      term *= (-z * z) / (n + 1);
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * sum;
  }
  let fraction = 0;
  for (let k = 100; k >= 1; k--) fraction = k / 2 / (z + fraction);
  return Math.exp(-z * z) / Math.sqrt(Math.PI) / (z + fraction);
}

/** Phi(x) and the derivative of x Phi(x) in float64. */
function reference(x: number): { phi: number; y: number; derivative: number } {
  const tail = 0.5 * erfc(Math.abs(x) / Math.SQRT2);
  const phi = x < 0 ? tail : 1 - tail;
  return { phi, y: x * phi, derivative: phi + (x * Math.exp(-0.5 * x * x)) / Math.sqrt(2 * Math.PI) };
}

function fill(length: number, seed: number, scale: number): Float32Array {
  let state = seed;
  return Float32Array.from({ length }, () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return ((state / 2 ** 32) * 2 - 1) * scale;
  });
}

/** Every 2^-14 in [-14, 14], plus 4,000 powers-of-ten magnitudes of each sign from 1e-30 to 10. */
function sweep(): Float32Array {
  const grid = Array.from({ length: 28 * 2 ** 14 + 1 }, (_, i) => -14 + i / 2 ** 14);
  const logs = Array.from({ length: 4000 }, (_, i) => 10 ** (-30 + (31 * i) / 3999));
  return Float32Array.from([...grid, ...logs, ...logs.map((v) => -v)]);
}

describe('WasmGelu (the SIMD modules on a memory of their own)', () => {
  const memory = new WebAssembly.Memory({ initial: 160 });
  const kernel = WasmGelu.create(memory);

  /** y and dx (with dy = 1) of the kernel for the given inputs. */
  function run(x: Float32Array): { y: Float32Array; d: Float32Array } {
    const simd = kernel as WasmGelu;
    const n = x.length;
    const heap = new Float32Array(memory.buffer);
    heap.set(x, 0);
    heap.fill(1, n, 2 * n);
    simd.gelu(0, 8 * n, n);
    simd.geluGrad({ x: 0, dy: 4 * n, dx: 12 * n }, n);
    return { y: heap.slice(2 * n, 3 * n), d: heap.slice(3 * n, 4 * n) };
  }

  it('has WebAssembly SIMD on this platform (Node 20)', () => {
    expect(kernel).not.toBeNull();
  });

  it('is within 2.5e-7 max(1, |x|) of float64 GELU and 5e-7 of its derivative over a dense sweep, and 2e-5 relative in the negative tail', () => {
    const x = sweep();
    const { y, d } = run(x);
    let worstY = 0;
    let worstD = 0;
    let worstTail = 0;
    x.forEach((value, i) => {
      const exact = reference(value);
      const scale = Math.max(1, Math.abs(value));
      worstY = Math.max(worstY, Math.abs(y[i]! - exact.y) / scale);
      worstD = Math.max(worstD, Math.abs(d[i]! - exact.derivative) / scale);
      if (value < -1 && value > -12) worstTail = Math.max(worstTail, Math.abs(y[i]! / exact.y - 1));
    });
    expect(worstY).toBeLessThan(2.5e-7);
    expect(worstD).toBeLessThan(5e-7);
    expect(worstTail).toBeLessThan(2e-5);
  });

  it('saturates to x and -0 (derivative 1 and 0) beyond the cutoff, keeps NaN, and is finite for every finite input', () => {
    const specials = [1e30, -1e30, 3.4e38, -3.4e38, 1e-40, -1e-40, 0, -0, 100, -100, 13, -13, GELU_CUTOFF, -GELU_CUTOFF, Infinity, NaN];
    const { y, d } = run(Float32Array.from(specials));
    const at = (value: number) => specials.findIndex((special) => Object.is(special, value));
    expect([y[at(1e30)], d[at(1e30)], y[at(-1e30)], d[at(-1e30)]]).toEqual([Math.fround(1e30), 1, -0, 0]);
    expect([y[at(3.4e38)], d[at(3.4e38)], y[at(-3.4e38)], d[at(-3.4e38)]]).toEqual([Math.fround(3.4e38), 1, -0, 0]);
    expect([y[at(100)], d[at(100)], y[at(-100)], d[at(-100)], y[at(13)], y[at(-13)]]).toEqual([100, 1, -0, 0, 13, -0]);
    expect([y[at(0)], d[at(0)], d[at(-0)]]).toEqual([0, 0.5, 0.5]);
    // Subnormal inputs: x / 2 (rounded), slope 1/2.
    expect(Math.abs(y[at(1e-40)]! - Math.fround(1e-40) / 2)).toBeLessThan(1e-44);
    expect(d[at(-1e-40)]).toBe(0.5);
    expect(Math.abs(y[at(-GELU_CUTOFF)]!)).toBeLessThan(1e-33);
    expect([y[at(Infinity)], d[at(Infinity)]]).toEqual([Infinity, 1]);
    expect([y[at(NaN)], d[at(NaN)]]).toEqual([NaN, NaN]);
    specials.slice(0, -2).forEach((value) => {
      expect(Number.isFinite(y[at(value)])).toBe(true);
      expect(Number.isFinite(d[at(value)])).toBe(true);
    });
  });

  it('gives the same bits for every unroll and constant layout, handles every tail length, and writes only the n outputs', () => {
    const api = globalThis.WebAssembly;
    const variants = [1, 2, 3, 4].flatMap((unroll) => [true, false].map((pooled) => ({ unroll, pooled })));
    const instances = variants.map((options) => ({
      gelu: new api.Instance(new api.Module(geluModuleBytes(options).slice()), { env: { memory } }).exports.gelu as (x: number, y: number, n: number) => void,
      grad: new api.Instance(new api.Module(geluGradModuleBytes(options).slice()), { env: { memory } }).exports.geluGrad as (x: number, dy: number, dx: number, n: number) => void,
    }));
    for (const n of [0, 1, 2, 3, 4, 5, 7, 8, 15, 16, 17, 33, 101]) {
      const x = fill(n, n + 1, 6);
      const dy = fill(n, n + 2, 1);
      const outputs = instances.map(({ gelu: forward, grad }) => {
        const heap = new Float32Array(memory.buffer);
        heap.fill(-7, 0, 1024);
        // Float offsets: x at 1, dy and the outputs after it with one guard float each.
        const at = { x: 1, dy: 2 + n, y: 3 + 2 * n, dx: 4 + 3 * n };
        heap.set(x, at.x);
        heap.set(dy, at.dy);
        forward(at.x * 4, at.y * 4, n);
        grad(at.x * 4, at.dy * 4, at.dx * 4, n);
        expect([heap[0], heap[at.dy - 1], heap[at.y - 1], heap[at.dx - 1], heap[at.dx + n]]).toEqual([-7, -7, -7, -7, -7]);
        return [heap.slice(at.y, at.y + n), heap.slice(at.dx, at.dx + n)];
      });
      for (const output of outputs) expect(output).toEqual(outputs[0]);
      const [y, dx] = outputs[0] as [Float32Array, Float32Array];
      x.forEach((value, i) => {
        const exact = reference(value);
        expect(Math.abs(y[i]! - exact.y)).toBeLessThan(2e-6);
        expect(Math.abs(dx[i]! - dy[i]! * exact.derivative)).toBeLessThan(2e-6);
      });
    }
  });
});

describe('activations.ts gelu on wasm', () => {
  beforeAll(async () => {
    expect(await initTensorBackend({ backend: 'wasm' })).toBe('wasm');
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  /** gelu(x) and d/dx of sum(gelu(x) dy). */
  function valueAndGradient(f: (x: tf.Tensor) => tf.Tensor, x: tf.Tensor, dy: tf.Tensor): [Float32Array, Float32Array] {
    return tf.tidy(() => {
      const y = f(x).dataSync() as Float32Array;
      const dx = tf.grad((t: tf.Tensor) => f(t))(x, dy).dataSync() as Float32Array;
      return [y, dx];
    });
  }

  it('runs the SIMD kernels and matches the stock-op path, including odd and empty shapes', async () => {
    const forward = vi.spyOn(WasmGelu.prototype, 'gelu');
    const backward = vi.spyOn(WasmGelu.prototype, 'geluGrad');
    const shapes = [[1], [3], [5, 7], [2, 3, 13], [4, 65, 97], [0], [3, 0, 2]];
    await expectNoLeakedTensors(() => {
      shapes.forEach((shape, s) => {
        const size = shape.reduce((a, b) => a * b, 1);
        const x = tf.tensor(fill(size, s + 1, 8), shape);
        const dy = tf.tensor(fill(size, s + 100, 1), shape);
        const [y, dx] = valueAndGradient(gelu, x, dy);
        const [stockY, stockDx] = valueAndGradient(compositeGelu, x, dy);
        expect(y.length).toBe(size);
        expect(dx.length).toBe(size);
        const xs = x.dataSync();
        xs.forEach((value, i) => {
          // The stock erf is an approximation (|error| <= 1.5e-7) evaluated in f32, like this kernel.
          const scale = Math.max(1, Math.abs(value));
          expect(Math.abs(y[i]! - stockY[i]!)).toBeLessThan(1e-6 * scale);
          expect(Math.abs(dx[i]! - stockDx[i]!)).toBeLessThan(1e-6 * scale);
        });
        tf.dispose([x, dy]);
      });
    });
    expect(forward).toHaveBeenCalledTimes(2 * shapes.length);
    expect(backward).toHaveBeenCalledTimes(shapes.length);
  });

  it('has the derivative of central differences (float64 steps of the f32 function)', () => {
    const points = fill(64, 11, 5);
    const h = 1e-2;
    tf.tidy(() => {
      const x = tf.tensor1d(points);
      const analytic = tf.grad((t: tf.Tensor) => tf.sum(gelu(t)))(x).dataSync();
      const plus = gelu(tf.tensor1d(points.map((v) => v + h))).dataSync();
      const minus = gelu(tf.tensor1d(points.map((v) => v - h))).dataSync();
      points.forEach((value, i) => {
        // f32 steps: x +- h are rounded, so divide by the step actually taken.
        const step = Math.fround(value + h) - Math.fround(value - h);
        const numeric = (plus[i]! - minus[i]!) / step;
        expect(Math.abs(analytic[i]! - numeric)).toBeLessThan(2e-4);
      });
    });
  });

  it('keeps the stock path for other dtypes and other backends, where it gives the same values', async () => {
    const forward = vi.spyOn(WasmGelu.prototype, 'gelu');
    tf.tidy(() => {
      expect(canRunGelu(tf.tensor1d([1, 2], 'int32'))).toBe(false);
      expect(Array.from(gelu(tf.tensor1d([-2, 1], 'int32')).dataSync())).toEqual(Array.from(compositeGelu(tf.tensor1d([-2, 1])).dataSync()));
    });
    expect(forward).not.toHaveBeenCalled();
    const x = fill(37, 5, 6);
    try {
      allowFusedGelu(false);
      const stock = tf.tidy(() => gelu(tf.tensor1d(x)).dataSync());
      expect(stock).toEqual(tf.tidy(() => compositeGelu(tf.tensor1d(x)).dataSync()));
      expect(forward).not.toHaveBeenCalled();
    } finally {
      allowFusedGelu(true);
    }
    const wasm = tf.tidy(() => gelu(tf.tensor1d(x)).dataSync());
    try {
      expect(await tf.setBackend('cpu')).toBe(true);
      tf.tidy(() => {
        expect(canRunGelu(tf.ones([4]))).toBe(false);
        const cpu = gelu(tf.tensor1d(x)).dataSync();
        cpu.forEach((value, i) => expect(Math.abs(value - wasm[i]!)).toBeLessThan(1e-6 * Math.max(1, Math.abs(x[i]!))));
      });
    } finally {
      await tf.setBackend('wasm');
    }
    expect(forward).toHaveBeenCalledTimes(1);
  });
});
