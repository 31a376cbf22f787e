/**
 * From a float ViT/DeiT (dense) or an SPViT ViT (exported in top-k mode, tokens removed) to the
 * fixed-point board package: calibrate activation ranges on sample images with the float model, then
 * quantise every unit (export/export-units.ts). Other backbones are `model/unsupported`.
 *
 * Calibration: per point, either the largest |x| ('max') or a percentile of |x| ('percentile',
 * default 99.99) over the calibration images; int8 scale = range / 127. The int16 residual stream
 * always uses the maximum with 25% headroom, GELU inputs the maximum with 50% headroom (a power of
 * two scale). Weights: symmetric int8 per output channel, scale max |w| / 127, rounded with GPTQ's
 * error compensation using the calibration inputs of each layer (export/gptq.ts), or to nearest.
 */
import { StudioError } from '../../shared/errors';
import { internalToTimm } from '../../tensor/parameters';

import { runReference } from './accuracy';
import { boardTarget } from './board-target';
import { dequantizeLogits } from './host-io';
import { floatReference } from './float-reference';
import { ReferenceRunner } from './reference-runner';

import { InputMomentCollector } from './calibration/input-moments';
import { RangeObserver } from './calibration/range-observer';
import { traceImage } from './calibration/float-trace';
import { ExportContext } from './export/export-context';
import { exportBlock, exportEmbed, exportHead, exportSelector } from './export/export-units';
import { TensorTable } from './export/quantize';
import { DEFAULT_ARITHMETIC } from './nonlinear';
import { PACKAGE_FORMAT, PACKAGE_VERSION } from './package-format';
import { decodePackage, encodePackage } from './package-io';

import type { BackboneModel } from '../../models/model';
import type { HostTensor } from '../../tensor/host-tensor';
import type { CalibrationMethod, RangeRule } from './calibration/range-observer';
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
  /** Weight rounding: 'gptq' (default; error-compensating, from the calibration inputs) or 'nearest'. */
  rounding?: WeightRounding;
  /**
   * Empirical bias correction of the classifier (default true): the package's mean logit error
   * against the float model on the calibration images is taken out of the head's int32 bias.
   */
  outputBiasCorrection?: boolean;
}

export type WeightRounding = 'gptq' | 'nearest';

export interface BoardExport {
  bytes: Uint8Array;
  pkg: FixedPointPackage;
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
  const rounding = options.rounding ?? 'gptq';
  const moments = rounding === 'gptq' ? new InputMomentCollector() : null;
  for (let i = 0; i < calibration.count; i++) traceImage(target, calibration.data.subarray(i * perImage, (i + 1) * perImage), { observer, moments });

  const arithmetic: ArithmeticSpec = { ...DEFAULT_ARITHMETIC, ...options.arithmetic };
  // 12-bit activations resolve the whole range finely, so they default to the maximum (no clipping).
  const rule: RangeRule = { method: options.method ?? (arithmetic.activationBits > 8 ? 'max' : 'percentile'), percentile: options.percentile ?? 99.99 };
  const weights = new Map<string, HostTensor>(model.parameters().map((entry) => [entry.key, internalToTimm(entry)]));
  const table = new TensorTable();
  const ctx = new ExportContext({ weights, table, observer, rule, arithmetic, moments: moments?.moments ?? new Map() });
  const patches = (config.imgSize / config.patchSize) ** 2;
  const hidden = backbone.blocks[0]?.mlpHidden ?? Math.floor(config.embedDim * config.mlpRatio);
  const dims = { dim: config.embedDim, heads: config.numHeads, hidden, patches, numClasses: config.numClasses };
  const inputScale = ctx.inputScale();
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
    calibration: { method: rule.method, percentile: rule.method === 'percentile' ? rule.percentile : null, images: calibration.count, source: calibration.source, weightRounding: rounding, outputBiasCorrection: false },
  };
  const first = encodePackage({ ...header, calibration: { ...header.calibration, outputBiasCorrection: false } }, table.tensors);
  if (options.outputBiasCorrection === false) return { bytes: first, pkg: decodePackage(first) };
  correctHeadBias(model, decodePackage(first), calibration, table);
  const bytes = encodePackage({ ...header, calibration: { ...header.calibration, outputBiasCorrection: true } }, table.tensors);
  return { bytes, pkg: decodePackage(bytes) };
}

/**
 * Moves the head's int32 bias by the mean logit error on the calibration images, in each class's
 * accumulator units (the inverse of its output requantisation).
 */
function correctHeadBias(model: BackboneModel, pkg: FixedPointPackage, calibration: ImageBatch, table: TensorTable): void {
  const { header } = pkg;
  const classes = header.model.numClasses;
  const runner = new ReferenceRunner(pkg);
  const fixed = runReference(runner, calibration.data);
  const float = floatReference(model, calibration.data);
  const meanError = new Float64Array(classes);
  fixed.forEach((output, image) => {
    const real = dequantizeLogits(header, output.logits);
    for (let c = 0; c < classes; c++) meanError[c] = (meanError[c] as number) + ((real[c] as number) - (float.logits[image * classes + c] as number)) / fixed.length;
  });
  const bias = table.tensors.get(header.head.linear.bias)?.data as Int32Array;
  const multipliers = pkg.tensors.get(header.head.toOutput.multiplier) as Int32Array;
  const shifts = pkg.tensors.get(header.head.toOutput.shift) as Int8Array;
  for (let c = 0; c < classes; c++) {
    const index = multipliers.length === 1 ? 0 : c;
    const accScale = (header.output.scale * (multipliers[index] as number)) / 2 ** (shifts[index] as number);
    if (accScale > 0) bias[c] = (bias[c] as number) - Math.round((meanError[c] as number) / accScale);
  }
}
