/**
 * What the micro-models of a latency table are built from: a ViT/DeiT's config and weights, and a
 * token selector's weights. A model without selectors (profiling a backbone by its timm name) gets
 * a freshly initialised selector: its weights do not change the latency of fp32 CPU kernels.
 */
import { StudioError } from '../../shared/errors';
import { SELECTOR_NORM_EPS, TokenSelector } from '../../spvit/selector';

import { WeightTable } from './weights';

import type { BackboneModel } from '../../models/model';
import type { VisionTransformer } from '../../models/vit/model';
import type { SpvitModel } from '../../spvit/model';
import type { MicroModelSource } from './micro-models';
import type { SelectorShape } from './selector-graph';

function isSpvit(model: BackboneModel): model is SpvitModel {
  return 'selectors' in model && 'settings' in model;
}

function defaultSelector(vit: VisionTransformer, seed: number): { shape: SelectorShape | null; weights: WeightTable | null } {
  const { embedDim, numHeads } = vit.config;
  const headDim = embedDim / numHeads;
  // Backbones whose heads are too narrow for a selector are profiled without the selector table.
  if (headDim % 2 !== 0 || headDim < 4) return { shape: null, weights: null };
  const selector = new TokenSelector({ key: 'selectors.0', dim: embedDim, numHeads, sharedHeadWeights: true, seed });
  try {
    return { shape: { dim: embedDim, heads: numHeads, sharedHeadWeights: true, normEps: SELECTOR_NORM_EPS }, weights: WeightTable.fromParameters(selector.parameters()) };
  } finally {
    for (const entry of selector.parameters()) entry.variable.dispose();
  }
}

/** Micro-model source of a loaded model (ViT/DeiT or SPViT on ViT/DeiT). */
export function microModelSource(model: BackboneModel, seed = 0): MicroModelSource {
  const backbone = (isSpvit(model) ? model.backbone : model) as BackboneModel;
  if (backbone.architecture !== 'vit') {
    throw new StudioError('model/unsupported', `Latency tables from TFLite micro-models cover ViT/DeiT backbones; '${backbone.architecture}' is not supported yet.`, {
      details: { architecture: backbone.architecture },
      hint: 'Use an analytic latency table for PiT and Swin, or profile a ViT/DeiT.',
    });
  }
  const vit = backbone as VisionTransformer;
  const weights = WeightTable.fromParameters(model.parameters());
  if (isSpvit(model) && model.selectors.length > 0) {
    const { embedDim, numHeads } = vit.config;
    return {
      config: vit.config,
      weights,
      selector: { dim: embedDim, heads: numHeads, sharedHeadWeights: model.settings.selector.sharedHeadWeights, normEps: model.settings.selector.normEps },
      packageMode: model.settings.package.mode,
    };
  }
  const selector = defaultSelector(vit, seed);
  const merged = selector.weights === null ? weights : WeightTable.merge(weights, selector.weights);
  return { config: vit.config, weights: merged, selector: selector.shape, packageMode: 'average' };
}
