/**
 * An analytic LUT: latency estimated from multiply-accumulates on a roofline device model
 * (compute rate, a fixed cost per op, token counts rounded up to the GEMM tile, which makes the
 * staircase). Marked source 'analytic': a planning aid until the device is profiled.
 */
import { LUT_FORMAT, LUT_VERSION } from './lut-schema';

import type { AnalyticRoofline, Lut, LutBlockType, LutModelShape, LutTable } from './lut-schema';

/** MACs of one op of `blockType` in `stage` at `tokens` sequence tokens (see lut-schema). */
export type MacsOfBlock = (blockType: LutBlockType, tokens: number, stage: number) => number;

/** Kernels per op type, for the per-op overhead (LayerNorms, GEMMs, softmax, GELU, adds...). */
export const DEFAULT_OPS_PER_BLOCK: Record<LutBlockType, number> = {
  'patch-embed': 3,
  block: 14,
  'block-after-selector': 17,
  selector: 12,
  downsample: 3,
  head: 2,
};

/** Rough device models for planning; profile the real device for numbers that matter. */
export const ROOFLINE_PRESETS = {
  /** A 2020 flagship phone CPU (4 big cores, fp32, XNNPACK). */
  'mobile-cpu': { gflops: 40, perOpOverheadMs: 0.01, tileTokens: 8 },
  /** One little core of a phone CPU (Cortex-A55 class), fp32, one thread: compute-bound for small ViTs. */
  'mobile-cpu-little': { gflops: 8, perOpOverheadMs: 0.005, tileTokens: 4 },
  /** A mobile GPU delegate: high rate, coarse tiles, costly launches. */
  'mobile-gpu': { gflops: 250, perOpOverheadMs: 0.04, tileTokens: 32 },
  /** The studio's fixed-point accelerator on a ZCU102 (int8 MAC array). */
  zcu102: { gflops: 600, perOpOverheadMs: 0.02, tileTokens: 16 },
  /** This machine's tfjs wasm backend, one thread. */
  'host-wasm': { gflops: 20, perOpOverheadMs: 0.02, tileTokens: 4 },
} as const satisfies Record<string, AnalyticRoofline>;
export type RooflinePreset = keyof typeof ROOFLINE_PRESETS;

export interface AnalyticLutOptions {
  model: LutModelShape;
  macsOfBlock: MacsOfBlock;
  /** Name of the FLOP counter, recorded in the LUT. */
  flopCounter: string;
  roofline: AnalyticRoofline;
  preset?: string;
  opsPerBlock?: Partial<Record<LutBlockType, number>>;
  /** Largest number of package tokens any block can carry (default: the depth, one per block). */
  maxPackageTokens?: number;
  createdAt?: string;
}

export function analyticLatencyMs(options: AnalyticLutOptions, blockType: LutBlockType, tokens: number, stage: number): number {
  const { roofline } = options;
  const padded = Math.ceil(tokens / roofline.tileTokens) * roofline.tileTokens;
  const ops = options.opsPerBlock?.[blockType] ?? DEFAULT_OPS_PER_BLOCK[blockType];
  const flops = 2 * options.macsOfBlock(blockType, padded, stage);
  return ops * roofline.perOpOverheadMs + (flops / (roofline.gflops * 1e9)) * 1e3;
}

function table(options: AnalyticLutOptions, blockType: LutBlockType, stage: number, tokens: readonly number[]): LutTable {
  return {
    blockType,
    stage,
    points: tokens.map((n) => ({ tokens: n, meanMs: analyticLatencyMs(options, blockType, n, stage), stdMs: 0, count: 1 })),
  };
}

/** 1, then both sides of every tile boundary up to `max`: enough to describe the staircase exactly. */
function tileGrid(max: number, tile: number): number[] {
  const set = new Set<number>([1, max]);
  for (let edge = tile; edge < max; edge += tile) {
    set.add(edge);
    set.add(edge + 1);
  }
  return [...set].filter((n) => n >= 1 && n <= max).sort((a, b) => a - b);
}

export function buildAnalyticLut(options: AnalyticLutOptions): Lut {
  const { model } = options;
  const packages = options.maxPackageTokens ?? model.depth;
  const tables: LutTable[] = [];
  const first = model.stages[0];
  if (first !== undefined) tables.push(table(options, 'patch-embed', 0, [first.spatialTokens + first.extraTokens]));
  model.stages.forEach((stage, g) => {
    const full = stage.spatialTokens + stage.extraTokens + packages;
    const grid = tileGrid(full, options.roofline.tileTokens);
    tables.push(table(options, 'block', g, grid));
    tables.push(table(options, 'block-after-selector', g, grid));
    tables.push(table(options, 'selector', g, grid));
    if (g < model.stages.length - 1) {
      const restored = stage.spatialTokens + stage.extraTokens;
      tables.push(table(options, 'downsample', g, [restored, restored + 1]));
    }
  });
  tables.push(table(options, 'head', model.stages.length - 1, [1]));
  const preset = options.preset;
  return {
    format: LUT_FORMAT,
    version: LUT_VERSION,
    source: 'analytic',
    createdAt: options.createdAt ?? new Date().toISOString(),
    device: {
      id: `analytic:${preset ?? 'custom'}`,
      kind: 'analytic',
      model: preset ?? 'custom roofline',
      soc: null,
      runtime: 'roofline',
      runtimeVersion: null,
      threads: null,
      delegate: 'none',
      precision: 'fp32',
      batch: 1,
    },
    model,
    analytic: { ...options.roofline, flopCounter: options.flopCounter, ...(preset === undefined ? {} : { preset }) },
    tables,
  };
}
