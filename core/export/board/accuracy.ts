/**
 * How well a fixed-point package follows its float model on a batch of images: top-1 agreement,
 * logit errors and (for SPViT) how often the selectors keep the same tokens.
 */
import { StudioError } from '../../shared/errors';

import { dequantizeLogits, imageValues, quantizeImages } from './host-io';

import type { ReferenceOutput, ReferenceRunner } from './reference-runner';

export interface AccuracyReport {
  images: number;
  /** Where the images come from (recorded as given). */
  source: string;
  top1Agreement: number;
  agreeingImages: number;
  /** Mean over images of max_c |fixed - float|. */
  meanMaxAbsLogitError: number;
  maxAbsLogitError: number;
  /** sqrt(mean (fixed - float)^2) / sqrt(mean float^2) over all logits. */
  relativeRmsLogitError: number;
  /** Per selector, the mean over images of |kept by both| / keep (1 for identical token sets); empty for dense models. */
  keptTokenOverlap: number[];
  /** Images where the float top-1 is not the fixed-point top-1, with both classes. */
  disagreements: Array<{ image: number; floatTop1: number; fixedTop1: number; floatMargin: number }>;
}

export interface FloatResult {
  /** [images][classes] float logits. */
  logits: Float32Array;
  /** Per selector, per image, the kept original token indices (SPViT top-k); empty for dense. */
  kept: Int32Array[][];
}

function argmax(values: ArrayLike<number>, start: number, length: number): number {
  let best = 0;
  for (let c = 1; c < length; c++) if ((values[start + c] as number) > (values[start + best] as number)) best = c;
  return best;
}

/** Runs the reference runner over the images (NCHW float) and returns its outputs in order. */
export function runReference(runner: ReferenceRunner, images: Float32Array): ReferenceOutput[] {
  const perImage = imageValues(runner.header);
  const quantized = quantizeImages(runner.header, images);
  const outputs: ReferenceOutput[] = [];
  for (let i = 0; i < quantized.length / perImage; i++) outputs.push(runner.run(quantized.subarray(i * perImage, (i + 1) * perImage)));
  return outputs;
}

export function compareWithFloat(runner: ReferenceRunner, fixed: readonly ReferenceOutput[], float: FloatResult, source: string): AccuracyReport {
  const classes = runner.header.model.numClasses;
  const count = fixed.length;
  if (float.logits.length !== count * classes) {
    throw new StudioError('internal/bug', `Float logits for ${float.logits.length / classes} images, fixed-point outputs for ${count}.`);
  }
  let agreeing = 0;
  let sumMax = 0;
  let maxAbs = 0;
  let squaredError = 0;
  let squaredFloat = 0;
  const disagreements: AccuracyReport['disagreements'] = [];
  fixed.forEach((output, image) => {
    const real = dequantizeLogits(runner.header, output.logits);
    const start = image * classes;
    let imageMax = 0;
    for (let c = 0; c < classes; c++) {
      const reference = float.logits[start + c] as number;
      const error = Math.abs((real[c] as number) - reference);
      imageMax = Math.max(imageMax, error);
      squaredError += error * error;
      squaredFloat += reference * reference;
    }
    sumMax += imageMax;
    maxAbs = Math.max(maxAbs, imageMax);
    const floatTop1 = argmax(float.logits, start, classes);
    const fixedTop1 = argmax(output.logits, 0, classes);
    if (floatTop1 === fixedTop1) {
      agreeing += 1;
    } else {
      const sorted = Array.from(float.logits.subarray(start, start + classes)).sort((a, b) => b - a);
      disagreements.push({ image, floatTop1, fixedTop1, floatMargin: (sorted[0] as number) - (sorted[1] as number) });
    }
  });
  const keptTokenOverlap = runner.header.selectors.map((selector, s) => {
    let total = 0;
    fixed.forEach((output, image) => {
      const floatKept = new Set(float.kept[s]?.[image] ?? []);
      const both = Array.from(output.kept[s] ?? []).filter((index) => floatKept.has(index)).length;
      total += both / selector.keep;
    });
    return total / count;
  });
  return {
    images: count,
    source,
    top1Agreement: agreeing / count,
    agreeingImages: agreeing,
    meanMaxAbsLogitError: sumMax / count,
    maxAbsLogitError: maxAbs,
    relativeRmsLogitError: Math.sqrt(squaredError / Math.max(squaredFloat, 1e-30)),
    keptTokenOverlap,
    disagreements,
  };
}
