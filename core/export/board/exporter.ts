/**
 * From a float ViT/DeiT (dense) or an SPViT ViT (exported in top-k mode, tokens removed) to the
 * fixed-point board package: calibrate activation ranges on sample images with the float model, then
 * quantise every unit (export/export-units.ts). Other backbones are `model/unsupported`.
 *
 * Calibration: per point, either the largest |x| ('max') or a percentile of |x| ('percentile',
 * default 99.99) over the calibration images; int8 scale = range / 127. The int16 residual stream
 * always uses the maximum with 25% headroom, GELU inputs the maximum with 50% headroom (a power of
 * two scale). Weights: symmetric int8 per output channel, scale max |w| / 127.
 */
import { StudioError } from '../../shared/errors';
import { topkCount } from '../../spvit/decisions';
import { internalToTimm } from '../../tensor/parameters';

import { RangeObserver } from './calibration/range-observer';
import { traceImage } from './calibration/float-trace';
import { ExportContext } from './export/export-context';
import { exportBlock, exportEmbed, exportHead, exportSelector } from './export/export-units';
import { TensorTable } from './export/quantize';
import { DEFAULT_ARITHMETIC } from './nonlinear';
import { PACKAGE_FORMAT, PACKAGE_VERSION } from './package-format';
import { decodePackage, encodePackage } from './package-io';

import type { BackboneModel } from '../../models/model';
import type { VisionTransformer } from '../../models/vit/model';
import type { HostTensor } from '../../tensor/host-tensor';
import type { SpvitVisionTransformer } from '../../spvit/vit/spvit-vit';
import type { CalibrationMethod, RangeRule } from './calibration/range-observer';
import type { TraceTarget } from './calibration/float-trace';
import type { ArithmeticSpec } from './nonlinear';
import type { FixedPointPackage, PackageHeader } from './package-format';

/** NCHW float images, normalised as the model expects. */
export interface ImageBatch {
  data: Float32Array;
  count: number;
  /** Where they come from, for the package's record (a file, 'fashion-mnist sample', ...). */
  source: string;
}

export interface BoardExportOptions {
  calibration: ImageBatch;
  method?: CalibrationMethod;
  percentile?: number;
  /** Name recorded as the model's arch (a timm name such as deit_tiny_patch16_224). */
  arch?: string;
  arithmetic?: Partial<ArithmeticSpec>;
}

export interface BoardExport {
  bytes: Uint8Array;
  pkg: FixedPointPackage;
}

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

export function exportBoardPackage(model: BackboneModel, options: BoardExportOptions): BoardExport {
  const target = boardTarget(model);
  const { backbone } = target;
  const config = backbone.config;
  const { calibration } = options;
  const perImage = config.inChans * config.imgSize ** 2;
  if (calibration.count < 1 || calibration.data.length !== calibration.count * perImage) {
    throw new StudioError('input/invalid', `Calibration needs at least one image of ${perImage} values [${config.inChans}, ${config.imgSize}, ${config.imgSize}]; got ${calibration.data.length} values for ${calibration.count} image(s).`, {
      hint: 'Give NCHW float images normalised as the model expects.',
    });
  }
  const observer = new RangeObserver();
  for (let i = 0; i < calibration.count; i++) traceImage(target, calibration.data.subarray(i * perImage, (i + 1) * perImage), observer);

  const rule: RangeRule = { method: options.method ?? 'percentile', percentile: options.percentile ?? 99.99 };
  const arithmetic: ArithmeticSpec = { ...DEFAULT_ARITHMETIC, ...options.arithmetic };
  const weights = new Map<string, HostTensor>(model.parameters().map((entry) => [entry.key, internalToTimm(entry)]));
  const table = new TensorTable();
  const ctx = new ExportContext(weights, table, observer, rule, arithmetic);
  const patches = (config.imgSize / config.patchSize) ** 2;
  const hidden = backbone.blocks[0]?.mlpHidden ?? Math.floor(config.embedDim * config.mlpRatio);
  const dims = { dim: config.embedDim, heads: config.numHeads, hidden, patches, numClasses: config.numClasses };
  const inputScale = ctx.int8Scale('input');
  const residualScales = Array.from({ length: config.depth + 1 }, (_, b) => ctx.residualScale(`res.${b}`));
  const embed = exportEmbed(ctx, dims, inputScale, residualScales[0] as number);
  const selectors = target.selectors.map((entry, stage) => exportSelector(ctx, { stage, block: entry.block, keep: entry.keep, normEps: target.selectorNormEps }, dims));
  const blocks = backbone.blocks.map((_, index) => exportBlock(ctx, index, dims));
  const { head, outputScale } = exportHead(ctx, config.depth, dims);
  const header: Omit<PackageHeader, 'tensors'> = {
    format: PACKAGE_FORMAT,
    version: PACKAGE_VERSION,
    model: {
      arch: options.arch ?? 'vit',
      imageSize: config.imgSize,
      patchSize: config.patchSize,
      inChannels: config.inChans,
      embedDim: config.embedDim,
      depth: config.depth,
      heads: config.numHeads,
      mlpRatio: config.mlpRatio,
      mlpHidden: hidden,
      numClasses: config.numClasses,
      selectorBlocks: target.selectors.map((entry) => entry.block),
      keptTokens: target.selectors.map((entry) => entry.keep),
    },
    packageMode: target.selectors.length > 0 ? target.packageMode : null,
    arithmetic,
    input: { name: 'image', scale: inputScale },
    output: { name: 'logits', scale: outputScale },
    residualScales,
    embed,
    blocks,
    selectors,
    head,
    calibration: { method: rule.method, percentile: rule.method === 'percentile' ? rule.percentile : null, images: calibration.count, source: calibration.source },
  };
  const bytes = encodePackage(header, table.tensors);
  return { bytes, pkg: decodePackage(bytes) };
}
