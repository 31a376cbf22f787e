/** Cost of the operators that are not GEMMs: element-wise math, reductions, data movement. */
import type { MemorySystem } from './gemm-timing';
import type { WorkerCore } from './estimator';

/** Cycles per output element on one NEON core (4 fp32 lanes), by operator. */
const CYCLES_PER_ELEMENT: Record<string, number> = {
  ADD: 0.5, SUB: 0.5, MUL: 0.5, DIV: 1.5, MAXIMUM: 0.5, MINIMUM: 0.5, SQUARED_DIFFERENCE: 0.6, ABS: 0.3, NEG: 0.3,
  RELU: 0.25, RELU6: 0.3, HARD_SWISH: 0.8, LOGISTIC: 3, TANH: 3, EXP: 3, RSQRT: 1.2, SQRT: 1.2, SQUARE: 0.3, POW: 6,
  GELU: 4, SOFTMAX: 6, LOG_SOFTMAX: 7, MEAN: 0.4, SUM: 0.4, REDUCE_MAX: 0.4,
  TRANSPOSE: 1.2, CONCATENATION: 0.3, SLICE: 0.3, STRIDED_SLICE: 0.4, GATHER: 0.6, PAD: 0.4, PADV2: 0.4, TILE: 0.4,
  SPLIT: 0.3, SPLIT_V: 0.3, PACK: 0.3, UNPACK: 0.3, BROADCAST_TO: 0.4, CAST: 0.4, QUANTIZE: 0.6, DEQUANTIZE: 0.6,
  RESHAPE: 0.05, SQUEEZE: 0.05, EXPAND_DIMS: 0.05, SHAPE: 0,
  TOPK_V2: 6,
  AVERAGE_POOL_2D: 0.5, MAX_POOL_2D: 0.5, RESIZE_BILINEAR: 2, RESIZE_NEAREST_NEIGHBOR: 0.5, ARG_MAX: 0.5,
};
/** Reductions: the cost follows the input size, not the (smaller) output. */
const INPUT_SIZED = new Set(['TOPK_V2', 'MEAN', 'SUM', 'REDUCE_MAX', 'ARG_MAX', 'SOFTMAX', 'LOG_SOFTMAX', 'AVERAGE_POOL_2D', 'MAX_POOL_2D']);
/** Operators XNNPACK or TFLite run on one thread. */
const SINGLE_THREADED = new Set(['TOPK_V2', 'RESHAPE', 'SQUEEZE', 'EXPAND_DIMS', 'SHAPE', 'GATHER', 'STRIDED_SLICE', 'SLICE', 'CONCATENATION', 'PACK', 'UNPACK', 'ARG_MAX']);
const UNKNOWN_OP_CYCLES = 1;

export interface ElementwiseWork {
  opcode: string;
  inputElements: number;
  outputElements: number;
  /** Bytes read and written (activations, plus constant operands). */
  bytesMoved: number;
}

export function elementwiseTimeUs(work: ElementwiseWork, cores: WorkerCore[], memory: MemorySystem): number {
  const cyclesPerElement = CYCLES_PER_ELEMENT[work.opcode] ?? UNKNOWN_OP_CYCLES;
  const elements = INPUT_SIZED.has(work.opcode) ? work.inputElements : work.outputElements;
  const used = SINGLE_THREADED.has(work.opcode) ? cores.slice(0, 1) : cores;
  const megahertz = used.reduce((sum, core) => sum + core.cluster.maxFreqKHz / 1000, 0);
  const computeUs = megahertz > 0 ? (elements * cyclesPerElement) / megahertz : 0;
  const inCache = work.bytesMoved <= memory.lastLevelCacheKB * 1024;
  const bandwidthGBps = inCache
    ? used.reduce((sum, core) => sum + core.cluster.cacheBandwidthGBps, 0)
    : memory.dramBandwidthGBps;
  const memoryUs = bandwidthGBps > 0 ? work.bytesMoved / (bandwidthGBps * 1000) : 0;
  return Math.max(computeUs, memoryUs);
}

export function isParallelOp(opcode: string): boolean {
  return !SINGLE_THREADED.has(opcode);
}
