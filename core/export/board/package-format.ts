/**
 * The fixed-point board package, version 1: the header's shape (zod) and what every field means.
 *
 * Bytes: the line `SPVIT-FIXED-POINT 1\n`, a uint32 (little-endian) header length, the header as UTF-8
 * JSON, zero padding to a multiple of 16 bytes, then the tensor blob. Tensors are little-endian,
 * row-major, each at a 16-byte aligned offset from the blob's start.
 *
 * Numbers: int8 weights with one scale per output channel, int32 biases in the accumulator's units,
 * symmetric per-tensor activation scales (no zero points) with 8-bit (or, by choice, 12-bit)
 * activations into the matrix units, an int8 input image, an int16 residual stream. A `Requant` maps
 * int32 accumulators to the next tensor's units per channel (multiplier < 2^15 and shift, tensors of
 * length 1 or one per channel); a `Fixed` does the same with inline numbers. The reference runner
 * (reference-runner.ts) is the definition of what the numbers compute; the float `scales` are
 * recorded for the host (input quantisation, logit dequantisation, reports) and never used by it.
 */
import { z } from 'zod';

import { PACKAGE_MODES } from '../../spvit/package-token';

export const PACKAGE_FORMAT = 'spvit-fixed-point';
export const PACKAGE_VERSION = 1;
export const PACKAGE_MAGIC = 'SPVIT-FIXED-POINT 1\n';
/** The format name a board reports for the active package. */
export const BOARD_FORMAT_NAME = 'spvit-fixed-point-v1';

export const PACKAGE_DTYPES = ['int8', 'int16', 'int32'] as const;
export type PackageDtype = (typeof PACKAGE_DTYPES)[number];

const integer = z.number().int();
const name = z.string().min(1).max(256);

export const FixedSchema = z.strictObject({ multiplier: integer.min(0).max(32767), shift: integer.min(0).max(52) });
export type Fixed = z.infer<typeof FixedSchema>;

/** Per-channel (or length-1) multipliers (int32 tensor) and shifts (int8 tensor). */
export const RequantSchema = z.strictObject({ multiplier: name, shift: name });
export type Requant = z.infer<typeof RequantSchema>;

/** out = W x + b: weight int8 [outFeatures, inFeatures], bias int32 [outFeatures] (accumulator units). */
export const LinearSchema = z.strictObject({ weight: name, bias: name, inFeatures: integer.min(1), outFeatures: integer.min(1) });
export type LinearParams = z.infer<typeof LinearSchema>;

/** An integer LayerNorm without affine (see nonlinear.ts layerNormRow); gamma/beta live in the next linear. */
/** gain = multiplier / 2^shift; the shift may be negative here (down to -8) for fine output scales. */
export const LayerNormSchema = z.strictObject({ epsTerm: integer.min(0).max(2 ** 40), gain: z.strictObject({ multiplier: integer.min(0).max(32767), shift: integer.min(-8).max(22) }) });
export type LayerNormParams = z.infer<typeof LayerNormSchema>;

/** One GELU's constants: T in its input units and 2^15 / T (see nonlinear.ts geluFixed). */
export const GeluSchema = z.strictObject({ clip: integer.min(1).max(2 ** 20), toUnit: FixedSchema });
export type GeluParams = z.infer<typeof GeluSchema>;

/** Linear -> requant to a fixed-point GELU input (int16) -> GELU -> requant to an activation. */
export const LinearGeluSchema = z.strictObject({ linear: LinearSchema, toGelu: RequantSchema, gelu: GeluSchema, toOutput: FixedSchema });
export type LinearGeluParams = z.infer<typeof LinearGeluSchema>;

export const BlockSchema = z.strictObject({
  norm1: LayerNormSchema,
  qkv: LinearSchema,
  /** qkv accumulators -> q | k | v activations (3 * dim channels). */
  qkvToActivation: RequantSchema,
  /** q.k accumulator differences -> base-2 exponent, Q(expFracBits) (folds 1/sqrt(headDim) and log2 e). */
  scoreToExponent: FixedSchema,
  /** sum_j p_ij v_j accumulators -> context activations. */
  contextToActivation: FixedSchema,
  proj: LinearSchema,
  /** Residual update: x' = sat16(requant(x, skip) + requant(acc, branch)). */
  projToResidual: RequantSchema,
  skip1: FixedSchema,
  norm2: LayerNormSchema,
  fc1: LinearGeluSchema,
  fc2: LinearSchema,
  fc2ToResidual: RequantSchema,
  skip2: FixedSchema,
});
export type BlockParams = z.infer<typeof BlockSchema>;

export const SelectorSchema = z.strictObject({
  /** The block it runs in front of, and the spatial tokens it keeps (top-k by keep probability). */
  block: integer.min(0),
  keep: integer.min(1),
  /** Head-importance gate; null with one head (its weight cancels). */
  gate: z
    .strictObject({
      /** Sum of a head's d int16 channels -> mean activation. */
      meanToActivation: FixedSchema,
      fc1: LinearGeluSchema,
      fc2: LinearSchema,
      /** fc2 accumulators -> base-2 exponent for the sigmoid. */
      toExponent: RequantSchema,
    })
    .nullable(),
  scorer: z.strictObject({
    norm: LayerNormSchema,
    proj: LinearGeluSchema,
    fc1: LinearGeluSchema,
    fc2: LinearGeluSchema,
    fc3: LinearSchema,
    /** fc3's two accumulators (keep, drop) -> base-2 exponents; sigmoid(keep - drop) is the keep probability. */
    toExponent: RequantSchema,
  }),
});
export type SelectorParams = z.infer<typeof SelectorSchema>;

export const PackageModelSchema = z.strictObject({
  arch: z.string().min(1).max(128),
  imageSize: integer.min(1),
  patchSize: integer.min(1),
  inChannels: integer.min(1).max(64),
  embedDim: integer.min(2).max(2048),
  depth: integer.min(1).max(256),
  heads: integer.min(1),
  mlpRatio: z.number().positive(),
  mlpHidden: integer.min(1).max(16384),
  numClasses: integer.min(1),
  selectorBlocks: z.array(integer.min(0)),
  keptTokens: z.array(integer.min(1)),
});
export type PackageModel = z.infer<typeof PackageModelSchema>;

export const TensorEntrySchema = z.strictObject({
  name,
  dtype: z.enum(PACKAGE_DTYPES),
  shape: z.array(integer.min(0)).max(8),
  offset: integer.min(0),
  byteLength: integer.min(0),
});
export type TensorEntry = z.infer<typeof TensorEntrySchema>;

export const CalibrationInfoSchema = z.strictObject({
  method: z.enum(['max', 'percentile']),
  percentile: z.number().min(50).max(100).nullable(),
  images: integer.min(1),
  source: z.string(),
  /** How the int8 weights were rounded (see export/gptq.ts). */
  weightRounding: z.enum(['gptq', 'nearest']),
  /** Whether the head bias absorbed the mean logit error on the calibration images. */
  outputBiasCorrection: z.boolean(),
});
export type CalibrationInfo = z.infer<typeof CalibrationInfoSchema>;

export const PackageHeaderSchema = z.strictObject({
  format: z.literal(PACKAGE_FORMAT),
  version: z.literal(PACKAGE_VERSION),
  model: PackageModelSchema,
  /** Package-token formula of the selectors (null for a dense model). */
  packageMode: z.enum(PACKAGE_MODES).nullable(),
  arithmetic: z.strictObject({
    activationBits: z.union([z.literal(8), z.literal(12)]),
    expFracBits: integer.min(1).max(15),
    exp2Poly: z.array(integer).length(3),
    probBits: integer.min(4).max(15),
    geluClip: z.number().positive(),
    geluPoly: z.array(integer).length(5),
  }),
  /** The int8 image [inChannels, imageSize, imageSize]: q = clamp(round(x / scale), -127, 127). */
  input: z.strictObject({ name: z.literal('image'), scale: z.number().positive() }),
  /** int32 logits [numClasses]; real value = q * scale. */
  output: z.strictObject({ name: z.literal('logits'), scale: z.number().positive() }),
  /** Real units of the residual stream entering each block, and after the last (for reports). */
  residualScales: z.array(z.number().positive()),
  embed: z.strictObject({
    /** Patches as rows of inChannels * patchSize^2 values in (channel, row, column) order. */
    patch: LinearSchema,
    patchToResidual: RequantSchema,
    /** int16 [1 + patches, dim]: row 0 is cls_token + pos_embed[0], the rest pos_embed, in residual units. */
    position: name,
  }),
  blocks: z.array(BlockSchema),
  selectors: z.array(SelectorSchema),
  head: z.strictObject({ norm: LayerNormSchema, linear: LinearSchema, toOutput: RequantSchema }),
  calibration: CalibrationInfoSchema,
  tensors: z.array(TensorEntrySchema),
});
export type PackageHeader = z.infer<typeof PackageHeaderSchema>;

export type PackageTensor = Int8Array | Int16Array | Int32Array;

/** A decoded package: the header and its tensors by name. */
export interface FixedPointPackage {
  header: PackageHeader;
  tensors: ReadonlyMap<string, PackageTensor>;
}
