/** The trainer's options, progress events and result. */
import type { Dataset } from '../data/dataset';
import type { AbortSignalLike } from '../shared/abort';
import type { Jsonable } from '../shared/jsonable';
import type { InferenceMode } from '../spvit/decisions';
import type { ParameterEntry } from '../tensor/parameters';
import type { AdamWConfig } from './adamw';
import type { DatasetEvaluation } from './evaluate-dataset';
import type { ReplicaGroup } from './replica-group';
import type { LossWeights, ShardTerms } from './replica-spec';
import type { GroupRates, LrSchedule } from './schedules';

/** Where metrics go (the pipeline's MetricsSink fits). */
export interface TrainMetricsSink {
  write(metric: { name: string; value: number; step?: number; epoch?: number; extra?: { [key: string]: Jsonable } }): void;
}

export interface TrainProgress {
  stage: 'dense' | 'spvit';
  /** Optimiser steps done in this stage, and how many the stage has. */
  step: number;
  steps: number;
  /** Fractional epoch. */
  epoch: number;
  epochs: number;
  /** Mean over the steps since the last event. */
  loss: ShardTerms;
  /** Training-batch accuracy (mean since the last event). */
  accuracy: number;
  lr: GroupRates;
  /** Batch keep ratio per selector (training decisions) and the targets. */
  keepRatios: number[];
  targets: number[];
  predictedMs: number | null;
  budgetMs: number | null;
  msPerStep: number;
  imagesPerSecond: number;
  /** Present on the event that ends an epoch with a validation pass. */
  validation?: DatasetEvaluation;
}

export interface TrainStageOptions {
  stage: 'dense' | 'spvit';
  group: ReplicaGroup;
  /** Parameter entries of a model in this thread with the group's layout (names and timm layout for checkpoints). */
  entries: readonly ParameterEntry[];
  train: Dataset;
  /** Evaluated at the end of every epoch; null: none. */
  val: Dataset | null;
  epochs: number;
  batchSize: number;
  schedule: LrSchedule;
  adamw: AdamWConfig;
  augment: boolean;
  dataSeed: number;
  noiseSeed: number;
  /** SPViT: loss weights, keep-ratio targets and the budget (for summaries and events). */
  loss: LossWeights | null;
  targets: number[];
  budgetMs: number | null;
  /** Parameters to start from when no checkpoint exists (layout order). */
  initialParameters: Float32Array;
  checkpointFile: string;
  /** Save a checkpoint at least this often (and at every epoch end and on cancellation). */
  checkpointEverySeconds: number;
  checkpointEverySteps?: number;
  /** Identifies the trajectory; a checkpoint with another fingerprint is not resumed (an error). */
  fingerprint: string;
  /** Metrics and progress every this many steps (means over the window). */
  logEverySteps: number;
  evalBatchSize: number;
  inferenceMode: InferenceMode;
  signal?: AbortSignalLike;
  metrics?: TrainMetricsSink;
  onProgress?: (progress: TrainProgress) => void;
}

export interface TrainStageResult {
  parameters: Float32Array;
  steps: number;
  /** The step the stage resumed from, or null for a fresh start. */
  resumedFrom: number | null;
  validation: DatasetEvaluation | null;
  /** Mean milliseconds per optimiser step in this call (wall clock). */
  msPerStep: number | null;
}
