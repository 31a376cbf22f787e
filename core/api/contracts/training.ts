/**
 * Training: run a pipeline (or a single training configuration) as a job, follow it through
 * `training.progress` events, read its report, and look at which tokens each selector kept.
 */
import { z } from 'zod';

import { method } from '../define';

import { JobStartedSchema, RunIdSchema } from './common';

/**
 * One training configuration without a pipeline file: the configs of the nodes of the usual chain
 * (dataset -> backbone -> [latency table] -> train -> [evaluate]), checked like the pipeline's nodes.
 */
export const TrainingRunConfigSchema = z.object({
  name: z.string().min(1).max(200).default('training run'),
  dataset: z.record(z.string(), z.unknown()),
  backbone: z.record(z.string(), z.unknown()),
  latencyTable: z.record(z.string(), z.unknown()).optional(),
  train: z.record(z.string(), z.unknown()),
  /** Evaluation on the test split; defaults apply when absent. */
  evaluate: z.record(z.string(), z.unknown()).optional(),
});
export type TrainingRunConfig = z.infer<typeof TrainingRunConfigSchema>;

export const TrainingStartParamsSchema = z
  .object({
    /** A pipeline document (the JSON of a .spvit.json file). */
    pipeline: z.unknown().optional(),
    /** ...or one training configuration. */
    config: TrainingRunConfigSchema.optional(),
    /** Folder relative paths in the pipeline are relative to (default: the studio's data folder). */
    baseDir: z.string().optional(),
    /** Continue the unfinished run with this id (its folder is kept under the data folder). */
    resumeRunId: RunIdSchema.optional(),
    /** Worker threads (default: one per core). */
    workers: z.number().int().min(0).max(64).optional(),
  })
  .refine((params) => (params.pipeline === undefined) !== (params.config === undefined) || params.resumeRunId !== undefined, {
    message: 'give a pipeline or a config (or resumeRunId)',
  });

const LossTermsSchema = z.object({
  total: z.number(),
  ce: z.number(),
  ratio: z.number(),
  distill: z.number(),
  token: z.number(),
  hinge: z.number(),
});

export const TrainingProgressSchema = z.object({
  runId: RunIdSchema,
  nodeId: z.string(),
  stage: z.enum(['dense', 'spvit']),
  step: z.number().int(),
  steps: z.number().int(),
  /** Fractional epoch. */
  epoch: z.number(),
  epochs: z.number(),
  loss: LossTermsSchema,
  /** Training-batch accuracy, 0..1. */
  accuracy: z.number(),
  lr: z.object({ backbone: z.number(), selector: z.number() }),
  /** Keep ratio per selector (training decisions) and the targets. */
  keepRatios: z.array(z.number()),
  targets: z.array(z.number()),
  predictedMs: z.number().nullable(),
  budgetMs: z.number().nullable(),
  msPerStep: z.number(),
  imagesPerSecond: z.number(),
  /** Present at the end of an epoch with a validation pass. */
  validation: z.object({ images: z.number().int(), accuracy: z.number(), keepRatios: z.array(z.number()) }).optional(),
});
export type TrainingProgress = z.infer<typeof TrainingProgressSchema>;

export const TrainingReportSchema = z.object({
  runId: RunIdSchema,
  runDir: z.string(),
  status: z.enum(['running', 'succeeded', 'failed', 'cancelled']),
  accuracy: z.object({ dense: z.number().nullable(), pruned: z.number().nullable() }),
  gflops: z.object({ dense: z.number().nullable(), pruned: z.number().nullable() }),
  keepRatio: z.object({ target: z.array(z.number()), achieved: z.array(z.number()) }),
  latencyMs: z.object({ budget: z.number().nullable(), predicted: z.number().nullable(), measured: z.number().nullable() }),
  lut: z.object({ source: z.string().nullable() }),
  /** Every evaluate node (e.g. one per inference mode); the figures above are the first's. */
  evaluations: z.array(z.object({ nodeId: z.string(), mode: z.string().nullable(), accuracyPruned: z.number().nullable(), keepRatioAchieved: z.array(z.number()) })),
});
export type TrainingReport = z.infer<typeof TrainingReportSchema>;

export const TokenMapsResultSchema = z.object({
  mode: z.enum(['argmax', 'topk', 'stochastic']),
  images: z.number().int(),
  labels: z.array(z.number().int()),
  classNames: z.array(z.string()),
  /** The images themselves (NCHW, normalised), so the view can draw them under the maps. */
  imageShape: z.array(z.number().int()),
  pixels: z.array(z.number()),
  stages: z.array(
    z.object({
      selector: z.number().int(),
      grid: z.tuple([z.number().int(), z.number().int()]),
      cellPixels: z.tuple([z.number(), z.number()]),
      kept: z.array(z.array(z.number().int())),
      keepRatio: z.array(z.number()),
    }),
  ),
});
export type TokenMapsResult = z.infer<typeof TokenMapsResultSchema>;

export const trainingMethods = {
  'training.start': method({
    description: 'Starts (or resumes) a training run from a pipeline or one training configuration; progress comes as training.progress events.',
    params: TrainingStartParamsSchema,
    result: JobStartedSchema,
  }),
  'training.report': method({
    description: 'The headline figures of a run: accuracy dense / pruned, GFLOPs, keep ratios, latency budget / predicted / measured.',
    params: z.object({ runId: RunIdSchema }),
    result: TrainingReportSchema,
  }),
  'training.tokenMaps': method({
    description: 'Which tokens each selector kept for the first N images of a split, with the trained model of a run.',
    params: z.object({
      runId: RunIdSchema,
      images: z.number().int().min(1).max(64).default(8),
      split: z.enum(['test', 'val', 'train']).default('test'),
      mode: z.enum(['argmax', 'topk', 'stochastic']).optional(),
    }),
    result: TokenMapsResultSchema,
  }),
} as const;

export const trainingEvents = {
  'training.progress': TrainingProgressSchema,
} as const;
