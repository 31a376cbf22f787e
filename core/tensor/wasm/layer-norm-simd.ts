/**
 * Runs the LayerNorm SIMD functions (layer-norm-simd-bytes.ts) in place on a WebAssembly memory that
 * already holds the tensors (the wasm backend's heap): no copies in or out.
 */
import { instantiateOnMemory } from './heap-module';
import { layerNormBackwardModuleBytes, layerNormForwardModuleBytes } from './layer-norm-simd-bytes';

import type { WasmMemoryLike } from './weight-gradient';

/* eslint-disable max-params -- the WebAssembly functions' own signatures: nine and ten i32 arguments. */
interface ForwardExports {
  lnf: (x: number, gamma: number, beta: number, y: number, mean: number, rstd: number, rows: number, d: number, epsBits: number) => void;
}
interface BackwardExports {
  lnb: (dy: number, x: number, mean: number, rstd: number, gamma: number, dx: number, dgamma: number, dbeta: number, rows: number, d: number) => void;
}
/* eslint-enable max-params */

/** Byte addresses in the memory. */
export interface LayerNormForwardAddresses {
  x: number;
  gamma: number;
  beta: number;
  y: number;
  mean: number;
  rstd: number;
}

export interface LayerNormBackwardAddresses {
  dy: number;
  x: number;
  mean: number;
  rstd: number;
  gamma: number;
  dx: number;
  dgamma: number;
  dbeta: number;
}

export interface LayerNormRows {
  rows: number;
  /** Row width, a multiple of 4. */
  d: number;
}

const sources = [{ bytes: layerNormForwardModuleBytes }, { bytes: layerNormBackwardModuleBytes }];

function epsBits(eps: number): number {
  return new Int32Array(Float32Array.of(eps).buffer)[0] as number;
}

function checkWidth(d: number): void {
  if (d % 4 !== 0 || d <= 0) throw new RangeError(`The LayerNorm SIMD kernel needs a positive row width that is a multiple of 4, got ${d}.`);
}

export class WasmLayerNorm {
  private constructor(
    private readonly forwardExports: ForwardExports,
    private readonly backwardExports: BackwardExports,
    readonly memory: WasmMemoryLike,
  ) {}

  /** null where WebAssembly SIMD is not available or the memory cannot be imported (shared memory). */
  static create(memory: WasmMemoryLike): WasmLayerNorm | null {
    const exports = instantiateOnMemory(memory, sources);
    return exports === null ? null : new WasmLayerNorm(exports[0] as ForwardExports, exports[1] as BackwardExports, memory);
  }

  /** y, mean and rstd of every row of x; the outputs must overlap no input. */
  forward(at: LayerNormForwardAddresses, { rows, d }: LayerNormRows, eps: number): void {
    checkWidth(d);
    this.forwardExports.lnf(at.x, at.gamma, at.beta, at.y, at.mean, at.rstd, rows, d, epsBits(eps));
  }

  /** dx of every row and dgamma, dbeta summed over rows; the outputs must overlap no input. */
  backward(at: LayerNormBackwardAddresses, { rows, d }: LayerNormRows): void {
    checkWidth(d);
    this.backwardExports.lnb(at.dy, at.x, at.mean, at.rstd, at.gamma, at.dx, at.dgamma, at.dbeta, rows, d);
  }
}
