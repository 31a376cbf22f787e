/** Latency tables measured on devices: a profile runs as a job and reports every point it measures. */
import { z } from 'zod';

import { method } from '../define';

import { JobStartedSchema, RunIdSchema } from './common';

export const LUT_TABLE_NAMES = ['patch-embed', 'block', 'block-after-selector', 'selector', 'downsample', 'head'] as const;

export const LatencyProfileParamsSchema = z
  .object({
    /** adb serial of the phone (`zcu102@...` boards are not profiled by this method yet). */
    deviceId: z.string().min(1),
    /** A timm model name (e.g. deit_tiny_patch16_224) or a model folder; exactly one. */
    arch: z.string().min(1).optional(),
    modelDir: z.string().min(1).optional(),
    /** Where the LUT goes; default <data dir>/luts/<device>-<model>.json. An existing partial table is resumed. */
    outPath: z.string().min(1).optional(),
    /** Fixed token counts instead of the coarse-then-refined sweep. */
    tokens: z.array(z.number().int().min(1)).min(1).optional(),
    tables: z.array(z.enum(LUT_TABLE_NAMES)).min(1).optional(),
    threads: z.number().int().min(1).max(64).optional(),
    /** benchmark_model invocations per point (the samples). */
    repeats: z.number().int().min(1).max(100).optional(),
    /** Inferences per invocation. */
    runs: z.number().int().min(1).max(10_000).optional(),
    warmupRuns: z.number().int().min(0).max(1_000).optional(),
    /** benchmark_model for the phone's ABI on this machine; default: the copy already on the phone. */
    benchmarkBinary: z.string().min(1).optional(),
  })
  .refine((params) => (params.arch === undefined) !== (params.modelDir === undefined), { message: 'give exactly one of arch or modelDir', path: ['arch'] });
export type LatencyProfileParams = z.infer<typeof LatencyProfileParamsSchema>;

/** The job's result. */
export const LatencyProfileResultSchema = z.object({
  path: z.string(),
  deviceId: z.string(),
  measured: z.number().int(),
  reused: z.number().int(),
  /** The dense model's latency predicted by the table, and measured as one model (when it was). */
  denseMs: z.number(),
  wholeModelMs: z.number().nullable(),
});
export type LatencyProfileResult = z.infer<typeof LatencyProfileResultSchema>;

export const LatencyProfileProgressSchema = z.object({
  runId: RunIdSchema,
  deviceId: z.string(),
  phase: z.enum(['point', 'whole-model', 'done']),
  blockType: z.enum(LUT_TABLE_NAMES).nullable(),
  tokens: z.number().int().nullable(),
  meanMs: z.number().nullable(),
  stdMs: z.number().nullable(),
  /** Taken from the existing (partial) table. */
  reused: z.boolean(),
  tableIndex: z.number().int(),
  tableCount: z.number().int(),
  measuredPoints: z.number().int(),
  message: z.string(),
});
export type LatencyProfileProgress = z.infer<typeof LatencyProfileProgressSchema>;

export const latencyMethods = {
  'latency.profile': method({
    description: 'Builds a latency table on a phone with benchmark_model (micro-models per block type over token counts); a job with latency.profileProgress events.',
    params: LatencyProfileParamsSchema,
    result: JobStartedSchema,
  }),
} as const;

export const latencyEvents = {
  'latency.profileProgress': LatencyProfileProgressSchema,
} as const;
