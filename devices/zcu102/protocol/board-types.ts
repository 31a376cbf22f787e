/** Data the studio and the board agent exchange, shared by the wire format and the runtime seam. */

export const BOARD_BLOCK_TYPES = ['patch-embed', 'block', 'block-after-selector', 'selector', 'head'] as const;
/**
 * One profiled unit of a ViT on the board: the patch embedding, a plain block, a block right after a
 * token selector (it also gathers the kept tokens), the selector itself, and the classifier head.
 */
export type BoardBlockType = (typeof BOARD_BLOCK_TYPES)[number];

/** A plain ViT (DeiT-style) with optional SPViT selectors and their kept spatial token counts. */
export interface BoardModelShape {
  /** timm name, e.g. `deit_small_patch16_224`. */
  arch: string;
  imageSize: number;
  patchSize: number;
  inChannels: number;
  embedDim: number;
  depth: number;
  heads: number;
  mlpRatio: number;
  numClasses: number;
  /** 0-based indices of the blocks with a selector in front; empty for a dense model. */
  selectorBlocks: number[];
  /** Spatial tokens each selector keeps, same length as selectorBlocks, non-increasing. */
  keptTokens: number[];
}

export interface BoardAcceleratorInfo {
  /** Names the accelerator design and its version, e.g. `spvit-int8-mac32x32`. */
  id: string;
  clockMHz: number;
  macRows: number;
  macCols: number;
  /** True for the simulator's cycle model, false for the FPGA. */
  simulated: boolean;
}

export interface BoardIdentity {
  /** /proc/device-tree/model, e.g. `ZynqMP ZCU102 RevB`. */
  model: string;
  hostname: string;
  kernel: string;
}

export interface ActivePackageInfo {
  sha256: string;
  sizeBytes: number;
  /** What the runtime read from the package (`latency-only`, a fixed-point format, ...). */
  format: string;
  model: BoardModelShape | null;
}

export const BOARD_TENSOR_DTYPES = ['int8', 'uint8', 'int16', 'int32', 'float32'] as const;
export type BoardTensorDtype = (typeof BOARD_TENSOR_DTYPES)[number];

/** A tensor on the wire: little-endian element bytes, row-major. */
export interface BoardTensor {
  name: string;
  dtype: BoardTensorDtype;
  shape: number[];
  data: Uint8Array;
}

/** One timed execution: the accelerator's share and the ARM cores' share (fallback ops, gathers). */
export interface BoardLatencySample {
  totalMs: number;
  acceleratorMs: number;
  cpuMs: number;
}

export interface LatencyStats {
  count: number;
  meanMs: number;
  stdMs: number;
  minMs: number;
  maxMs: number;
  medianMs: number;
  meanAcceleratorMs: number;
  meanCpuMs: number;
}
