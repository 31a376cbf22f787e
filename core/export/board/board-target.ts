/** Which float models the board package takes (DeiT-style ViTs, dense or SPViT), as a trace target. */
import { StudioError } from '../../shared/errors';
import { topkCount } from '../../spvit/decisions';

import type { BackboneModel } from '../../models/model';
import type { VisionTransformer } from '../../models/vit/model';
import type { SpvitVisionTransformer } from '../../spvit/vit/spvit-vit';
import type { TraceTarget } from './calibration/float-trace';

function unsupported(message: string, hint: string): StudioError {
  return new StudioError('model/unsupported', message, { hint });
}

function checkVit(backbone: VisionTransformer): void {
  const c = backbone.config;
  const problems = [
    !c.classToken || c.globalPool !== 'token' ? 'a class-token readout' : null,
    c.distilled ? 'no distillation token' : null,
    c.regTokens > 0 ? 'no register tokens' : null,
    c.qkNorm ? 'no qk_norm' : null,
    !c.posEmbed || c.noEmbedClass ? 'a learned position embedding over class and patch tokens' : null,
    c.preNorm ? 'no norm_pre' : null,
    !c.finalNorm || c.fcNorm ? 'a final LayerNorm before the head' : null,
    c.numClasses < 1 ? 'a classifier head' : null,
    c.embedDim > 2048 ? 'embed_dim up to 2048' : null,
  ].filter((problem): problem is string => problem !== null);
  if (problems.length > 0) {
    throw unsupported(`The fixed-point board package needs a DeiT-style ViT with ${problems.join(', ')}.`, 'Export a plain DeiT / ViT (deit_tiny_patch16_224, ...) or an SPViT model built on one.');
  }
}

/** The float model's structure as the exporter sees it, or model/unsupported. */
export function boardTarget(model: BackboneModel): TraceTarget {
  if (model.architecture === 'vit') {
    const backbone = model as VisionTransformer;
    checkVit(backbone);
    return { backbone, selectors: [], packageMode: 'average', selectorNormEps: 1e-5 };
  }
  if (model.architecture === 'spvit-vit') {
    const spvit = model as SpvitVisionTransformer;
    checkVit(spvit.backbone);
    if (!spvit.settings.selector.sharedHeadWeights) {
      throw unsupported('The fixed-point package supports SPViT selectors with one scorer shared by all heads (the official design).', 'Train with selector.sharedHeadWeights: true.');
    }
    if ((spvit.backbone.config.embedDim / spvit.backbone.config.numHeads) % 4 !== 0) {
      throw unsupported('The fixed-point selector needs a head width divisible by 4.', 'Use embed_dim / num_heads = 64 as DeiT does.');
    }
    const selectors = spvit.selectors.map((selector, stage) => ({
      selector,
      block: spvit.selectorBlocks[stage] as number,
      keep: topkCount(spvit.settings.keepRatios[stage] as number, spvit.spatialTokens),
    }));
    return { backbone: spvit.backbone, selectors, packageMode: spvit.settings.package.mode, selectorNormEps: spvit.settings.selector.normEps };
  }
  throw unsupported(`The fixed-point board package exports ViT/DeiT and SPViT-ViT models, not '${model.architecture}'.`, 'PiT and Swin run on phones (TFLite); for the board use a DeiT backbone.');
}
