/** latency.profile: a phone's latency table as a job, with a latency.profileProgress event per point. */
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';

import { layoutFromModel } from '../../../core/latency/layout';
import { unprunedLatencyMs } from '../../../core/latency/latency-model';
import { profileAndroid } from '../../../devices/android/profiler/profile-android';
import { defaultBoardStore } from '../../../devices/zcu102/profiler/connect-board';
import { profileZcu102 } from '../../../devices/zcu102/profiler/profile-board';

import type { LatencyProfileParams, LatencyProfileProgress, LatencyProfileResult } from '../../../core/api/contracts/latency';
import type { PhoneHub } from '../../../devices/android/phone-agent';
import type { BackendDeps } from '../deps';
import type { BackendHandlers } from '../handler-types';

function safeName(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]+/g, '_');
}

export function latencyHandlers(deps: BackendDeps, services: { hub: () => PhoneHub }): BackendHandlers<'latency.profile'> {
  return {
    'latency.profile': async (params, { emit }) => {
      const model = params.arch ?? params.modelDir ?? 'model';
      const outPath = params.outPath ?? join(deps.dataDir, 'luts', `${safeName(params.deviceId)}-${safeName(model.split('/').pop() ?? model)}.json`);
      if (params.deviceId.startsWith('zcu102@')) return { runId: startBoardProfile(deps, params, outPath, emit) };
      const runId = deps.jobs.start({
        kind: 'latency-profile',
        title: `Latency table of ${model} on ${params.deviceId}`,
        work: async ({ runId, signal, report }): Promise<LatencyProfileResult> => {
          await mkdir(dirname(outPath), { recursive: true });
          const result = await profileAndroid({
            hub: services.hub(),
            serial: params.deviceId,
            arch: params.arch,
            modelDir: params.modelDir,
            outPath,
            tokens: params.tokens,
            blockTypes: params.tables,
            threads: params.threads,
            repeats: params.repeats,
            runs: params.runs,
            warmupRuns: params.warmupRuns,
            benchmarkBinary: params.benchmarkBinary,
            env: process.env,
            signal,
            onEvent: (event) => {
              emit('latency.profileProgress', { runId, deviceId: params.deviceId, ...event });
              report(event.phase === 'done' ? 1 : event.tableIndex / Math.max(1, event.tableCount), event.message);
            },
          });
          const whole = result.lut.device.extra?.['whole-model'] as { meanMs?: number } | undefined;
          return {
            path: result.path,
            deviceId: params.deviceId,
            measured: result.measured,
            reused: result.reused,
            denseMs: unprunedLatencyMs(result.lut, layoutFromModel(result.lut.model, [])),
            wholeModelMs: whole?.meanMs ?? null,
          };
        },
      });
      return { runId };
    },
  };
}

/** A ZCU102 board: the agent's profile verb per block type over the token grid (devices/zcu102/profiler). */
function startBoardProfile(deps: BackendDeps, params: LatencyProfileParams, outPath: string, emit: (event: 'latency.profileProgress', payload: LatencyProfileProgress) => void): string {
  return deps.jobs.start({
    kind: 'latency-profile',
    title: `Latency table of ${params.arch ?? params.modelDir ?? 'model'} on ${params.deviceId}`,
    work: async ({ runId, signal, report }): Promise<LatencyProfileResult> => {
      await mkdir(dirname(outPath), { recursive: true });
      const result = await profileZcu102({
        deviceId: params.deviceId,
        arch: params.arch,
        modelDir: params.modelDir,
        outPath,
        tokens: params.tokens,
        blockTypes: params.tables,
        runs: params.runs,
        warmupRuns: params.warmupRuns,
        store: defaultBoardStore(deps.dataDir),
        signal,
        onEvent: (event) => {
          if (event.phase !== 'connect') emit('latency.profileProgress', { runId, deviceId: params.deviceId, ...event, phase: event.phase });
          report(event.phase === 'done' ? 1 : event.tableIndex / Math.max(1, event.tableCount), event.message);
        },
      });
      return { path: result.path, deviceId: params.deviceId, measured: result.measured, reused: result.reused, denseMs: unprunedLatencyMs(result.lut, layoutFromModel(result.lut.model, [])), wholeModelMs: null };
    },
  });
}
