import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';

import { initTensorBackend } from '../tensor/backend';
import { expectNoLeakedTensors } from '../tensor/leak-check';

import { buildLatencyCurve } from './curve';
import { latencyHinge, latencyHingeTf, latencyTerms, predictLatencyFromTerms, predictLatencyTf, rampCurve, rampCurveTf, rampValue } from './latency-hinge';
import { flatSelectors, layoutFromModel } from './layout';
import { createLatencyModel, predictLatency } from './latency-model';
import { ratioLoss, ratioLossTf } from './ratio-loss';
import { flatModel, staircaseLut } from './synthetic-lut';

const model = flatModel({ depth: 6, grid: 49 });
const lut = staircaseLut({ model, stepTokens: 8, stepMs: 0.2 });
const latency = createLatencyModel(lut, layoutFromModel(model, flatSelectors([1, 3, 4])));
const terms = latencyTerms(latency);

function gradientOfHinge(kept: number[], budgetMs: number): number[] {
  return tf.tidy(() => {
    const variables = kept.map((k) => tf.scalar(k));
    const grads = tf.grads((...xs: tf.Tensor[]) => latencyHingeTf(terms, xs, { budgetMs, weight: 2 }))(variables);
    return grads.map((g) => g.dataSync()[0] ?? NaN);
  });
}

describe.each(['cpu', 'wasm'] as const)('latency-sparsity losses on %s', (backend) => {
  it('starts the backend', async () => {
    expect(await initTensorBackend({ backend })).toBe(backend);
  });

  it('ratio loss uses the batch-global mean keep ratio', async () => {
    // Image 0 keeps 3 of 4 tokens, image 1 keeps 1: per-image means 0.75 / 0.25, global 0.5.
    const mask = [1, 1, 1, 0, 1, 0, 0, 0];
    expect(ratioLoss([mask], [0.5])).toBe(0);
    expect(ratioLoss([mask, [1, 1, 1, 1]], [0.25, 0.5])).toBeCloseTo((2 * (0.0625 + 0.25)) / 2, 12);
    const value = await expectNoLeakedTensors(() => {
      const t = tf.tensor2d(mask, [2, 4]);
      const all = tf.ones([2, 4]);
      const loss = ratioLossTf([t, all], [0.25, 0.5]);
      const out = loss.dataSync()[0];
      tf.dispose([t, all, loss]);
      return out;
    });
    expect(value).toBeCloseTo(ratioLoss([mask, [1, 1, 1, 1]], [0.25, 0.5]), 6);
  });

  it('interpolates the LUT exactly through relu ramps', () => {
    const curve = buildLatencyCurve(lut.tables[0]?.points ?? []);
    const ramps = rampCurve(curve);
    for (const x of [1, 7.5, 8, 9, 30.25, 55, 60]) expect(rampValue(ramps, x)).toBeCloseTo(curve.at(x), 10);
    const values = tf.tidy(() => Array.from(rampCurveTf(ramps, tf.tensor1d([7.5, 9, 30.25])).dataSync()));
    expect(values[0]).toBeCloseTo(curve.at(7.5), 4);
    expect(values[2]).toBeCloseTo(curve.at(30.25), 4);
    const kept = [40, 30, 20];
    expect(predictLatencyFromTerms(terms, kept)).toBeCloseTo(predictLatency(latency, kept).totalMs, 9);
    const tfValue = tf.tidy(() => predictLatencyTf(terms, kept.map((k) => tf.scalar(k))).dataSync()[0]);
    expect(tfValue).toBeCloseTo(predictLatency(latency, kept).totalMs, 4);
  });

  it('has a positive gradient above the budget, also on a flat step, and none below', async () => {
    // 44 kept + CLS + 1 package = 46 tokens: inside the flat step 41..48 of the block table.
    const kept = [44, 36, 20];
    const predicted = predictLatencyFromTerms(terms, kept);
    const above = gradientOfHinge(kept, predicted - 0.3);
    for (const g of above) expect(g).toBeGreaterThan(0);
    // d/dk of 2 * (T - b)^2 = 4 (T - b) * dT/dk; selector 0 governs two blocks, the others one and two.
    expect(above[0]).toBeGreaterThan(above[1] ?? Infinity);
    const below = gradientOfHinge(kept, predicted + 0.3);
    expect(below).toEqual([0, 0, 0]);
    expect(latencyHinge(terms, kept, { budgetMs: predicted + 0.3 })).toBe(0);
    expect(latencyHinge(terms, kept, { budgetMs: predicted - 0.3, weight: 2 })).toBeCloseTo(2 * 0.09, 9);
    await expectNoLeakedTensors(() => gradientOfHinge(kept, predicted - 0.3));
  });
});
