import { describe, expect, it } from 'vitest';

import { AdamWConfigSchema, adamWStep, createAdamWState } from './adamw';
import { cosineLr, noiseScaleAt, ratesAt } from './schedules';
import { shardSizes } from './sharding';

import type { ParameterLayout } from './parameter-layout';

const layout: ParameterLayout = {
  size: 5,
  entries: [
    { key: 'blocks.0.mlp.fc1.weight', shape: [2, 1], offset: 0, size: 2, group: 'backbone', decay: true },
    { key: 'blocks.0.mlp.fc1.bias', shape: [1], offset: 2, size: 1, group: 'backbone', decay: false },
    { key: 'selectors.0.scorer.fc1.weight', shape: [1, 1], offset: 3, size: 1, group: 'selector', decay: true },
    { key: 'pos_embed', shape: [1, 1, 1], offset: 4, size: 1, group: 'frozen', decay: false },
  ],
};

/** torch.optim.AdamW, written out for one scalar. */
function reference(p: number, grads: number[], lr: number, decay: number): number {
  let m = 0;
  let v = 0;
  grads.forEach((g, i) => {
    const t = i + 1;
    p *= 1 - lr * decay;
    m = 0.9 * m + 0.1 * g;
    v = 0.999 * v + 0.001 * g * g;
    p -= (lr / (1 - 0.9 ** t)) * (m / (Math.sqrt(v) / Math.sqrt(1 - 0.999 ** t) + 1e-8));
  });
  return p;
}

describe('AdamW', () => {
  it('follows torch AdamW per group, skips decay on 1-D tensors and never touches frozen ones', () => {
    const params = Float32Array.from([1, -2, 0.5, 3, 7]);
    const state = createAdamWState(layout);
    const config = AdamWConfigSchema.parse({ weightDecay: 0.05 });
    const gradSeries = [
      [0.1, -0.3, 0.2, 0.4, 9],
      [0.05, 0.1, -0.2, 0.3, 9],
      [-0.2, 0.2, 0.1, -0.1, 9],
    ];
    for (const grads of gradSeries) adamWStep(params, Float32Array.from(grads), state, { layout, config, rates: { backbone: 0.01, selector: 0.1 } });
    const column = (i: number): number[] => gradSeries.map((g) => Math.fround(g[i] as number));
    expect(params[0]).toBeCloseTo(reference(1, column(0), 0.01, 0.05), 6);
    expect(params[1]).toBeCloseTo(reference(-2, column(1), 0.01, 0.05), 6);
    expect(params[2]).toBeCloseTo(reference(0.5, column(2), 0.01, 0), 6);
    expect(params[3]).toBeCloseTo(reference(3, column(3), 0.1, 0.05), 6);
    expect(params[4]).toBe(7);
    expect(state.step).toBe(3);
  });

  it('leaves weights unchanged at learning rate 0 but still updates the moments', () => {
    const params = Float32Array.from([1, -2, 0.5, 3, 7]);
    const state = createAdamWState(layout);
    adamWStep(params, Float32Array.from([1, 1, 1, 1, 1]), state, { layout, config: AdamWConfigSchema.parse({}), rates: { backbone: 0, selector: 0.1 } });
    expect(Array.from(params.subarray(0, 3))).toEqual([1, -2, 0.5]);
    expect(params[3]).not.toBe(3);
    expect(state.m[0]).toBeCloseTo(0.1, 6);
  });
});

describe('learning-rate schedules', () => {
  it('warms up linearly, then follows the cosine to minLr', () => {
    const schedule = { kind: 'dense' as const, lr: 1e-3, minLr: 1e-5, warmupEpochs: 2, epochs: 10 };
    expect(ratesAt(schedule, 1).backbone).toBeCloseTo(5e-4, 5);
    expect(ratesAt(schedule, 2).backbone).toBeCloseTo(1e-3, 9);
    expect(ratesAt(schedule, 6).backbone).toBeCloseTo(cosineLr(1e-3, 1e-5, 0.5), 12);
    expect(ratesAt(schedule, 10).backbone).toBeCloseTo(1e-5, 12);
  });

  it('freezes the SPViT backbone first, then caps it at a fraction of the base rate', () => {
    const schedule = { kind: 'spvit' as const, lr: 1e-3, minLr: 1e-5, epochs: 30, backboneFreezeEpochs: 5, backboneLrCap: 0.01 };
    expect(ratesAt(schedule, 4.9)).toEqual({ backbone: 0, selector: cosineLr(1e-3, 1e-5, 4.9 / 30) });
    expect(ratesAt(schedule, 5).backbone).toBeCloseTo(1e-5, 12);
    expect(ratesAt(schedule, 30).selector).toBeCloseTo(1e-5, 12);
    // Near the end the cosine drops below the cap and wins.
    const low = { ...schedule, minLr: 1e-6 };
    expect(ratesAt(low, 29.5).backbone).toBeCloseTo(cosineLr(1e-3, 1e-6, 29.5 / 30), 12);
    expect(ratesAt(low, 29.5).backbone).toBeLessThan(1e-5);
  });

  it('keeps the Gumbel noise at 1, then anneals it by a cosine to the final scale', () => {
    const base = { kind: 'spvit' as const, lr: 1e-3, minLr: 1e-5, epochs: 4, backboneFreezeEpochs: 0, backboneLrCap: 0.3 };
    expect(noiseScaleAt(base, 3.9)).toBe(1);
    const annealed = { ...base, noise: { annealFrom: 0.5, finalScale: 0 } };
    expect(noiseScaleAt(annealed, 0)).toBe(1);
    expect(noiseScaleAt(annealed, 2)).toBe(1);
    expect(noiseScaleAt(annealed, 3)).toBeCloseTo(0.5, 12);
    expect(noiseScaleAt(annealed, 4)).toBeCloseTo(0, 12);
    expect(noiseScaleAt({ ...base, noise: { annealFrom: 0, finalScale: 0.2 } }, 4)).toBeCloseTo(0.2, 12);
    expect(noiseScaleAt({ kind: 'dense', lr: 1e-3, minLr: 0, warmupEpochs: 0, epochs: 4 }, 3)).toBe(1);
  });
});

describe('sharding', () => {
  it('splits a batch into near-equal contiguous shards', () => {
    expect(shardSizes(10, 3)).toEqual([4, 3, 3]);
    expect(shardSizes(2, 4)).toEqual([1, 1]);
  });
});
