/** Turning noisy measurements into a monotone staircase: isotonic fit, then noise-flat steps. */
import type { LutPoint } from './lut-schema';

export interface StepTolerance {
  /** Neighbouring means within this fraction of each other are one step. Default 0.01. */
  relative?: number;
  /** ... or within this many milliseconds. Default 0. */
  absoluteMs?: number;
  /** ... or within this many combined standard errors (std / sqrt(count)). Default 2. */
  noiseSigmas?: number;
}

export interface LatencyStep {
  firstTokens: number;
  lastTokens: number;
  latencyMs: number;
}

/**
 * Pool-adjacent-violators: the count-weighted least-squares non-decreasing fit. Equals the input
 * when the input is already non-decreasing.
 */
export function isotonicFit(values: readonly number[], weights: readonly number[]): number[] {
  const blocks: { value: number; weight: number; size: number }[] = [];
  values.forEach((value, i) => {
    blocks.push({ value, weight: weights[i] ?? 1, size: 1 });
    for (;;) {
      const last = blocks[blocks.length - 1];
      const before = blocks[blocks.length - 2];
      if (last === undefined || before === undefined || before.value <= last.value) break;
      const weight = before.weight + last.weight;
      blocks.splice(blocks.length - 2, 2, {
        value: (before.value * before.weight + last.value * last.weight) / weight,
        weight,
        size: before.size + last.size,
      });
    }
  });
  return blocks.flatMap((block) => new Array<number>(block.size).fill(block.value));
}

/**
 * Groups consecutive points into steps: a point joins the current step while its (fitted) mean is
 * within tolerance of the step's running mean; every point of a step gets the step's
 * count-weighted mean, so the curve is exactly flat there.
 */
export function groupSteps(points: readonly LutPoint[], fitted: readonly number[], tolerance: StepTolerance = {}): { levels: number[]; steps: LatencyStep[] } {
  const relative = tolerance.relative ?? 0.01;
  const absoluteMs = tolerance.absoluteMs ?? 0;
  const sigmas = tolerance.noiseSigmas ?? 2;
  const stderr = (p: LutPoint) => (p.count > 1 ? p.stdMs / Math.sqrt(p.count) : 0);
  const levels = new Array<number>(points.length).fill(0);
  const steps: LatencyStep[] = [];
  let start = 0;
  let sum = 0;
  let weight = 0;
  let variance = 0;
  const close = (end: number) => {
    const level = sum / weight;
    for (let i = start; i <= end; i += 1) levels[i] = level;
    steps.push({ firstTokens: points[start]?.tokens ?? 0, lastTokens: points[end]?.tokens ?? 0, latencyMs: level });
  };
  points.forEach((point, i) => {
    const value = fitted[i] ?? point.meanMs;
    if (weight > 0) {
      const mean = sum / weight;
      const allowed = Math.max(absoluteMs, relative * Math.max(mean, value), sigmas * Math.sqrt(variance + stderr(point) ** 2));
      if (Math.abs(value - mean) > allowed) {
        close(i - 1);
        start = i;
        sum = 0;
        weight = 0;
        variance = 0;
      }
    }
    sum += value * point.count;
    weight += point.count;
    // Standard error of the running mean, from the members' own standard errors.
    variance = Math.max(variance, stderr(point) ** 2);
  });
  close(points.length - 1);
  return { levels, steps };
}
