/**
 * SPViT training from an SPViT checkpoint on the backbone port (spvit-checkpoint.ts): the selectors
 * sit where the checkpoint has them, with its head sharing and selector LayerNorm eps (a train node
 * whose selector section says otherwise is an error), the package formula is the checkpoint's unless
 * the node names one, and the SPViT stage starts from the checkpoint's selector weights.
 */
import { StudioError } from '../../shared/errors';
import { flatSelectors } from '../../latency/layout';
import { loadSpvitWeightsFile } from '../../spvit/load';
import { parseSpvitSettings } from '../../spvit/settings';
import { parameterLayout, readParameters } from '../../train/parameter-layout';

import type { SelectorPosition } from '../../latency/layout';
import type { LutModelShape } from '../../latency/lut-schema';
import type { SpvitModel } from '../../spvit/model';
import type { SpvitSettings } from '../../spvit/settings';
import type { SpvitTrainingConfig } from '../node-configs';
import type { BackboneValue } from '../port-values';

export interface CheckpointSelectors {
  blocks: Array<number | null>;
  positions: SelectorPosition[];
  sharedHeadWeights: boolean;
  normEps: number;
  packageMode: SpvitSettings['package']['mode'];
}

function contradiction(field: string, message: string, hint: string): StudioError {
  return new StudioError('input/invalid', message, { details: { field }, hint });
}

function samePositions(a: readonly SelectorPosition[], b: readonly SelectorPosition[]): boolean {
  return a.length === b.length && a.every((p, i) => p.stage === b[i]?.stage && p.block === b[i]?.block);
}

function placement(config: SpvitTrainingConfig, settings: SpvitSettings, shape: LutModelShape): Pick<CheckpointSelectors, 'blocks' | 'positions'> {
  const blocks = settings.selector.blocks;
  const keep = 'Leave it out to keep the checkpoint\'s selectors, or take plain backbone weights to place new ones.';
  if (shape.arch === 'vit') {
    const flat = blocks.filter((b): b is number => b !== null);
    const wanted = config.selector.blocks;
    if (wanted !== undefined && (wanted.length !== flat.length || wanted.some((b, i) => b !== flat[i]))) {
      throw contradiction('config.spvit.selector.blocks', `selector.blocks [${wanted.join(', ')}] contradicts the SPViT checkpoint's selectors before blocks [${flat.join(', ')}].`, keep);
    }
    return { blocks: flat, positions: flatSelectors(flat) };
  }
  const positions = blocks.flatMap((block, stage) => (block === null ? [] : [{ stage, block }]));
  const wanted = config.selector.positions;
  if (wanted !== undefined && !samePositions(wanted, positions)) {
    const text = (list: readonly SelectorPosition[]): string => list.map((p) => `(${p.stage}, ${p.block})`).join(', ');
    throw contradiction('config.spvit.selector.positions', `selector.positions ${text(wanted)} contradicts the SPViT checkpoint's ${text(positions)}.`, keep);
  }
  return { blocks, positions };
}

/** The layer-to-phase search places new selectors: not with an SPViT checkpoint, whose selectors stay where they are. */
export function refusePhaseSearch(config: SpvitTrainingConfig, backbone: BackboneValue | undefined): void {
  if (config.phaseSearch !== undefined && (backbone?.spvit ?? null) !== null) {
    throw contradiction('config.spvit.phaseSearch', 'The layer-to-phase search places new selectors, but the backbone is an SPViT checkpoint whose selectors are fine-tuned where they are.', 'Remove phaseSearch, or take plain backbone weights.');
  }
}

/** The checkpoint's selector section for the plan, or null when the backbone port carries plain weights. */
export function checkpointSelectors(config: SpvitTrainingConfig, backbone: BackboneValue): CheckpointSelectors | null {
  const checkpoint = backbone.spvit ?? null;
  if (checkpoint === null) return null;
  const settings = parseSpvitSettings(checkpoint.settings);
  const have = settings.selector.sharedHeadWeights;
  const wanted = config.selector.sharedHeadWeights ?? have;
  // Official checkpoints store the shared scorer once per head, so they can be split into per-head scorers.
  if (wanted !== have && !(checkpoint.official && !wanted)) {
    throw contradiction('config.spvit.selector.sharedHeadWeights', `sharedHeadWeights ${wanted} contradicts the SPViT checkpoint, whose heads ${have ? 'share one scorer' : 'have their own scorers'}.`, `Leave sharedHeadWeights out (the checkpoint's: ${have}).`);
  }
  refusePhaseSearch(config, backbone);
  return { ...placement(config, settings, backbone.shape), sharedHeadWeights: wanted, normEps: settings.selector.normEps, packageMode: settings.package.mode };
}

/**
 * The SPViT stage's starting parameters (the model's layout): the checkpoint loaded into `model`
 * (built with the plan's settings), or null when there is no checkpoint (fresh selectors).
 */
export async function checkpointStart(model: SpvitModel, backbone: BackboneValue): Promise<Float32Array | null> {
  if ((backbone.spvit ?? null) === null || backbone.weights === null) return null;
  await loadSpvitWeightsFile(model, backbone.weights);
  const entries = model.parameters();
  return readParameters(entries, parameterLayout(entries, { spvit: true }));
}
