import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

import { allowFusedSoftmaxWithPolicy, compositeSoftmaxWithPolicy, softmaxWithPolicy } from '../../spvit/masked-softmax';
import { initTensorBackend } from '../backend';
import { expectNoLeakedTensors } from '../leak-check';

import { WasmMaskedSoftmax } from './masked-softmax';
import { canRunMaskedSoftmax } from './masked-softmax-kernel';

function fill(length: number, seed: number, scale: number): Float32Array {
  let state = seed;
  return Float32Array.from({ length }, () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return ((state / 2 ** 32) * 2 - 1) * scale;
  });
}

/** Keys cycling through 0, 1 and a fraction in (0, 1). */
function mixedPolicy(batch: number, keys: number, seed: number): Float32Array {
  const fractions = fill(batch * keys, seed, 1);
  return fractions.map((value, i) => [0, 1, Math.abs(value)][(i + seed) % 3] as number);
}

interface Case {
  shape: [number, number, number, number];
  eps: number;
  policy: (batch: number, keys: number) => Float32Array;
}

type SoftmaxFn = typeof softmaxWithPolicy;

/** The value and the gradients of sum(f(scores, policy) dOut). */
function valueAndGradients(f: SoftmaxFn, c: Case, seed: number): Float32Array[] {
  return tf.tidy(() => {
    const [batch, heads, queries, keys] = c.shape;
    const scores = tf.tensor(fill(batch * heads * queries * keys, seed, 4), c.shape);
    const policy = tf.tensor2d(c.policy(batch, keys), [batch, keys]);
    const dOut = tf.tensor(fill(batch * heads * queries * keys, seed + 1, 1), c.shape);
    const value = f(scores, policy, c.eps).dataSync() as Float32Array;
    const [dScores, dPolicy] = tf.grads((s: tf.Tensor, p: tf.Tensor) => f(s, p, c.eps))([scores, policy], dOut);
    return [value, dScores!.dataSync() as Float32Array, dPolicy!.dataSync() as Float32Array];
  });
}

/** max |a - b| / max(1, max |b|). */
function relativeGap(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  const scale = Math.max(1, ...Array.from(b, Math.abs));
  return Math.max(0, ...Array.from(a, (value, i) => Math.abs(value - b[i]!))) / scale;
}

describe('softmaxWithPolicy on wasm (fused kernels)', () => {
  beforeAll(async () => {
    expect(await initTensorBackend({ backend: 'wasm' })).toBe('wasm');
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  const ones = (batch: number, keys: number) => new Float32Array(batch * keys).fill(1);
  const zeros = (batch: number, keys: number) => new Float32Array(batch * keys);
  const mixed = (batch: number, keys: number) => mixedPolicy(batch, keys, keys);
  const cases: Case[] = [
    { shape: [2, 3, 7, 7], eps: 1e-6, policy: mixed },
    { shape: [2, 3, 7, 7], eps: 0, policy: mixed },
    { shape: [3, 2, 5, 9], eps: 1e-6, policy: mixed },
    { shape: [3, 2, 5, 9], eps: 0, policy: mixed },
    { shape: [2, 3, 66, 66], eps: 1e-6, policy: mixed },
    { shape: [1, 2, 8, 8], eps: 0, policy: ones },
    { shape: [2, 1, 6, 10], eps: 0, policy: zeros },
    { shape: [2, 1, 6, 10], eps: 1e-6, policy: zeros },
    { shape: [1, 1, 1, 1], eps: 0, policy: zeros },
    { shape: [2, 1, 3, 3], eps: 1e-6, policy: mixed },
  ];

  it('runs the SIMD kernels and matches the stock ops: values and both gradients, every eps / shape / policy case', async () => {
    const forward = vi.spyOn(WasmMaskedSoftmax.prototype, 'softmax');
    const backward = vi.spyOn(WasmMaskedSoftmax.prototype, 'softmaxGrad');
    await expectNoLeakedTensors(() => {
      cases.forEach((c, index) => {
        const fused = valueAndGradients(softmaxWithPolicy, c, index + 1);
        const stock = valueAndGradients(compositeSoftmaxWithPolicy, c, index + 1);
        const label = `${c.shape.join('x')} eps ${c.eps} ${c.policy.name}`;
        expect(relativeGap(fused[0]!, stock[0]!), label).toBeLessThan(1e-6);
        expect(relativeGap(fused[1]!, stock[1]!), label).toBeLessThan(2e-6);
        expect(relativeGap(fused[2]!, stock[2]!), label).toBeLessThan(2e-6);
        fused.forEach((values) => expect(values.every(Number.isFinite), label).toBe(true));
      });
    });
    expect(forward).toHaveBeenCalledTimes(2 * cases.length);
    expect(backward).toHaveBeenCalledTimes(cases.length);
  });

  it('lets a row whose keys are all masked attend to itself only (eps 0), with the gradient of a constant', () => {
    const c: Case = { shape: [2, 2, 5, 7], eps: 0, policy: zeros };
    const [value, dScores, dPolicy] = valueAndGradients(softmaxWithPolicy, c, 3) as [Float32Array, Float32Array, Float32Array];
    value.forEach((v, index) => {
      const key = index % 7;
      const query = Math.floor(index / 7) % 5;
      expect(v).toBe(key === query ? 1 : 0);
    });
    // Zero but for rounding (the score gradient of a row whose output is constant).
    expect(Math.max(...Array.from(dScores, Math.abs))).toBeLessThan(1e-6);
    // The masked keys still get a policy gradient (unmasking them would take weight from self).
    expect(dPolicy.some((v) => v !== 0)).toBe(true);
  });

  it('leaves the policy tensor bit for bit as it was', () => {
    tf.tidy(() => {
      const values = Float32Array.from([0, 1, 0.25, -0, 1, 0.5, 0, 1]);
      const policy = tf.tensor2d(values, [2, 4]);
      const scores = tf.tensor(fill(2 * 3 * 4 * 4, 9, 3), [2, 3, 4, 4]);
      softmaxWithPolicy(scores, policy, 1e-6).dataSync();
      tf.grads((s: tf.Tensor, p: tf.Tensor) => softmaxWithPolicy(s, p, 1e-6))([scores, policy]).forEach((g) => g.dataSync());
      expect(new Uint32Array(policy.dataSync().buffer)).toEqual(new Uint32Array(values.buffer));
    });
  });

  it('has the gradients of central differences (scores and policy; float64 steps of the f32 function)', () => {
    const shape: [number, number, number, number] = [2, 2, 3, 5];
    const size = 60;
    const scores = fill(size, 21, 2);
    const policy = mixedPolicy(2, 5, 4);
    const weights = fill(size, 22, 1);
    tf.tidy(() => {
      const dOut = tf.tensor(weights, shape);
      const loss = (s: Float32Array, p: Float32Array): number =>
        tf.tidy(() => tf.sum(tf.mul(softmaxWithPolicy(tf.tensor(s, shape), tf.tensor2d(p, [2, 5]), 1e-6), dOut)).dataSync()[0]!);
      const [dScores, dPolicy] = tf.grads((s: tf.Tensor, p: tf.Tensor) => softmaxWithPolicy(s, p, 1e-6))([tf.tensor(scores, shape), tf.tensor2d(policy, [2, 5])], dOut);
      const analytic = [dScores!.dataSync(), dPolicy!.dataSync()];
      const h = 1e-2;
      [scores, policy].forEach((input, which) => {
        input.forEach((value, i) => {
          const plus = Float32Array.from(input);
          const minus = Float32Array.from(input);
          plus[i] = value + h;
          minus[i] = value - h;
          const step = plus[i]! - minus[i]!;
          const numeric = (which === 0 ? loss(plus, policy) - loss(minus, policy) : loss(scores, plus) - loss(scores, minus)) / step;
          expect(Math.abs(analytic[which]![i]! - numeric), `${which ? 'policy' : 'scores'}[${i}]`).toBeLessThan(2e-3);
        });
      });
    });
  });

  it('keeps the stock path for other dtypes, shapes and backends, where it gives the same values', async () => {
    const forward = vi.spyOn(WasmMaskedSoftmax.prototype, 'softmax');
    const scoreValues = fill(2 * 2 * 3 * 5, 31, 3);
    const policyValues = mixedPolicy(2, 5, 1);
    const run = () => tf.tidy(() => softmaxWithPolicy(tf.tensor(scoreValues, [2, 2, 3, 5]), tf.tensor2d(policyValues, [2, 5]), 1e-6).dataSync());
    tf.tidy(() => {
      expect(canRunMaskedSoftmax(tf.ones([1, 1, 2, 2]), tf.ones([1, 2], 'int32'))).toBe(false);
      expect(canRunMaskedSoftmax(tf.ones([1, 1, 3, 2]), tf.ones([1, 2]))).toBe(false);
      expect(canRunMaskedSoftmax(tf.ones([1, 1, 2, 2]), tf.ones([1, 2]))).toBe(true);
    });
    try {
      allowFusedSoftmaxWithPolicy(false);
      expect(run()).toEqual(tf.tidy(() => compositeSoftmaxWithPolicy(tf.tensor(scoreValues, [2, 2, 3, 5]), tf.tensor2d(policyValues, [2, 5]), 1e-6).dataSync()));
      expect(forward).not.toHaveBeenCalled();
    } finally {
      allowFusedSoftmaxWithPolicy(true);
    }
    const wasm = run();
    expect(forward).toHaveBeenCalledTimes(1);
    try {
      expect(await tf.setBackend('cpu')).toBe(true);
      expect(tf.tidy(() => canRunMaskedSoftmax(tf.ones([1, 1, 2, 2]), tf.ones([1, 2])))).toBe(false);
      run().forEach((value, i) => expect(Math.abs(value - wasm[i]!)).toBeLessThan(1e-6));
    } finally {
      await tf.setBackend('wasm');
    }
    expect(forward).toHaveBeenCalledTimes(1);
  });
});

describe('WasmMaskedSoftmax (the SIMD modules on a memory of their own)', () => {
  it('writes only the outputs, for every row length 1..9', () => {
    const memory = new WebAssembly.Memory({ initial: 1 });
    const kernel = WasmMaskedSoftmax.create(memory)!;
    expect(kernel).not.toBeNull();
    for (let keys = 1; keys <= 9; keys++) {
      const shape = { batch: 2, heads: 2, queries: Math.max(1, keys - 2), keys };
      const rows = shape.batch * shape.heads * shape.queries;
      const heap = new Float32Array(memory.buffer);
      heap.fill(-7, 0, 4096);
      // Float offsets with a guard float before and after each block.
      const at = { scores: 1, policy: 2 + rows * keys, dOut: 3 + (rows + 2) * keys, out: 4 + (2 * rows + 2) * keys };
      const dScores = at.out + rows * keys + 1;
      const dPolicy = dScores + rows * keys + 1;
      heap.set(fill(rows * keys, keys, 3), at.scores);
      heap.set(mixedPolicy(2, keys, keys), at.policy);
      heap.set(fill(rows * keys, keys + 50, 1), at.dOut);
      kernel.softmax({ scores: 4 * at.scores, policy: 4 * at.policy, out: 4 * at.out }, shape, 1e-6);
      kernel.softmaxGrad({ scores: 4 * at.scores, policy: 4 * at.policy, dOut: 4 * at.dOut, dScores: 4 * dScores, dPolicy: 4 * dPolicy }, shape, 1e-6);
      const guards = [0, at.policy - 1, at.dOut - 1, at.out - 1, dScores - 1, dPolicy - 1, dPolicy + 2 * keys];
      expect(guards.map((i) => heap[i])).toEqual(guards.map(() => -7));
      for (let r = 0; r < rows; r++) {
        const sum = heap.slice(at.out + r * keys, at.out + (r + 1) * keys).reduce((a, b) => a + b, 0);
        expect(Math.abs(sum - 1)).toBeLessThan(1e-5);
      }
    }
  });
});
