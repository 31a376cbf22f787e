/** The float model's outputs on the images a package is compared on (SPViT in top-k mode). */
import * as tf from '@tensorflow/tfjs-core';

import { inferLogits } from '../../models/inference';

import { boardTarget } from './board-target';

import type { BackboneModel } from '../../models/model';
import type { SpvitVisionTransformer } from '../../spvit/vit/spvit-vit';
import type { FloatResult } from './accuracy';

export function floatReference(model: BackboneModel, images: Float32Array, batchSize = 8): FloatResult {
  const target = boardTarget(model);
  const [channels, height, width] = target.backbone.inputShape;
  const perImage = channels * height * width;
  const count = images.length / perImage;
  if (target.selectors.length === 0) {
    return { logits: inferLogits(target.backbone, { shape: [count, channels, height, width], data: images }, { batchSize }).data, kept: [] };
  }
  const spvit = model as SpvitVisionTransformer;
  const classes = spvit.numClasses;
  const logits = new Float32Array(count * classes);
  const kept: Int32Array[][] = target.selectors.map(() => []);
  for (let start = 0; start < count; start += batchSize) {
    const size = Math.min(batchSize, count - start);
    const batch = tf.tensor4d(images.subarray(start * perImage, (start + size) * perImage), [size, channels, height, width]);
    const output = spvit.infer(batch, { mode: 'topk' });
    batch.dispose();
    logits.set(output.logits.dataSync(), start * classes);
    output.logits.dispose();
    output.decisions.forEach((decision, s) => {
      const tokens = decision.grid[0] * decision.grid[1];
      for (let b = 0; b < size; b++) {
        const mask = decision.kept.subarray(b * tokens, (b + 1) * tokens);
        (kept[s] as Int32Array[]).push(Int32Array.from(Array.from(mask.keys()).filter((index) => mask[index] === 1)));
      }
    });
  }
  return { logits, kept };
}
