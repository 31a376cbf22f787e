/** Deploying a run's model to a device: a job with progress events; the report lands in the run folder. */
import { z } from 'zod';

import { method } from '../define';

import { JobStartedSchema, RunIdSchema } from './common';

export const DeployRunParamsSchema = z.object({
  /** adb serial of the phone (`zcu102@...` boards are not deployed by this method yet). */
  deviceId: z.string().min(1),
  /** The run folder (model.safetensors and its config; report.json for the budget). */
  runDir: z.string().min(1),
  runs: z.number().int().min(1).max(10_000).optional(),
  warmupRuns: z.number().int().min(0).max(1_000).optional(),
  threads: z.number().int().min(1).max(64).optional(),
  /** Overrides the budget recorded in the run. */
  budgetMs: z.number().positive().optional(),
  benchmarkBinary: z.string().min(1).optional(),
});
export type DeployRunParams = z.infer<typeof DeployRunParamsSchema>;

export const DEPLOY_PHASES = ['export', 'host-check', 'connect', 'push', 'verify', 'benchmark', 'outputs', 'activate', 'done'] as const;

/** The job's result (the full report is deploy-report.json in the run folder). */
export const DeployRunResultSchema = z.object({
  reportPath: z.string(),
  deviceId: z.string(),
  version: z.string(),
  previous: z.string().nullable(),
  latencyMs: z.number().nullable(),
  budgetMs: z.number().nullable(),
  withinBudget: z.boolean().nullable(),
});
export type DeployRunResult = z.infer<typeof DeployRunResultSchema>;

export const DeployProgressSchema = z.object({
  runId: RunIdSchema,
  deviceId: z.string(),
  phase: z.enum(DEPLOY_PHASES),
  message: z.string(),
});
export type DeployProgress = z.infer<typeof DeployProgressSchema>;

export const deployMethods = {
  'deploy.run': method({
    description: "Exports a run's model to TFLite, installs it on a phone (the previous deployment stays live until the new one passed), benchmarks it and writes deploy-report.json; a job with deploy.progress events.",
    params: DeployRunParamsSchema,
    result: JobStartedSchema,
  }),
} as const;

export const deployEvents = {
  'deploy.progress': DeployProgressSchema,
} as const;
