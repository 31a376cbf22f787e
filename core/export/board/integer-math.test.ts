import { describe, expect, it } from 'vitest';

import { fixedMultiplier, floorDiv, isqrt, multiplierValue, roundDiv, roundShift } from './integer-math';

/** A small seeded generator, so failures reproduce. */
function randomIntegers(seed: number): (bits: number) => number {
  let state = seed >>> 0;
  const next = (): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state;
  };
  return (bits) => {
    const high = next() % 2 ** Math.max(0, bits - 32);
    const value = high * 2 ** Math.min(bits, 32) + (next() % 2 ** Math.min(bits, 32));
    return next() % 2 === 0 ? value : -value;
  };
}

const bigFloorDiv = (a: bigint, b: bigint): bigint => {
  const q = a / b;
  return a % b !== 0n && a < 0n ? q - 1n : q;
};

describe('integer primitives (checked against BigInt)', () => {
  it('roundShift rounds halves up for every shift and sign', () => {
    const draw = randomIntegers(7);
    for (let i = 0; i < 20_000; i++) {
      const shift = i % 53;
      const value = draw(shift === 52 ? 50 : Math.min(52 - 1, 46));
      const expected = shift === 0 ? BigInt(value) : bigFloorDiv(BigInt(value) + (1n << BigInt(shift - 1)), 1n << BigInt(shift));
      expect(roundShift(value, shift)).toBe(Number(expected));
    }
    expect(roundShift(5, 1)).toBe(3);
    expect(roundShift(-5, 1)).toBe(-2);
    expect(roundShift(-6, 2)).toBe(-1);
  });

  it('floorDiv and roundDiv are exact where float division would round wrongly', () => {
    const draw = randomIntegers(11);
    for (let i = 0; i < 20_000; i++) {
      const numerator = draw(51);
      const denominator = Math.abs(draw(1 + (i % 30))) + 1;
      expect(floorDiv(numerator, denominator)).toBe(Number(bigFloorDiv(BigInt(numerator), BigInt(denominator))));
      const half = Math.trunc(numerator / 4);
      expect(roundDiv(half, denominator)).toBe(Number(bigFloorDiv(2n * BigInt(half) + BigInt(denominator), 2n * BigInt(denominator))));
    }
    // (2^53 - 2) / 3 as a float rounds up to an integer that is one too large.
    expect(floorDiv(2 ** 52 - 1, 3)).toBe(Number((2n ** 52n - 1n) / 3n));
  });

  it('isqrt is the floor of the square root near perfect squares', () => {
    for (const root of [0, 1, 2, 3, 1000, 46340, 2 ** 25 - 1, 67108863]) {
      expect(isqrt(root * root)).toBe(root);
      if (root > 0) expect(isqrt(root * root - 1)).toBe(root - 1);
      expect(isqrt(root * root + 2 * root)).toBe(root);
    }
  });

  it('fixedMultiplier keeps 15 significant bits and respects the shift limit', () => {
    for (const real of [1, 0.5, 0.999, 3.14159e-5, 1234.5, 2 ** -40, 7e-3]) {
      const fixed = fixedMultiplier(real);
      expect(fixed.multiplier).toBeLessThan(2 ** 15);
      expect(fixed.shift).toBeLessThanOrEqual(52);
      expect(Math.abs(multiplierValue(fixed) / real - 1)).toBeLessThan(2 ** -14);
    }
    expect(fixedMultiplier(2 ** -60).shift).toBe(52);
    expect(fixedMultiplier(0)).toEqual({ multiplier: 0, shift: 0 });
  });
});
