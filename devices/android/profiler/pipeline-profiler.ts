/**
 * The latency-table node's `profileOnDevice` for phones: give it to H5's registry as
 * `createCoreExecutorRegistry({ latencyTable: { profileOnDevice: androidProfileOnDevice({ hub }) } })`.
 * The table is measured into the node's folder (so a resumed pipeline resumes the profile) with
 * the backbone's own weights; the node then writes it to the run as lut.json.
 */
import { join } from 'node:path';

import { StudioError } from '../../../core/shared/errors';
import { lutModelShapeFromSpec } from '../../../core/latency/model-shape';
import { createModel } from '../../../core/models/registry';
import { exportTflite } from '../../../core/export/tflite/export-model';
import { microModelSource } from '../../../core/export/tflite/profiling-source';
import { loadBackboneWeights } from '../../../core/pipeline/executors/backbone';

import { BenchmarkRunner } from '../benchmark/benchmark-runner';

import { resolveBenchmarkBinary } from './benchmark-binary';
import { DEFAULT_MAX_PACKAGES, PROFILE_DEFAULTS } from './profile-android';
import { profilePhone } from './profile-phone';

import type { AbortSignalLike } from '../../../core/shared/abort';
import type { LatencyTableExecutorOptions } from '../../../core/pipeline/executors/latency-table';
import type { ModelSpec } from '../../../core/models/architecture';
import type { PhoneHub } from '../phone-agent';

export type ProfileOnDevice = NonNullable<LatencyTableExecutorOptions['profileOnDevice']>;

export interface AndroidProfileOnDeviceOptions {
  hub: PhoneHub;
  benchmarkBinary?: string;
  env?: Readonly<Record<string, string | undefined>>;
  repeats?: number;
}

function abortSignal(like: AbortSignalLike): AbortSignal {
  if (like instanceof AbortSignal) return like;
  const controller = new AbortController();
  if (like.aborted) controller.abort(like.reason);
  else like.addEventListener('abort', () => controller.abort(like.reason), { once: true });
  return controller.signal;
}

export function androidProfileOnDevice(options: AndroidProfileOnDeviceOptions): ProfileOnDevice {
  return async ({ device, backbone, tokens, runs, warmupRuns, context }) => {
    if (device.deviceKind !== 'android') {
      throw new StudioError('not-implemented', `Profiling a '${device.deviceKind}' device from a pipeline is not available yet.`, {
        details: { nodeId: context.node.id, deviceKind: device.deviceKind },
        hint: "Use a phone, or a latency table with source 'analytic' or 'file'.",
      });
    }
    const signal = abortSignal(context.signal);
    const model = createModel(backbone.spec as ModelSpec, { seed: 0 });
    try {
      await loadBackboneWeights(model, backbone);
      const phone = await options.hub.openPhone(device.id, { signal });
      try {
        const { binary } = await resolveBenchmarkBinary(phone, { path: options.benchmarkBinary, env: options.env ?? {}, signal });
        const runner = new BenchmarkRunner({ phone, binary });
        const info = await runner.prepare({ signal });
        const result = await profilePhone({
          runner,
          source: microModelSource(model),
          model: lutModelShapeFromSpec(backbone.spec as ModelSpec),
          outPath: join(context.nodeDir, 'device-profile.json'),
          threads: Math.max(1, info.health.bigCores.length),
          runs,
          warmupRuns,
          repeats: options.repeats ?? PROFILE_DEFAULTS.repeats,
          maxPackages: DEFAULT_MAX_PACKAGES,
          tokens,
          coolDown: { ...PROFILE_DEFAULTS.coolDown },
          wholeModel: exportTflite(model).bytes,
          signal,
          onEvent: (event) => context.progress((event.tableIndex + (event.phase === 'done' ? 1 : 0)) / Math.max(1, event.tableCount), event.message),
        });
        return result.lut;
      } finally {
        await phone.close().catch(() => undefined);
      }
    } finally {
      model.dispose();
    }
  };
}
