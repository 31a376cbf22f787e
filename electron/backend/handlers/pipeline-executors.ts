/**
 * The executors a pipeline run from the editor uses: core's (dataset, backbone, latency-table) and
 * those the training, export, device and deploy code provide as they are built.
 */
import { createCoreExecutorRegistry } from '../../../core/pipeline';
import { registerTrainingExecutors } from '../../../core/pipeline/executors/train-executors';

import type { ExecutorRegistry } from '../../../core/pipeline';
import type { TrainExecutorOptions } from '../../../core/pipeline/executors/train';
import type { BackendDeps } from '../deps';

export interface PipelineExecutorOptions {
  /** The trainer's progress (the same as training.start's training.progress events carry). */
  onTrainingProgress?: TrainExecutorOptions['onProgress'];
}

export function pipelineExecutors(deps: BackendDeps, options: PipelineExecutorOptions = {}): ExecutorRegistry {
  const backend = deps.tensorBackend();
  return registerTrainingExecutors(createCoreExecutorRegistry(), {
    ...(backend === null ? {} : { backend }),
    ...(options.onTrainingProgress === undefined ? {} : { onProgress: options.onTrainingProgress }),
  });
}
