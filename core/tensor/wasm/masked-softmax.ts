/**
 * Runs the masked-softmax modules (f32-masked-softmax.ts) in place on a WebAssembly memory that
 * already holds the tensors (the wasm backend's heap): no copies in or out.
 */
import { maskedSoftmaxGradModuleBytes, maskedSoftmaxModuleBytes } from './f32-masked-softmax';
import { instantiateOnMemory } from './heap-module';

import type { WasmMemoryLike } from './weight-gradient';

// The WebAssembly functions' own signatures: i32 arguments only.
/* eslint-disable max-params */
interface ForwardExports {
  maskedSoftmax: (s: number, p: number, out: number, batch: number, rows: number, queries: number, n: number, eps: number, epsOverN: number) => void;
}

interface GradientExports {
  maskedSoftmaxGrad: (s: number, p: number, dOut: number, ds: number, dp: number, batch: number, rows: number, queries: number, n: number, eps: number, epsOverN: number) => void;
}
/* eslint-enable max-params */

/** scores [batch, heads, queries, keys], policy [batch, keys]. */
export interface MaskedSoftmaxShape {
  batch: number;
  heads: number;
  queries: number;
  keys: number;
}

/** Byte addresses in the memory. */
export interface MaskedSoftmaxAddresses {
  scores: number;
  policy: number;
  out: number;
}

export interface MaskedSoftmaxGradAddresses {
  scores: number;
  policy: number;
  dOut: number;
  dScores: number;
  dPolicy: number;
}

const sources = [{ bytes: maskedSoftmaxModuleBytes }, { bytes: maskedSoftmaxGradModuleBytes }];

const bits = new DataView(new ArrayBuffer(4));

/** The bits of value rounded to f32, as an i32. */
function f32Bits(value: number): number {
  bits.setFloat32(0, value, true);
  return bits.getInt32(0, true);
}

/** The i32 arguments after the pointers: batch, rows, queries, n, eps, eps / n (as the composite op rounds them). */
function shapeArguments(shape: MaskedSoftmaxShape, eps: number): [number, number, number, number, number, number] {
  const { batch, heads, queries, keys } = shape;
  return [batch, heads * queries, queries, keys, f32Bits(eps), f32Bits(eps / keys)];
}

export class WasmMaskedSoftmax {
  private constructor(
    private readonly forward: ForwardExports,
    private readonly gradient: GradientExports,
    readonly memory: WasmMemoryLike,
  ) {}

  /** null where WebAssembly SIMD is not available or the memory cannot be imported (shared memory). */
  static create(memory: WasmMemoryLike): WasmMaskedSoftmax | null {
    const exports = instantiateOnMemory(memory, sources);
    return exports === null ? null : new WasmMaskedSoftmax(exports[0] as ForwardExports, exports[1] as GradientExports, memory);
  }

  /**
   * out = softmaxWithPolicy(scores, policy, eps). out must not overlap the inputs. policy's bytes are
   * overwritten during the call and restored before it returns. Needs queries <= keys.
   */
  softmax(at: MaskedSoftmaxAddresses, shape: MaskedSoftmaxShape, eps: number): void {
    this.forward.maskedSoftmax(at.scores, at.policy, at.out, ...shapeArguments(shape, eps));
  }

  /** The gradients of the scores and the policy given dOut; the outputs must not overlap the inputs. */
  softmaxGrad(at: MaskedSoftmaxGradAddresses, shape: MaskedSoftmaxShape, eps: number): void {
    this.gradient.maskedSoftmaxGrad(at.scores, at.policy, at.dOut, at.dScores, at.dPolicy, ...shapeArguments(shape, eps));
  }
}
