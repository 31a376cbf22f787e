/**
 * From a train node's SPViT section to what the trainer needs: where the selectors go (SPViT
 * settings and the LUT layout; an SPViT checkpoint on the backbone port decides that), the
 * keep-ratio targets (explicit, or LUT -> budget -> solver), and the latency terms of the optional
 * differentiable hinge.
 */
import { StudioError } from '../../shared/errors';
import { resolveBudgetMs } from '../../latency/budget';
import { solveBudget } from '../../latency/budget-solver';
import { latencyTerms } from '../../latency/latency-hinge';
import { createLatencyModel, predictLatency } from '../../latency/latency-model';
import { flatSelectors, layoutFromModel } from '../../latency/layout';
import { readLut } from '../../latency/lut-io';
import { defaultSelectorBlocks } from '../../spvit/defaults';
import { parseSpvitSettings } from '../../spvit/settings';

import { checkpointSelectors } from './train-from-checkpoint';

import type { LatencyTerms } from '../../latency/latency-hinge';
import type { LatencyModel } from '../../latency/latency-model';
import type { LatencyLayout, SelectorPosition } from '../../latency/layout';
import type { Lut, LutModelShape } from '../../latency/lut-schema';
import type { BackboneModel } from '../../models/model';
import type { SpvitSettings } from '../../spvit/settings';
import type { SpvitTrainingConfig } from '../node-configs';
import type { BackboneValue, LatencyTableValue } from '../port-values';

export interface SpvitPlan {
  settings: SpvitSettings;
  /** Selector positions as (stage, block-in-stage), the LUT's view. */
  positions: SelectorPosition[];
  targets: number[];
  budgetMs: number | null;
  /** LUT-predicted latency at the targets (null without a LUT). */
  predictedMs: number | null;
  /** LUT-predicted latency of the backbone without selectors (null without a LUT). */
  denseMs: number | null;
  hinge: { terms: LatencyTerms; budgetMs: number } | null;
  lut: { path: string; source: string } | null;
}

/** Selector entries in SPViT settings form, and their (stage, block) positions. */
function placement(config: SpvitTrainingConfig, backbone: BackboneModel, shape: LutModelShape): { blocks: Array<number | null>; positions: SelectorPosition[] } {
  if (shape.arch === 'vit') {
    const blocks = config.selector.blocks ?? (defaultSelectorBlocks(backbone).filter((b): b is number => b !== null));
    return { blocks, positions: flatSelectors(blocks) };
  }
  if (config.selector.positions !== undefined) {
    const blocks: Array<number | null> = shape.stages.map(() => null);
    for (const position of config.selector.positions) {
      if (position.stage >= blocks.length || blocks[position.stage] !== null) {
        throw new StudioError('input/invalid', `Selector position (stage ${position.stage}, block ${position.block}) is outside the backbone or repeats a stage.`, {
          details: { field: 'config.spvit.selector.positions' },
          hint: 'PiT and Swin take at most one selector per stage.',
        });
      }
      blocks[position.stage] = position.block;
    }
    return { blocks, positions: config.selector.positions.map((p) => ({ stage: p.stage, block: p.block })) };
  }
  const blocks = defaultSelectorBlocks(backbone);
  const positions = blocks.flatMap((block, stage) => (block === null ? [] : [{ stage, block }]));
  return { blocks, positions };
}

function budgetTargets(config: SpvitTrainingConfig, lut: Lut, layout: LatencyLayout, model: LatencyModel): { targets: number[]; budgetMs: number; predictedMs: number } {
  if (config.budget === undefined) throw new StudioError('internal/bug', 'budgetTargets without a budget.');
  const budgetMs = resolveBudgetMs(config.budget, lut, layout);
  const solution = solveBudget(model, { budgetMs, minKeepRatio: config.minKeepRatio });
  return { targets: solution.keepRatios, budgetMs, predictedMs: solution.predictedMs };
}

export interface PlanOptions {
  config: SpvitTrainingConfig;
  backbone: BackboneValue;
  /** A built backbone of the same spec (for the default selector placement). */
  model: BackboneModel;
  lut: LatencyTableValue | undefined;
}

export async function planSpvit(options: PlanOptions): Promise<SpvitPlan> {
  const { config, backbone } = options;
  const checkpoint = checkpointSelectors(config, backbone);
  const { blocks, positions } = checkpoint ?? placement(config, options.model, backbone.shape);
  let targets = config.keepRatios ?? null;
  let budgetMs: number | null = null;
  let predictedMs: number | null = null;
  let denseMs: number | null = null;
  let hinge: SpvitPlan['hinge'] = null;
  if (options.lut !== undefined) {
    const lut = await readLut(options.lut.path);
    const layout = layoutFromModel(lut.model, positions);
    const model = createLatencyModel(lut, layout);
    denseMs = options.lut.denseMs;
    if (targets === null) ({ targets, budgetMs, predictedMs } = budgetTargets(config, lut, layout, model));
    else predictedMs = predictLatency(model, model.selectorGrid.map((grid, s) => (targets?.[s] ?? 1) * grid)).totalMs;
    if (config.loss.latencyHinge > 0) {
      hinge = { terms: latencyTerms(model), budgetMs: budgetMs ?? predictedMs };
    }
  } else if (targets === null) {
    throw new StudioError('input/invalid', 'A latency budget needs a latency table: connect a latency-table node to the train node.', {
      details: { field: 'config.spvit.budget' },
      hint: 'Add a latency-table node (analytic, file or device), or give keepRatios instead of a budget.',
    });
  }
  if (targets.length !== positions.length) {
    throw new StudioError('input/invalid', `${targets.length} keep ratio(s) for ${positions.length} selector(s).`, {
      details: { field: 'config.spvit.keepRatios' },
      hint: 'Give one keep ratio per selector.',
    });
  }
  const settings = parseSpvitSettings({
    selector: checkpoint === null ? { blocks, sharedHeadWeights: config.selector.sharedHeadWeights ?? true } : { blocks, sharedHeadWeights: checkpoint.sharedHeadWeights, normEps: checkpoint.normEps },
    package: { mode: config.package.mode ?? checkpoint?.packageMode ?? 'average' },
    keepRatios: targets,
    inference: { mode: config.inferenceMode, seed: 0 },
  });
  return {
    settings,
    positions,
    targets,
    budgetMs,
    predictedMs,
    denseMs,
    hinge,
    lut: options.lut === undefined ? null : { path: options.lut.path, source: options.lut.source },
  };
}
