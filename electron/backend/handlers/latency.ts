/** latency.profile: a phone's latency table as a job, with a latency.profileProgress event per point. */
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';

import { StudioError } from '../../../core/shared/errors';
import { layoutFromModel } from '../../../core/latency/layout';
import { unprunedLatencyMs } from '../../../core/latency/latency-model';
import { profileAndroid } from '../../../devices/android/profiler/profile-android';

import type { LatencyProfileResult } from '../../../core/api/contracts/latency';
import type { PhoneHub } from '../../../devices/android/phone-agent';
import type { BackendDeps } from '../deps';
import type { BackendHandlers } from '../handler-types';

function safeName(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]+/g, '_');
}

export function latencyHandlers(deps: BackendDeps, services: { hub: () => PhoneHub }): BackendHandlers<'latency.profile'> {
  return {
    'latency.profile': async (params, { emit }) => {
      if (params.deviceId.startsWith('zcu102@')) {
        throw new StudioError('not-implemented', `Profiling a ZCU102 board (${params.deviceId}) is not available yet.`, {
          hint: 'Profile a phone, or use an analytic latency table for the board.',
        });
      }
      const model = params.arch ?? params.modelDir ?? 'model';
      const outPath = params.outPath ?? join(deps.dataDir, 'luts', `${safeName(params.deviceId)}-${safeName(model.split('/').pop() ?? model)}.json`);
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
