/** The selector section a train node takes from an SPViT checkpoint on its backbone port, and the contradictions it refuses. */
import { describe, expect, it } from 'vitest';

import { isStudioError } from '../../shared/errors';
import { lutModelShapeFromSpec } from '../../latency/model-shape';
import { specFromTimm } from '../../models/registry';
import { parseSpvitSettings } from '../../spvit/settings';
import { SpvitTrainingSchema } from '../node-configs';

import { checkpointSelectors, refusePhaseSearch } from './train-from-checkpoint';

import type { SpvitSettingsInput } from '../../spvit/settings';
import type { BackboneValue } from '../port-values';

function backboneValue(model: string, kwargs: Record<string, unknown>, spvit: { settings: SpvitSettingsInput; official: boolean } | null): BackboneValue {
  const spec = specFromTimm(model, kwargs);
  const checkpoint = spvit === null ? null : { settings: parseSpvitSettings(spvit.settings) as unknown as Record<string, unknown>, official: spvit.official, config: null };
  return { model, kwargs, spec, shape: lutModelShapeFromSpec(spec, model), weights: '/checkpoint.safetensors', spvit: checkpoint };
}

const VIT = { img_size: 56, patch_size: 4, num_classes: 10, embed_dim: 48, depth: 4, num_heads: 3 };
const OFFICIAL_S1: SpvitSettingsInput = { selector: { blocks: [1, 2, 3], sharedHeadWeights: true, normEps: 1e-5 }, package: { mode: 'sum' }, keepRatios: [0.617, 0.369, 0.137] };
const official = backboneValue('VisionTransformer', VIT, { settings: OFFICIAL_S1, official: true });

function spvitConfig(extra: Record<string, unknown> = {}) {
  return SpvitTrainingSchema.parse({ epochs: 1, keepRatios: [0.6, 0.35, 0.15], ...extra });
}

function fieldOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(isStudioError(error, 'input/invalid')).toBe(true);
    expect((error as { hint?: string }).hint).toBeTruthy();
    return (error as { details: { field: string } }).details.field;
  }
  throw new Error('expected an error');
}

describe('checkpointSelectors', () => {
  it('is null for plain backbone weights', () => {
    expect(checkpointSelectors(spvitConfig(), backboneValue('VisionTransformer', VIT, null))).toBeNull();
  });

  it('takes placement, head sharing, LayerNorm eps and package formula from the checkpoint', () => {
    expect(checkpointSelectors(spvitConfig(), official)).toEqual({
      blocks: [1, 2, 3],
      positions: [{ stage: 0, block: 1 }, { stage: 0, block: 2 }, { stage: 0, block: 3 }],
      sharedHeadWeights: true,
      normEps: 1e-5,
      packageMode: 'sum',
    });
    expect(checkpointSelectors(spvitConfig({ selector: { blocks: [1, 2, 3] } }), official)?.blocks).toEqual([1, 2, 3]);
  });

  it('refuses selector blocks or positions that contradict the checkpoint', () => {
    expect(fieldOf(() => checkpointSelectors(spvitConfig({ selector: { blocks: [1, 3] }, keepRatios: [0.5, 0.2] }), official))).toBe('config.spvit.selector.blocks');
    const pit = backboneValue('pit_ti_224', { num_classes: 10 }, { settings: { selector: { blocks: [null, 1, 0] }, keepRatios: [0.7, 0.5] }, official: false });
    expect(checkpointSelectors(spvitConfig({ keepRatios: [0.7, 0.5] }), pit)?.positions).toEqual([{ stage: 1, block: 1 }, { stage: 2, block: 0 }]);
    const moved = spvitConfig({ keepRatios: [0.7, 0.5], selector: { positions: [{ stage: 1, block: 2 }, { stage: 2, block: 0 }] } });
    expect(fieldOf(() => checkpointSelectors(moved, pit))).toBe('config.spvit.selector.positions');
  });

  it('splits an official shared scorer per head on request, and refuses every other change of head sharing', () => {
    expect(checkpointSelectors(spvitConfig({ selector: { sharedHeadWeights: false } }), official)?.sharedHeadWeights).toBe(false);
    const oursShared = backboneValue('VisionTransformer', VIT, { settings: OFFICIAL_S1, official: false });
    expect(fieldOf(() => checkpointSelectors(spvitConfig({ selector: { sharedHeadWeights: false } }), oursShared))).toBe('config.spvit.selector.sharedHeadWeights');
    const perHead = backboneValue('VisionTransformer', VIT, { settings: { ...OFFICIAL_S1, selector: { blocks: [1, 2, 3], sharedHeadWeights: false } }, official: false });
    expect(checkpointSelectors(spvitConfig(), perHead)?.sharedHeadWeights).toBe(false);
    expect(fieldOf(() => checkpointSelectors(spvitConfig({ selector: { sharedHeadWeights: true } }), perHead))).toBe('config.spvit.selector.sharedHeadWeights');
  });

  it('refuses the layer-to-phase search, which would place new selectors', () => {
    const search = spvitConfig({ keepRatios: undefined, budget: { latencyMs: 5 }, phaseSearch: {} });
    expect(fieldOf(() => refusePhaseSearch(search, official))).toBe('config.spvit.phaseSearch');
    expect(() => refusePhaseSearch(search, backboneValue('VisionTransformer', VIT, null))).not.toThrow();
  });
});
