/**
 * Staircase LUTs with known answers, for tests and the pipeline's demos: block latency rises by one
 * step every `stepTokens` tokens, as GEMM tiling makes it on real devices.
 */
import { LUT_FORMAT, LUT_VERSION } from './lut-schema';

import type { Lut, LutModelShape, LutTable } from './lut-schema';

export interface StaircaseOptions {
  model: LutModelShape;
  stepTokens: number;
  /** ms per step of a block; the selector costs `selectorFraction` of that. */
  stepMs: number;
  selectorFraction?: number;
  /** Measure every token count up to this many tokens (default full grid + extras + depth). */
  maxTokens?: number;
}

export function staircaseLut(options: StaircaseOptions): Lut {
  const selectorFraction = options.selectorFraction ?? 0.05;
  const tables: LutTable[] = [];
  const points = (maxTokens: number, msAt: (n: number) => number) =>
    Array.from({ length: maxTokens }, (_, i) => ({ tokens: i + 1, meanMs: msAt(i + 1), stdMs: 0, count: 1 }));
  const steps = (n: number) => Math.ceil(n / options.stepTokens);
  options.model.stages.forEach((stage, g) => {
    const max = options.maxTokens ?? stage.spatialTokens + stage.extraTokens + options.model.depth;
    const scale = stage.embedDim / (options.model.stages[0]?.embedDim ?? stage.embedDim);
    tables.push({ blockType: 'block', stage: g, points: points(max, (n) => options.stepMs * scale * steps(n)) });
    tables.push({ blockType: 'selector', stage: g, points: points(max, (n) => options.stepMs * selectorFraction * steps(n)) });
  });
  const first = options.model.stages[0];
  tables.push({ blockType: 'patch-embed', stage: 0, points: [{ tokens: (first?.spatialTokens ?? 0) + (first?.extraTokens ?? 0), meanMs: options.stepMs, stdMs: 0, count: 1 }] });
  tables.push({ blockType: 'head', stage: options.model.stages.length - 1, points: [{ tokens: 1, meanMs: 0.01, stdMs: 0, count: 1 }] });
  return {
    format: LUT_FORMAT,
    version: LUT_VERSION,
    source: 'file',
    createdAt: '2025-01-01T00:00:00.000Z',
    device: { id: 'synthetic', kind: 'host', model: 'staircase', soc: null, runtime: 'synthetic', runtimeVersion: null, threads: 1, delegate: 'cpu', precision: 'fp32', batch: 1 },
    model: options.model,
    tables,
  };
}

/** A DeiT-like flat shape: `grid` spatial tokens + CLS. */
export function flatModel(options: { depth: number; grid: number; embedDim?: number; heads?: number }): LutModelShape {
  const embedDim = options.embedDim ?? 192;
  const heads = options.heads ?? 3;
  return { arch: 'vit', embedDim, heads, mlpRatio: 4, depth: options.depth, stages: [{ depth: options.depth, embedDim, heads, spatialTokens: options.grid, extraTokens: 1 }] };
}
