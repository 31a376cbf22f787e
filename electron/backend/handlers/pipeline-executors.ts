/**
 * The executors a pipeline run from the editor uses: core's (dataset, backbone, latency-table) and
 * those the training, export, device and deploy code provide as they are built.
 */
import { createCoreExecutorRegistry } from '../../../core/pipeline';
import { registerTrainingExecutors } from '../../../core/pipeline/executors/train-executors';

import type { ExecutorRegistry } from '../../../core/pipeline';
import type { BackendDeps } from '../deps';

export function pipelineExecutors(deps: BackendDeps): ExecutorRegistry {
  const backend = deps.tensorBackend();
  return registerTrainingExecutors(createCoreExecutorRegistry(), backend === null ? {} : { backend });
}
