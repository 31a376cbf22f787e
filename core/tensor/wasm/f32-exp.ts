/**
 * exp(w) on four f32 lanes, as stack-neutral statements over v128 locals (shared by the GELU and
 * masked-softmax kernels). w is clamped to >= EXP_MIN (so 2^n below stays a normal number; a NaN
 * stays): n = nearest(w log2 e) (by the add-1.5*2^23 trick, which also leaves n in the low bits),
 * r = w - n ln2 (|r| <= ln2 / 2), exp(w) = E(r) 2^n with 2^n applied by adding n << 23 to E's bits.
 * One ln2 constant (no Cody-Waite split): the reduction error is ~|w| 2^-24 relative, that of
 * rounding w itself. There is no upper clamp: callers pass w <= 0 (or small positive values).
 *
 * E is degree 5 in r on [-ln2/2, ln2/2], a near-minimax fit with a relative error weight (Lawson's
 * iteratively reweighted least squares in a Chebyshev basis, float64), 7.5e-8 before rounding to f32.
 */
import { op } from './wasm-bytes';

const EXP_COEFFICIENTS = [1.0000001, 0.9999997, 0.49998894, 0.16667575, 0.041915387, 0.008297657];
const LOG2_E = 1.442695;
const LN2 = 0.6931472;
/**
 * 1.5 * 2^23: adding it to |v| < 2^22 rounds v to an integer (to nearest, ties to even) held in the
 * low mantissa bits; its own set bits are all at position 22 or above.
 */
const ROUNDER = 12582912;
/** Lowest exp argument: 2^n stays normal for n >= -125. */
export const EXP_MIN = -86;

/** A stack-neutral instruction list. */
export type Statement = number[];

/** An f32x4 constant as instructions (inline, or a local set once). */
export type ConstantFn = (value: number) => number[];

/** v128 locals of one exp: w holds the argument on entry; e holds exp(w) after the statements. */
export interface ExpLocals {
  w: number;
  n: number;
  r: number;
  e: number;
}

const get = op.localGet;
const set = op.localSet;

/** acc = c[last]; acc = acc v + c[i] for i down to 0, one statement per step. */
export function horner(k: ConstantFn, coefficients: readonly number[], v: number, acc: number): Statement[] {
  const last = coefficients.length - 1;
  const steps = coefficients.slice(0, last).reverse().map((c) => [...get(acc), ...get(v), ...op.f32x4Mul, ...k(c), ...op.f32x4Add, ...set(acc)]);
  return [[...k(coefficients[last] as number), ...set(acc)], ...steps];
}

/** w = max(w, EXP_MIN), then e = exp(w); the first statement is the clamp. */
export function expStatements(k: ConstantFn, l: ExpLocals): Statement[] {
  return [
    [...get(l.w), ...k(EXP_MIN), ...op.f32x4Pmax, ...set(l.w)],
    // n = nearest(w log2 e) as the low bits of s = w log2 e + ROUNDER, and as the f32 s - ROUNDER
    [...get(l.w), ...k(LOG2_E), ...op.f32x4Mul, ...k(ROUNDER), ...op.f32x4Add, ...set(l.n)],
    [...get(l.w), ...get(l.n), ...k(ROUNDER), ...op.f32x4Sub, ...k(LN2), ...op.f32x4Mul, ...op.f32x4Sub, ...set(l.r)],
    ...horner(k, EXP_COEFFICIENTS, l.r, l.e),
    // e = E(r) * 2^n: the bits of s shifted left by 23 are n << 23 (ROUNDER's own bits leave the word)
    [...get(l.e), ...get(l.n), ...op.i32Const(23), ...op.i32x4Shl, ...op.i32x4Add, ...set(l.e)],
  ];
}
