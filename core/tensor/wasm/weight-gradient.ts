/**
 * Runs the weight-gradient module (f32-weight-gradient.ts) in place on a WebAssembly memory that
 * already holds x and dy (the wasm backend's heap): no copies in or out.
 */
import { weightGradientModuleBytes } from './f32-weight-gradient';
import { instantiateOnMemory } from './heap-module';

import type { WasmMemoryLike } from './heap-module';

export type { WasmMemoryLike } from './heap-module';

interface WeightGradientExports {
  // The WebAssembly function's own signature: nine i32 arguments.
  // eslint-disable-next-line max-params
  wg: (x: number, dy: number, g: number, sums: number, rows: number, inF: number, outF: number, chunk: number, withSums: number) => void;
}

/** Byte addresses in the memory; sums is only written when given. */
export interface WeightGradientAddresses {
  x: number;
  dy: number;
  g: number;
  sums?: number;
}

export interface WeightGradientShape {
  rows: number;
  inFeatures: number;
  /** A multiple of 4. */
  outFeatures: number;
}

/**
 * Rows per chunk: the chunk of dy (rows x out floats) is re-read once per 4 rows of G, so it should
 * stay in L1/L2. At 6400 rows and in x out from 48x48 to 256x64, 64 and 128 were within noise of
 * each other and 5-15% faster than 16 or 32 (2-core EPYC, Node 20).
 */
export const WEIGHT_GRADIENT_CHUNK_ROWS = 64;

const sources = [{ bytes: weightGradientModuleBytes }];

export class WasmWeightGradient {
  private constructor(private readonly exports: WeightGradientExports, readonly memory: WasmMemoryLike) {}

  /** null where WebAssembly SIMD is not available or the memory cannot be imported (shared memory). */
  static create(memory: WasmMemoryLike): WasmWeightGradient | null {
    const exports = instantiateOnMemory(memory, sources);
    return exports === null ? null : new WasmWeightGradient(exports[0] as WeightGradientExports, memory);
  }

  /**
   * G [in][out] = x^T dy for x [rows][in] and dy [rows][out] at the given addresses, and the column
   * sums of dy where `sums` is given. The caller guarantees the ranges lie in the memory and that the
   * outputs overlap neither input.
   */
  compute(at: WeightGradientAddresses, shape: WeightGradientShape, chunkRows = WEIGHT_GRADIENT_CHUNK_ROWS): void {
    const { rows, inFeatures, outFeatures } = shape;
    if (outFeatures % 4 !== 0) throw new RangeError(`The weight-gradient kernel needs a multiple of 4 output features, got ${outFeatures}.`);
    if (!(chunkRows >= 1)) throw new RangeError(`Chunk rows must be positive, got ${chunkRows}.`);
    const withSums = at.sums === undefined ? 0 : 1;
    this.exports.wg(at.x, at.dy, at.g, at.sums ?? 0, rows, inFeatures, outFeatures, chunkRows, withSums);
  }
}
