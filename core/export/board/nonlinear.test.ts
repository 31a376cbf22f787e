import { describe, expect, it } from 'vitest';

import { fixedMultiplier } from './integer-math';
import { DEFAULT_ARITHMETIC, LOG2_E, Q15_ONE, exp2Neg, geluFixed, layerNormRow, sigmoidQ15, softmaxRow, tabulatedExp2 } from './nonlinear';

const spec = DEFAULT_ARITHMETIC;
const frac = 2 ** spec.expFracBits;
const erf = (x: number): number => {
  // Abramowitz-Stegun 7.1.26 is too coarse here; integrate the series instead (|x| < 6).
  let sum = 0;
  let term = x;
  for (let n = 0; n < 200; n++) {
    sum += term / (2 * n + 1);
    term *= (-x * x) / (n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
};

describe('integer non-linear units', () => {
  it('exp2Neg follows 2^-a within the cubic error and the Q15 step', () => {
    for (let a = 0; a < 20 * frac; a += 37) {
      const expected = Q15_ONE * 2 ** (-a / frac);
      expect(Math.abs(exp2Neg(a, spec) - expected)).toBeLessThanOrEqual(expected * 2.5e-4 + 1);
    }
    expect(exp2Neg(0, spec)).toBe(Q15_ONE);
    const tabulated = tabulatedExp2(spec);
    for (let a = 0; a < 60 * frac; a += 13) expect(tabulated(a)).toBe(exp2Neg(a, spec));
    expect(exp2Neg(60 * frac, spec)).toBe(0);
  });

  it('softmaxRow matches the float softmax of the scaled scores', () => {
    const scale = 0.0123;
    const scores = Int32Array.from([0, 150, -300, 77, 12, 400, -20, 399]);
    const out = new Int32Array(scores.length);
    softmaxRow({ values: scores, start: 0, length: scores.length, out, outStart: 0 }, fixedMultiplier(scale * LOG2_E * frac), (a) => exp2Neg(a, spec), spec.probBits);
    const exps = Array.from(scores, (s) => Math.exp(s * scale));
    const total = exps.reduce((a, b) => a + b, 0);
    exps.forEach((e, j) => expect(Math.abs((out[j] as number) / 2 ** spec.probBits - e / total)).toBeLessThan(6e-4));
  });

  it('sigmoidQ15 is symmetric and close to the logistic function', () => {
    for (let x = -12; x <= 12; x += 0.05) {
      const u = Math.round(x * LOG2_E * frac);
      const value = sigmoidQ15(u, spec) / Q15_ONE;
      expect(Math.abs(value - 1 / (1 + Math.exp(-x)))).toBeLessThan(3e-4);
      expect(sigmoidQ15(u, spec) + sigmoidQ15(-u, spec)).toBe(Q15_ONE);
    }
  });

  it('geluFixed stays within 4e-3 of the exact GELU for several input formats', () => {
    for (const fracBits of [8, 11, 13]) {
      const clip = Math.round(spec.geluClip * 2 ** fracBits);
      const constants = { clip, toUnit: fixedMultiplier(Q15_ONE / clip) };
      for (let x = -3.9; x < 3.9; x += 0.013) {
        const q = Math.round(x * 2 ** fracBits);
        const real = q / 2 ** fracBits;
        const exact = 0.5 * real * (1 + erf(real / Math.SQRT2));
        expect(Math.abs(geluFixed(q, constants, spec) / 2 ** fracBits - exact)).toBeLessThan(4e-3 + 2 ** -fracBits);
      }
    }
  });

  it('layerNormRow normalises to int8 within one step', () => {
    const n = 64;
    const x = Int16Array.from({ length: n }, (_, i) => Math.round(3000 * Math.sin(i * 1.7) + 500));
    const outScale = 3 / 127;
    const out = new Int16Array(n);
    layerNormRow({ values: x, start: 0, length: n, out, outStart: 0 }, { epsTerm: 0, outMax: 127, gain: fixedMultiplier((16 * Math.sqrt(n)) / outScale) });
    const mean = x.reduce((a, b) => a + b, 0) / n;
    const std = Math.sqrt(x.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
    x.forEach((value, i) => expect(Math.abs((out[i] as number) - Math.max(-127, Math.min(127, (value - mean) / std / outScale)))).toBeLessThanOrEqual(1));
    const flat = new Int16Array(4).fill(9);
    layerNormRow({ values: new Int16Array(4).fill(5), start: 0, length: 4, out: flat, outStart: 0 }, { epsTerm: 0, outMax: 127, gain: fixedMultiplier(100) });
    expect(Array.from(flat)).toEqual([0, 0, 0, 0]);
  });
});
