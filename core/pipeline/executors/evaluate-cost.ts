/**
 * GFLOPs and LUT-predicted latency of a pruned model at given kept token counts: the token count of
 * every block comes from the LUT layout (CLS + kept + package tokens), selectors are counted with
 * the selector MAC formula, and FLOPs are 2 x MACs.
 */
import { createLatencyModel, predictLatency } from '../../latency/latency-model';
import { layoutFromModel, layoutOps, opTokens } from '../../latency/layout';
import { readLut } from '../../latency/lut-io';
import { macsOfBlockForShape } from '../../latency/transformer-macs';
import { modelCost } from '../../models/registry';

import type { SelectorPosition } from '../../latency/layout';
import type { LutModelShape } from '../../latency/lut-schema';
import type { ModelSpec } from '../../models/architecture';

export interface PrunedCostOptions {
  spec: ModelSpec;
  shape: LutModelShape;
  positions: readonly SelectorPosition[];
  /** Mean kept spatial tokens per selector (may be fractional). */
  keptTokens: readonly number[];
}

export function denseGflops(spec: ModelSpec): number {
  return (2 * modelCost(spec).macs) / 1e9;
}

/** GFLOPs with the selectors in place and the given mean kept counts. */
export function prunedGflops(options: PrunedCostOptions): number {
  const layout = layoutFromModel(options.shape, options.positions);
  const ops = layoutOps(layout);
  const macsOf = macsOfBlockForShape(options.shape);
  const tokensPerBlock: number[] = [];
  let selectorMacs = 0;
  for (const op of ops) {
    const tokens = opTokens(op, options.keptTokens);
    if (op.blockType === 'block' || op.blockType === 'block-after-selector') tokensPerBlock.push(Math.max(1, Math.round(tokens)));
    if (op.blockType === 'selector') selectorMacs += macsOf('selector', tokens, op.stage);
  }
  return (2 * (modelCost(options.spec, { tokensPerBlock }).macs + selectorMacs)) / 1e9;
}

/** LUT-predicted latency of the pruned model (and of the backbone with no selectors). */
export async function predictedLatencyMs(lutPath: string, positions: readonly SelectorPosition[], keptTokens: readonly number[]): Promise<{ prunedMs: number; source: string }> {
  const lut = await readLut(lutPath);
  const model = createLatencyModel(lut, layoutFromModel(lut.model, positions));
  return { prunedMs: predictLatency(model, keptTokens).totalMs, source: lut.source };
}
