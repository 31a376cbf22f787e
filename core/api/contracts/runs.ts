/**
 * runs.*: the run folders the studio made (pipeline and training runs under the data folder), with
 * their headline figures, and the deployment report a deploy left in one.
 */
import { z } from 'zod';

import { method } from '../define';

import { RunIdSchema, SerializedErrorSchema } from './common';

export const RunSummarySchema = z.object({
  runId: RunIdSchema,
  runDir: z.string(),
  pipeline: z.string(),
  status: z.enum(['running', 'succeeded', 'failed', 'cancelled']),
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  /** A train node finished: the run has a model to look at and deploy. */
  hasModel: z.boolean(),
  /** The model has selectors (token maps need them). */
  hasSelectors: z.boolean(),
  accuracy: z.object({ dense: z.number().nullable(), pruned: z.number().nullable() }),
  latencyMs: z.object({ budget: z.number().nullable(), predicted: z.number().nullable() }),
  deployed: z.boolean(),
});
export type RunSummary = z.infer<typeof RunSummarySchema>;

const LatencyStatsSchema = z.looseObject({
  meanMs: z.number(),
  stdMs: z.number().nullable(),
  minMs: z.number().nullable(),
  maxMs: z.number().nullable(),
  count: z.number(),
  withinBudget: z.boolean().nullable(),
  marginMs: z.number().nullable(),
  command: z.string(),
  threads: z.number(),
});

const OutputCheckSchema = z.looseObject({ available: z.boolean(), reason: z.string().optional(), passed: z.boolean().optional(), maxRelativeError: z.number().optional(), sameTopClass: z.boolean().optional(), tolerance: z.number().optional(), images: z.number().optional() });

/** deploy-report.json as the deploy writes it (devices/android/deploy), raw output left out. */
export const DeployReportJsonSchema = z.looseObject({
  status: z.enum(['deployed', 'failed']),
  createdAt: z.string(),
  runDir: z.string(),
  device: z.looseObject({
    serial: z.string(),
    identity: z.looseObject({ model: z.string().nullable().optional(), soc: z.string().nullable().optional(), manufacturer: z.string().nullable().optional(), simulator: z.string().nullable().optional() }).nullable(),
    temperatureBeforeC: z.number().nullable(),
    temperatureAfterC: z.number().nullable(),
  }),
  model: z.looseObject({ architecture: z.string(), mode: z.string(), sizeBytes: z.number(), modelSha256: z.string(), tokensPerBlock: z.array(z.number()), outputShape: z.array(z.number()) }).nullable(),
  deployment: z.looseObject({ version: z.string(), path: z.string().nullable(), previous: z.string().nullable(), current: z.string().nullable(), verified: z.string().nullable() }).nullable(),
  budget: z.looseObject({ budgetMs: z.number().nullable(), predictedMs: z.number().nullable(), source: z.string() }).nullable(),
  latency: LatencyStatsSchema.nullable(),
  hostCheck: OutputCheckSchema.nullable(),
  onDeviceCheck: OutputCheckSchema.nullable(),
  error: SerializedErrorSchema.nullable(),
});
export type DeployReportJson = z.infer<typeof DeployReportJsonSchema>;

/** deploy-report-zcu102.json as a board deploy writes it (devices/zcu102/deploy). */
export const BoardDeployReportJsonSchema = z.looseObject({
  status: z.enum(['deployed', 'failed']),
  createdAt: z.string(),
  runDir: z.string(),
  deviceId: z.string(),
  board: z
    .looseObject({
      model: z.string(),
      hostname: z.string(),
      ip: z.string(),
      agentVersion: z.string(),
      accelerator: z.looseObject({ id: z.string(), clockMHz: z.number(), macRows: z.number(), macCols: z.number(), simulated: z.boolean() }),
    })
    .nullable(),
  model: z.looseObject({ architecture: z.string(), mode: z.string(), keptTokens: z.array(z.number()) }).nullable(),
  package: z.looseObject({ sha256: z.string(), sizeBytes: z.number(), format: z.string() }).nullable(),
  accuracy: z.looseObject({ images: z.number(), top1Agreement: z.number(), relativeRmsLogitError: z.number(), keptTokenOverlap: z.array(z.number()) }).nullable(),
  latency: z
    .looseObject({ meanMs: z.number(), stdMs: z.number(), minMs: z.number(), maxMs: z.number(), count: z.number(), meanAcceleratorMs: z.number(), meanCpuMs: z.number(), budgetMs: z.number().nullable(), withinBudget: z.boolean().nullable() })
    .nullable(),
  bitExact: z.looseObject({ images: z.number(), identical: z.boolean(), problems: z.array(z.string()) }).nullable(),
  deployment: z.looseObject({ version: z.string().nullable(), previous: z.string().nullable(), current: z.string().nullable(), restoredOnBoard: z.boolean().nullable(), restoreProblem: z.string().nullable() }),
  error: SerializedErrorSchema.nullable(),
});
export type BoardDeployReportJson = z.infer<typeof BoardDeployReportJsonSchema>;

export const MetricRecordSchema = z.object({
  nodeId: z.string(),
  name: z.string(),
  value: z.number(),
  step: z.number().optional(),
  epoch: z.number().optional(),
  extra: z.record(z.string(), z.unknown()).optional(),
});
export type MetricRecordJson = z.infer<typeof MetricRecordSchema>;

export const runsMethods = {
  'runs.list': method({
    description: 'Pipeline and training runs in the data folder, newest first, with their headline figures.',
    params: z.object({}),
    result: z.object({ runs: z.array(RunSummarySchema) }),
  }),
  'runs.metrics': method({
    description: "A run's metrics.jsonl (loss, accuracy, keep ratios, predicted latency per logged step), the latest records if it is long.",
    params: z.object({ runId: RunIdSchema, limit: z.number().int().min(1).max(100_000).default(20_000) }),
    result: z.object({ records: z.array(MetricRecordSchema), total: z.number().int() }),
  }),
  'runs.deployReport': method({
    description: 'The latest deployment reports in a run folder: to a phone, and to a board (null where there is none).',
    params: z.object({ runDir: z.string().min(1) }),
    result: z.object({
      path: z.string(),
      report: DeployReportJsonSchema.nullable(),
      board: z.object({ path: z.string(), report: BoardDeployReportJsonSchema.nullable() }),
    }),
  }),
} as const;
