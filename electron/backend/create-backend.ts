/** The composition root: the contract's handlers built from core/ and devices/. Hosts only host it. */
import { homedir } from 'node:os';
import { join } from 'node:path';

import { contract } from '../../core/api/contract';
import { serve } from '../../core/api/server';

import { deployHandlers } from './handlers/deploy';
import { DeviceWatcher, devicesHandlers, lazyAdbServerHub } from './handlers/devices';
import { serialPortHandlers } from './handlers/devices-serial';
import { jobsHandlers } from './handlers/jobs';
import { latencyHandlers } from './handlers/latency';
import { lutsHandlers } from './handlers/luts';
import { modelsHandlers } from './handlers/models';
import { pipelineHandlers } from './handlers/pipeline';
import { runsHandlers } from './handlers/runs';
import { systemHandlers } from './handlers/system';
import { trainingHandlers } from './handlers/training';
import { JobManager } from './job-manager';

import type { Contract } from '../../core/api/contract';
import type { Handlers } from '../../core/api/define';
import type { Backend } from '../../core/api/server';
import type { BackendDeps } from './deps';

export interface CreateBackendOptions {
  host: BackendDeps['host'];
  dataDir?: string;
  /** Check every result against the contract (tests, development). */
  validateResults?: boolean;
  tensorBackend?: () => string | null;
}

export interface StudioBackend {
  readonly backend: Backend<Contract>;
  readonly deps: BackendDeps;
  dispose(): Promise<void>;
}

export function createBackend(options: CreateBackendOptions): StudioBackend {
  let emitJob: (job: Parameters<ConstructorParameters<typeof JobManager>[0]>[0]) => void = () => undefined;
  const jobs = new JobManager((job) => emitJob(job));
  const deps: BackendDeps = {
    host: options.host,
    jobs,
    dataDir: options.dataDir ?? join(homedir(), '.spvit-studio'),
    tensorBackend: options.tensorBackend ?? (() => null),
  };
  const adbHub = lazyAdbServerHub();
  const deviceWatcher = new DeviceWatcher(adbHub);
  const handlers: Handlers<Contract> = {
    ...systemHandlers(deps),
    ...jobsHandlers(deps),
    ...devicesHandlers(deps, { hub: adbHub, watcher: deviceWatcher }),
    ...pipelineHandlers(deps, { hub: adbHub }),
    ...trainingHandlers(deps),
    ...latencyHandlers(deps, { hub: adbHub }),
    ...deployHandlers(deps, { hub: adbHub }),
    ...lutsHandlers(deps),
    ...runsHandlers(deps),
    ...modelsHandlers(deps),
    ...serialPortHandlers(deps),
  };
  const backend = serve(contract, handlers, {
    validateResults: options.validateResults ?? false,
    onBug: (method, error) => console.error(`[backend] internal error in ${method}:`, error),
  });
  emitJob = (job) => backend.emit('jobs.changed', job);
  deviceWatcher.onChange((listing) => backend.emit('devices.changed', listing));
  return {
    backend,
    deps,
    dispose: async () => {
      await Promise.all([jobs.dispose(), deviceWatcher.dispose()]);
    },
  };
}
