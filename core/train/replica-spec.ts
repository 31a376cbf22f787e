/**
 * What a training replica is built from (plain data, sent to worker threads as is): the model, the
 * loss weights and targets, and the latency terms of the optional hinge.
 */
import { z } from 'zod';

import type { LatencyTerms } from '../latency/latency-hinge';
import type { ModelSpec } from '../models/architecture';
import type { SpvitSettingsInput } from '../spvit/settings';

export const LossWeightsSchema = z.strictObject({
  /** Cross-entropy on label-smoothed targets. */
  ce: z.number().nonnegative().default(1),
  /** Ratio loss: weight x mean over selectors of (batch keep ratio - target)^2. */
  ratio: z.number().nonnegative().default(2),
  /** KL(teacher || student), batchmean. */
  distill: z.number().nonnegative().default(0.5),
  /** MSE over the tokens the final mask keeps. */
  token: z.number().nonnegative().default(0.5),
  /** Differentiable latency hinge weight x relu(T - budget)^2 (0: off). */
  latencyHinge: z.number().nonnegative().default(0),
});
export type LossWeights = z.infer<typeof LossWeightsSchema>;

export interface HingeSpec {
  terms: LatencyTerms;
  budgetMs: number;
}

export interface DenseReplicaSpec {
  kind: 'dense';
  spec: ModelSpec;
  /** Seed of the initial weights (the coordinator overwrites them before the first step). */
  seed: number;
  labelSmoothing: number;
}

export interface SpvitReplicaSpec {
  kind: 'spvit';
  spec: ModelSpec;
  settings: SpvitSettingsInput;
  seed: number;
  labelSmoothing: number;
  loss: LossWeights;
  /** Keep-ratio target per selector. */
  targets: number[];
  gumbelTau: number;
  /** Present when loss.latencyHinge > 0. */
  hinge: HingeSpec | null;
}

export type ReplicaSpec = DenseReplicaSpec | SpvitReplicaSpec;

/** One shard of a global batch. */
export interface ShardInput {
  images: Float32Array;
  shape: [number, number, number, number];
  labels: Int32Array;
  /** Images in the whole step (all shards), the divisor of every per-image term. */
  globalBatch: number;
  /** Index of this shard's first image in the global batch. */
  firstImage: number;
  /** Optimiser step number (seeds the Gumbel noise with the run seed). */
  step: number;
  noiseSeed: number;
  /** Scale of the Gumbel noise of this step's decisions (schedules.ts noiseScaleAt); absent: 1. */
  noiseScale?: number;
}

/** Loss terms: per-image terms are this shard's share, global terms the whole batch's value. */
export interface ShardTerms {
  total: number;
  ce: number;
  ratio: number;
  distill: number;
  token: number;
  hinge: number;
}

export interface ShardStats {
  terms: ShardTerms;
  correct: number;
  images: number;
  /** Kept decisions per selector summed over this shard, and the decisions' count. */
  keptSums: number[];
  decisionCounts: number[];
  /** LUT-predicted latency at the batch's mean kept counts (hinge only), else null. */
  predictedMs: number | null;
}

export const GLOBAL_TERMS: ReadonlySet<keyof ShardTerms> = new Set(['ratio', 'hinge']);
