/**
 * Before anything goes to the phone: the exported .tflite, run by an independent TFLite runtime on
 * the host (LiteRT.js), must give the studio model's logits on sample images (seeded random
 * images at the model's input size; the run's dataset is not needed).
 */
import * as tf from '@tensorflow/tfjs-core';

import { isStudioError } from '../../../core/shared/errors';
import { nchwToNhwc } from '../../../core/export/tflite/export-model';
import { compareOutputs } from '../../../core/export/tflite/verify/compare';
import { LiteRtRunner } from '../../../core/export/tflite/verify/litert-runner';

import type { BackboneModel } from '../../../core/models/model';
import type { SpvitModel } from '../../../core/spvit/model';
import type { TfliteExport } from '../../../core/export/tflite/export-model';

export const OUTPUT_TOLERANCE = 1e-4;

export type HostCheck =
  | { available: true; runtime: string; images: number; maxRelativeError: number; sameTopClass: boolean; tolerance: number; passed: boolean }
  | { available: false; reason: string };

/** One seeded sample image, NCHW [C, H, W]. */
export function sampleImage(shape: readonly [number, number, number], seed: number): Float32Array {
  return tf.tidy(() => tf.randomNormal([1, ...shape], 0, 1, 'float32', seed).dataSync() as Float32Array);
}

/** The studio's logits for one image: the dense forward, or SPViT's topk pass (what was exported). */
export function hostLogits(model: BackboneModel, pixels: Float32Array): Float32Array {
  return tf.tidy(() => {
    const input = tf.tensor4d(pixels, [1, ...model.inputShape]);
    const logits = 'selectors' in model ? (model as SpvitModel).infer(input, { mode: 'topk' }).logits : model.forward(input);
    return logits.dataSync() as Float32Array;
  });
}

export async function hostOutputCheck(model: BackboneModel, exported: TfliteExport, options: { images: number; seed?: number }): Promise<HostCheck> {
  let runner: LiteRtRunner;
  try {
    runner = await LiteRtRunner.start();
  } catch (error) {
    if (isStudioError(error, 'env/missing-tool')) return { available: false, reason: error.message };
    throw error;
  }
  try {
    let worst = 0;
    let sameTopClass = true;
    for (let i = 0; i < options.images; i += 1) {
      const pixels = sampleImage(model.inputShape, (options.seed ?? 0) + i);
      const [output] = await runner.run(exported.bytes, [{ shape: exported.input.shape, dtype: 'float32', data: nchwToNhwc(pixels, model.inputShape) }]);
      const comparison = compareOutputs(output?.data ?? [], hostLogits(model, pixels));
      worst = Math.max(worst, comparison.maxRelativeError);
      sameTopClass &&= comparison.sameTopClass;
    }
    return { available: true, runtime: `LiteRT.js ${runner.version} (TFLite + XNNPACK, wasm)`, images: options.images, maxRelativeError: worst, sameTopClass, tolerance: OUTPUT_TOLERANCE, passed: worst <= OUTPUT_TOLERANCE && sameTopClass };
  } finally {
    await runner.close();
  }
}
