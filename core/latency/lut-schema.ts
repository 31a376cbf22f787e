/**
 * The latency lookup table (LUT): latency of each block type as a function of the number of tokens,
 * measured on one device for one model shape (or estimated from FLOPs, marked 'analytic').
 *
 * Token counts are sequence lengths entering the op: CLS + spatial + package tokens. For 'selector'
 * it is the sequence the selector sees (before its new package token is appended); for 'head' the
 * tokens it reads (1 for a CLS head).
 */
import { z } from 'zod';

export const LUT_FORMAT = 'spvit-lut';
export const LUT_VERSION = 1;

export const LUT_BLOCK_TYPES = [
  'patch-embed',
  /** A transformer block with no selector in front of it. */
  'block',
  /** A block right after a selector (it also gathers kept tokens and appends the package token). */
  'block-after-selector',
  'selector',
  /** PiT pooling / Swin patch merging between stages (runs on the restored full grid). */
  'downsample',
  'head',
] as const;
export const LutBlockTypeSchema = z.enum(LUT_BLOCK_TYPES);
export type LutBlockType = z.infer<typeof LutBlockTypeSchema>;

export const LutSourceSchema = z.enum(['device', 'file', 'analytic']);
export type LutSource = z.infer<typeof LutSourceSchema>;

export const LutDeviceSchema = z.object({
  /** adb serial, board id, or 'analytic:<preset>'. */
  id: z.string().min(1),
  /** android, zcu102, host, analytic, ... (device issues add kinds). */
  kind: z.string().min(1),
  /** Marketing model, e.g. "SM-G981B" or "ZCU102". */
  model: z.string().min(1),
  soc: z.string().nullable(),
  /** tflite benchmark_model, board-agent, tfjs-wasm, roofline, ... */
  runtime: z.string().min(1),
  runtimeVersion: z.string().nullable(),
  threads: z.number().int().min(1).nullable(),
  /** cpu, xnnpack, gpu, nnapi, fpga, ... */
  delegate: z.string().min(1),
  precision: z.string().min(1).default('fp32'),
  batch: z.number().int().min(1).default(1),
  /** Anything else worth keeping (temperatures, big-core mask, clocks). */
  extra: z.record(z.string(), z.unknown()).optional(),
});
export type LutDevice = z.infer<typeof LutDeviceSchema>;

export const LutStageShapeSchema = z.object({
  depth: z.number().int().min(1),
  embedDim: z.number().int().min(1),
  heads: z.number().int().min(1),
  /** Spatial tokens of the stage's full grid (196 for 224/16). */
  spatialTokens: z.number().int().min(1),
  /** Tokens that are never pruned: CLS (1) for ViT/PiT, 0 for Swin. */
  extraTokens: z.number().int().min(0),
  /** Swin's attention window (tokens per side); absent for global attention. */
  windowSize: z.number().int().min(1).optional(),
});
export type LutStageShape = z.infer<typeof LutStageShapeSchema>;

export const LutModelShapeSchema = z.object({
  arch: z.enum(['vit', 'pit', 'swin']),
  /** timm name when there is one, e.g. deit_tiny_patch16_224. */
  name: z.string().optional(),
  embedDim: z.number().int().min(1),
  heads: z.number().int().min(1),
  mlpRatio: z.number().positive(),
  depth: z.number().int().min(1),
  /** One entry for flat ViTs, one per stage for PiT / Swin. */
  stages: z.array(LutStageShapeSchema).min(1),
  numClasses: z.number().int().min(1).optional(),
  patchSize: z.number().int().min(1).optional(),
  imgSize: z.number().int().min(1).optional(),
  inChans: z.number().int().min(1).optional(),
});
export type LutModelShape = z.infer<typeof LutModelShapeSchema>;

export const LutPointSchema = z.object({
  tokens: z.number().int().min(1),
  meanMs: z.number().nonnegative().finite(),
  stdMs: z.number().nonnegative().finite(),
  count: z.number().int().min(1),
  /** The raw measurements (count of them); absent for analytic tables. */
  samplesMs: z.array(z.number().nonnegative().finite()).optional(),
});
export type LutPoint = z.infer<typeof LutPointSchema>;

export const LutTableSchema = z
  .object({
    blockType: LutBlockTypeSchema,
    stage: z.number().int().min(0).default(0),
    points: z.array(LutPointSchema).min(1),
  })
  .superRefine((table, ctx) => {
    table.points.forEach((point, i) => {
      const previous = table.points[i - 1];
      if (previous !== undefined && point.tokens <= previous.tokens) {
        ctx.addIssue({
          code: 'custom',
          path: ['points', i, 'tokens'],
          message: `token counts must increase strictly (${point.tokens} after ${previous.tokens})`,
        });
      }
      if (point.samplesMs !== undefined && point.samplesMs.length !== point.count) {
        ctx.addIssue({
          code: 'custom',
          path: ['points', i, 'samplesMs'],
          message: `${point.samplesMs.length} samples but count is ${point.count}`,
        });
      }
    });
  });
export type LutTable = z.infer<typeof LutTableSchema>;

export const AnalyticRooflineSchema = z.object({
  /** Effective compute rate of the device, GFLOP/s (2 FLOPs per MAC). */
  gflops: z.number().positive(),
  /** Fixed cost per op (kernel launch, dispatch), milliseconds. */
  perOpOverheadMs: z.number().nonnegative(),
  /** Token counts are rounded up to a multiple of this (the GEMM tile): the latency steps. */
  tileTokens: z.number().int().min(1),
});
export type AnalyticRoofline = z.infer<typeof AnalyticRooflineSchema>;

export const LutSchema = z
  .object({
    format: z.literal(LUT_FORMAT),
    version: z.literal(LUT_VERSION),
    source: LutSourceSchema,
    createdAt: z.string().min(1),
    device: LutDeviceSchema,
    model: LutModelShapeSchema,
    /** For source 'analytic': the roofline that produced the numbers. */
    analytic: AnalyticRooflineSchema.extend({ preset: z.string().optional(), flopCounter: z.string() }).optional(),
    tables: z.array(LutTableSchema).min(1),
    /** Raw profiler outputs kept with the table (e.g. benchmark_model text per point). */
    raw: z.record(z.string(), z.string()).optional(),
  })
  .superRefine((lut, ctx) => {
    const seen = new Map<string, number>();
    lut.tables.forEach((table, i) => {
      const key = `${table.blockType}@${table.stage}`;
      const first = seen.get(key);
      if (first !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['tables', i], message: `a second '${table.blockType}' table for stage ${table.stage} (first at tables[${first}])` });
      }
      seen.set(key, i);
      if (table.stage >= lut.model.stages.length) {
        ctx.addIssue({
          code: 'custom',
          path: ['tables', i, 'stage'],
          message: `stage ${table.stage} does not exist: the model has ${lut.model.stages.length} stage(s)`,
        });
      }
    });
    if (lut.source === 'analytic' && lut.analytic === undefined) {
      ctx.addIssue({ code: 'custom', path: ['analytic'], message: "an 'analytic' LUT records the roofline it was computed with" });
    }
  });
export type Lut = z.infer<typeof LutSchema>;
export type LutIn = z.input<typeof LutSchema>;
