/** The form of every node kind: zod schemas of node configs (defaults filled in when parsed). */
import { z } from 'zod';

import { DatasetSpecSchema } from '../data/spec';
import { InputConfigSchema } from '../data/input-config';
import { AnalyticRooflineSchema } from '../latency/lut-schema';
import { BudgetSpecSchema } from '../latency/budget';
import { ROOFLINE_PRESETS } from '../latency/analytic-lut';

const seed = z.number().int().min(0).max(2 ** 31 - 1);

export const DatasetNodeConfigSchema = z.strictObject({
  source: DatasetSpecSchema,
  /** What the model sees: size, channels, fit (pad / resize), normalisation, augmentation. */
  input: InputConfigSchema,
  /** Part of the training images held out for validation (stratified). */
  valFraction: z.number().min(0).max(0.9).default(0.1),
  seed: seed.default(0),
  /** Use at most this many training / test images (seeded subset). */
  trainLimit: z.number().int().min(1).optional(),
  testLimit: z.number().int().min(1).optional(),
});

export const BackboneNodeConfigSchema = z
  .strictObject({
    /** A timm model name (deit_tiny_patch16_224) or class (VisionTransformer, PoolingVisionTransformer, SwinTransformer). */
    model: z.string().min(1),
    /** timm constructor arguments (snake_case), overriding the named model's. */
    kwargs: z.record(z.string(), z.unknown()).default({}),
    /**
     * Pretrained weights (.safetensors, timm key names); absent: random initialisation. An SPViT
     * checkpoint (ours with `selectors.*`, or the official one with `score_predictor.*`) also works:
     * the train node then fine-tunes it (its backbone is the dense/teacher model, its selectors the start).
     */
    weights: z.string().min(1).optional(),
    /**
     * The SPViT config of a checkpoint in `weights` (the official config.json with reference.class
     * and kwargs, or ours). Needed for official checkpoints; ours carry theirs in the file.
     */
    config: z.string().min(1).optional(),
  })
  .superRefine((config, ctx) => {
    if (config.config !== undefined && config.weights === undefined) {
      ctx.addIssue({ code: 'custom', path: ['config'], message: 'a config describes an SPViT checkpoint: give its weights too' });
    }
  });

export const DeviceNodeConfigSchema = z.looseObject({
  /** android, zcu102, or a kind registered by device code. */
  deviceKind: z.string().min(1),
});

const RooflinePresetSchema = z.enum(Object.keys(ROOFLINE_PRESETS) as [keyof typeof ROOFLINE_PRESETS, ...(keyof typeof ROOFLINE_PRESETS)[]]);

export const LatencyTableNodeConfigSchema = z.discriminatedUnion('source', [
  z.strictObject({
    source: z.literal('analytic'),
    /** A device model from core/latency's presets ... */
    preset: RooflinePresetSchema.default('mobile-cpu'),
    /** ... or your own numbers (these win). */
    roofline: AnalyticRooflineSchema.optional(),
  }),
  z.strictObject({
    source: z.literal('file'),
    /** A LUT JSON file (spvit profile --out). */
    path: z.string().min(1),
  }),
  z.strictObject({
    source: z.literal('device'),
    /** Token counts to measure; absent: every count near the steps the profiler finds. */
    tokens: z.array(z.number().int().min(1)).min(1).optional(),
    runs: z.number().int().min(1).default(50),
    warmupRuns: z.number().int().min(0).default(10),
  }),
]);

const OptimiserSchema = {
  epochs: z.number().int().min(1),
  batchSize: z.number().int().min(1).default(64),
  lr: z.number().positive().default(5e-4),
  minLr: z.number().nonnegative().default(1e-5),
  weightDecay: z.number().nonnegative().default(0.05),
};

export const DenseTrainingSchema = z.strictObject({
  ...OptimiserSchema,
  warmupEpochs: z.number().int().min(0).default(1),
  labelSmoothing: z.number().min(0).max(0.5).default(0.1),
});

export const SelectorPositionSchema = z.strictObject({ stage: z.number().int().min(0), block: z.number().int().min(0) });

export const SpvitTrainingSchema = z
  .strictObject({
    ...OptimiserSchema,
    /** Backbone learning rate is 0 for this many epochs, then capped at backboneLrCap x lr (spec §5.1). */
    backboneFreezeEpochs: z.number().int().min(0).default(5),
    backboneLrCap: z.number().min(0).max(1).default(0.01),
    selector: z
      .strictObject({
        /** Flat ViTs: blocks with a selector in front (default [3, 6, 9] scaled to the depth). */
        blocks: z.array(z.number().int().min(0)).min(1).optional(),
        /** PiT / Swin: (stage, block-in-stage) positions (defaults per spec Part A). */
        positions: z.array(SelectorPositionSchema).min(1).optional(),
        /** One scorer for all heads; absent: the backbone's SPViT checkpoint's choice, else true. */
        sharedHeadWeights: z.boolean().optional(),
      })
      .default({}),
    /** Package-token formula; absent: the backbone's SPViT checkpoint's (official: sum), else average. */
    package: z.strictObject({ mode: z.enum(['average', 'sum', 'mean']).optional() }).default({}),
    gumbelTau: z.number().positive().default(1),
    /**
     * Gumbel-noise annealing: full noise until `annealFrom` of the stage, then cosine down to
     * `finalScale` (0: the last steps train on the argmax decisions inference makes). Absent: full
     * noise throughout (official).
     */
    gumbelNoise: z.strictObject({ annealFrom: z.number().min(0).max(1).default(0.5), finalScale: z.number().min(0).max(1).default(0) }).optional(),
    /** The target: a latency budget (needs a latency table) or explicit keep ratios. */
    budget: BudgetSpecSchema.optional(),
    keepRatios: z.array(z.number().gt(0).max(1)).min(1).optional(),
    minKeepRatio: z.number().gt(0).max(1).default(0.05),
    loss: z
      .strictObject({
        ratio: z.number().nonnegative().default(2),
        distill: z.number().nonnegative().default(0.5),
        token: z.number().nonnegative().default(0.5),
        /** The differentiable latency hinge; 0 turns it off. */
        latencyHinge: z.number().nonnegative().default(0),
      })
      .default({ ratio: 2, distill: 0.5, token: 0.5, latencyHinge: 0 }),
    inferenceMode: z.enum(['argmax', 'topk', 'stochastic']).default('argmax'),
    /**
     * argmax only: after training, shift each selector's decision threshold so that argmax keeps the
     * target share of tokens on this many training images (0 turns it off; core/spvit/calibrate-thresholds.ts).
     */
    calibrationImages: z.number().int().min(0).default(1024),
    /** Search selector positions with the layer-to-phase driver instead of using `selector`. */
    phaseSearch: z
      .strictObject({
        epochsPerTrial: z.number().int().min(1).default(1),
        maxAccuracyDrop: z.number().min(0).max(1).default(0.01),
        mergeTolerance: z.number().min(0).max(1).default(0.1),
      })
      .optional(),
  })
  .superRefine((config, ctx) => {
    if (config.budget === undefined && config.keepRatios === undefined) {
      ctx.addIssue({ code: 'custom', path: ['budget'], message: 'give a latency budget or explicit keepRatios' });
    }
    if (config.budget !== undefined && config.keepRatios !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['keepRatios'], message: 'give either a budget or keepRatios, not both' });
    }
    if (config.keepRatios !== undefined) {
      config.keepRatios.forEach((ratio, i) => {
        if (i > 0 && ratio > (config.keepRatios?.[i - 1] ?? 1)) {
          ctx.addIssue({ code: 'custom', path: ['keepRatios', i], message: 'keep ratios must not increase from one selector to the next' });
        }
      });
    }
  });

export const TrainNodeConfigSchema = z
  .strictObject({
    seed: seed.default(0),
    /** Data-parallel worker threads; 'auto' = one per core. */
    workers: z.union([z.literal('auto'), z.number().int().min(1).max(64)]).default('auto'),
    /** Dense (unpruned) training first, e.g. from scratch or to adapt pretrained weights. */
    dense: DenseTrainingSchema.optional(),
    /** SPViT: selectors trained to a latency budget (spec Part A). */
    spvit: SpvitTrainingSchema.optional(),
  })
  .superRefine((config, ctx) => {
    if (config.dense === undefined && config.spvit === undefined) {
      ctx.addIssue({ code: 'custom', path: ['spvit'], message: 'a train node needs a dense stage, an spvit stage, or both' });
    }
  });

export const EvaluateNodeConfigSchema = z.strictObject({
  split: z.enum(['test', 'val']).default('test'),
  inferenceMode: z.enum(['argmax', 'topk', 'stochastic']).default('argmax'),
  batchSize: z.number().int().min(1).default(128),
  limit: z.number().int().min(1).optional(),
  /** Images whose kept tokens are saved for the token view. */
  visualise: z.number().int().min(0).default(8),
});

export const ExportNodeConfigSchema = z
  .strictObject({
    format: z.enum(['tflite', 'board']),
    precision: z.enum(['fp32', 'fp16', 'int8']).default('fp32'),
    /** Static shapes need fixed kept counts: 'topk' with the trained ratios. */
    inferenceMode: z.enum(['topk', 'argmax']).default('topk'),
    calibrationImages: z.number().int().min(1).default(64),
  })
  .superRefine((config, ctx) => {
    if (config.format === 'board' && config.precision !== 'int8') {
      ctx.addIssue({ code: 'custom', path: ['precision'], message: "the board package is fixed-point: use precision 'int8'" });
    }
  });

export const DeployNodeConfigSchema = z.strictObject({
  runs: z.number().int().min(1).default(50),
  warmupRuns: z.number().int().min(0).default(10),
  /** Run sample images on the device and compare outputs with the host model. */
  compareOutputs: z.boolean().default(true),
  sampleImages: z.number().int().min(1).default(8),
});

export const NODE_CONFIG_SCHEMAS = {
  dataset: DatasetNodeConfigSchema,
  backbone: BackboneNodeConfigSchema,
  device: DeviceNodeConfigSchema,
  'latency-table': LatencyTableNodeConfigSchema,
  train: TrainNodeConfigSchema,
  evaluate: EvaluateNodeConfigSchema,
  export: ExportNodeConfigSchema,
  deploy: DeployNodeConfigSchema,
} as const;

export type NodeConfigs = { [K in keyof typeof NODE_CONFIG_SCHEMAS]: z.output<(typeof NODE_CONFIG_SCHEMAS)[K]> };
export type DatasetNodeConfig = NodeConfigs['dataset'];
export type BackboneNodeConfig = NodeConfigs['backbone'];
export type DeviceNodeConfig = NodeConfigs['device'];
export type LatencyTableNodeConfig = NodeConfigs['latency-table'];
export type TrainNodeConfig = NodeConfigs['train'];
export type SpvitTrainingConfig = z.output<typeof SpvitTrainingSchema>;
export type DenseTrainingConfig = z.output<typeof DenseTrainingSchema>;
export type EvaluateNodeConfig = NodeConfigs['evaluate'];
export type ExportNodeConfig = NodeConfigs['export'];
export type DeployNodeConfig = NodeConfigs['deploy'];
