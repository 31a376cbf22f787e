/** Deterministic train/validation splits, stratified by class. */
import { StudioError } from '../shared/errors';

import { deriveSeed, shuffledIndices } from './random';

import type { Dataset } from './dataset';

export interface SplitOptions {
  /** Fraction of each class that goes to validation, in [0, 1). */
  valFraction: number;
  seed: number;
}

export interface TrainValSplit {
  train: Dataset;
  val: Dataset;
}

/** Splits per class (so rare classes appear in both parts), then keeps the original order. */
export function splitTrainVal(dataset: Dataset, options: SplitOptions): TrainValSplit {
  if (!(options.valFraction >= 0 && options.valFraction < 1)) {
    throw new StudioError('input/invalid', `valFraction must be in [0, 1), got ${options.valFraction}`, {
      details: { field: 'valFraction', value: options.valFraction },
      hint: 'Use e.g. 0.1 for a 10% validation split, or 0 for none.',
    });
  }
  const byClass: number[][] = Array.from({ length: dataset.numClasses }, () => []);
  for (let i = 0; i < dataset.length; i += 1) {
    byClass[dataset.labelAt(i)]?.push(i);
  }
  const train: number[] = [];
  const val: number[] = [];
  byClass.forEach((members, label) => {
    const order = shuffledIndices(members.length, deriveSeed(options.seed, label));
    const valCount = Math.round(members.length * options.valFraction);
    order.forEach((position, rank) => {
      (rank < valCount ? val : train).push(members[position] ?? 0);
    });
  });
  train.sort((a, b) => a - b);
  val.sort((a, b) => a - b);
  return {
    train: dataset.subset(train, `${dataset.name}/train`),
    val: dataset.subset(val, `${dataset.name}/val`),
  };
}
