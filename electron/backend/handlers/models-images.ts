/**
 * The images models.* runs a checkpoint on: a float32 NCHW .npy batch as it is, or the first test
 * images of the bundled sample dataset fitted to the model's input; and small copies for display.
 */
import { basename } from 'node:path';

import { InputConfigSchema } from '../../../core/data/input-config';
import { openDatasets } from '../../../core/data/open';
import { npyToFloat32, readNpy } from '../../../core/models/io/npy';
import { StudioError } from '../../../core/shared/errors';

import type { z } from 'zod';
import type { CheckpointImagesSchema } from '../../../core/api/contracts/models';
import type { HostTensor } from '../../../core/tensor/host-tensor';

/** More images than this are refused: the maps of each travel as JSON and are drawn one by one. */
export const MAX_CHECKPOINT_IMAGES = 64;

export interface CheckpointBatch {
  /** NCHW, as the model takes them. */
  images: HostTensor;
  names: string[];
  /** Sample images only. */
  labels: number[];
  classNames: string[];
}

async function readNpyBatch(path: string): Promise<CheckpointBatch> {
  const array = await readNpy(path);
  const count = array.shape[0] ?? 0;
  if (array.shape.length !== 4 || count > MAX_CHECKPOINT_IMAGES) {
    throw new StudioError('input/invalid', `${path} has shape [${array.shape.join(', ')}]; expected [B, C, H, W] with B at most ${MAX_CHECKPOINT_IMAGES}.`, {
      details: { file: path, shape: [...array.shape] },
      hint: 'Save a float32 batch of images (NCHW, normalised as the model expects) with numpy.save.',
    });
  }
  const name = basename(path);
  return { images: { shape: [...array.shape], data: npyToFloat32(array) }, names: Array.from({ length: count }, (_, i) => `${name} #${i + 1}`), labels: [], classNames: [] };
}

async function readSampleBatch(count: number, inputShape: readonly [number, number, number]): Promise<CheckpointBatch> {
  const [channels, height, width] = inputShape;
  if (channels !== 1 && channels !== 3) {
    throw new StudioError('input/invalid', `The model takes ${channels}-channel images; the sample images can be made grey or RGB only.`, { hint: 'Give the images as a .npy batch instead.' });
  }
  const input = InputConfigSchema.parse({ height, width, channels, fit: 'resize' });
  const { test } = await openDatasets({ kind: 'sample' }, { input, valFraction: 0, seed: 0 });
  const indices = Array.from({ length: Math.min(count, test.length) }, (_, i) => i);
  const batch = test.getBatch(indices);
  const labels = Array.from(batch.labels);
  return { images: { shape: [...batch.shape], data: batch.images }, names: labels.map((label) => test.classNames[label] ?? String(label)), labels, classNames: [...test.classNames] };
}

export function readCheckpointImages(images: z.output<typeof CheckpointImagesSchema>, inputShape: readonly [number, number, number]): Promise<CheckpointBatch> {
  return images.kind === 'npy' ? readNpyBatch(images.path) : readSampleBatch(images.count, inputShape);
}

/**
 * The images shrunk by a whole factor (box average) so that no side exceeds `maxSide`: a 224 px
 * batch would otherwise cross the wire as 150k numbers per image just to be drawn at ~112 px.
 */
export function displayImages(images: HostTensor, maxSide = 128): { image: HostTensor; factor: number } {
  const [count = 0, channels = 0, height = 0, width = 0] = images.shape;
  const factor = Math.max(1, Math.ceil(Math.max(height, width) / maxSide));
  if (factor === 1) return { image: images, factor };
  const outHeight = Math.floor(height / factor);
  const outWidth = Math.floor(width / factor);
  const data = new Float32Array(count * channels * outHeight * outWidth);
  let out = 0;
  for (let plane = 0; plane < count * channels; plane += 1) {
    const base = plane * height * width;
    for (let y = 0; y < outHeight; y += 1) {
      for (let x = 0; x < outWidth; x += 1) {
        let sum = 0;
        for (let dy = 0; dy < factor; dy += 1) {
          for (let dx = 0; dx < factor; dx += 1) sum += images.data[base + (y * factor + dy) * width + x * factor + dx] ?? 0;
        }
        data[out] = sum / (factor * factor);
        out += 1;
      }
    }
  }
  return { image: { shape: [count, channels, outHeight, outWidth], data }, factor };
}
