/**
 * The optional differentiable latency term: weight * max(0, T(E[n]) - budget)^2, where T sums the
 * LUT curves of every op at the expected (batch-mean) token counts. The value is the LUT's
 * piecewise-linear interpolation, written as a sum of relu ramps (no gather, so it runs and
 * differentiates on every backend including wasm). On a flat step the true slope is 0, which
 * would stop the gradient; the gradient therefore uses the slope of the curve through the steps'
 * right edges (a straight-through surrogate that is positive wherever latency rises with tokens).
 */
import * as tf from '@tensorflow/tfjs-core';

import '../tensor/register-ops';

import type { LatencyCurve } from './curve';
import type { LatencyModel } from './latency-model';

export interface RampCurve {
  /** value(x) = baseMs + sum_i coefficients[i] * relu(x - knots[i]) */
  knots: number[];
  coefficients: number[];
  baseMs: number;
  /** slope(x) = baseSlope + sum_j slopeChanges[j] * step(x - slopeKnots[j]) */
  slopeKnots: number[];
  slopeChanges: number[];
  baseSlope: number;
}

export function rampCurve(curve: LatencyCurve): RampCurve {
  const x = curve.tokens;
  const y = curve.valuesMs;
  const n = x.length;
  const slopes = Array.from({ length: n - 1 }, (_, i) => ((y[i + 1] ?? 0) - (y[i] ?? 0)) / ((x[i + 1] ?? 0) - (x[i] ?? 0)));
  slopes.push(curve.extrapolationSlope);
  const coefficients = slopes.map((s, i) => s - (i === 0 ? 0 : (slopes[i - 1] ?? 0)));

  const edges = curve.steps.map((step) => ({ x: step.lastTokens, y: step.latencyMs }));
  const envelope = Array.from({ length: edges.length - 1 }, (_, j) => {
    const a = edges[j] as { x: number; y: number };
    const b = edges[j + 1] as { x: number; y: number };
    return (b.y - a.y) / (b.x - a.x);
  });
  envelope.push(curve.extrapolationSlope);
  const slopeChanges = envelope.slice(1).map((slope, j) => slope - (envelope[j] ?? 0));
  return {
    knots: [...x],
    coefficients,
    baseMs: y[0] ?? 0,
    // Slope envelope[j] holds on (edge j, edge j+1]; it changes at every right edge but the first.
    slopeKnots: edges.slice(1).map((e) => e.x),
    slopeChanges,
    baseSlope: envelope[0] ?? 0,
  };
}

export function rampValue(curve: RampCurve, tokens: number): number {
  return curve.knots.reduce((sum, knot, i) => sum + (curve.coefficients[i] ?? 0) * Math.max(0, tokens - knot), curve.baseMs);
}

export function surrogateSlope(curve: RampCurve, tokens: number): number {
  return curve.slopeKnots.reduce((sum, knot, j) => sum + (tokens > knot ? (curve.slopeChanges[j] ?? 0) : 0), curve.baseSlope);
}

/**
 * Curve value at x (any shape) with the surrogate gradient. Constants are made inside the forward
 * and gradient functions, so they live exactly as long as the engine's scopes around them.
 */
export function rampCurveTf(curve: RampCurve, x: tf.Tensor): tf.Tensor {
  const apply = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const input = args[0] as tf.Tensor;
    const save = args[1] as tf.GradSaveFunc;
    save([input]);
    const value = tf.tidy(() => {
      const ramps = tf.relu(tf.sub(tf.expandDims(input, -1), tf.tensor1d(curve.knots)));
      return tf.add(tf.sum(tf.mul(ramps, tf.tensor1d(curve.coefficients)), -1), curve.baseMs);
    });
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.tidy(() => {
          const at = saved[0] as tf.Tensor;
          const slope =
            curve.slopeKnots.length === 0
              ? tf.fill(at.shape, curve.baseSlope)
              : tf.add(tf.sum(tf.mul(tf.step(tf.sub(tf.expandDims(at, -1), tf.tensor1d(curve.slopeKnots))), tf.tensor1d(curve.slopeChanges)), -1), curve.baseSlope);
          return tf.mul(dy, slope);
        }),
    };
  });
  return apply(x) as tf.Tensor;
}

export interface LatencyTerms {
  /** Ops whose token count does not depend on any selector. */
  constantMs: number;
  terms: { phase: number; constantTokens: number; curve: RampCurve }[];
  selectors: number;
}

/** The per-op curves of a latency model, ready for the hinge (build once per training run). */
export function latencyTerms(model: LatencyModel): LatencyTerms {
  let constantMs = 0;
  const cache = new Map<LatencyCurve, RampCurve>();
  const terms: LatencyTerms['terms'] = [];
  for (const op of model.ops) {
    if (op.phase < 0) {
      constantMs += op.curve.at(op.fullSpatialTokens + op.constantTokens);
      continue;
    }
    let curve = cache.get(op.curve);
    if (curve === undefined) {
      curve = rampCurve(op.curve);
      cache.set(op.curve, curve);
    }
    terms.push({ phase: op.phase, constantTokens: op.constantTokens, curve });
  }
  return { constantMs, terms, selectors: model.selectorGrid.length };
}

/** Predicted latency (piecewise-linear) for kept counts per selector; pure. */
export function predictLatencyFromTerms(terms: LatencyTerms, keptTokens: readonly number[]): number {
  return terms.terms.reduce((sum, t) => sum + rampValue(t.curve, (keptTokens[t.phase] ?? 0) + t.constantTokens), terms.constantMs);
}

export interface HingeOptions {
  budgetMs: number;
  /** lambda; default 1. */
  weight?: number;
}

export function latencyHinge(terms: LatencyTerms, keptTokens: readonly number[], options: HingeOptions): number {
  const excess = Math.max(0, predictLatencyFromTerms(terms, keptTokens) - options.budgetMs);
  return (options.weight ?? 1) * excess * excess;
}

/** tfjs predicted latency; keptTokens[s] is a scalar tensor (batch-mean kept spatial tokens). */
export function predictLatencyTf(terms: LatencyTerms, keptTokens: readonly tf.Tensor[]): tf.Scalar {
  return tf.tidy(() => {
    const parts = terms.terms.map((t) => {
      const kept = keptTokens[t.phase];
      if (kept === undefined) throw new RangeError(`predictLatencyTf: no kept-token tensor for selector ${t.phase}`);
      return tf.reshape(rampCurveTf(t.curve, tf.add(kept, t.constantTokens)), []);
    });
    const sum = parts.length === 0 ? tf.scalar(0) : tf.addN(parts);
    return tf.add(sum, terms.constantMs) as tf.Scalar;
  });
}

/** weight * relu(T - budget)^2 as a scalar the caller owns. */
export function latencyHingeTf(terms: LatencyTerms, keptTokens: readonly tf.Tensor[], options: HingeOptions): tf.Scalar {
  return tf.tidy(() => {
    const excess = tf.relu(tf.sub(predictLatencyTf(terms, keptTokens), options.budgetMs));
    return tf.mul(tf.square(excess), options.weight ?? 1) as tf.Scalar;
  });
}
