/**
 * The executors a pipeline run from the editor uses: core's (dataset, backbone, latency-table),
 * training and evaluation, export (TFLite and the board package), and those the device and deploy
 * code provide as they are built.
 */
import { createCoreExecutorRegistry } from '../../../core/pipeline';
import { createExportExecutor } from '../../../core/pipeline/executors/export';
import { registerTrainingExecutors } from '../../../core/pipeline/executors/train-executors';
import { androidProfileOnDevice } from '../../../devices/android/profiler/pipeline-profiler';

import { createDeviceExecutor } from './pipeline-device-executor';

import type { ExecutorRegistry } from '../../../core/pipeline';
import type { TrainExecutorOptions } from '../../../core/pipeline/executors/train';
import type { PhoneHub } from '../../../devices/android/phone-agent';
import type { BackendDeps } from '../deps';

export interface PipelineExecutorOptions {
  /** The trainer's progress (the same as training.start's training.progress events carry). */
  onTrainingProgress?: TrainExecutorOptions['onProgress'];
  /** Phones for device nodes and for latency tables measured on a device; without it those nodes are skipped. */
  hub?: () => PhoneHub;
}

export function pipelineExecutors(deps: BackendDeps, options: PipelineExecutorOptions = {}): ExecutorRegistry {
  const backend = deps.tensorBackend();
  const hub = options.hub;
  const registry = createCoreExecutorRegistry(hub === undefined ? {} : { latencyTable: { profileOnDevice: (request) => androidProfileOnDevice({ hub: hub(), env: process.env })(request) } });
  if (hub !== undefined) registry.register(createDeviceExecutor({ hub }));
  registerTrainingExecutors(registry, {
    ...(backend === null ? {} : { backend }),
    ...(options.onTrainingProgress === undefined ? {} : { onProgress: options.onTrainingProgress }),
  });
  registry.register(createExportExecutor());
  return registry;
}
