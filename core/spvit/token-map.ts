/**
 * Token maps: for given images, which tokens each selector kept (cumulative), as plain JSON for the
 * UI ("which tokens did each image keep, per stage") and for reports.
 */
import * as tf from '@tensorflow/tfjs-core';

import { checkImageShape } from '../models/inference';

import type { HostTensor } from '../tensor/host-tensor';
import type { InferenceMode } from './decisions';
import type { InferOptions, SpvitModel } from './model';

export interface TokenMapStage {
  /** Selector index (0-based, execution order). */
  selector: number;
  /** Rows and columns of the token grid this selector prunes (row-major tokens). */
  grid: [number, number];
  /** Pixels of the input image covered by one grid cell, [height, width]. */
  cellPixels: [number, number];
  /** Per image: 1 = kept, 0 = dropped, row-major over the grid. */
  kept: number[][];
  /** Per image: kept / grid size. */
  keepRatio: number[];
}

export interface TokenMaps {
  mode: InferenceMode;
  images: number;
  stages: TokenMapStage[];
}

/** Runs the model on NCHW images (host array) and returns each selector's keep map per image. */
export function tokenMaps(model: SpvitModel, images: HostTensor, options: InferOptions = {}): TokenMaps {
  checkImageShape(model, images.shape);
  const [count, channels, height, width] = images.shape as [number, number, number, number];
  const mode = options.mode ?? model.settings.inference.mode;
  const input = tf.tensor4d(images.data, [count, channels, height, width]);
  try {
    const result = model.infer(input, { ...options, mode });
    result.logits.dispose();
    const stages = result.decisions.map((decision, selector): TokenMapStage => {
      const [rows, cols] = decision.grid;
      const size = rows * cols;
      const kept = Array.from({ length: count }, (_, b) => Array.from(decision.kept.subarray(b * size, (b + 1) * size)));
      return {
        selector,
        grid: [rows, cols],
        cellPixels: [height / rows, width / cols],
        kept,
        keepRatio: kept.map((row) => row.reduce((a, v) => a + v, 0) / size),
      };
    });
    return { mode, images: count, stages };
  } finally {
    input.dispose();
  }
}
