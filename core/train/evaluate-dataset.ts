/** Accuracy (and achieved keep ratios when pruned) over a whole dataset, spread over the replicas. */
import { throwIfAborted } from '../shared/errors';
import { NEVER_ABORTED } from '../shared/abort';

import { shardSizes } from './sharding';

import type { Dataset } from '../data/dataset';
import type { AbortSignalLike } from '../shared/abort';
import type { InferenceMode } from '../spvit/decisions';
import type { EvaluateBatchInput } from './evaluate-batch';
import type { ReplicaGroup } from './replica-group';

export interface DatasetEvaluation {
  images: number;
  accuracy: number;
  /** Per selector: kept / decided over all images (pruned evaluation only). */
  keepRatios: number[];
}

export interface EvaluateDatasetOptions {
  group: ReplicaGroup;
  dataset: Dataset;
  pruned: boolean;
  mode: InferenceMode;
  batchSize: number;
  /** Use only the first `limit` images. */
  limit?: number;
  signal?: AbortSignalLike;
  onBatch?: (done: number, total: number) => void;
}

export async function evaluateDataset(options: EvaluateDatasetOptions): Promise<DatasetEvaluation> {
  const { group, dataset } = options;
  const total = Math.min(dataset.length, options.limit ?? dataset.length);
  const signal = options.signal ?? NEVER_ABORTED;
  let correct = 0;
  let kept: number[] = [];
  let decided: number[] = [];
  for (let start = 0; start < total; start += options.batchSize) {
    throwIfAborted(signal);
    const count = Math.min(options.batchSize, total - start);
    const batch = dataset.getBatch(Array.from({ length: count }, (_, i) => start + i));
    const [, c, h, w] = batch.shape;
    const perImage = c * h * w;
    let offset = 0;
    const parts: EvaluateBatchInput[] = shardSizes(count, group.shards).map((size) => {
      const part: EvaluateBatchInput = {
        images: batch.images.slice(offset * perImage, (offset + size) * perImage),
        shape: [size, c, h, w],
        labels: batch.labels.slice(offset, offset + size),
        pruned: options.pruned,
        mode: options.mode,
        firstImage: start + offset,
      };
      offset += size;
      return part;
    });
    for (const result of await group.evaluate(parts)) {
      correct += result.correct;
      if (kept.length === 0) {
        kept = result.keptSums.map(() => 0);
        decided = result.decisionCounts.map(() => 0);
      }
      result.keptSums.forEach((value, k) => (kept[k] = (kept[k] ?? 0) + value));
      result.decisionCounts.forEach((value, k) => (decided[k] = (decided[k] ?? 0) + value));
    }
    options.onBatch?.(start + count, total);
  }
  return {
    images: total,
    accuracy: total === 0 ? 0 : correct / total,
    keepRatios: kept.map((value, k) => ((decided[k] ?? 0) === 0 ? 0 : value / (decided[k] as number))),
  };
}
