/** Batched inference over host arrays: the shared path of `spvit infer`, the backend and the bench. */
import * as tf from '@tensorflow/tfjs-core';

import { StudioError } from '../shared/errors';
import { elementCount, formatShape } from '../tensor/host-tensor';

import type { HostTensor } from '../tensor/host-tensor';
import type { BackboneModel } from './model';

export interface InferOptions {
  /** Images per forward pass; bounds memory for large inputs. Defaults to 16. */
  batchSize?: number;
}

/** Checks that `shape` is NCHW with the model's C, H, W; throws input/invalid naming both shapes. */
export function checkImageShape(model: BackboneModel, shape: readonly number[]): void {
  const [channels, height, width] = model.inputShape;
  if (shape.length !== 4 || shape[1] !== channels || shape[2] !== height || shape[3] !== width) {
    throw new StudioError('input/invalid', `The input has shape ${formatShape(shape)}; the model takes NCHW float images [B, ${channels}, ${height}, ${width}].`, {
      hint: 'Save the images as a float32 .npy of shape [batch, channels, height, width].',
    });
  }
}

/** Runs the model over NCHW images held on the host; returns logits [B, classes]. */
export function inferLogits(model: BackboneModel, images: HostTensor, options: InferOptions = {}): HostTensor {
  checkImageShape(model, images.shape);
  const [count, channels, height, width] = images.shape as [number, number, number, number];
  const perImage = channels * height * width;
  const batchSize = Math.max(1, options.batchSize ?? 16);
  const parts: Float32Array[] = [];
  let classes = 0;
  for (let start = 0; start < count; start += batchSize) {
    const size = Math.min(batchSize, count - start);
    const slice = images.data.subarray(start * perImage, (start + size) * perImage);
    const logits = tf.tidy(() => model.forward(tf.tensor4d(slice, [size, channels, height, width])));
    classes = logits.shape[1];
    parts.push(logits.dataSync() as Float32Array);
    logits.dispose();
  }
  const data = new Float32Array(count * classes);
  let offset = 0;
  for (const part of parts) {
    data.set(part, offset);
    offset += part.length;
  }
  const shape = [count, classes];
  if (elementCount(shape) !== data.length) throw new StudioError('internal/bug', 'Logit count does not match the batch.');
  return { shape, data };
}
