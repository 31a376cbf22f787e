/** Epoch orders and batch iteration with seeded shuffling. */
import { deriveSeed, shuffledIndices } from './random';

import type { Batch, Dataset } from './dataset';

/** The sample order of one epoch: a fresh seeded permutation per (seed, epoch). */
export function epochOrder(length: number, options: { seed: number; epoch: number; shuffle?: boolean }): number[] {
  if (options.shuffle === false) return Array.from({ length }, (_, i) => i);
  return shuffledIndices(length, deriveSeed(options.seed, options.epoch));
}

export interface BatchIterationOptions {
  batchSize: number;
  seed: number;
  epoch: number;
  shuffle?: boolean;
  /** Drop a last batch smaller than batchSize (training); keep it for evaluation. */
  dropLast?: boolean;
  augment?: boolean;
}

export function batchCount(length: number, batchSize: number, dropLast = false): number {
  return dropLast ? Math.floor(length / batchSize) : Math.ceil(length / batchSize);
}

/** Yields the batches of one epoch. */
export function* iterateBatches(dataset: Dataset, options: BatchIterationOptions): Generator<Batch> {
  if (!Number.isInteger(options.batchSize) || options.batchSize < 1) {
    throw new RangeError(`batchSize must be a positive integer, got ${options.batchSize}`);
  }
  const order = epochOrder(dataset.length, options);
  const batches = batchCount(order.length, options.batchSize, options.dropLast);
  const augmentSeed = deriveSeed(options.seed, options.epoch, 0x5eed);
  for (let b = 0; b < batches; b += 1) {
    const indices = order.slice(b * options.batchSize, (b + 1) * options.batchSize);
    yield dataset.getBatch(indices, { augment: options.augment ?? false, seed: augmentSeed });
  }
}
