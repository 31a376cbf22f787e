/**
 * Integer forms of the non-linear units: base-2 exponential, softmax, sigmoid, GELU and LayerNorm.
 * They are part of the package's semantics; the constants travel in the package header
 * (`arithmetic`), so a package is read with the constants it was made with.
 *
 *  - exp: e^x = 2^(x log2 e). The exponent is a non-positive fixed-point number; its integer part
 *    becomes a right shift and its fraction f in [0, 1) goes through a cubic for 2^-f (least squares
 *    on [0, 1] with p(0) = 1; max relative error 2.4e-4). Shift-based softmax in the spirit of
 *    I-BERT's i-exp, with a cubic instead of a quadratic.
 *  - softmax: max subtraction, exp as above (Q15), sum, one rounded division per element.
 *  - sigmoid: 1 / (1 + 2^-|u|) by one rounded division, mirrored for negative u.
 *  - GELU: x * Phi(x) with Phi(x) = 1/2 + sign(x) h(min(|x|, T)); h is an odd degree-9 polynomial in
 *    t / T fitted by least squares to erf(t / sqrt 2) / 2 on [0, T] with T = 3.5 (max error of Phi
 *    1.1e-3, of GELU 3.8e-3). The i-GELU idea (I-BERT: sign times a clipped polynomial for erf) with
 *    a higher degree, because the quadratic's error (1.8e-2) is larger than an int8 step.
 *  - LayerNorm: integer mean, integer variance, integer square root, one division per row.
 */
import { clampSymmetric, isqrt, roundDiv, roundShift } from './integer-math';

import type { FixedMultiplier } from './integer-math';

/** Q15: 1.0 is 2^15. */
export const Q15_ONE = 32768;

export interface ArithmeticSpec {
  /**
   * Width of the activations the matrix units read (LayerNorm, q/k/v, context, GELU outputs):
   * 8 (the int8 datapath) or 12 (int8 weights times 12-bit activations, for models whose outputs
   * need the extra precision). The input image is int8 either way.
   */
  activationBits: 8 | 12;
  /** Fraction bits of the base-2 exponent domain (exp, softmax, sigmoid inputs), at most 15. */
  expFracBits: number;
  /** Q15 coefficients c1, c2, c3 of 2^-f = 1 + c1 f + c2 f^2 + c3 f^3 on [0, 1). */
  exp2Poly: number[];
  /** Softmax probabilities are unsigned with this many fraction bits (at most 15). */
  probBits: number;
  /** Clip point T of the GELU polynomial's argument (a real number; each GELU turns it into its units). */
  geluClip: number;
  /** Q15 coefficients of h(s) = s (d1 + d3 s^2 + d5 s^4 + d7 s^6 + d9 s^8), s = min(|x|, T) / T. */
  geluPoly: number[];
}

export const DEFAULT_ARITHMETIC: ArithmeticSpec = {
  activationBits: 8,
  expFracBits: 12,
  exp2Poly: [-22670, 7606, -1324],
  probBits: 15,
  geluClip: 3.5,
  geluPoly: [45438, -86032, 121019, -93199, 29151],
};

/** Largest activation magnitude for a width: 127 or 2047 (symmetric, no -2^(b-1)). */
export function activationMax(bits: number): number {
  return 2 ** (bits - 1) - 1;
}

/** LOG2(e) as the softmax/sigmoid exponents need it (for the exporter's multipliers). */
export const LOG2_E = Math.LOG2E;

/** 2^-a in Q15 for a >= 0 given in Q(expFracBits); 0 once the shift passes 52. */
export function exp2Neg(a: number, spec: ArithmeticSpec): number {
  const frac = spec.expFracBits;
  const whole = Math.floor(a / 2 ** frac);
  if (whole > 52) return 0;
  const tau = (a - whole * 2 ** frac) * 2 ** (15 - frac);
  const [c1, c2, c3] = spec.exp2Poly as [number, number, number];
  let h = c3;
  h = c2 + roundShift(tau * h, 15);
  h = c1 + roundShift(tau * h, 15);
  const power = Q15_ONE + roundShift(tau * h, 15);
  return roundShift(power, whole);
}

/** 2^-a for a >= 0 (Q(expFracBits) in, Q15 out). */
export type Exp2Fn = (a: number) => number;

/**
 * exp2Neg with the cubic evaluated once per fraction (2^expFracBits values) instead of per call:
 * the same numbers, faster (nonlinear.test.ts compares the two).
 */
export function tabulatedExp2(spec: ArithmeticSpec): Exp2Fn {
  const frac = spec.expFracBits;
  const one = 2 ** frac;
  const table = Int32Array.from({ length: one }, (_, r) => exp2Neg(r, spec));
  const inverse = 2 ** -frac;
  return (a) => {
    const whole = Math.floor(a * inverse);
    return whole > 52 ? 0 : roundShift(table[a - whole * one] as number, whole);
  };
}

/** A row of `length` values at `start` in `values`, written to `out` at `outStart`. */
export interface RowSpan<In, Out> {
  values: In;
  start: number;
  length: number;
  out: Out;
  outStart: number;
}

/**
 * Softmax of one row of int32 scores into unsigned probabilities with `probBits` fraction bits
 * (capped at 2^probBits - 1). `toExponent` maps a score difference (<= 0) to the base-2 exponent
 * domain: it is the real factor scale * log2(e) * 2^expFracBits as a fixed multiplier.
 */
export function softmaxRow(row: RowSpan<Int32Array, Int32Array>, toExponent: FixedMultiplier, exp2: Exp2Fn, probBits: number): void {
  const { values: scores, start, length, out, outStart } = row;
  let max = scores[start] as number;
  for (let j = 1; j < length; j++) max = Math.max(max, scores[start + j] as number);
  let total = 0;
  for (let j = 0; j < length; j++) {
    const exponent = -roundShift(((scores[start + j] as number) - max) * toExponent.multiplier, toExponent.shift);
    const value = exp2(exponent);
    out[outStart + j] = value;
    total += value;
  }
  const one = 2 ** probBits;
  for (let j = 0; j < length; j++) {
    out[outStart + j] = Math.min(roundDiv((out[outStart + j] as number) * one, total), one - 1);
  }
}

/** sigmoid(x) in Q15 for u = x log2(e) in Q(expFracBits). */
export function sigmoidQ15(u: number, spec: ArithmeticSpec, exp2: Exp2Fn = (a) => exp2Neg(a, spec)): number {
  const e = exp2(Math.abs(u));
  const positive = roundDiv(Q15_ONE * Q15_ONE, Q15_ONE + e);
  return u >= 0 ? positive : Q15_ONE - positive;
}

/** Per-instance constants of one GELU: its input's fraction bits fold into the clip reciprocal. */
export interface GeluConstants {
  /** T in the input's fixed-point units (T * 2^fracBits). */
  clip: number;
  /** 2^15 / clip as a fixed multiplier (maps min(|x|, T) to s in Q15). */
  toUnit: FixedMultiplier;
}

/** GELU of x (a signed fixed-point value, |x| < 2^15), in the same units. */
export function geluFixed(x: number, constants: GeluConstants, spec: ArithmeticSpec): number {
  const t = Math.min(Math.abs(x), constants.clip);
  const s = Math.min(roundShift(t * constants.toUnit.multiplier, constants.toUnit.shift), Q15_ONE);
  const s2 = roundShift(s * s, 15);
  const [d1, d3, d5, d7, d9] = spec.geluPoly as [number, number, number, number, number];
  let h = d9;
  h = d7 + roundShift(s2 * h, 15);
  h = d5 + roundShift(s2 * h, 15);
  h = d3 + roundShift(s2 * h, 15);
  h = d1 + roundShift(s2 * h, 15);
  const half = roundShift(s * h, 15);
  const phi = Math.min(Math.max(Q15_ONE / 2 + (x >= 0 ? half : -half), 0), Q15_ONE);
  return roundShift(x * phi, 15);
}

/** The constants of one LayerNorm unit. */
export interface LayerNormConstants {
  /** eps / scale^2 * n, rounded: added to the sum of squared deviations. */
  epsTerm: number;
  /** Output saturation: activationMax(activationBits). */
  outMax: number;
  /** 16 sqrt(n) / outScale as multiplier / 2^shift, shift from -8 to 22 (see layerNormRow). */
  gain: FixedMultiplier;
}

/**
 * Normalises one row of int16 values (no affine: gamma and beta are folded into the next linear
 * layer) to activations (|y| <= outMax) with the unit's output scale:
 *   mean = round(sum / n), d = x - mean, V = sum d^2 + epsTerm, r = isqrt(256 V) (= 16 sqrt V),
 *   inv = round(gain.multiplier 2^30 / r), y = clamp(round(d inv / 2^(30 + gain.shift)), +-outMax).
 * A row with V = 0 normalises to zeros.
 */
export function layerNormRow(row: RowSpan<Int16Array, Int16Array>, constants: LayerNormConstants): void {
  const { values: x, start, length: n, out, outStart } = row;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += x[start + i] as number;
  const mean = roundDiv(sum, n);
  let squares = constants.epsTerm;
  for (let i = 0; i < n; i++) {
    const d = (x[start + i] as number) - mean;
    squares += d * d;
  }
  if (squares === 0) {
    out.fill(0, outStart, outStart + n);
    return;
  }
  const root = isqrt(squares * 256);
  const inverse = roundDiv(constants.gain.multiplier * 2 ** 30, root);
  const shift = 30 + constants.gain.shift;
  for (let i = 0; i < n; i++) {
    out[outStart + i] = clampSymmetric(roundShift(((x[start + i] as number) - mean) * inverse, shift), constants.outMax);
  }
}
