/**
 * Monotone latency-vs-tokens curves from LUT points. Steps (neighbouring points equal within noise)
 * are exactly flat; between steps the curve is monotone piecewise-linear (default) or PCHIP; it is
 * never decreasing. Outside the measured range: below the first point the first value (fewer tokens
 * never cost less than nothing, and the first point is an upper bound); above the last point a
 * straight continuation with the mean slope of the whole table ('linear', default), or the last
 * value ('clamp').
 */
import { groupSteps, isotonicFit } from './monotone-fit';

import type { LutPoint } from './lut-schema';
import type { LatencyStep, StepTolerance } from './monotone-fit';

export type CurveShape = 'linear' | 'pchip';

export interface CurveOptions {
  shape?: CurveShape;
  extrapolation?: 'linear' | 'clamp';
  tolerance?: StepTolerance;
}

export interface LatencyCurve {
  /** Knot positions (the measured token counts) and the fitted monotone values there. */
  readonly tokens: readonly number[];
  readonly valuesMs: readonly number[];
  readonly steps: readonly LatencyStep[];
  readonly shape: CurveShape;
  /** Slope used beyond the last knot (ms per token, >= 0). */
  readonly extrapolationSlope: number;
  /** Latency at a (possibly fractional) token count. */
  at(tokens: number): number;
  /** The largest measured token count of the step that `tokens` falls in (itself when rising). */
  stepRightEdge(tokens: number): number;
}

/** Fritsch-Carlson derivatives: zero at flat neighbours, so flat steps stay flat. */
function pchipSlopes(x: readonly number[], y: readonly number[]): number[] {
  const n = x.length;
  const h = (i: number) => (x[i + 1] ?? 0) - (x[i] ?? 0);
  const delta = (i: number) => ((y[i + 1] ?? 0) - (y[i] ?? 0)) / h(i);
  const d = new Array<number>(n).fill(0);
  if (n === 2) {
    d[0] = delta(0);
    d[1] = delta(0);
    return d;
  }
  for (let i = 1; i < n - 1; i += 1) {
    const a = delta(i - 1);
    const b = delta(i);
    if (a <= 0 || b <= 0) continue;
    const w1 = 2 * h(i) + h(i - 1);
    const w2 = h(i) + 2 * h(i - 1);
    d[i] = (w1 + w2) / (w1 / a + w2 / b);
  }
  const end = (i0: number, i1: number, hi0: number, hi1: number): number => {
    const a = delta(i0);
    const b = delta(i1);
    let v = ((2 * hi0 + hi1) * a - hi0 * b) / (hi0 + hi1);
    if (v < 0 || a === 0) v = 0;
    else if (b === 0 && v > 3 * a) v = 3 * a;
    return Math.min(v, 3 * a);
  };
  d[0] = end(0, 1, h(0), h(1));
  d[n - 1] = end(n - 2, n - 3, h(n - 2), h(n - 3));
  return d;
}

export function buildLatencyCurve(points: readonly LutPoint[], options: CurveOptions = {}): LatencyCurve {
  if (points.length === 0) throw new RangeError('buildLatencyCurve: no points');
  const shape = options.shape ?? 'linear';
  const fitted = isotonicFit(points.map((p) => p.meanMs), points.map((p) => p.count));
  const { levels, steps } = groupSteps(points, fitted, options.tolerance);
  const x = points.map((p) => p.tokens);
  const y = levels;
  const n = x.length;
  const first = { x: x[0] ?? 0, y: y[0] ?? 0 };
  const last = { x: x[n - 1] ?? 0, y: y[n - 1] ?? 0 };
  const extrapolationSlope =
    options.extrapolation === 'clamp' || n < 2 ? 0 : Math.max(0, (last.y - first.y) / (last.x - first.x));
  const slopes = shape === 'pchip' && n >= 2 ? pchipSlopes(x, y) : null;

  const at = (tokens: number): number => {
    if (tokens <= first.x) return first.y;
    if (tokens >= last.x) return last.y + extrapolationSlope * (tokens - last.x);
    let lo = 0;
    let hi = n - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if ((x[mid] ?? 0) <= tokens) lo = mid;
      else hi = mid;
    }
    const x0 = x[lo] ?? 0;
    const x1 = x[hi] ?? 0;
    const y0 = y[lo] ?? 0;
    const y1 = y[hi] ?? 0;
    const h = x1 - x0;
    const t = (tokens - x0) / h;
    if (slopes === null || y0 === y1) return y0 + (y1 - y0) * t;
    const h00 = (1 + 2 * t) * (1 - t) ** 2;
    const h10 = t * (1 - t) ** 2;
    const h01 = t * t * (3 - 2 * t);
    const h11 = t * t * (t - 1);
    return h00 * y0 + h10 * h * (slopes[lo] ?? 0) + h01 * y1 + h11 * h * (slopes[hi] ?? 0);
  };

  const stepRightEdge = (tokens: number): number => {
    for (const step of steps) {
      if (tokens >= step.firstTokens && tokens <= step.lastTokens) return step.lastTokens;
    }
    return tokens;
  };

  return { tokens: x, valuesMs: y, steps, shape, extrapolationSlope, at, stepRightEdge };
}
