/** One call from a dataset spec to ready train / validation / test Datasets. */
import { createDataset } from './dataset';
import { KNOWN_STATS, measureStats } from './normalization';
import { shuffledIndices, deriveSeed } from './random';
import { readStoredSets, resolveDatasetSource } from './resolve';
import { splitTrainVal } from './split';

import type { Dataset } from './dataset';
import type { InputConfig } from './input-config';
import type { ChannelStats } from './normalization';
import type { ResolvedDatasetSource } from './resolve';
import type { DatasetSpec } from './spec';

export interface OpenDatasetsOptions {
  input: InputConfig;
  /** Part of the training set held out for validation (stratified); 0 for none. */
  valFraction: number;
  seed: number;
  /** Use at most this many training / test images (a seeded random subset), e.g. for quick runs. */
  trainLimit?: number;
  testLimit?: number;
}

export interface OpenedDatasets {
  source: ResolvedDatasetSource;
  /** Channel statistics of the stored training images (published ones where known). */
  stats: ChannelStats;
  train: Dataset;
  val: Dataset;
  /** The source's test part; when it has none, the validation split stands in. */
  test: Dataset;
  hasOwnTest: boolean;
}

function limit(dataset: Dataset, count: number | undefined, seed: number): Dataset {
  if (count === undefined || count >= dataset.length) return dataset;
  const picked = shuffledIndices(dataset.length, seed).slice(0, count).sort((a, b) => a - b);
  return dataset.subset(picked, dataset.name);
}

function knownStats(kind: DatasetSpec['kind']): ChannelStats | undefined {
  switch (kind) {
    case 'sample':
    case 'fashion-mnist':
      return KNOWN_STATS['fashion-mnist'];
    case 'mnist':
    case 'cifar10':
      return KNOWN_STATS[kind];
    case 'image-folder':
      return undefined;
  }
}

export async function openDatasets(spec: DatasetSpec, options: OpenDatasetsOptions): Promise<OpenedDatasets> {
  const source = await resolveDatasetSource(spec);
  const stored = await readStoredSets(source, {
    height: options.input.height,
    width: options.input.width,
    channels: options.input.channels,
  });
  const known = knownStats(source.kind);
  const stats: ChannelStats = known === undefined ? measureStats(stored.train) : { mean: [...known.mean], std: [...known.std] };
  const fullTrain = limit(createDataset(stored.train, options.input, stats), options.trainLimit, deriveSeed(options.seed, 1));
  const { train, val } = splitTrainVal(fullTrain, { valFraction: options.valFraction, seed: deriveSeed(options.seed, 2) });
  const test = stored.test === null ? val : limit(createDataset(stored.test, options.input, stats), options.testLimit, deriveSeed(options.seed, 3));
  return { source, stats, train, val, test, hasOwnTest: stored.test !== null };
}
