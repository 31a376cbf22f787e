/**
 * `spvit profile` / latency.profile / the pipeline's device latency table for an Android phone:
 * opens the phone on the adb server, finds benchmark_model, builds the micro-model source from a
 * timm model name or a model folder, and profiles into a LUT file.
 */
import { StudioError } from '../../../core/shared/errors';
import { exportTflite } from '../../../core/export/tflite/export-model';
import { loadModelFolder } from '../../../core/export/tflite/model-folder';
import { microModelSource } from '../../../core/export/tflite/profiling-source';
import { lutModelShapeFromSpec } from '../../../core/latency/model-shape';
import { createModel, specFromTimm } from '../../../core/models/registry';

import { BenchmarkRunner } from '../benchmark/benchmark-runner';

import { resolveBenchmarkBinary } from './benchmark-binary';
import { profilePhone } from './profile-phone';

import type { LutBlockType } from '../../../core/latency/lut-schema';
import type { ModelSpec } from '../../../core/models/architecture';
import type { BackboneModel } from '../../../core/models/model';
import type { SpvitModel } from '../../../core/spvit/model';
import type { PhoneHub } from '../phone-agent';
import type { ProfileEvent, ProfileResult } from './profile-phone';

/** DeiT's selectors at [3, 6, 9]: sequences carry up to three package tokens. */
export const DEFAULT_MAX_PACKAGES = 3;

export const PROFILE_DEFAULTS = {
  repeats: 3,
  runs: 10,
  warmupRuns: 3,
  coolDown: { thresholdC: 45, timeoutMs: 120_000, pollMs: 2_000 },
} as const;

export interface AndroidProfileRequest {
  hub: PhoneHub;
  serial: string;
  /** A timm model name (seeded weights) or a model folder; exactly one. */
  arch?: string | undefined;
  modelDir?: string | undefined;
  outPath: string;
  /** Default: as many threads as the phone has big cores. */
  threads?: number | undefined;
  repeats?: number | undefined;
  runs?: number | undefined;
  warmupRuns?: number | undefined;
  tokens?: readonly number[] | undefined;
  blockTypes?: readonly LutBlockType[] | undefined;
  maxPackages?: number | undefined;
  /** Also time the whole dense model once (default true). */
  wholeModel?: boolean | undefined;
  coolDown?: { thresholdC: number; timeoutMs: number; pollMs?: number } | null | undefined;
  benchmarkBinary?: string | undefined;
  env?: Readonly<Record<string, string | undefined>>;
  signal?: AbortSignal | undefined;
  onEvent?: ((event: ProfileEvent) => void) | undefined;
}

function isSpvit(model: BackboneModel): model is SpvitModel {
  return 'selectors' in model && 'settings' in model;
}

async function openModel(request: AndroidProfileRequest): Promise<{ model: BackboneModel; name: string | undefined }> {
  if ((request.arch === undefined) === (request.modelDir === undefined)) {
    throw new StudioError('input/invalid', 'Give exactly one of a model name (--arch) or a model folder (--model).', { hint: 'e.g. --arch deit_tiny_patch16_224' });
  }
  if (request.arch !== undefined) return { model: createModel(specFromTimm(request.arch), { seed: 0 }), name: request.arch };
  return { model: (await loadModelFolder(request.modelDir as string)).model, name: undefined };
}

export async function profileAndroid(request: AndroidProfileRequest): Promise<ProfileResult & { serial: string }> {
  const call = request.signal === undefined ? {} : { signal: request.signal };
  const { model, name } = await openModel(request);
  try {
    const backbone = isSpvit(model) ? (model.backbone as BackboneModel) : model;
    const shape = lutModelShapeFromSpec({ architecture: backbone.architecture, config: backbone.config as ModelSpec['config'] }, name);
    const source = microModelSource(model);
    const wholeModel = request.wholeModel === false ? null : exportTflite(backbone).bytes;
    const phone = await request.hub.openPhone(request.serial, call);
    try {
      const { binary } = await resolveBenchmarkBinary(phone, { path: request.benchmarkBinary, env: request.env ?? {}, ...call });
      const runner = new BenchmarkRunner({ phone, binary });
      const info = await runner.prepare(call);
      const result = await profilePhone({
        runner,
        source,
        model: shape,
        outPath: request.outPath,
        threads: request.threads ?? Math.max(1, info.health.bigCores.length),
        repeats: request.repeats ?? PROFILE_DEFAULTS.repeats,
        runs: request.runs ?? PROFILE_DEFAULTS.runs,
        warmupRuns: request.warmupRuns ?? PROFILE_DEFAULTS.warmupRuns,
        maxPackages: request.maxPackages ?? (isSpvit(model) ? model.selectors.length : DEFAULT_MAX_PACKAGES),
        tokens: request.tokens,
        blockTypes: request.blockTypes,
        coolDown: request.coolDown === undefined ? { ...PROFILE_DEFAULTS.coolDown } : request.coolDown,
        wholeModel,
        ...call,
        ...(request.onEvent === undefined ? {} : { onEvent: request.onEvent }),
      });
      return { ...result, serial: request.serial };
    } finally {
      await phone.close().catch(() => undefined);
    }
  } finally {
    model.dispose();
  }
}
