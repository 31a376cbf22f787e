/** deploy.run: a run's model onto a phone as a job, with deploy.progress events; the report stays in the run folder. */
import { DEPLOY_PHASES } from '../../../core/api/contracts/deploy';
import { deployAndroid } from '../../../devices/android/deploy/deploy-android';
import { deployZcu102 } from '../../../devices/zcu102/deploy/deploy-board';
import { defaultBoardStore } from '../../../devices/zcu102/profiler/connect-board';

import type { DeployProgress, DeployRunParams, DeployRunResult } from '../../../core/api/contracts/deploy';
import type { PhoneHub } from '../../../devices/android/phone-agent';
import type { BackendDeps } from '../deps';
import type { BackendHandlers } from '../handler-types';

export function deployHandlers(deps: BackendDeps, services: { hub: () => PhoneHub }): BackendHandlers<'deploy.run'> {
  return {
    'deploy.run': async (params, { emit }) => {
      if (params.deviceId.startsWith('zcu102@')) return { runId: startBoardDeploy(deps, params, emit) };
      const runId = deps.jobs.start({
        kind: 'deploy',
        title: `Deploy ${params.runDir} to ${params.deviceId}`,
        work: async ({ runId, signal, report }): Promise<DeployRunResult> => {
          const result = await deployAndroid({
            hub: services.hub(),
            serial: params.deviceId,
            runDir: params.runDir,
            runs: params.runs,
            warmupRuns: params.warmupRuns,
            threads: params.threads,
            budgetMs: params.budgetMs,
            benchmarkBinary: params.benchmarkBinary,
            env: process.env,
            signal,
            onEvent: (event) => {
              emit('deploy.progress', { runId, deviceId: params.deviceId, ...event });
              report(DEPLOY_PHASES.indexOf(event.phase) / (DEPLOY_PHASES.length - 1), event.message);
            },
          });
          const { report: deployed } = result;
          return {
            reportPath: result.reportPath,
            deviceId: params.deviceId,
            version: deployed.deployment.version,
            previous: deployed.deployment.previous,
            latencyMs: deployed.latency?.meanMs ?? null,
            budgetMs: deployed.budget.budgetMs,
            withinBudget: deployed.latency?.withinBudget ?? null,
          };
        },
      });
      return { runId };
    },
  };
}

/** A ZCU102 board: the fixed-point package, checked bit for bit on the board (devices/zcu102/deploy). */
function startBoardDeploy(deps: BackendDeps, params: DeployRunParams, emit: (event: 'deploy.progress', payload: DeployProgress) => void): string {
  return deps.jobs.start({
    kind: 'deploy',
    title: `Deploy ${params.runDir} to ${params.deviceId}`,
    work: async ({ runId, signal, report }): Promise<DeployRunResult> => {
      const result = await deployZcu102({
        deviceId: params.deviceId,
        runDir: params.runDir,
        runs: params.runs,
        warmupRuns: params.warmupRuns,
        budgetMs: params.budgetMs,
        store: defaultBoardStore(deps.dataDir),
        signal,
        onEvent: (event) => {
          emit('deploy.progress', { runId, deviceId: params.deviceId, ...event });
          report(DEPLOY_PHASES.indexOf(event.phase) / (DEPLOY_PHASES.length - 1), event.message);
        },
      });
      const { report: deployed } = result;
      return {
        reportPath: result.reportPath,
        deviceId: params.deviceId,
        version: deployed.deployment.version ?? '',
        previous: deployed.deployment.previous,
        latencyMs: deployed.latency?.meanMs ?? null,
        budgetMs: deployed.latency?.budgetMs ?? null,
        withinBudget: deployed.latency?.withinBudget ?? null,
      };
    },
  });
}
