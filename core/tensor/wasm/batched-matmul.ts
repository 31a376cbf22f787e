/**
 * Runs the f32 batched-matmul module (f32-batched-matmul.ts) on Float32Arrays: copies A and B into
 * the module's own memory, multiplies, copies C out. The module cannot work on the tfjs heap in
 * place: the wasm backend does not expose its WebAssembly.Memory, only views of its buffer.
 * The memory grows to the largest product seen and is never returned (wasm memory cannot shrink).
 */
import { batchedMatmulModuleBytes } from './f32-batched-matmul';

export interface BatchedMatmulShape {
  batch: number;
  m: number;
  k: number;
  n: number;
}

/** The part of the WebAssembly API used here (core's lib settings do not declare it). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
}

interface BatchedMatmulExports {
  memory: { readonly buffer: ArrayBuffer; grow(pages: number): number };
  // The WebAssembly function's own signature: seven i32 arguments.
  // eslint-disable-next-line max-params
  mm: (a: number, b: number, c: number, batch: number, m: number, k: number, n: number) => void;
}

const PAGE_BYTES = 65536;
/** The kernel's last column block may read and write up to 3 floats past B and C. */
const SLACK_BYTES = 16;

function roundUp16(bytes: number): number {
  return Math.ceil(bytes / 16) * 16;
}

export class WasmBatchedMatmul {
  private constructor(private readonly exports: BatchedMatmulExports) {}

  /** null where WebAssembly SIMD is not available. */
  static create(): WasmBatchedMatmul | null {
    const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
    const bytes = batchedMatmulModuleBytes();
    if (api === undefined || !api.validate(bytes)) return null;
    const instance = new api.Instance(new api.Module(bytes));
    return new WasmBatchedMatmul(instance.exports as BatchedMatmulExports);
  }

  /** out[b] = a[b] x b[b] for a [batch, m, k] and b [batch, k, n], out [batch, m, n] (row-major). */
  multiply(a: Float32Array, b: Float32Array, out: Float32Array, shape: BatchedMatmulShape): void {
    const { batch, m, k, n } = shape;
    const aLength = batch * m * k;
    const bLength = batch * k * n;
    const cLength = batch * m * n;
    if (a.length < aLength || b.length < bLength || out.length < cLength) {
      throw new RangeError(`Batched matmul buffers are shorter than the shape ${batch}x${m}x${k}x${n} needs.`);
    }
    if (cLength === 0) return;
    const bAddress = roundUp16(aLength * 4);
    const cAddress = roundUp16(bAddress + bLength * 4 + SLACK_BYTES);
    this.ensure(cAddress + cLength * 4 + SLACK_BYTES);
    const buffer = this.exports.memory.buffer;
    new Float32Array(buffer, 0, aLength).set(a.subarray(0, aLength));
    new Float32Array(buffer, bAddress, bLength).set(b.subarray(0, bLength));
    this.exports.mm(0, bAddress, cAddress, batch, m, k, n);
    out.set(new Float32Array(buffer, cAddress, cLength));
  }

  private ensure(bytes: number): void {
    const memory = this.exports.memory;
    const have = memory.buffer.byteLength;
    if (bytes > have) memory.grow(Math.ceil((bytes - have) / PAGE_BYTES));
  }
}
