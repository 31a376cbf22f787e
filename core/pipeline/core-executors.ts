/** The executors core provides (dataset, backbone, latency-table), in a registry others add to. */
import { createExecutorRegistry } from './executors';
import { backboneExecutor } from './executors/backbone';
import { datasetExecutor } from './executors/dataset';
import { createLatencyTableExecutor } from './executors/latency-table';

import type { ExecutorRegistry } from './executors';
import type { LatencyTableExecutorOptions } from './executors/latency-table';

export function createCoreExecutorRegistry(options: { latencyTable?: LatencyTableExecutorOptions } = {}): ExecutorRegistry {
  return createExecutorRegistry([datasetExecutor, backboneExecutor, createLatencyTableExecutor(options.latencyTable)]);
}
