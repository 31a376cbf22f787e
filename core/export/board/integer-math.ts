/**
 * The integer primitives the fixed-point package's semantics are written in.
 *
 * Every value is an integer. JavaScript numbers hold integers exactly up to 2^53, and +, -, * of such
 * integers are exact while the result stays below 2^53; dividing by a power of two is exact too
 * (binary floating point), and Math.floor of an exact value is exact. Each primitive states the
 * bounds of its arguments that keep every intermediate below 2^53, and its callers respect them
 * (the bounds are those of the FPGA datapath: 32-bit accumulators, 15-bit multipliers, 48-bit
 * products as in a DSP48E2). Nothing here depends on rounding of inexact floating point, so the
 * results are the same on every platform; integer-math.test.ts checks them against BigInt.
 */
import { StudioError } from '../../shared/errors';

export const INT8_MAX = 127;
export const INT16_MAX = 32767;
export const INT32_MAX = 2147483647;

/** Requantisation multipliers are below 2^15 (a 15-bit unsigned factor). */
export const MULTIPLIER_BITS = 15;
/** Largest right shift of a requantisation: keeps (value * multiplier + half) below 2^53. */
export const MAX_SHIFT = 52;

/** 2^(s-1) (0 for s = 0) and 2^-s, for s = 0..52: multiplying by 2^-s is as exact as dividing by 2^s. */
const HALF = Float64Array.from({ length: MAX_SHIFT + 1 }, (_, s) => (s === 0 ? 0 : 2 ** (s - 1)));
const INVERSE = Float64Array.from({ length: MAX_SHIFT + 1 }, (_, s) => 2 ** -s);

export function clamp(value: number, low: number, high: number): number {
  return value < low ? low : value > high ? high : value;
}

/** Saturation to [-max, max]. */
export function clampSymmetric(value: number, max: number): number {
  return value < -max ? -max : value > max ? max : value;
}

/** Symmetric saturation to [-127, 127] (int8 without -128, so negation never overflows). */
export function sat8(value: number): number {
  return value < -INT8_MAX ? -INT8_MAX : value > INT8_MAX ? INT8_MAX : value;
}

/** Symmetric saturation to [-32767, 32767]. */
export function sat16(value: number): number {
  return value < -INT16_MAX ? -INT16_MAX : value > INT16_MAX ? INT16_MAX : value;
}

export function sat32(value: number): number {
  return value < -INT32_MAX ? -INT32_MAX : value > INT32_MAX ? INT32_MAX : value;
}

/**
 * round(value / 2^shift), halves rounded up (towards +infinity): floor((value + 2^(shift-1)) / 2^shift).
 * Needs |value| + 2^(shift-1) < 2^53 and 0 <= shift <= 52.
 */
export function roundShift(value: number, shift: number): number {
  return Math.floor((value + (HALF[shift] as number)) * (INVERSE[shift] as number));
}


/** floor(numerator / denominator) for integers, denominator > 0, |numerator| < 2^53. */
export function floorDiv(numerator: number, denominator: number): number {
  let quotient = Math.floor(numerator / denominator);
  // The division above may round to the neighbouring integer; the remainder (exact) corrects it.
  const remainder = numerator - quotient * denominator;
  if (remainder < 0) quotient -= 1;
  else if (remainder >= denominator) quotient += 1;
  return quotient;
}

/** round(numerator / denominator), halves up; denominator > 0, |2 numerator| + denominator < 2^53. */
export function roundDiv(numerator: number, denominator: number): number {
  return floorDiv(2 * numerator + denominator, 2 * denominator);
}

/** floor(sqrt(value)) for 0 <= value < 2^52. */
export function isqrt(value: number): number {
  let root = Math.floor(Math.sqrt(value));
  while (root * root > value) root -= 1;
  while ((root + 1) * (root + 1) <= value) root += 1;
  return root;
}

/** A fixed-point factor: multiplier / 2^shift, multiplier in [0, 2^15), shift in [0, 52]. */
export interface FixedMultiplier {
  multiplier: number;
  shift: number;
}

/**
 * The 15-bit fixed-point form of a positive real factor, with the most precision that fits:
 * multiplier in [2^14, 2^15) unless the factor is so small that the shift would pass 52 (then the
 * multiplier is smaller, down to 0 for factors below 2^-53).
 */
export function fixedMultiplier(real: number): FixedMultiplier {
  if (!Number.isFinite(real) || real < 0) {
    throw new StudioError('export/failed', `A requantisation factor must be a finite non-negative number, got ${real}.`, {
      hint: 'The calibration produced a degenerate scale; calibrate on more varied images.',
    });
  }
  if (real === 0) return { multiplier: 0, shift: 0 };
  let shift = MULTIPLIER_BITS - 1 - Math.floor(Math.log2(real));
  let multiplier = Math.round(real * 2 ** shift);
  if (multiplier >= 2 ** MULTIPLIER_BITS) {
    shift -= 1;
    multiplier = Math.round(real * 2 ** shift);
  }
  if (shift > MAX_SHIFT) {
    shift = MAX_SHIFT;
    multiplier = Math.round(real * 2 ** shift);
  }
  if (shift < 0) {
    throw new StudioError('export/failed', `A requantisation factor of ${real} is too large for a 15-bit multiplier.`, {
      hint: 'An activation scale is far smaller than the one before it; calibrate on more varied images.',
    });
  }
  return { multiplier, shift };
}

/**
 * Like fixedMultiplier, with shifts from `minShift` (negative allowed) to `maxShift`: the form of
 * factors that may exceed 2^15 (LayerNorm gains).
 */
export function fixedMultiplierInRange(real: number, minShift: number, maxShift: number): FixedMultiplier {
  if (!(real > 0) || !Number.isFinite(real)) throw new StudioError('export/failed', `A gain must be a positive finite number, got ${real}.`, { hint: 'Calibrate on more varied images.' });
  let shift = Math.min(maxShift, MULTIPLIER_BITS - 1 - Math.floor(Math.log2(real)));
  let multiplier = Math.round(real * 2 ** shift);
  if (multiplier >= 2 ** MULTIPLIER_BITS) {
    shift -= 1;
    multiplier = Math.round(real * 2 ** shift);
  }
  if (shift < minShift) throw new StudioError('export/failed', `A gain of ${real} is too large for the integer unit.`, { hint: 'An activation scale is degenerate; calibrate on more varied images.' });
  return { multiplier, shift };
}

/** The real factor a fixed multiplier stands for (for reports and tests). */
export function multiplierValue(fixed: FixedMultiplier): number {
  return fixed.multiplier / 2 ** fixed.shift;
}

/** round(value * multiplier / 2^shift): |value| < 2^37 keeps the product and rounding below 2^53. */
export function requantize(value: number, multiplier: number, shift: number): number {
  return roundShift(value * multiplier, shift);
}
