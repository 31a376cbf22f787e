import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';

import { initTensorBackend } from '../tensor/backend';
import { checkGradients } from '../tensor/gradient-check';
import { expectNoLeakedTensors } from '../tensor/leak-check';
import { internalToTimm } from '../tensor/parameters';

import { TokenSelector } from './selector';

beforeAll(async () => {
  expect(await initTensorBackend({ backend: 'wasm' })).toBe('wasm');
});

type Weights = Map<string, { shape: number[]; data: Float32Array }>;

function weightsOf(selector: TokenSelector): Weights {
  return new Map(selector.parameters().map((entry) => [entry.key, internalToTimm(entry)]));
}

/** Randomises every parameter (init leaves biases at 0 and norms at 1, which hides mistakes). */
function randomise(selector: TokenSelector, seed: number): void {
  selector.parameters().forEach((entry, i) => {
    tf.tidy(() => entry.variable.assign(tf.randomNormal(entry.variable.shape, 0, 0.5, 'float32', seed + i)));
  });
}

const erf = (x: number): number => {
  // Abramowitz-Stegun 7.1.26 is too coarse; integrate the series instead (|x| is small here).
  let sum = 0;
  let term = x;
  for (let n = 0; n < 80; n++) {
    sum += term / (2 * n + 1);
    term *= (-x * x) / (n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
};
const gelu = (x: number): number => 0.5 * x * (1 + erf(x / Math.SQRT2));

function dense(w: Weights, key: string, input: number[]): number[] {
  const weight = w.get(`${key}.weight`)!;
  const bias = w.get(`${key}.bias`)!;
  const [out, inp] = weight.shape as [number, number];
  return Array.from({ length: out }, (_, o) => {
    let acc = bias.data[o]!;
    for (let i = 0; i < inp; i++) acc += weight.data[o * inp + i]! * input[i]!;
    return acc;
  });
}

function norm(w: Weights, key: string, input: number[], eps: number): number[] {
  const mean = input.reduce((a, b) => a + b, 0) / input.length;
  const variance = input.reduce((a, b) => a + (b - mean) ** 2, 0) / input.length;
  return input.map((v, i) => ((v - mean) / Math.sqrt(variance + eps)) * w.get(`${key}.weight`)!.data[i]! + w.get(`${key}.bias`)!.data[i]!);
}

/** A float64 transcription of the official MultiheadPredictorLG forward, for one image. */
function referenceSelector(w: Weights, options: { tokens: number[][]; mask: number[]; heads: number; shared: boolean }) {
  const { tokens, mask, heads } = options;
  const d = tokens[0]!.length / heads;
  const scorer = (h: number): string => (options.shared ? 's.scorer' : `s.scorer.${h}`);
  const gate = tokens.map((t) => {
    const u = Array.from({ length: heads }, (_, h) => t.slice(h * d, (h + 1) * d).reduce((a, b) => a + b, 0) / d);
    return dense(w, 's.gate.fc2', dense(w, 's.gate.fc1', u).map(gelu)).map((v) => 1 / (1 + Math.exp(-v)));
  });
  const pred = tokens.map(() => [0, 0]);
  const soft = tokens.map(() => [0, 0]);
  for (let h = 0; h < heads; h++) {
    const e = tokens.map((t) => dense(w, `${scorer(h)}.proj`, norm(w, `${scorer(h)}.norm`, t.slice(h * d, (h + 1) * d), 1e-5)).map(gelu));
    const alive = mask.reduce((a, b) => a + b, 0);
    const pooled = Array.from({ length: d / 2 }, (_, c) => e.reduce((acc, row, i) => acc + row[d / 2 + c]! * mask[i]!, 0) / alive);
    e.forEach((row, i) => {
      const f = [...row.slice(0, d / 2), ...pooled];
      const z = dense(w, `${scorer(h)}.fc3`, dense(w, `${scorer(h)}.fc2`, dense(w, `${scorer(h)}.fc1`, f).map(gelu)).map(gelu));
      const lse = Math.log(Math.exp(z[0]!) + Math.exp(z[1]!));
      const a = gate[i]![h]!;
      for (let c = 0; c < 2; c++) {
        pred[i]![c]! += a * (z[c]! - lse);
        soft[i]![c]! += a * Math.exp(z[c]! - lse);
      }
    });
  }
  gate.forEach((a, i) => {
    const total = a.reduce((x, y) => x + y, 0);
    for (let c = 0; c < 2; c++) {
      pred[i]![c]! /= total;
      soft[i]![c]! /= total;
    }
  });
  return { pred, soft };
}

describe('TokenSelector', () => {
  for (const shared of [true, false]) {
    it(`matches a float64 transcription of the official selector (B=2, M=6, C=12, H=3, shared=${shared})`, async () => {
      const selector = new TokenSelector({ key: 's', dim: 12, numHeads: 3, sharedHeadWeights: shared, seed: 1 });
      randomise(selector, 40);
      expect(selector.scorers).toHaveLength(shared ? 1 : 3);
      expect(selector.parameters().every((entry) => entry.key.startsWith('s.'))).toBe(true);
      const weights = weightsOf(selector);
      const input = tf.randomNormal([2, 6, 12], 0, 1, 'float32', 3);
      const maskValues = [
        [1, 1, 0, 1, 0, 1],
        [1, 1, 1, 1, 1, 1],
      ];
      const mask = tf.tensor2d(maskValues);
      await expectNoLeakedTensors(() => {
        const { predScore, softScore } = selector.apply(input, mask);
        expect(predScore.shape).toEqual([2, 6, 2]);
        expect(softScore.shape).toEqual([2, 6, 2]);
        const pred = predScore.arraySync();
        const soft = softScore.arraySync();
        const rows = input.arraySync() as number[][][];
        for (let b = 0; b < 2; b++) {
          const reference = referenceSelector(weights, { tokens: rows[b]!, mask: maskValues[b]!, heads: 3, shared });
          for (let i = 0; i < 6; i++) {
            expect(soft[b]![i]![0]! + soft[b]![i]![1]!).toBeCloseTo(1, 5);
            for (let c = 0; c < 2; c++) {
              expect(pred[b]![i]![c]!).toBeCloseTo(reference.pred[i]![c]!, 4);
              expect(soft[b]![i]![c]!).toBeCloseTo(reference.soft[i]![c]!, 5);
            }
          }
        }
        tf.dispose([predScore, softScore]);
      });
      tf.dispose([input, mask]);
    });
  }

  it('lets dropped tokens out of the global pooling: their values do not change alive tokens', () => {
    const selector = new TokenSelector({ key: 's', dim: 16, numHeads: 2, sharedHeadWeights: true, seed: 2 });
    randomise(selector, 70);
    tf.tidy(() => {
      const x = tf.randomNormal([1, 5, 16], 0, 1, 'float32', 4);
      const mask = tf.tensor2d([[1, 0, 1, 1, 0]]);
      const changed = tf.concat([tf.slice(x, [0, 0, 0], [1, 1, 16]), tf.add(tf.slice(x, [0, 1, 0], [1, 1, 16]), 5), tf.slice(x, [0, 2, 0], [1, 3, 16])], 1);
      const a = selector.apply(x, mask).predScore.arraySync()[0]!;
      const b = selector.apply(changed, mask).predScore.arraySync()[0]!;
      for (const i of [0, 2, 3, 4]) expect(b[i]![0]).toBeCloseTo(a[i]![0]!, 5);
    });
  });

  it('gives every parameter a gradient on wasm', () => {
    const selector = new TokenSelector({ key: 's', dim: 16, numHeads: 2, sharedHeadWeights: false, seed: 3 });
    randomise(selector, 90);
    const x = tf.randomNormal([2, 5, 16], 0, 1, 'float32', 5);
    const mask = tf.ones([2, 5]);
    const report = checkGradients(() => {
      const { predScore, softScore } = selector.apply(x, mask);
      return tf.add(tf.sum(tf.square(predScore)), tf.sum(softScore.slice([0, 0, 0], [2, 5, 1])));
    }, selector.parameters());
    expect(report).toMatchObject({ missing: [], degenerate: [], error: null });
    tf.dispose([x, mask]);
  });

  it('rejects head widths the scorer cannot split', () => {
    expect(() => new TokenSelector({ key: 's', dim: 6, numHeads: 3, sharedHeadWeights: true, seed: 1 })).toThrow(/even per-head width/);
  });
});
