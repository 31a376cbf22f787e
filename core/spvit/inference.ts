/**
 * Batched SPViT inference over host arrays (the `spvit infer` path): logits plus every selector's
 * cumulative keep mask, stacked as [selectors, images, tokens] (1 = kept).
 */
import * as tf from '@tensorflow/tfjs-core';

import { StudioError } from '../shared/errors';
import { checkImageShape } from '../models/inference';

import type { HostTensor } from '../tensor/host-tensor';
import type { InferOptions, SelectorDecisions, SpvitModel } from './model';

export interface SpvitBatchOptions extends InferOptions {
  /** Images per forward pass. Defaults to 16. */
  batchSize?: number;
}

export interface SpvitBatchResult {
  logits: HostTensor;
  /**
   * [selectors, images, tokens], 1 = kept, 0 = dropped. When selectors prune grids of different
   * sizes (PiT), tokens is the largest grid and the rest of each row is -1 (no such token).
   */
  masks: HostTensor;
  /** The token grid each selector prunes. */
  grids: Array<[number, number]>;
}

function stackMasks(perBatch: SelectorDecisions[][], images: number): { masks: HostTensor; grids: Array<[number, number]> } {
  const first = perBatch[0] ?? [];
  const grids = first.map((decision) => decision.grid);
  const sizes = grids.map(([h, w]) => h * w);
  const width = Math.max(0, ...sizes);
  const data = new Float32Array(grids.length * images * width).fill(-1);
  let image = 0;
  for (const decisions of perBatch) {
    const batch = (decisions[0]?.kept.length ?? 0) / (sizes[0] ?? 1);
    decisions.forEach((decision, s) => {
      const size = sizes[s] as number;
      for (let b = 0; b < batch; b++) {
        const row = decision.kept.subarray(b * size, (b + 1) * size);
        data.set(row, (s * images + image + b) * width);
      }
    });
    image += batch;
  }
  return { masks: { shape: [grids.length, images, width], data }, grids };
}

/** Runs the model over NCHW images; the stochastic mode's noise depends on the seed and each image's index. */
export function inferSpvitBatches(model: SpvitModel, images: HostTensor, options: SpvitBatchOptions = {}): SpvitBatchResult {
  checkImageShape(model, images.shape);
  const [count, channels, height, width] = images.shape as [number, number, number, number];
  const perImage = channels * height * width;
  const batchSize = Math.max(1, options.batchSize ?? 16);
  const logits: Float32Array[] = [];
  const decisions: SelectorDecisions[][] = [];
  let classes = 0;
  for (let start = 0; start < count; start += batchSize) {
    const size = Math.min(batchSize, count - start);
    const input = tf.tensor4d(images.data.subarray(start * perImage, (start + size) * perImage), [size, channels, height, width]);
    try {
      const result = model.infer(input, { ...options, firstImage: start });
      classes = result.logits.shape[1];
      logits.push(result.logits.dataSync() as Float32Array);
      result.logits.dispose();
      decisions.push(result.decisions);
    } finally {
      input.dispose();
    }
  }
  const data = new Float32Array(count * classes);
  logits.forEach((part, i) => data.set(part, i * batchSize * classes));
  if (data.length !== count * classes) throw new StudioError('internal/bug', 'Logit count does not match the batch.');
  return { logits: { shape: [count, classes], data }, ...stackMasks(decisions, count) };
}
