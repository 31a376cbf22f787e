/** Splitting a batch into contiguous shards, one per replica, and adding their statistics back up. */
import { GLOBAL_TERMS } from './replica-spec';

import type { Batch } from '../data/dataset';
import type { LossWeights, ShardInput, ShardStats, ShardTerms } from './replica-spec';

/** Shard sizes for `total` images over `parts` replicas: as equal as possible, larger ones first. */
export function shardSizes(total: number, parts: number): number[] {
  const base = Math.floor(total / parts);
  const extra = total % parts;
  return Array.from({ length: parts }, (_, i) => base + (i < extra ? 1 : 0)).filter((size) => size > 0);
}

export function splitBatch(batch: Batch, parts: number, step: { step: number; noiseSeed: number; noiseScale?: number }): ShardInput[] {
  const [count, c, h, w] = batch.shape;
  const perImage = c * h * w;
  let first = 0;
  return shardSizes(count, parts).map((size) => {
    const shard: ShardInput = {
      images: batch.images.slice(first * perImage, (first + size) * perImage),
      shape: [size, c, h, w],
      labels: batch.labels.slice(first, first + size),
      globalBatch: count,
      firstImage: first,
      step: step.step,
      noiseSeed: step.noiseSeed,
      ...(step.noiseScale === undefined || step.noiseScale === 1 ? {} : { noiseScale: step.noiseScale }),
    };
    first += size;
    return shard;
  });
}

export interface StepSummary {
  /** Weighted total and the raw terms for the whole batch. */
  terms: ShardTerms;
  accuracy: number;
  /** Batch keep ratio per selector (training decisions). */
  keepRatios: number[];
  predictedMs: number | null;
}

/** Per-image terms add up over shards; batch-global terms are the same in every shard. */
export function summariseStep(stats: readonly ShardStats[], weights: LossWeights | null): StepSummary {
  const first = stats[0];
  const raw: Omit<ShardTerms, 'total'> = { ce: 0, ratio: 0, distill: 0, token: 0, hinge: 0 };
  for (const key of Object.keys(raw) as Array<keyof typeof raw>) {
    raw[key] = GLOBAL_TERMS.has(key) ? (first?.terms[key] ?? 0) : stats.reduce((sum, s) => sum + s.terms[key], 0);
  }
  const w = weights ?? { ce: 1, ratio: 0, distill: 0, token: 0, latencyHinge: 0 };
  const total = w.ce * raw.ce + w.ratio * raw.ratio + w.distill * raw.distill + w.token * raw.token + w.latencyHinge * raw.hinge;
  const images = stats.reduce((sum, s) => sum + s.images, 0);
  const correct = stats.reduce((sum, s) => sum + s.correct, 0);
  const selectors = first?.keptSums.length ?? 0;
  const keepRatios = Array.from({ length: selectors }, (_, k) => {
    const kept = stats.reduce((sum, s) => sum + (s.keptSums[k] ?? 0), 0);
    const decided = stats.reduce((sum, s) => sum + (s.decisionCounts[k] ?? 0), 0);
    return decided === 0 ? 0 : kept / decided;
  });
  return { terms: { total, ...raw }, accuracy: images === 0 ? 0 : correct / images, keepRatios, predictedMs: first?.predictedMs ?? null };
}
