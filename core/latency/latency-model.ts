/** A LUT bound to a layout: predicted latency of a forward pass for given kept token counts. */
import { StudioError } from '../shared/errors';

import { buildLatencyCurve } from './curve';
import { layoutOps, opTokens } from './layout';

import type { CurveOptions, LatencyCurve } from './curve';
import type { LatencyLayout, LayoutOp } from './layout';
import type { Lut, LutBlockType } from './lut-schema';

/** Fixed ops a LUT may lack; they are then left out of the total and listed in `omitted`. */
const OPTIONAL_TYPES: ReadonlySet<LutBlockType> = new Set(['patch-embed', 'head', 'downsample']);

export interface BoundOp extends LayoutOp {
  curve: LatencyCurve;
  /** The table the curve came from ('block' stands in for a missing 'block-after-selector'). */
  table: LutBlockType;
}

export interface LatencyModel {
  readonly lut: Lut;
  readonly layout: LatencyLayout;
  readonly ops: readonly BoundOp[];
  /** Fixed ops the LUT has no table for (not counted). */
  readonly omitted: readonly string[];
  /** Full spatial grid of each selector's stage. */
  readonly selectorGrid: readonly number[];
}

export interface OpLatency {
  blockType: LutBlockType;
  stage: number;
  block: number;
  tokens: number;
  latencyMs: number;
}

export interface LatencyPrediction {
  totalMs: number;
  ops: OpLatency[];
}

export function createLatencyModel(lut: Lut, layout: LatencyLayout, options: CurveOptions = {}): LatencyModel {
  const curves = new Map<string, LatencyCurve>();
  for (const table of lut.tables) curves.set(`${table.blockType}@${table.stage}`, buildLatencyCurve(table.points, options));
  const ops: BoundOp[] = [];
  const omitted: string[] = [];
  for (const op of layoutOps(layout)) {
    const wanted = op.blockType;
    const fallback: LutBlockType | null = wanted === 'block-after-selector' ? 'block' : null;
    const table = curves.has(`${wanted}@${op.stage}`) ? wanted : fallback !== null && curves.has(`${fallback}@${op.stage}`) ? fallback : null;
    if (table === null) {
      const name = `${wanted}@stage${op.stage}`;
      if (OPTIONAL_TYPES.has(wanted)) {
        if (!omitted.includes(name)) omitted.push(name);
        continue;
      }
      throw new StudioError('input/invalid', `The latency table has no '${wanted}' table for stage ${op.stage}`, {
        details: { field: 'tables', blockType: wanted, stage: op.stage, device: lut.device.id },
        hint: 'Profile the device again with this model shape, or use an analytic table.',
      });
    }
    ops.push({ ...op, table, curve: curves.get(`${table}@${op.stage}`) as LatencyCurve });
  }
  const selectorGrid = layout.selectors.map((s) => layout.stages[s.stage]?.spatialTokens ?? 0);
  return { lut, layout, ops, omitted, selectorGrid };
}

/** Latency per op and in total; keptTokens[s] = spatial tokens kept by selector s. */
export function predictLatency(model: LatencyModel, keptTokens: readonly number[]): LatencyPrediction {
  let totalMs = 0;
  const ops = model.ops.map((op) => {
    const tokens = opTokens(op, keptTokens);
    const latencyMs = op.curve.at(tokens);
    totalMs += latencyMs;
    return { blockType: op.blockType, stage: op.stage, block: op.block, tokens, latencyMs };
  });
  return { totalMs, ops };
}

/** Kept counts from keep ratios (rounded, at least 1 token). */
export function keptFromRatios(model: LatencyModel, ratios: readonly number[]): number[] {
  return model.selectorGrid.map((grid, s) => Math.max(1, Math.min(grid, Math.round((ratios[s] ?? 1) * grid))));
}

/** The model without pruning: every selector keeps everything (selectors still run). */
export function denseKept(model: LatencyModel): number[] {
  return [...model.selectorGrid];
}

/** Latency of the same backbone with no selectors at all. */
export function unprunedLatencyMs(lut: Lut, layout: LatencyLayout, options: CurveOptions = {}): number {
  return predictLatency(createLatencyModel(lut, { ...layout, selectors: [] }, options), []).totalMs;
}
