import { describe, expect, it } from 'vitest';

import { gptqRound, inverseFactor } from './gptq';

function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 2 ** 32 - 0.5;
  };
}

describe('GPTQ rounding', () => {
  it('factors the damped inverse: U^T U H = I', () => {
    const size = 6;
    const next = random(1);
    const rows = Array.from({ length: 40 }, () => Array.from({ length: size }, next));
    const sum = new Float64Array(size * size);
    rows.forEach((row) => row.forEach((a, i) => row.forEach((b, j) => (sum[i * size + j] = (sum[i * size + j] as number) + a * b))));
    const u = inverseFactor({ sum, count: rows.length, size }, 0);
    const h = Float64Array.from(sum, (value) => value / rows.length);
    for (let i = 0; i < size; i++) {
      for (let j = 0; j < size; j++) {
        let value = 0;
        for (let k = 0; k < size; k++) {
          let inverse = 0;
          for (let l = 0; l < size; l++) inverse += (u[l * size + i] as number) * (u[l * size + k] as number);
          value += inverse * (h[k * size + j] as number);
        }
        expect(value).toBeCloseTo(i === j ? 1 : 0, 6);
      }
    }
  });

  it('gives smaller output errors than rounding to nearest on correlated inputs', () => {
    const size = 32;
    const outputs = 8;
    const next = random(5);
    const mean = Array.from({ length: size }, () => 2 * next());
    const inputs = Array.from({ length: 200 }, () => mean.map((m) => m + 0.2 * next()));
    const sum = new Float64Array(size * size);
    inputs.forEach((x) => x.forEach((a, i) => x.forEach((b, j) => (sum[i * size + j] = (sum[i * size + j] as number) + a * b))));
    const weight = Float32Array.from({ length: outputs * size }, next);
    const scales = Float64Array.from({ length: outputs }, (_, o) => Math.max(...Array.from(weight.subarray(o * size, (o + 1) * size), Math.abs)) / 127);
    const rounded = gptqRound(weight, scales, { sum, count: inputs.length, size });
    const nearest = Int8Array.from(weight, (w, i) => Math.round(w / (scales[Math.floor(i / size)] as number)));
    const error = (q: Int8Array) =>
      inputs.reduce((total, x) => {
        let sum2 = 0;
        for (let o = 0; o < outputs; o++) {
          let diff = 0;
          for (let i = 0; i < size; i++) diff += ((weight[o * size + i] as number) - (q[o * size + i] as number) * (scales[o] as number)) * (x[i] as number);
          sum2 += diff * diff;
        }
        return total + sum2;
      }, 0);
    expect(error(rounded)).toBeLessThan(error(nearest) * 0.6);
    expect(rounded.every((value, i) => Math.abs(value - (nearest[i] as number)) <= 2)).toBe(true);
  });
});
