import { describe, expect, it } from 'vitest';

import { buildLatencyCurve } from './curve';
import { isotonicFit } from './monotone-fit';

import type { LutPoint } from './lut-schema';

const point = (tokens: number, meanMs: number, stdMs = 0, count = 1): LutPoint => ({ tokens, meanMs, stdMs, count });

/** Measured at 8, 16, 17, 24, 32, 33, 40, 48: steps of 16 tokens at 1, 2, 3 ms. */
const staircase = [point(8, 1), point(16, 1), point(17, 2), point(24, 2), point(32, 2), point(33, 3), point(40, 3), point(48, 3)];

function expectMonotone(at: (x: number) => number, from: number, to: number): void {
  let previous = at(from);
  for (let x = from; x <= to; x += 0.25) {
    const value = at(x);
    expect(value).toBeGreaterThanOrEqual(previous - 1e-12);
    previous = value;
  }
}

describe('latency curve', () => {
  for (const shape of ['linear', 'pchip'] as const) {
    it(`is exact on measured points and flat on steps (${shape})`, () => {
      const curve = buildLatencyCurve(staircase, { shape });
      for (const p of staircase) expect(curve.at(p.tokens)).toBeCloseTo(p.meanMs, 12);
      for (const x of [17, 18.5, 20, 23, 27, 31.9]) expect(curve.at(x)).toBe(2);
      expect(curve.steps.map((s) => [s.firstTokens, s.lastTokens, s.latencyMs])).toEqual([[8, 16, 1], [17, 32, 2], [33, 48, 3]]);
      expectMonotone(curve.at, 0, 80);
    });
  }

  it('is exact on strictly rising points and monotone between them (pchip)', () => {
    const points = [point(1, 0.2), point(10, 0.5), point(20, 1.6), point(30, 1.7), point(60, 4)];
    const curve = buildLatencyCurve(points, { shape: 'pchip', tolerance: { relative: 0 } });
    for (const p of points) expect(curve.at(p.tokens)).toBeCloseTo(p.meanMs, 12);
    expectMonotone(curve.at, 1, 60);
  });

  it('never decreases, even on noisy measurements that do', () => {
    const points = [point(4, 1.0, 0.05, 20), point(8, 1.3, 0.05, 20), point(12, 1.2, 0.05, 20), point(16, 2.5, 0.05, 20), point(20, 2.4, 0.05, 20), point(24, 3.1, 0.05, 20)];
    for (const shape of ['linear', 'pchip'] as const) {
      const curve = buildLatencyCurve(points, { shape });
      expectMonotone(curve.at, 0, 40);
      // The violating pair is pooled to its weighted mean.
      expect(curve.at(8)).toBeCloseTo(1.25, 12);
      expect(curve.at(12)).toBeCloseTo(1.25, 12);
    }
  });

  it('treats differences within the noise as one flat step', () => {
    // 2.00 / 2.01 / 1.995 ms with std 0.05 over 30 runs: one step; then a real rise to 3 ms.
    const points = [point(16, 2.0, 0.05, 30), point(20, 2.01, 0.05, 30), point(24, 1.995, 0.05, 30), point(28, 3.0, 0.05, 30)];
    const curve = buildLatencyCurve(points);
    expect(curve.steps).toHaveLength(2);
    expect(curve.at(17)).toBe(curve.at(23));
    // 2.01 > 1.995 is pooled first (2.0025 each), then the step takes the mean.
    expect(curve.at(24)).toBeCloseTo((2.0 + 2 * 2.0025) / 3, 9);
    expect(curve.stepRightEdge(18)).toBe(24);
    expect(curve.stepRightEdge(26)).toBe(26);
  });

  it('extrapolates: first value below, mean slope above (or clamped)', () => {
    const curve = buildLatencyCurve(staircase);
    expect(curve.at(1)).toBe(1);
    expect(curve.extrapolationSlope).toBeCloseTo(2 / 40, 12);
    expect(curve.at(58)).toBeCloseTo(3 + 10 * (2 / 40), 12);
    expect(buildLatencyCurve(staircase, { extrapolation: 'clamp' }).at(100)).toBe(3);
    expect(buildLatencyCurve([point(5, 0.7)]).at(50)).toBe(0.7);
  });

  it('pools adjacent violators by weight', () => {
    expect(isotonicFit([1, 3, 2, 4], [1, 1, 3, 1])).toEqual([1, 2.25, 2.25, 4]);
    expect(isotonicFit([1, 2, 3], [1, 1, 1])).toEqual([1, 2, 3]);
  });
});
