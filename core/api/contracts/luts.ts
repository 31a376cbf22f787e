/**
 * luts.*: latency tables for the studio's views. Lists the tables the studio made (profiles in the
 * data folder, tables in run folders), reads one with its monotone staircase fit, and asks the
 * budget solver which keep ratios a budget gives. Profiling itself is `latency.profile`.
 */
import { z } from 'zod';

import { method } from '../define';

export const LutPointJsonSchema = z.object({
  tokens: z.number(),
  meanMs: z.number(),
  stdMs: z.number(),
  count: z.number(),
  samplesMs: z.array(z.number()).optional(),
});
export type LutPointJson = z.infer<typeof LutPointJsonSchema>;

export const LutTableJsonSchema = z.object({ blockType: z.string(), stage: z.number(), points: z.array(LutPointJsonSchema) });
export type LutTableJson = z.infer<typeof LutTableJsonSchema>;

export const LutDeviceJsonSchema = z.looseObject({
  id: z.string(),
  kind: z.string(),
  model: z.string(),
  soc: z.string().nullable(),
  runtime: z.string(),
  runtimeVersion: z.string().nullable(),
  threads: z.number().nullable(),
  delegate: z.string(),
  precision: z.string(),
});
export type LutDeviceJson = z.infer<typeof LutDeviceJsonSchema>;

/** A LUT as core/latency writes it, without the raw profiler outputs (they stay in the file). */
export const LutJsonSchema = z.looseObject({
  format: z.string(),
  source: z.string(),
  createdAt: z.string(),
  device: LutDeviceJsonSchema,
  model: z.looseObject({
    arch: z.string(),
    name: z.string().optional(),
    embedDim: z.number(),
    heads: z.number(),
    depth: z.number(),
    stages: z.array(z.looseObject({ depth: z.number(), spatialTokens: z.number(), extraTokens: z.number() })),
  }),
  tables: z.array(LutTableJsonSchema),
});
export type LutJson = z.infer<typeof LutJsonSchema>;

export const LutSummarySchema = z.object({
  path: z.string(),
  /** Where it came from: 'profile' (latency.profile) or the run that made it. */
  origin: z.string(),
  source: z.string(),
  createdAt: z.string(),
  device: z.object({ id: z.string(), kind: z.string(), model: z.string() }),
  modelName: z.string(),
  points: z.number().int(),
  /** 'partial' for a profile that stopped before the end (it resumes). */
  status: z.enum(['complete', 'partial']),
  denseMs: z.number().nullable(),
});
export type LutSummary = z.infer<typeof LutSummarySchema>;

/** The monotone fit of one table (core/latency's curve): value at each measured count, and the flat steps. */
export const FittedTableSchema = z.object({
  blockType: z.string(),
  stage: z.number(),
  tokens: z.array(z.number()),
  valuesMs: z.array(z.number()),
  steps: z.array(z.object({ firstTokens: z.number(), lastTokens: z.number(), latencyMs: z.number() })),
});
export type FittedTable = z.infer<typeof FittedTableSchema>;

const OpLatencySchema = z.object({ blockType: z.string(), stage: z.number(), block: z.number(), tokens: z.number(), latencyMs: z.number() });
export type OpLatencyJson = z.infer<typeof OpLatencySchema>;

export const BudgetSolutionSchema = z.object({
  budgetMs: z.number(),
  predictedMs: z.number(),
  denseMs: z.number(),
  minimumMs: z.number(),
  /** Whether the predicted latency fits the budget (false: the solver's closest answer). */
  feasible: z.boolean(),
  selectors: z.array(
    z.object({
      stage: z.number(),
      block: z.number(),
      keptTokens: z.number(),
      gridTokens: z.number(),
      keepRatio: z.number(),
      /** Tokens entering the block after the selector (kept + class and package tokens). */
      blockTokens: z.number(),
      onStepEdge: z.boolean(),
    }),
  ),
  /** Every op of the forward pass with its tokens and predicted latency: pruned, and the dense model (no selectors). */
  ops: z.array(OpLatencySchema),
  denseOps: z.array(OpLatencySchema),
});
export type BudgetSolution = z.infer<typeof BudgetSolutionSchema>;

export const lutsMethods = {
  'luts.list': method({
    description: 'Latency tables in the data folder (profiles and run folders), newest first.',
    params: z.object({}),
    result: z.object({ luts: z.array(LutSummarySchema) }),
  }),
  'luts.read': method({
    description: 'One latency table with the monotone staircase fitted to each of its tables.',
    params: z.object({ path: z.string().min(1) }),
    result: z.object({ path: z.string(), lut: LutJsonSchema, fitted: z.array(FittedTableSchema), status: z.enum(['complete', 'partial']), denseMs: z.number().nullable() }),
  }),
  'luts.solve': method({
    description: "The budget solver's keep ratios for a latency budget on a table (flat ViTs: selectors in front of the given blocks).",
    params: z.object({
      path: z.string().min(1),
      budgetMs: z.number().positive(),
      /** Blocks with a selector in front; default: SPViT's quarters of the depth. */
      selectorBlocks: z.array(z.number().int().min(1)).min(1).optional(),
      minKeepRatio: z.number().gt(0).max(1).default(0.05),
    }),
    result: BudgetSolutionSchema,
  }),
} as const;
