/**
 * One training stage of a train node (dense pre-training or SPViT) on a replica group: checkpoint
 * file in the node's folder, a fingerprint of everything that shapes the trajectory, metrics into
 * the run's metrics.jsonl and progress to the host.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';

import { fingerprint } from '../run-folder';
import { AdamWConfigSchema } from '../../train/adamw';
import { createReplicaGroup } from '../../train/replica-group';
import { trainStage } from '../../train/trainer';

import type { Dataset } from '../../data/dataset';
import type { InferenceMode } from '../../spvit/decisions';
import type { ParameterEntry } from '../../tensor/parameters';
import type { ReplicaGroup } from '../../train/replica-group';
import type { LossWeights, ReplicaSpec } from '../../train/replica-spec';
import type { LrSchedule } from '../../train/schedules';
import type { TrainProgress, TrainStageResult } from '../../train/train-types';
import type { ExecutorContext } from '../executors';

export interface StageHostOptions {
  /** Worker threads; 0 trains in this thread. */
  workers: number;
  /** tfjs backend name for the workers (the host's own choice). */
  backend: string;
  logEverySteps: number;
  checkpointEverySeconds: number;
  onProgress?: (progress: TrainProgress) => void;
}

/** 'auto' -> one worker per core (at least 1). */
export function resolveWorkers(value: 'auto' | number, override: number | undefined): number {
  if (override !== undefined) return override;
  return value === 'auto' ? Math.max(1, availableParallelism()) : value;
}

export interface RunStageOptions {
  context: ExecutorContext<'train'>;
  host: StageHostOptions;
  stage: 'dense' | 'spvit';
  replica: ReplicaSpec;
  /** Reference model entries in this thread (same layout as the replicas). */
  entries: readonly ParameterEntry[];
  data: { train: Dataset; val: Dataset | null; augment: boolean };
  hyper: { epochs: number; batchSize: number; schedule: LrSchedule; weightDecay: number; seed: number };
  loss: LossWeights | null;
  targets: number[];
  budgetMs: number | null;
  inferenceMode: InferenceMode;
  /** Starting parameters (layout order) given the freshly built replicas' own. */
  initialParameters: (fresh: Float32Array) => Float32Array;
  /** SPViT: the teacher's (dense backbone) parameters. */
  teacher: Float32Array | null;
  /** Checkpoint name in the node folder (default `<stage>-checkpoint`). */
  checkpointName?: string;
}

export async function runStage(options: RunStageOptions): Promise<TrainStageResult> {
  const { context, host, stage } = options;
  const group: ReplicaGroup = await createReplicaGroup({ spec: options.replica, workers: host.workers, backend: host.backend });
  try {
    if (options.teacher !== null) await group.setTeacher(options.teacher);
    const print = fingerprint({
      stage,
      replica: { ...options.replica, hinge: options.replica.kind === 'spvit' && options.replica.hinge !== null ? options.replica.hinge.budgetMs : null },
      hyper: options.hyper,
      data: { train: options.data.train.length, val: options.data.val?.length ?? 0, augment: options.data.augment },
    });
    return await trainStage({
      stage,
      group,
      entries: options.entries,
      train: options.data.train,
      val: options.data.val,
      epochs: options.hyper.epochs,
      batchSize: options.hyper.batchSize,
      schedule: options.hyper.schedule,
      adamw: AdamWConfigSchema.parse({ weightDecay: options.hyper.weightDecay }),
      augment: options.data.augment,
      dataSeed: options.hyper.seed,
      noiseSeed: options.hyper.seed + 1,
      loss: options.loss,
      targets: options.targets,
      budgetMs: options.budgetMs,
      initialParameters: options.initialParameters(await group.initialParameters()),
      checkpointFile: join(context.nodeDir, `${options.checkpointName ?? `${stage}-checkpoint`}.safetensors`),
      checkpointEverySeconds: host.checkpointEverySeconds,
      fingerprint: print,
      logEverySteps: host.logEverySteps,
      evalBatchSize: 256,
      inferenceMode: options.inferenceMode,
      signal: context.signal,
      metrics: context.metrics,
      onProgress: (progress) => {
        const fraction = progress.steps === 0 ? null : progress.step / progress.steps;
        const loss = progress.loss.total.toFixed(4);
        const keep = progress.keepRatios.length === 0 ? '' : ` keep ${progress.keepRatios.map((r) => r.toFixed(2)).join('/')}`;
        const val = progress.validation === undefined ? '' : ` val ${(progress.validation.accuracy * 100).toFixed(2)}%`;
        context.progress(fraction, `${stage} epoch ${progress.epoch.toFixed(2)}/${progress.epochs} step ${progress.step}/${progress.steps} loss ${loss} acc ${(progress.accuracy * 100).toFixed(1)}%${keep}${val} ${progress.msPerStep.toFixed(0)} ms/step`);
        host.onProgress?.(progress);
      },
    });
  } finally {
    await group.close();
  }
}
